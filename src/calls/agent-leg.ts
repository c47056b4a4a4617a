// One offer of a queued call to one agent: ring the agent's phone, and if they answer, put
// caller and agent in one conference room named after the call and stay until the
// conversation ends. The agent's state follows every step (ringing is set by the store when
// it assigns the agent). Whatever happens, the agent's leg is never left behind: it is
// cancelled while ringing and hung up when the conversation ends on the caller's side.
//
// The conversation is more than caller and agent once the agent starts a three-way transfer
// (三方通话直转, transfer.ts): a department specialist joins the same room, and the agent may
// leave while caller and specialist talk on. So the agent's end is not the conversation's:
// the agent goes to wrap-up at once, and the caller leaves the room for the rest of the flow
// (the survey) only when nobody else is left in it — told by the ConversationWatcher.

import type { Logger } from 'pino'
import { abortError } from '../errors.js'
import type { QueueRequest } from '../ports/acd.js'
import type { Clock } from '../ports/clock.js'
import type { AgentRecord } from '../ports/store.js'
import type { DialOutcomeKind, LegEvent, SwitchPort } from '../ports/switch.js'
import type { AgentGroupSettings, Agents } from './agents.js'

export type OfferResult =
  /** The agent talked with the caller; the conversation is over and the caller is still up. */
  | { kind: 'served', answeredAt: number, endedAt: number }
  /** The agent did not take the call: the caller goes back to the head of the queue. */
  | { kind: 'not-answered', why: string }

export interface OfferDeps {
  switch: SwitchPort
  agents: Agents
  clock: Clock
  callerIdNumber: string
  /** Who else may join a conversation (the three-way transfer); none: it ends with the agent. */
  conversations?: ConversationWatcher
}

/** A conversation in progress: caller and agent in the call's room, perhaps a specialist later. */
export interface LiveConversation {
  readonly callId: string
  readonly callerLegId: string
  readonly room: string
  readonly agentId: string
  readonly agentLegId: string
  readonly group: string
  /** The caller's IVR choices when they were queued. */
  readonly choices: Readonly<Record<string, string>>
  readonly connectedAt: number
  /** Aborted when the caller hangs up. */
  readonly signal: AbortSignal
  readonly log: Logger
  /** Takes the agent out of the call: their leg leaves the room and is hung up. */
  releaseAgent(): Promise<void>
}

/**
 * Told of each conversation's course, so others can join it (transfer.ts). The conversation
 * ends when the caller hangs up, or once the agent is gone and `othersDone` resolves.
 */
export interface ConversationWatcher {
  /** Caller and agent are connected in the room. */
  started(conversation: LiveConversation): void
  /** The agent hung up or left the room; they are in wrap-up now. */
  agentGone(callId: string, at: number): void
  /** Resolves once nobody but the caller is left to talk to (no specialist, no hunt). */
  othersDone(callId: string): Promise<void>
  /** The conversation is over: everything still attached to it must go. */
  ended(callId: string): void
}

export interface OfferHooks {
  /** Called once the agent answered, before the caller is moved: stop what the caller hears. */
  beforeConnect: () => Promise<void>
  /** Called once caller and agent are in the room. */
  connected: (answeredAt: number) => void
}

/** The conference room of a call: one per call, so the three-way transfer can join it. */
export const roomOf = (callId: string): string => `call-${callId}`

/** Outcomes that say the agent let the call go (the agent's doing, not the line's). */
const REFUSED: ReadonlySet<DialOutcomeKind> = new Set(['no-answer', 'busy', 'rejected'])

/**
 * Offers the call to `agent` (already moved to ringing for it). Throws the caller's abort error
 * when the caller hangs up; the agent is then ready again (ringing) or in wrap-up (talking).
 */
export async function offerToAgent (
  deps: OfferDeps, agent: AgentRecord, group: AgentGroupSettings, request: QueueRequest, hooks: OfferHooks
): Promise<OfferResult> {
  const { switch: sw, agents } = deps
  const { callId, signal } = request
  const log = request.log.child({ agentId: agent.id })
  log.info({ group: group.id }, 'ringing agent')
  let outcome
  try {
    outcome = await sw.dial({
      target: { number: agent.extension, trunk: 'agent' },
      callerIdNumber: deps.callerIdNumber,
      ringTimeoutMs: group.ringTimeoutSec * 1000,
      signal
    })
  } catch (err) {
    // The switch failed, not the agent: they may take the next call.
    await agents.cancelled(agent.id, callId)
    throw err
  }
  if (outcome.kind === 'answered' && signal.aborted) {
    // Answered in the same moment the caller hung up: nobody to talk to.
    await sw.hangup(outcome.legId, 'normal').catch((err: unknown) => { log.warn({ err }, 'agent leg hangup failed') })
  }
  if (outcome.kind === 'cancelled' || signal.aborted) {
    log.info('caller hung up while the agent rang: dial cancelled')
    await agents.cancelled(agent.id, callId)
    throw abortError(signal)
  }
  if (outcome.kind !== 'answered') {
    // Unreachable or failed means the agent's phone is not there (unregistered): not ready
    // too, so callers are not offered to it again, with the reason saying so.
    const reason = REFUSED.has(outcome.kind) ? 'no-answer' : outcome.kind
    log.info({ outcome: outcome.kind, switchCause: outcome.cause.text, reason }, 'agent did not answer')
    await agents.noAnswer(agent.id, callId, group.id, reason)
    return { kind: 'not-answered', why: outcome.kind }
  }
  return await talk(deps, agent, group, request, outcome.legId, hooks, log)
}

