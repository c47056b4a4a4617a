// The queue to enterprise-seat agents (automatic call distribution). A caller joins the
// group's queue in the store; the store hands the longest-idle ready agent to the caller at
// the head, so callers are served in order and no agent gets two calls even with several
// controllers on one store. This controller then rings the agent (agent-ring.ts) and, if the
// agent does not answer, puts the caller back at the head with the original time and tries
// the next agent. While waiting the caller hears their position (queue-announcer.ts, through
// the call's owner); after maxWaitMs they leave by the flow's overflow branch. An agent who
// answers is handed back to the call's owner, which puts the caller through.
//
// A waiting caller tries again every `pollMs` (agents freed on other controllers) and at once
// when an agent of the group becomes ready here or a caller of the group leaves the queue.

import type { Logger } from 'pino'
import { HotlineError, abortError } from '../errors.js'
import type { Acd, QueueOutcome, QueueRequest } from '../ports/acd.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { AgentRecord } from '../domain/call-record.js'
import type { SwitchPort } from '../ports/switch.js'
import { ringAgent } from './agent-ring.js'
import type { AgentGroupSettings, Agents } from './agents.js'
import { QueueAnnouncer } from './queue-announcer.js'

export interface AcdDeps {
  switch: SwitchPort
  store: Store
  agents: Agents
  clock: Clock
  /** Caller ID agents' phones show: the hotline's number, never the caller's. */
  callerIdNumber: string
  /** Written on the legs it dials (LegTag). */
  controllerId?: string
  /** How often a waiting caller asks the store for an agent anyway; default 500 ms. */
  pollMs?: number
  /** A queue entry not touched for this long is dropped (its controller died); default 30 s. */
  queueTtlMs?: number
}

export class QueueAcd implements Acd {
  readonly #deps: AcdDeps
  readonly #pollMs: number
  readonly #ttlMs: number
  /** Sleeping callers by group; waking one makes it ask the store again now. */
  readonly #sleepers = new Map<string, Set<() => void>>()
  /** Wake-ups per group, so one that comes while a caller is not yet asleep is not lost. */
  readonly #wakes = new Map<string, number>()
  /** Aborted by close(): callers still waiting leave the queue. */
  readonly #closing = new AbortController()
  readonly #onReady = (agent: AgentRecord): void => { for (const g of agent.groups) this.#wake(g) }

  constructor (deps: AcdDeps) {
    this.#deps = deps
    this.#pollMs = deps.pollMs ?? 500
    this.#ttlMs = deps.queueTtlMs ?? 30_000
    deps.agents.on('ready', this.#onReady)
  }

  /** Stops: callers still waiting leave the queue (HC_SHUTTING_DOWN); conversations go on. */
  close (): void {
    this.#deps.agents.off('ready', this.#onReady)
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
    const enqueuedAt = request.enqueuedAt ?? clock.now()
    const deadline = enqueuedAt + request.maxWaitMs
    const entry = new QueueEntry(store, clock, { group: group.id, callId, at: enqueuedAt, ttlMs: this.#ttlMs }, log)
    await entry.join()
    request.onVisit?.({ group: group.id, enqueuedAt })
    log.info({ group: group.id, maxWaitMs: request.maxWaitMs }, 'waiting for an agent')
    const announcer = new QueueAnnouncer({
      everyMs: request.announceEveryMs,
      position: async () => entry.queued ? await store.queuePosition(group.id, callId, clock.now()) : undefined,
      announce: request.announce,
      signal,
      log
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
          const answered = await this.#offer(agent, group, request, enqueuedAt, announcer)
          if (answered !== undefined) return answered
          await entry.join()
          request.onRequeued?.()
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
    const log = request.log.child({ agentId: agent.id })
    request.onRinging?.(agent.id)
    const result = await ringAgent(this.#deps, agent, group, request.callId, request.signal, log)
    if (result.kind === 'not-answered') {
      log.info({ why: result.why }, 'back to the head of the queue')
      return undefined
    }
    // Nothing the queue plays may talk over the conversation.
    await announcer.stop()
    const answeredAt = this.#deps.clock.now()
    request.onVisit?.({ servedAt: answeredAt, agentId: agent.id })
    return { kind: 'agent', agentId: agent.id, legId: result.legId, group: group.id, answeredAt, waitedMs: answeredAt - enqueuedAt }
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
