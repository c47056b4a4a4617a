// The dial-test alarm: a number that failed its last two tests in a row is "failing"
// (`hotline_dial_test_failing{number,department}` = 1), and stays so until a test of it is
// answered (busy or no answer outside working time are not failures, but do not clear it). One failure alone is often chance (the one specialist was on the phone); two in
// a row, in separate runs, is worth a look.
//
// Counts live in this controller's memory: they survive from run to run, not a restart, and
// are not shared between controllers (the Store port has no place for them; see
// docs/dial-test.md). Runs on several controllers would each keep their own count.

import { Counter, Gauge, type Registry } from 'prom-client'
import type { DialTestOutcome, DialTestResult, DialTestTarget } from './types.js'

/** Failures in a row that raise the alarm. */
export const FAILING_AFTER = 2

export interface NumberHealth {
  number: string
  departmentId: string
  department: string
  matters: Array<{ id: string, name: string }>
  consecutiveFailures: number
  lastOutcome: DialTestOutcome
  lastCause?: string
  lastTestedAt: number
  /** consecutiveFailures ≥ FAILING_AFTER. */
  failing: boolean
}

export interface DialTestMetrics {
  failing: Gauge<'number' | 'department'>
  tests: Counter<'outcome'>
}

/** Registered on the controller's registry; the names are read by the dashboards and alarms. */
export function registerDialTestMetrics (registry: Registry): DialTestMetrics {
  const registers = [registry]
  return {
    failing: new Gauge({
      name: 'hotline_dial_test_failing',
      help: 'Dial test: 1 when the transfer number failed its last two tests in a row, else 0',
      labelNames: ['number', 'department'],
      registers
    }),
    tests: new Counter({
      name: 'hotline_dial_tests_total',
      help: 'Dial-test calls of transfer numbers, by outcome (answered, busy, no-answer, unreachable, cancelled)',
      labelNames: ['outcome'],
      registers
    })
  }
}

export class FailureTracker {
  readonly #metrics: DialTestMetrics
  readonly #health = new Map<string, NumberHealth>()

  /** Every target's gauge starts at 0, so an alerting rule sees the series before the first run. */
  constructor (metrics: DialTestMetrics, targets: readonly DialTestTarget[]) {
    this.#metrics = metrics
    for (const t of targets) this.#metrics.failing.set(labelsOf(t), 0)
  }

  /**
   * Takes one finished result; true when the number's failing state changed. A failure adds
   * one to the count and an answer clears it. Busy and no answer outside working time are
   * neither (nobody is expected at the desk, types.ts isFailure): they leave the count as it
   * was, so a nightly run between two working-time failures neither hides nor adds to them.
   * Cancelled results say nothing about the number and change nothing.
   */
  record (result: DialTestResult): boolean {
    if (result.state !== 'done' || result.outcome === undefined || result.outcome === 'cancelled') return false
    const before = this.#health.get(result.number)
    const wasFailing = before?.failing ?? false
    const previous = before?.consecutiveFailures ?? 0
    const consecutiveFailures = result.failed === true ? previous + 1 : result.outcome === 'answered' ? 0 : previous
    const labels = labelsOf(result)
    const health: NumberHealth = {
      number: result.number,
      departmentId: labels.department,
      department: result.departments[0] ?? labels.department,
      matters: result.matters,
      consecutiveFailures,
      lastOutcome: result.outcome,
      lastCause: result.cause,
      lastTestedAt: result.endedAt ?? result.startedAt ?? 0,
      failing: consecutiveFailures >= FAILING_AFTER
    }
    this.#health.set(result.number, health)
    this.#metrics.failing.set(labels, health.failing ? 1 : 0)
    return health.failing !== wasFailing
  }

  /** Numbers failing now (two or more in a row), most failures first. */
  failing (): NumberHealth[] {
    return this.#list((h) => h.failing)
  }

  /** Numbers whose last test failed once: one more and they alarm. */
  watch (): NumberHealth[] {
    return this.#list((h) => h.consecutiveFailures > 0 && !h.failing)
  }

  health (number: string): NumberHealth | undefined {
    return this.#health.get(number)
  }

  #list (keep: (h: NumberHealth) => boolean): NumberHealth[] {
    return [...this.#health.values()].filter(keep)
      .sort((a, b) => b.consecutiveFailures - a.consecutiveFailures || a.number.localeCompare(b.number))
  }
}

/** A number shared by departments is labelled with the first one in directory order. */
function labelsOf (target: Pick<DialTestTarget, 'number' | 'departmentIds'>): { number: string, department: string } {
  return { number: target.number, department: target.departmentIds[0] ?? '' }
}