async function talk (
  deps: OfferDeps, agent: AgentRecord, group: AgentGroupSettings, request: QueueRequest,
  agentLeg: string, hooks: OfferHooks, log: Logger
): Promise<OfferResult> {
  const { switch: sw, agents, clock, conversations } = deps
  const { callId, signal } = request
  const room = roomOf(callId)
  const agentEnd = watchAgentLeg(sw, agentLeg, room)
  const callerEnd = watchAbort(signal)
  let connectedAt: number | undefined
  let callerInRoom = false
  let watched = false
  let agentDone = false
  /** Once: the agent's leg is hung up (if still up) and the agent goes to wrap-up. */
  const endAgent = async (): Promise<void> => {
    if (agentDone) return
    agentDone = true
    if (!agentEnd.gone()) {
      await sw.hangup(agentLeg, 'normal').catch((err: unknown) => { log.warn({ err }, 'agent leg hangup failed') })
    }
    await agents.ended(agent.id, callId, group.id)
  }
  try {
    const on = await agents.answered(agent.id, callId)
    // The agent did pick up: connect them even if their record moved meanwhile.
    if (!on.ok) log.warn({ reason: on.reason }, 'agent answered but the state change was refused')
    await hooks.beforeConnect()
    if (signal.aborted) throw abortError(signal)
    await sw.joinConference(request.legId, room)
    callerInRoom = true
    await sw.joinConference(agentLeg, room)
    connectedAt = clock.now()
    hooks.connected(connectedAt)
    log.info({ room }, 'caller connected to agent')
    conversations?.started({
      callId,
      callerLegId: request.legId,
      room,
      agentId: agent.id,
      agentLegId: agentLeg,
      group: group.id,
      choices: { ...request.choices },
      connectedAt,
      signal,
      log,
      releaseAgent: async () => {
        await sw.leaveConference(agentLeg, room)
        await sw.hangup(agentLeg, 'normal')
      }
    })
    watched = conversations !== undefined
    const how = await Promise.race([agentEnd.done, callerEnd.done])
    if (how === 'caller-gone') throw abortError(signal)
    log.info({ how, talkedMs: clock.now() - connectedAt }, 'agent ended their part of the conversation')
    await endAgent()
    if (conversations !== undefined) {
      // A specialist may still be talking with the caller (or being dialled): wait for them.
      conversations.agentGone(callId, clock.now())
      const after = await Promise.race([conversations.othersDone(callId).then(() => 'others-done' as const), callerEnd.done])
      if (after === 'caller-gone') throw abortError(signal)
    }
    // The caller stays up for the rest of the flow, out of the room so prompts reach them.
    await sw.leaveConference(request.legId, room)
    return { kind: 'served', answeredAt: connectedAt, endedAt: clock.now() }
  } catch (err) {
    if (signal.aborted) {
      log.info('caller hung up during the conversation')
      throw abortError(signal)
    }
    if (connectedAt === undefined && agentEnd.gone()) {
      // The agent hung up between answering and being connected: the caller waits on.
      log.warn({ err }, 'agent hung up before the caller was connected')
      if (callerInRoom) await sw.leaveConference(request.legId, room).catch(() => undefined)
      return { kind: 'not-answered', why: 'agent-hung-up' }
    }
    throw err
  } finally {
    agentEnd.stop()
    callerEnd.stop()
    if (watched) conversations?.ended(callId)
    await endAgent()
  }
}

interface LegWatch {
  /** Resolves when the agent hangs up or leaves the room. */
  done: Promise<'agent-hung-up' | 'agent-left'>
  gone: () => boolean
  stop: () => void
}

function watchAgentLeg (sw: SwitchPort, legId: string, room: string): LegWatch {
  let gone = false
  let resolve: (how: 'agent-hung-up' | 'agent-left') => void = () => undefined
  const done = new Promise<'agent-hung-up' | 'agent-left'>((r) => { resolve = r })
  const stop = sw.onLegEvent(legId, (event: LegEvent) => {
    if (event.type === 'hangup') {
      gone = true
      resolve('agent-hung-up')
    } else if (event.type === 'conference-left' && event.room === room) {
      resolve('agent-left')
    }
  })
  return { done, gone: () => gone, stop }
}

function watchAbort (signal: AbortSignal): { done: Promise<'caller-gone'>, stop: () => void } {
  let onAbort: () => void = () => undefined
  const done = new Promise<'caller-gone'>((resolve) => {
    onAbort = () => { resolve('caller-gone') }
    if (signal.aborted) resolve('caller-gone')
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  return { done, stop: () => { signal.removeEventListener('abort', onAbort) } }
}
