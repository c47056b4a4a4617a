// The queue to enterprise-seat agents (automatic call distribution). A caller joins the
// group's queue in the store; the store hands the longest-idle ready agent to the caller at
// the head, so callers are served in order and no agent gets two calls even with several
// controllers on one store. This controller then rings the agent (agent-leg.ts) and, if the
// agent does not answer, puts the caller back at the head with the original time and tries
// the next agent. While waiting the caller hears their position (queue-announcer.ts); after
// maxWaitMs they leave by the flow's overflow branch.
//
// A waiting caller tries again every `pollMs` (agents freed on other controllers) and at once
// when an agent of the group becomes ready here or a caller of the group leaves the queue.

import type { Logger } from 'pino'
import { HotlineError, abortError } from '../errors.js'
import type { Acd, QueueOutcome, QueueRequest } from '../ports/acd.js'
import type { Clock } from '../ports/clock.js'
import type { AgentRecord, Store } from '../ports/store.js'
import type { PromptHealth } from '../flows/prompt-health.js'
import type { SwitchPort } from '../ports/switch.js'
import { type ConversationWatcher, offerToAgent } from './agent-leg.js'
import type { AgentGroupSettings, Agents } from './agents.js'
import { QueueAnnouncer } from './queue-announcer.js'

export interface AcdDeps {
  switch: SwitchPort
  store: Store
  agents: Agents
  clock: Clock
  /** Caller ID agents' phones show: the hotline's number, never the caller's. */
  callerIdNumber: string
  /** Prompts the queue plays (a missing one is skipped and counted). */
  prompts: PromptHealth
  /** How often a waiting caller asks the store for an agent anyway; default 500 ms. */
  pollMs?: number
  /** A queue entry not touched for this long is dropped (its controller died); default 30 s. */
  queueTtlMs?: number
  /**
   * Told of every conversation's course (the three-way transfer joins specialists to it and
   * keeps it going after the agent leaves); none: a conversation ends with the agent's leg.
   */
  conversations?: ConversationWatcher
}

/** The call an agent is ringing for, talking on or wrapping up, as this controller knows it. */
export interface AgentCall {
  agentId: string
  callId: string
  /** The caller's leg. */
  legId: string
  group: string
  /** The caller's IVR choices (priority, category, matter, …). */
  choices: Record<string, string>
  enqueuedAt: number
  offeredAt: number
  answeredAt?: number
}

export class QueueAcd implements Acd {
  readonly #deps: AcdDeps
  readonly #pollMs: number
  readonly #ttlMs: number
  /** Sleeping callers by group; waking one makes it ask the store again now. */
  readonly #sleepers = new Map<string, Set<() => void>>()
  /** Wake-ups per group, so one that comes while a caller is not yet asleep is not lost. */
  readonly #wakes = new Map<string, number>()
  readonly #calls = new Map<string, AgentCall>()
  /** Aborted by close(): callers still waiting leave the queue. */
  readonly #closing = new AbortController()
  readonly #onReady = (agent: AgentRecord): void => { for (const g of agent.groups) this.#wake(g) }
  readonly #onChanged = (agent: AgentRecord): void => {
    // The agent is done with the call (wrap-up over, logged out, …): forget it.
    if (this.#calls.get(agent.id)?.callId !== agent.callId) this.#calls.delete(agent.id)
  }

