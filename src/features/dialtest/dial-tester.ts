// Dial-testing (拨测): call every transfer number of the directory from the hotline, at most
// `concurrency` at a time, and note for each what happened — answered, busy, no answer,
// unreachable — and how long it rang. The report behind the project has each of the 119
// numbers "checked by a test call before go-live"; this makes that check repeatable, on
// demand and on a schedule (schedule.ts).
//
// A test call is a plain dial through the switch port, as a transfer's hunt makes it
// (calls/hunt.ts): the department trunk, the hotline's number as caller ID, a ring timeout.
// An answered leg is hung up at once: the question was only whether someone picks up, and a
// specialist should lose as little time to it as possible.
//
// One run at a time per controller; a run can be cancelled (the dials in progress are
// aborted and end `cancelled`, the numbers not yet dialled stay pending). The last runs are
// kept in memory for the API and the page.

import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { ulid } from 'ulidx'
import type { WorkCalendar } from '../../domain/calendar.js'
import { isHotlineError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type { DialOutcome, SwitchPort } from '../../ports/switch.js'
import type { DialTestMetrics, FailureTracker } from './failures.js'
import { selectTargets } from './targets.js'
import {
  type DialTestResult, type DialTestRunState, type DialTestRunSummary, type DialTestRunView, type DialTestTarget,
  type DialTestTrigger, emptyCounts, isFailure, testOutcomeOf
} from './types.js'

/** Runs kept for the API and the page, newest first. */
export const RECENT_RUNS = 20

export interface DialTesterDeps {
  switch: SwitchPort
  calendar: WorkCalendar
  clock: Clock
  log: Logger
  /** Every number a run may dial (targets.ts). */
  targets: readonly DialTestTarget[]
  /** The dial-time safety check (Directory.isDirectoryNumber). */
  isDirectoryNumber: (number: string) => boolean
  /** Caller ID the department's phone shows: the hotline's number. */
  callerIdNumber: string
  settings: { concurrency: number, ringTimeoutSec: number }
  failures: FailureTracker
  metrics: DialTestMetrics
}

export interface DialTesterEvents {
  /** Something in the run changed (a dial started or ended, the run ended). */
  progress: [run: DialTestRunView]
  /** The failing set changed (a number started or stopped failing twice in a row). */
  alarms: []
  end: [run: DialTestRunView]
}

export interface StartRequest {
  trigger: DialTestTrigger
  requestedBy?: string
  /** Only these directory numbers; default: all of them. */
  numbers?: readonly string[]
}

export type StartAnswer =
  | { ok: true, run: DialTestRunView }
  | { ok: false, reason: 'running', runningId: string }
  | { ok: false, reason: 'unknown-numbers', numbers: string[] }
  | { ok: false, reason: 'no-numbers' }
  | { ok: false, reason: 'switch-down', detail: string }
  | { ok: false, reason: 'closed' }

export type CancelAnswer =
  | { ok: true, run: DialTestRunView }
  | { ok: false, reason: 'unknown' | 'not-running', state?: DialTestRunState }

class Run {
  readonly abort = new AbortController()
  state: DialTestRunState = 'running'
  endedAt: number | undefined
  finished: Promise<void> = Promise.resolve()

  constructor (
    readonly id: string,
    readonly trigger: DialTestTrigger,
    readonly requestedBy: string | undefined,
    readonly startedAt: number,
    readonly results: DialTestResult[],
    readonly settings: { concurrency: number, ringTimeoutSec: number }
  ) {}

  summary (): DialTestRunSummary {
    const byOutcome = emptyCounts()
    let done = 0
    let dialling = 0
    let failed = 0
    for (const r of this.results) {
      if (r.state === 'dialling') dialling++
      if (r.state !== 'done' || r.outcome === undefined) continue
      done++
      byOutcome[r.outcome]++
      if (r.failed === true) failed++
    }
    return {
      id: this.id,
      trigger: this.trigger,
      ...(this.requestedBy === undefined ? {} : { requestedBy: this.requestedBy }),
      state: this.state,
      startedAt: this.startedAt,
      ...(this.endedAt === undefined ? {} : { endedAt: this.endedAt }),
      total: this.results.length,
      done,
      dialling,
      byOutcome,
      failed,
      concurrency: this.settings.concurrency,
      ringTimeoutSec: this.settings.ringTimeoutSec
    }
  }

  view (): DialTestRunView {
    return { ...this.summary(), results: this.results.map((r) => structuredClone(r)) }
  }
}

export class DialTester extends EventEmitter<DialTesterEvents> {
  readonly #deps: DialTesterDeps
  /** Newest first, at most RECENT_RUNS. */
  readonly #runs: Run[] = []
  #current: Run | undefined
  #closed = false

  constructor (deps: DialTesterDeps) {
    super()
    this.#deps = deps
  }

  get targets (): readonly DialTestTarget[] {
    return this.#deps.targets
  }

  get settings (): { concurrency: number, ringTimeoutSec: number } {
    return { ...this.#deps.settings }
  }

  /** The run in progress, if any. */
  running (): DialTestRunView | undefined {
    return this.#current?.view()
  }

  get (id: string): DialTestRunView | undefined {
    return this.#runs.find((r) => r.id === id)?.view()
  }

  /** Recent runs, newest first, without their results. */
  list (): DialTestRunSummary[] {
    return this.#runs.map((r) => r.summary())
  }

  /** Starts a run in the background; answers at once with its first view. */
  start (request: StartRequest): StartAnswer {
    if (this.#closed) return { ok: false, reason: 'closed' }
    if (this.#current !== undefined) return { ok: false, reason: 'running', runningId: this.#current.id }
    // Without the switch every number would come out unreachable and count as a failure.
    const status = this.#deps.switch.status()
    if (status.state !== 'ready') return { ok: false, reason: 'switch-down', detail: `the switch is ${status.state} (${status.detail})` }
    const selection = selectTargets(this.#deps.targets, request.numbers)
    if (!selection.ok) return { ok: false, reason: 'unknown-numbers', numbers: selection.unknown }
    if (selection.targets.length === 0) return { ok: false, reason: 'no-numbers' }
    const now = this.#deps.clock.now()
    const results: DialTestResult[] = selection.targets.map((t) => ({ ...structuredClone(t), state: 'pending' }))
    const run = new Run(ulid(now), request.trigger, request.requestedBy, now, results, this.settings)
    this.#current = run
    this.#runs.unshift(run)
    this.#runs.splice(RECENT_RUNS)
    this.#deps.log.info({ runId: run.id, trigger: run.trigger, numbers: results.length, concurrency: run.settings.concurrency }, 'dial test started')
    run.finished = this.#execute(run)
    return { ok: true, run: run.view() }
  }

  /** Cancels the run in progress; resolves once its dials have ended. */
  async cancel (id: string): Promise<CancelAnswer> {
    const run = this.#runs.find((r) => r.id === id)
    if (run === undefined) return { ok: false, reason: 'unknown' }
    if (run.state !== 'running') return { ok: false, reason: 'not-running', state: run.state }
    this.#deps.log.info({ runId: id }, 'dial test cancelled')
    run.abort.abort()
    await run.finished
    return { ok: true, run: run.view() }
  }

  /** Resolves when the run has ended (at once for an unknown or ended run). */
  async finished (id: string): Promise<DialTestRunView | undefined> {
    const run = this.#runs.find((r) => r.id === id)
    await run?.finished
    return run?.view()
  }

  /** No more runs; the one in progress is cancelled and awaited. */
  async close (): Promise<void> {
    this.#closed = true
    const run = this.#current
    if (run === undefined) return
    run.abort.abort()
    await run.finished
  }

  async #execute (run: Run): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (!run.abort.signal.aborted) {
        const result = run.results[next++]
        if (result === undefined) return
        await this.#test(run, result)
      }
    }
    const workers = Math.min(run.settings.concurrency, run.results.length)
    try {
      await Promise.all(Array.from({ length: workers }, worker))
    } catch (err) {
      // #test never throws; kept so that a bug cannot leave the run "running" for ever.
      this.#deps.log.error({ err, runId: run.id }, 'dial test run failed')
    }
    run.state = run.abort.signal.aborted ? 'cancelled' : 'completed'
    run.endedAt = this.#deps.clock.now()
    this.#current = undefined
    const view = run.view()
    this.#deps.log.info({ runId: run.id, state: run.state, done: view.done, total: view.total, failed: view.failed, byOutcome: view.byOutcome }, 'dial test ended')
    this.#emitSafely('progress', view)
    this.#emitSafely('end', view)
  }

  async #test (run: Run, result: DialTestResult): Promise<void> {
    const { clock, log } = this.#deps
    const startedAt = clock.now()
    result.state = 'dialling'
    result.startedAt = startedAt
    result.workingTime = result.departmentIds.some((d) => this.#deps.calendar.isWorkingTime(startedAt, d))
    this.#emitSafely('progress', run.view())
    const outcome = await this.#dial(result.number, run)
    result.state = 'done'
    result.switchOutcome = outcome.kind
    // A dial that ended any other way while the run was cancelled did end that way: kept.
    result.outcome = testOutcomeOf(outcome.kind, run.abort.signal.aborted)
    result.ringMs = outcome.ringMs
    result.endedAt = clock.now()
    result.failed = isFailure(result.outcome, result.workingTime)
    if (outcome.kind !== 'answered') result.cause = outcome.cause.text
    log.info({ runId: run.id, number: result.number, outcome: result.outcome, switchCause: result.cause, ringMs: result.ringMs }, 'dial test: number tested')
    this.#deps.metrics.tests.inc({ outcome: result.outcome })
    if (this.#deps.failures.record(result)) {
      const health = this.#deps.failures.health(result.number)
      if (health?.failing === true) log.warn({ number: result.number, department: health.departmentId, consecutiveFailures: health.consecutiveFailures }, 'dial test: number failing twice in a row')
      else log.info({ number: result.number }, 'dial test: number no longer failing')
      this.#emitSafely('alarms')
    }
    this.#emitSafely('progress', run.view())
  }

  /** One dial, hung up at once when answered; never throws (a switch error is `failed`). */
  async #dial (number: string, run: Run): Promise<DialOutcome> {
    const { clock, log } = this.#deps
    const started = clock.now()
    if (!this.#deps.isDirectoryNumber(number)) {
      // Unreachable with targets taken from the directory; kept so that a number from
      // anywhere else is refused here rather than dialled.
      log.error({ runId: run.id }, 'dial test target is not a directory number: not dialled')
      return { kind: 'failed', ringMs: 0, cause: { text: 'not a directory number' } }
    }
    let outcome: DialOutcome
    try {
      outcome = await this.#deps.switch.dial({
        target: { number, trunk: 'department' },
        callerIdNumber: this.#deps.callerIdNumber,
        ringTimeoutMs: run.settings.ringTimeoutSec * 1000,
        signal: run.abort.signal
      })
    } catch (err) {
      const ringMs = clock.now() - started
      if (run.abort.signal.aborted) return { kind: 'cancelled', ringMs, cause: { text: 'cancelled by the dial test' } }
      log.warn({ err, runId: run.id, number }, 'dial test: the switch refused the dial')
      return { kind: 'failed', ringMs, cause: { text: isHotlineError(err) ? err.code : 'dial error' } }
    }
    if (outcome.kind === 'answered') {
      await this.#deps.switch.hangup(outcome.legId, 'normal').catch((err: unknown) => {
        log.warn({ err, runId: run.id, number }, 'dial test: hanging up the answered test call failed')
      })
    }
    return outcome
  }

  /** A listener's error must never stop a run. */
  #emitSafely<K extends keyof DialTesterEvents> (event: K, ...args: DialTesterEvents[K]): void {
    try {
      (this.emit as (name: K, ...rest: DialTesterEvents[K]) => boolean).call(this, event, ...args)
    } catch (err) {
      this.#deps.log.error({ err, event }, 'dial test listener failed')
    }
  }
}
