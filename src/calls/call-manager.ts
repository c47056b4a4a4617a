// Takes the calls the switch offers, runs one CallSession for each, and drains on shutdown:
// stop taking new calls, let calls in progress finish up to a deadline, then end the rest.

import { FinalWrites } from './final-writes.js'
import type { FinalJournal } from './final-journal.js'
import { randomUUID } from 'node:crypto'
import { callIdOf } from './call-id.js'
import type { Logger } from 'pino'
import { callIncrements } from '../domain/call-figures.js'
import { maskNumber } from '../logger.js'
import type { PromptHealth } from '../flows/prompt-health.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { CallRecord } from '../domain/call-record.js'
import type { FoundLeg, InboundCall, SwitchPort } from '../ports/switch.js'
import { HotlineError } from '../errors.js'
import type { TransferRecord } from '../domain/transfer-record.js'
import { type RecoveryDeps, recoverCalls } from './recovery.js'
import { CallSession, type CallSummary, type TakeOver } from './call-session.js'
import { type AgentCall, type LineServices, type ScriptChoice } from './call-context.js'
import type { LiveCallView, Requester } from './call-context.js'

export interface CallManagerDeps {
  switch: SwitchPort
  store: Store
  /** This controller's id: several controllers may share one switch and one store. */
  controllerId: string
  /** The script for a new call (the flow version in force when the call arrives). */
  pickScript: () => ScriptChoice
  logger: Logger
  metrics: Metrics
  clock: Clock
  prompts: PromptHealth
  /** The line's queue, agents and transfers (absent without the IVR). */
  line?: LineServices | undefined
  /** This controller's fencing token (its lease, ports/leases.ts); 0 or absent: none yet. */
  fence?: () => number
  /** Where ends waiting for the store are kept across a kill (absent: memory only). */
  journal?: FinalJournal | undefined
  /**
   * Looks for calls left behind at each connect to the switch (default). False when a lease
   * keeper calls `recover` instead, once it knows the lease is still held: a controller back
   * from a long cut must not act on calls a peer is taking over.
   */
  recoverOnConnect?: boolean
}

/** Told of every call record this controller wrote (a call started, moved, queued, ended). */
export type CallRecordListener = (record: CallRecord) => void

export class CallManager {
  readonly #deps: CallManagerDeps
  readonly #listeners = new Set<CallRecordListener>()
  readonly #sessions = new Map<string, { session: CallSession, done: Promise<CallSummary | undefined> }>()
  readonly #recent: CallSummary[] = []
  #draining = false
  #stop: () => void = () => undefined
  /** Calls' ends not stored yet (the store away), tried again until they are. */
  readonly #finalWrites: FinalWrites
  /** The ends an earlier run kept (journal): written before calls left behind are looked for. */
  #restored: Promise<unknown> = Promise.resolve()