  constructor (deps: AcdDeps) {
    this.#deps = deps
    this.#pollMs = deps.pollMs ?? 500
    this.#ttlMs = deps.queueTtlMs ?? 30_000
    deps.agents.on('ready', this.#onReady)
    deps.agents.on('changed', this.#onChanged)
  }

  /** The call `agentId` is on, when this controller put them on it. */
  currentCall (agentId: string): AgentCall | undefined {
    return this.#calls.get(agentId)
  }

  /** Stops: callers still waiting leave the queue (HC_SHUTTING_DOWN); conversations go on. */
  close (): void {
    this.#deps.agents.off('ready', this.#onReady)
    this.#deps.agents.off('changed', this.#onChanged)
    this.#closing.abort(new HotlineError('HC_SHUTTING_DOWN', 'the queue to agents is closed'))
  }

  async queue (request: QueueRequest): Promise<QueueOutcome> {
    const { store, clock, agents } = this.#deps
    const { callId, signal, log } = request
    const group = agents.group(request.group)
    if (group === undefined) throw new HotlineError('HC_CONFIG_INVALID', `unknown agent group ${request.group}`)
    if (signal.aborted) throw abortError(signal)
    if (this.#closing.signal.aborted) throw abortError(this.#closing.signal)
    const waiting = AbortSignal.any([signal, this.#closing.signal])
    const enqueuedAt = clock.now()
    const deadline = enqueuedAt + request.maxWaitMs
    const entry = new QueueEntry(store, clock, { group: group.id, callId, at: enqueuedAt, ttlMs: this.#ttlMs }, log)
    await entry.join()
    request.onVisit?.({ group: group.id, enqueuedAt })
    log.info({ group: group.id, maxWaitMs: request.maxWaitMs }, 'waiting for an agent')
    const announcer = new QueueAnnouncer(this.#deps.switch, {
      legId: request.legId,
      everyMs: request.announceEveryMs,
      position: async () => entry.queued ? await store.queuePosition(group.id, callId, clock.now()) : undefined,
      signal,
      log,
      prompts: this.#deps.prompts
    })
    try {
      for (;;) {
        if (waiting.aborted) throw abortError(waiting)
        const wakes = this.#wakes.get(group.id) ?? 0
        const agent = await store.assignAgent(group.id, callId, clock.now())
        if (agent !== undefined) {
          entry.assigned()
          // Another ready agent may serve the caller now at the head.
          this.#wake(group.id)
          const served = await this.#offer(agent, group, request, enqueuedAt, announcer)
          if (served !== undefined) return served
          await entry.join()
          continue
        }
        const now = clock.now()
        if (now >= deadline) {
          await entry.leave()
          request.onVisit?.({ overflowAt: now })
          log.info({ waitedMs: now - enqueuedAt }, 'no agent in time: overflow')
          return { kind: 'overflow', waitedMs: now - enqueuedAt }
        }
        announcer.start()
        if ((this.#wakes.get(group.id) ?? 0) === wakes) {
          await this.#sleep(group.id, Math.min(this.#pollMs, deadline - now), waiting)
        }
      }
    } catch (err) {
      if (signal.aborted) {
        log.info({ waitedMs: clock.now() - enqueuedAt }, 'caller hung up while queued')
        request.onVisit?.({ abandonedAt: clock.now() })
      }
      throw err
    } finally {
      await announcer.stop()
      await entry.leave().catch((err: unknown) => { log.warn({ err }, 'leaving the queue failed (the entry expires)') })
      this.#wake(group.id)
    }
  }

  async #offer (
    agent: AgentRecord, group: AgentGroupSettings, request: QueueRequest, enqueuedAt: number, announcer: QueueAnnouncer
  ): Promise<QueueOutcome | undefined> {
    const { clock } = this.#deps
    const call: AgentCall = {
      agentId: agent.id,
      callId: request.callId,
      legId: request.legId,
      group: group.id,
      choices: { ...request.choices },
      enqueuedAt,
      offeredAt: clock.now()
    }
    this.#calls.set(agent.id, call)
    const result = await offerToAgent(this.#deps, agent, group, request, {
      beforeConnect: async () => { await announcer.stop() },
      connected: (answeredAt) => {
        call.answeredAt = answeredAt
        request.onVisit?.({ servedAt: answeredAt, agentId: agent.id })
      }
    })
    if (result.kind === 'not-answered') {
      request.log.info({ why: result.why }, 'back to the head of the queue')
      return undefined
    }
    return {
      kind: 'served',
      agentId: agent.id,
      waitedMs: result.answeredAt - enqueuedAt,
      talkedMs: result.endedAt - result.answeredAt
    }
  }

  #wake (group: string): void {
    this.#wakes.set(group, (this.#wakes.get(group) ?? 0) + 1)
    const sleepers = this.#sleepers.get(group)
    if (sleepers !== undefined) for (const wake of [...sleepers]) wake()
  }

  #sleep (group: string, ms: number, signal: AbortSignal): Promise<void> {
    let sleepers = this.#sleepers.get(group)
    if (sleepers === undefined) {
      sleepers = new Set()
      this.#sleepers.set(group, sleepers)
    }
    const set = sleepers
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        set.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      set.add(done)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/** The caller's entry in the store's queue, kept alive by touching it while queued. */
class QueueEntry {
  readonly #store: Store
  readonly #clock: Clock
  readonly #key: { group: string, callId: string, at: number, ttlMs: number }
  readonly #log: Logger
  #timer: NodeJS.Timeout | undefined
  #queued = false

  constructor (store: Store, clock: Clock, key: { group: string, callId: string, at: number, ttlMs: number }, log: Logger) {
    this.#store = store
    this.#clock = clock
    this.#key = key
    this.#log = log
  }

  get queued (): boolean {
    return this.#queued
  }

  /** Joins, or rejoins with the first enqueue time: back at the head, ahead of later callers. */
  async join (): Promise<void> {
    const { group, callId, at, ttlMs } = this.#key
    // The store counts the entry's life from `at`; a rejoin must not arrive already expired.
    await this.#store.enqueue(group, callId, at, ttlMs + Math.max(0, this.#clock.now() - at))
    this.#queued = true
    this.#timer ??= setInterval(() => { this.#touch() }, Math.max(50, Math.floor(ttlMs / 3)))
  }

  /** The store removed the entry when it assigned an agent. */
  assigned (): void {
    this.#queued = false
  }

  async leave (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    if (!this.#queued) return
    this.#queued = false
    await this.#store.leaveQueue(this.#key.group, this.#key.callId)
  }

  #touch (): void {
    if (!this.#queued) return
    const { group, callId, ttlMs } = this.#key
    this.#store.touchQueue(group, callId, this.#clock.now(), ttlMs)
      .catch((err: unknown) => { this.#log.warn({ err }, 'queue entry not refreshed') })
  }
}
