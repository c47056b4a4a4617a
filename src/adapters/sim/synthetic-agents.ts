// Synthetic agents for the simulator's traffic (traffic.ts): the part of an enterprise-seat
// agent a phone cannot play. A simulated phone answers and talks, but only an agent starts a
// three-way transfer (三方通话直转), through POST /api/calls/:id/transfer in production. These
// agents do it in-process on the same call manager the route calls, so transfers,
// the hunt, department dials, connection rates and tickets all run as they do for people:
//
// - logged in ready at start (the agents a person is not using: the controller gives them a
//   list of ids, and they never act for any other agent);
// - a few seconds into each conversation of a transferring group, they ask for the caller's
//   matter (chosen in the IVR, else one of the caller's category, else any matter);
// - once the specialist is in the room, most leave the three-way call (caller and specialist
//   talk on), the others stay until their phone hangs up;
// - after a call, they end the wrap-up after `wrapUpMs` when set (else the group's wrap-up
//   time runs), and they get ready again if a call left them not ready.
//
// Every delay is script time, made real by `scaled` (SimSwitch.scaled), like the phones.

import type { Logger } from 'pino'
import type { AgentRecord } from '../../domain/call-record.js'
import type { TransferRecord } from '../../domain/transfer-record.js'
import type { Agents } from '../../calls/agents.js'
import type { CallManager } from '../../calls/call-manager.js'
import type { Transfers } from '../../calls/transfer.js'
import type { Directory, Matter } from '../../domain/directory.js'

export interface SyntheticAgentOptions {
  agents: Agents
  /** What the calls API does for an agent: their call's conversation, transfer, leave. */
  calls: Pick<CallManager, 'live' | 'transfer' | 'leave'>
  /** The transfers' events (a specialist connected). */
  transfers: Pick<Transfers, 'on' | 'off'>
  directory: Directory
  /** The agents played here; logged in ready at start. */
  agentIds: readonly string[]
  /** Script ms → real ms (SimSwitch.scaled). */
  scaled: (ms: number) => number
  logger: Logger
  /** Uniform [0, 1); default Math.random. */
  random?: () => number
  /** Chance an agent leaves once the specialist is in (default 0.6). */
  leaveProbability?: number
  /** Groups whose calls are transferred (default: enterprise-seat). */
  transferGroups?: readonly string[]
  /** End the wrap-up after this many script ms; default: the group's wrap-up time runs. */
  wrapUpMs?: number
  /** Told just before each transfer request is made (the bench times the first dial from here). */
  onTransferRequest?: (callId: string, matter: Matter) => void
}

export interface SyntheticAgentStats {
  loggedIn: number
  conversations: number
  transfersRequested: number
  transfersRefused: number
  left: number
}

export interface SyntheticAgents {
  stop(): void
  stats(): SyntheticAgentStats
}

const between = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min))

/** The matter the agent transfers to: the caller's, else one of their category, else any. */
export function matterFor (choices: Readonly<Record<string, string>>, directory: Directory, random: () => number): Matter | undefined {
  const chosen = choices.matter === undefined ? undefined : directory.matter(choices.matter)
  if (chosen !== undefined) return chosen
  const pool = choices.category === undefined ? [] : directory.mattersByCategory(choices.category)
  const from = pool.length > 0 ? pool : directory.matters()
  return from[Math.floor(random() * from.length)]
}

export async function startSyntheticAgents (options: SyntheticAgentOptions): Promise<SyntheticAgents> {
  const { agents, calls, transfers, directory, scaled, logger } = options
  const random = options.random ?? Math.random
  const leaveProbability = options.leaveProbability ?? 0.6
  const groups = new Set(options.transferGroups ?? ['enterprise-seat'])
  const ours = new Set(options.agentIds)
  const counts: SyntheticAgentStats = { loggedIn: 0, conversations: 0, transfersRequested: 0, transfersRefused: 0, left: 0 }
  const timers = new Set<NodeJS.Timeout>()
  let stopped = false

  const later = (scriptMs: number, fn: () => Promise<void>): void => {
    if (stopped) return
    const handle = setTimeout(() => {
      timers.delete(handle)
      if (stopped) return
      fn().catch((err: unknown) => { logger.warn({ err }, 'synthetic agent step failed') })
    }, scaled(scriptMs))
    handle.unref()
    timers.add(handle)
  }

  /** A few seconds into the conversation: the agent has heard the caller and asks for the department. */
  const transferSoon = (agentId: string, callId: string, tries = 3): void => {
    later(between(random, 4000, 12_000), async () => {
      const view = calls.live(callId)
      if (view === undefined) {
        // The conversation may not be begun here yet (joins still confirming): look again.
        if (tries > 1) transferSoon(agentId, callId, tries - 1)
        return
      }
      if (view.agentId !== agentId || !view.agentPresent || view.transfers.length > 0 || !groups.has(view.group)) return
      const matter = matterFor(view.choices, directory, random)
      if (matter === undefined) return
      options.onTransferRequest?.(callId, matter)
      try {
        await calls.transfer(callId, matter.id, { agentId })
        counts.transfersRequested++
      } catch (err) {
        counts.transfersRefused++
        logger.debug({ agentId, callId, err }, 'synthetic agent: transfer refused')
      }
    })
  }

  const onChanged = (agent: AgentRecord): void => {
    if (!ours.has(agent.id) || stopped) return
    const callId = agent.callId
    if (agent.state === 'on-call' && callId !== undefined) {
      counts.conversations++
      transferSoon(agent.id, callId)
    } else if (agent.state === 'wrap-up' && options.wrapUpMs !== undefined) {
      later(options.wrapUpMs, async () => { await agents.ready(agent.id) })
    } else if (agent.state === 'not-ready') {
      // A call left the agent not ready (a phone that did not answer): back after a while.
      later(20_000, async () => { await agents.ready(agent.id) })
    }
  }

  const onConnected = (record: TransferRecord): void => {
    const agentId = record.agentId
    if (agentId === undefined || !ours.has(agentId) || random() >= leaveProbability) return
    later(between(random, 3000, 12_000), async () => {
      await calls.leave(record.callId, { agentId })
      counts.left++
    })
  }

  agents.on('changed', onChanged)
  transfers.on('transfer.connected', onConnected)
  for (const id of ours) {
    // An agent still logged in from an earlier run (a shared store) is only made ready.
    const result = await agents.login(id, { ready: true })
    const ready = result.ok ? result : await agents.ready(id)
    if (ready.ok) counts.loggedIn++
    else logger.warn({ agentId: id, reason: ready.reason }, 'synthetic agent could not log in')
  }
  logger.info({ agents: counts.loggedIn, leaveProbability }, 'synthetic agents logged in ready')

  return {
    stop: () => {
      stopped = true
      for (const handle of timers) clearTimeout(handle)
      timers.clear()
      agents.off('changed', onChanged)
      transfers.off('transfer.connected', onConnected)
    },
    stats: () => ({ ...counts })
  }
}