  constructor (deps: CallManagerDeps) {
    this.#deps = deps
    this.#finalWrites = new FinalWrites({
      store: deps.store,
      log: deps.logger,
      gauge: deps.metrics.callEndsUnstored,
      onStored: (record) => { this.#written(record) },
      ...(deps.journal === undefined ? {} : { journal: deps.journal })
    })
  }

  /** Calls ended whose final record is not stored yet. */
  get unstoredEnds (): number {
    return this.#finalWrites.pending
  }

  start (): void {
    const { switch: sw } = this.#deps
    const stopCalls = sw.onInboundCall((call) => { this.#take(call) })
    // Each connect: what the switch holds that nobody here follows (calls left by this
    // controller before a restart, callers parked while it was away).
    const stopStatus = this.#deps.recoverOnConnect === false
      ? () => undefined
      : sw.onStatus((status) => { if (status.state === 'ready') this.recover() })
    this.#restored = this.#finalWrites.restore().catch((err: unknown) => {
      this.#deps.logger.error({ err }, 'reading the call ends kept by an earlier run failed: they are left on disk')
    })
    this.recover()
    this.#stop = () => { stopCalls(); stopStatus() }
  }

  #recovering: Promise<void> | undefined

  /**
   * Looks for this controller's own calls left on the switch (after each connect, and once its
   * lease is held: until then a peer may be taking them over).
   */
  recover (): void {
    if (this.#recovering !== undefined || this.#draining || this.#deps.switch.status().state !== 'ready') return
    const { logger } = this.#deps
    const fence = this.#deps.fence?.() ?? 0
    if (this.#deps.fence !== undefined && fence === 0) {
      logger.info('this controller\'s lease is not held yet: its calls left on the switch are looked for once it is')
      return
    }
    // A call whose end an earlier run kept is not left behind: it ended, its end is on the way.
    this.#recovering = this.#restored.then(async () => { await recoverCalls(this.#recoveryDeps(fence > 0 ? { fence } : {})) }).catch((err: unknown) => {
      logger.warn({ err }, 'finding the calls left on the switch failed; asked again at the next connect')
    }).finally(() => { this.#recovering = undefined })
  }

  /**
   * Takes over the calls of a peer whose lease lapsed (lease-keeper.ts): the ones with a
   * person go on here, the others are ended as after a restart; their records are written
   * with `fence`, so the peer, if only paused, can no longer write them. Throws when it
   * cannot (draining, the switch away), so the claim is dropped and made again.
   */
  async takeOverFrom (deadId: string, fence: number): Promise<void> {
    if (this.#draining) throw new HotlineError('HC_SHUTTING_DOWN', 'draining: a peer\'s calls are left to another controller')
    this.#deps.logger.warn({ deadController: deadId, fence }, 'taking over the calls of a controller whose lease lapsed')
    await recoverCalls(this.#recoveryDeps({ owner: deadId, fence }))
  }

  #recoveryDeps (whose: { owner?: string, fence?: number }): RecoveryDeps {
    const { switch: sw, store, controllerId, clock, metrics, logger } = this.#deps
    return {
      switch: sw,
      store,
      controllerId,
      clock,
      metrics,
      ...whose,
      log: logger,
      // A call ended here whose end waits for the store is not one to reap.
      isRunning: (callId) => this.#sessions.has(callId) || this.#finalWrites.has(callId),
      written: (record) => { this.#written(record) },
      ...(this.#deps.line === undefined ? {} : { takeOver: (takeOver: TakeOver, caller: FoundLeg) => this.#takeOver(takeOver, caller) })
    }
  }

  get draining (): boolean {
    return this.#draining
  }

  activeCount (): number {
    return this.#sessions.size
  }

  /** The last ended calls (newest last), for operators and tests. */
  recent (): readonly CallSummary[] {
    return this.#recent
  }

  /**
   * Calls `listener` after each call record this controller writes to the store, so the live
   * pages can refresh; returns the unsubscribe function. Listeners never affect the call.
   */
  onRecordWritten (listener: CallRecordListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** The conversation of a call in progress here, as the agent's screen shows it. */
  live (callId: string): LiveCallView | undefined {
    return this.#sessions.get(callId)?.session.view()
  }

  /** The call `agentId` is on here, as its owner knows it. */
  agentCall (agentId: string): AgentCall | undefined {
    for (const { session } of this.#sessions.values()) {
      const call = session.agentCall()
      if (call?.agentId === agentId) return call
    }
    return undefined
  }

  /** The caller's full number of a call in progress here (a ticket's callback number); never for display. */
  callerNumber (callId: string): string | undefined {
    return this.#sessions.get(callId)?.session.callerNumber
  }

  /** The agent a call in progress here is (or was last) with. */
  agentOf (callId: string): string | undefined {
    return this.#sessions.get(callId)?.session.agentId
  }

  /** A three-way transfer of a call in progress here (HC_NOT_FOUND / HC_TRANSFER_STATE otherwise). */
  async transfer (callId: string, matterId: string, by: Requester): Promise<TransferRecord> {
    if (this.#draining) throw new HotlineError('HC_SHUTTING_DOWN', 'the controller is shutting down')
    return await this.#session(callId).transfer(matterId, by)
  }

  /** The agent leaves the three-way call of a call in progress here. */
  async leave (callId: string, by: Requester): Promise<void> {
    await this.#session(callId).leave(by)
  }

  #session (callId: string): CallSession {
    const entry = this.#sessions.get(callId)
    if (entry === undefined) throw new HotlineError('HC_TRANSFER_STATE', `call ${callId} is not in progress on this controller`)
    return entry.session
  }

  /** Resolves when a call with this leg has ended (or at once if it is not in progress). */
  async whenEnded (legId: string): Promise<CallSummary | undefined> {
    for (const entry of this.#sessions.values()) {
      if (entry.session.legId === legId) return await entry.done
    }
    return this.#recent.find((s) => s.legId === legId)
  }

  /**
   * Stops taking calls, waits for calls in progress up to `deadlineMs`, then cancels the
   * rest (their scripts are aborted and their legs hung up) and waits for them to end.
   */
  async drain (deadlineMs: number): Promise<{ finished: number, cut: number }> {
    // Still listening: calls offered from now on are refused, not left parked.
    this.#draining = true
    const log = this.#deps.logger
    const until = Date.now() + deadlineMs
    const pending = [...this.#sessions.values()]
    log.info({ calls: pending.length, deadlineMs }, 'draining: no new calls, waiting for calls in progress')
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => { resolve('deadline') }, deadlineMs) })
    const all = Promise.all(pending.map(async (p) => await p.done)).then(() => 'done' as const)
    const first = await Promise.race([all, deadline])
    clearTimeout(timer)
    let cut = 0
    if (first === 'deadline') {
      for (const { session } of this.#sessions.values()) {
        cut += 1
        session.cancel('drain-deadline')
      }
      log.warn({ cut }, 'drain deadline reached; ending the remaining calls')
      await all
    }
    // Ends the store has not taken yet: tried until the deadline, or they end cut after the restart.
    await this.#finalWrites.flush(Math.max(0, until - Date.now()))
    return { finished: pending.length - cut, cut }
  }

  /** Stops listening to the switch (after the drain). */
  stop (): void {
    this.#stop()
    this.#finalWrites.stop()
  }

  #take (call: InboundCall): void {
    void this.#claim(call).catch((err: unknown) => { this.#deps.logger.error({ err, leg: call.legId }, 'taking a call failed') })
  }

  /**
   * With several controllers on one switch every one of them is offered the call: the store
   * lets exactly one take it. While the store fails (a failover takes a few seconds) the claim
   * is tried again, as the same attempt, so a claim the store took before its reply was lost
   * still counts; the caller hears ringing meanwhile. If the store stays away, a peer that
   * claimed the leg before it went has tagged it and keeps it; otherwise the call is refused.
   */
  async #claim (call: InboundCall): Promise<void> {
    const { store, controllerId, logger, clock } = this.#deps
    const attempt = randomUUID()
    let failure: unknown
    for (const pauseMs of CLAIM_RETRIES_MS) {
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
      try {
        if (await store.claimCall(call.legId, controllerId, clock.now(), attempt)) this.#run(call)
        else logger.debug({ leg: call.legId }, 'call taken by another controller')
        return
      } catch (err) {
        failure = err
      }
    }
    const tag = await this.#deps.switch.legTag(call.legId).catch(() => 'unknown' as const)
    if (tag === 'unknown') {
      // Neither the store nor the switch answers: hanging up could end a peer's call.
      logger.error({ err: failure, leg: call.legId }, 'cannot claim the call nor read its leg: left ringing')
      return
    }
    if (tag !== undefined && tag.controllerId !== controllerId) {
      logger.warn({ err: failure, leg: call.legId, owner: tag.controllerId }, 'cannot claim the call (store unavailable), but a peer runs it: left to it')
      return
    }
    logger.error({ err: failure, leg: call.legId }, 'cannot claim the call (store unavailable); refusing it')
    // Offered to us all the same: the offered count must cover every refused call.
    this.#deps.metrics.callsOffered.inc()
    this.#refuse(call, 'store unavailable')
  }

  #refuse (call: InboundCall, reason: string): void {
    const { logger, metrics, clock } = this.#deps
    // The leg's own call id: a peer that claimed the leg meanwhile writes the same record.
    const callId = callIdOf(call.legId)
    logger.warn({ callId, leg: call.legId, from: call.from, reason, finalState: 'refused' }, 'call refused')
    this.#deps.switch.hangup(call.legId, 'busy').catch((err: unknown) => {
      logger.warn({ err, leg: call.legId }, 'refusing a call failed')
    })
    metrics.callsEnded.inc({ final_state: 'refused', reason, ended_by: 'controller' })
    const record: CallRecord = {
      callId, legId: call.legId, controllerId: this.#deps.controllerId, caller: maskNumber(call.from),
      startedAt: call.at, endedAt: clock.now(), finalState: 'refused', reason, endedBy: 'controller', choices: {}, path: []
    }
    // Written until stored, and counted once, as a session's end is.
    void this.#finalWrites.submit(record, callIncrements({ ...record, finalState: 'refused' }))
  }

  #written (record: CallRecord): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(record)
      } catch (err) {
        this.#deps.logger.warn({ err }, 'call record listener failed')
      }
    }
  }

  #run (call: InboundCall): void {
    this.#deps.metrics.callsOffered.inc()
    if (this.#draining) {
      // Shutting down: refuse rather than answer a call we cannot finish.
      this.#refuse(call, 'shutting down')
      return
    }
    this.#follow(new CallSession(call, this.#deps.pickScript(), {
      ...this.#deps, onRecordWritten: (record) => { this.#written(record) }, finalWrites: this.#finalWrites
    }))
  }

  /** A call left by a stopped controller that goes on here, as its owner from now on. */
  #takeOver (takeOver: TakeOver, caller: FoundLeg): boolean {
    if (this.#draining || this.#sessions.has(takeOver.record.callId)) return false
    const call: InboundCall = { legId: caller.legId, from: caller.from ?? '', to: '', at: takeOver.record.startedAt }
    this.#follow(new CallSession(call, this.#deps.pickScript(), {
      ...this.#deps, onRecordWritten: (record) => { this.#written(record) }, finalWrites: this.#finalWrites
    }, takeOver))
    return true
  }

  #follow (session: CallSession): void {
    const done = session.run().then((summary) => {
      this.#recent.push(summary)
      if (this.#recent.length > 200) this.#recent.shift()
      return summary
    }, (err: unknown) => {
      // run() never throws; if it ever did, the one call is lost to a bug, not the process.
      this.#deps.metrics.unexpectedErrors.inc({ kind: 'call' })
      this.#deps.logger.error({ err, callId: session.callId }, 'call session failed')
      return undefined
    }).finally(() => { this.#sessions.delete(session.callId) })
    this.#sessions.set(session.callId, { session, done })
  }
}

/**
 * Pauses before each claim of a call: the first at once, then four more over five seconds, the
 * time a Sentinel switch-over takes; the caller hears ringing meanwhile, then busy.
 */
const CLAIM_RETRIES_MS = [0, 250, 750, 1500, 2500]

