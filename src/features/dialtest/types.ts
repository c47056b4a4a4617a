// The words of dial-testing (拨测): what one test call of a transfer number came to, and what
// a run of them looks like while it goes and after it ended.
//
// A dial test asks one question per number: does a call from the hotline reach someone there?
// The switch answers with one of the port's normalised outcomes (ports/switch.ts); a test
// result folds them into the four words the issue and the supervisors use — 接通 answered,
// 忙 busy, 无应答 no answer, 不可达 unreachable — keeping the switch's own outcome and cause
// text beside it for whoever looks into a failure.

import type { DialOutcomeKind } from '../../domain/transfer-record.js'

export type DialTestOutcome = 'answered' | 'busy' | 'no-answer' | 'unreachable' | 'cancelled'

export const DIAL_TEST_OUTCOMES: readonly DialTestOutcome[] = ['answered', 'busy', 'no-answer', 'unreachable', 'cancelled']

/** The words on the page and in the CLI table. */
export const OUTCOME_LABELS: Readonly<Record<DialTestOutcome, string>> = {
  answered: '接通',
  busy: '忙',
  'no-answer': '无应答',
  unreachable: '不可达',
  cancelled: '已取消'
}

/**
 * The switch's outcome as a test result.
 *
 * - `rejected` (Q.850 21, "the equipment sending this cause does not wish to accept this
 *   call"; SIP 603 Decline, and 403 from a trunk) is counted unreachable: the hotline's call
 *   did not get through, and a trunk refusing the hotline is exactly what a test should find.
 * - `failed` (the switch could not set the call up, or the dial command itself failed) is
 *   unreachable for the same reason.
 * - `cancelled` is only what the run cancelled itself; a switch that reports a dial cancelled
 *   without being asked (FreeSWITCH LOSE_RACE) did not reach the number: unreachable.
 * - `lost` (the switch went away under the dial) says nothing of the number: cancelled, never
 *   a failure of it.
 */
export function testOutcomeOf (kind: DialOutcomeKind, cancelledByRun: boolean): DialTestOutcome {
  switch (kind) {
    case 'answered': return 'answered'
    case 'busy': return 'busy'
    case 'no-answer': return 'no-answer'
    case 'cancelled': return cancelledByRun ? 'cancelled' : 'unreachable'
    case 'lost': return 'cancelled'
    case 'rejected':
    case 'unreachable':
    case 'failed':
      return 'unreachable'
  }
}

/**
 * Whether a result counts as a failure of the number (and towards the two-in-a-row alarm).
 * Unreachable always does: the number cannot be called. Busy and no answer do only when the
 * dial started in working time of one of the number's departments — outside its hours nobody
 * is expected at the desk, and the scheduled runs are made outside working time on purpose
 * (docs/dial-test.md). Answered and cancelled never do.
 */
export function isFailure (outcome: DialTestOutcome, workingTime: boolean): boolean {
  if (outcome === 'unreachable') return true
  return workingTime && (outcome === 'busy' || outcome === 'no-answer')
}

/** What a run was started by. */
export type DialTestTrigger = 'manual' | 'schedule'

export type DialTestRunState = 'running' | 'completed' | 'cancelled'

/** One transfer number as the directory knows it: dialled once however many matters it serves. */
export interface DialTestTarget {
  number: string
  /** The departments of its matters, in directory order; the first names it in the gauge. */
  departmentIds: string[]
  departments: string[]
  matters: Array<{ id: string, name: string }>
  /** Who answers there (hunt-list labels), e.g. 发票管理科. */
  labels: string[]
}

export interface DialTestResult extends DialTestTarget {
  state: 'pending' | 'dialling' | 'done'
  outcome?: DialTestOutcome
  /** The switch's normalised outcome (before folding), e.g. `rejected`. */
  switchOutcome?: DialOutcomeKind
  /** The switch's cause text (`USER_BUSY`, `User busy`, `HC_SWITCH_TIMEOUT`, …). */
  cause?: string
  /** From the start of the dial to its answer or end. */
  ringMs?: number
  startedAt?: number
  endedAt?: number
  /** Dialled in working time of one of its departments. */
  workingTime?: boolean
  /** Counts as a failure of the number (isFailure). */
  failed?: boolean
}

export type OutcomeCounts = Record<DialTestOutcome, number>

export interface DialTestRunSummary {
  id: string
  trigger: DialTestTrigger
  /** The role that started it (manual runs). */
  requestedBy?: string
  state: DialTestRunState
  startedAt: number
  endedAt?: number
  total: number
  done: number
  dialling: number
  byOutcome: OutcomeCounts
  failed: number
  concurrency: number
  ringTimeoutSec: number
}

export interface DialTestRunView extends DialTestRunSummary {
  /** Every number of the run, in directory order; pending ones have no outcome yet. */
  results: DialTestResult[]
}

export function emptyCounts (): OutcomeCounts {
  return { answered: 0, busy: 0, 'no-answer': 0, unreachable: 0, cancelled: 0 }
}
