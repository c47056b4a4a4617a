// Takes the calls the switch offers, runs one CallSession for each, and drains on shutdown:
// stop taking new calls, let calls in progress finish up to a deadline, then end the rest.

import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { InboundCall, SwitchPort } from '../ports/switch.js'
import { type CallScript, CallSession, type CallSummary } from './call-session.js'

export interface CallManagerDeps {
  switch: SwitchPort
  script: CallScript
  logger: Logger
  metrics: Metrics
  clock: Clock
}

export class CallManager {
  readonly #deps: CallManagerDeps
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
    const { logger, metrics } = this.#deps
    metrics.callsOffered.inc()
    if (this.#draining) {
      // Shutting down: refuse rather than answer a call we cannot finish.
      logger.warn({ leg: call.legId, from: call.from }, 'call refused: controller is shutting down')
      this.#deps.switch.hangup(call.legId, 'busy').catch((err: unknown) => {
        logger.warn({ err, leg: call.legId }, 'refusing a call failed')
      })
      metrics.callsEnded.inc({ final_state: 'refused', reason: 'shutting down' })
      return
    }
    const session = new CallSession(call, this.#deps)
    const done = session.run().then((summary) => {
      this.#sessions.delete(session.callId)
      this.#recent.push(summary)
      if (this.#recent.length > 200) this.#recent.shift()
      return summary
    })
    this.#sessions.set(session.callId, { session, done })
  }
}
