// Takes the calls the switch offers, runs one CallSession for each, and drains on shutdown:
// stop taking new calls, let calls in progress finish up to a deadline, then end the rest.

import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { maskNumber } from '../logger.js'
import type { PromptHealth } from '../flows/prompt-health.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { CallRecord, Store } from '../ports/store.js'
import type { InboundCall, SwitchPort } from '../ports/switch.js'
import { CallSession, type CallSummary, type ScriptChoice } from './call-session.js'

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
}

/** Told of every call record this controller wrote (a call started, moved, queued, ended). */
export type CallRecordListener = (record: CallRecord) => void

export class CallManager {
  readonly #deps: CallManagerDeps
  readonly #listeners = new Set<CallRecordListener>()
  readonly #sessions = new Map<string, { session: CallSession, done: Promise<CallSummary> }>()
  readonly #recent: CallSummary[] = []
  #draining = false
  #stop: () => void = () => undefined

  constructor (deps: CallManagerDeps) {
    this.#deps = deps
  }

  start (): void {
    this.#stop = this.#deps.switch.onInboundCall((call) => { this.#take(call) })
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
        session.cancel('drain deadline reached')
      }
      log.warn({ cut }, 'drain deadline reached; ending the remaining calls')
      await all
    }
    return { finished: pending.length - cut, cut }
  }

  /** Stops listening to the switch (after the drain). */
  stop (): void {
    this.#stop()
  }

  #take (call: InboundCall): void {
    const { store, controllerId, logger, clock } = this.#deps
    // With several controllers on one switch every one of them is offered the call: the store
    // lets exactly one take it.
    store.claimCall(call.legId, controllerId, clock.now()).then((mine) => {
      if (mine) this.#run(call)
      else logger.debug({ leg: call.legId }, 'call taken by another controller')
    }).catch((err: unknown) => {
      logger.error({ err, leg: call.legId }, 'cannot claim the call (store unavailable); refusing it')
      this.#refuse(call, 'store unavailable')
    })
  }

  #refuse (call: InboundCall, reason: string): void {
    const { logger, metrics, clock } = this.#deps
    logger.warn({ leg: call.legId, from: call.from, reason }, 'call refused')
    this.#deps.switch.hangup(call.legId, 'busy').catch((err: unknown) => {
      logger.warn({ err, leg: call.legId }, 'refusing a call failed')
    })
    metrics.callsEnded.inc({ final_state: 'refused', reason })
    const now = clock.now()
    const record: CallRecord = {
      callId: randomUUID(), legId: call.legId, controllerId: this.#deps.controllerId, caller: maskNumber(call.from),
      startedAt: call.at, endedAt: now, finalState: 'refused', reason, choices: {}, path: []
    }
    this.#deps.store.putCall(record)
      .then(() => { this.#written(record) })
      .catch((err: unknown) => { logger.warn({ err }, 'saving a refused call failed') })
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
    const session = new CallSession(call, this.#deps.pickScript(), {
      ...this.#deps, onRecordWritten: (record) => { this.#written(record) }
    })
    const done = session.run().then((summary) => {
      this.#sessions.delete(session.callId)
      this.#recent.push(summary)
      if (this.#recent.length > 200) this.#recent.shift()
      return summary
    })
    this.#sessions.set(session.callId, { session, done })
  }
}
