// Call-outcome figures per day (docs/operations.md "Call figures per day"): what one ended call
// adds to its day's counts, and the figures the dashboard (today) and the monthly report (the
// month's days summed) show from those counts. Pure: the store keeps the counts; nothing here
// reads a clock or a store.
//
// Counts, not records: the store keeps only the newest 10 000 call records (docs/store.md), so
// a month cannot be counted from them. Each call adds its increments once, when it ends, to
// the day it was offered (its `startedAt`, an Asia/Shanghai date); sums of counts add up across
// days and controllers, and every share is computed from the sums (a ratio of sums).

import { type AbandonPhase, CALL_FINAL_STATES, type CallFinalState, type CallRecord } from './call-record.js'
import { dateKey, localDay, nextDay, parseDateKey } from './calendar-time.js'

/** Why the controller or the switch cut a call before a person was reached (calls/call-end.ts `Cut`). */
export type CutReason = 'drain-deadline' | 'switch-lost' | 'shutdown' | 'controller-restarted'

/** The reason of a completed call whose caller reached a person; any other is "by design". */
export const SERVED_REASON = 'served'

/** Every count a day keeps: a fixed set, so a day's hash never grows with reasons or ids. */
export type CallCountKey =
  | 'offered'
  | CallFinalState
  | 'completed:served'
  | 'completed:by-design'
  | `abandoned:${AbandonPhase}`
  | `abandon-wait-ms:${AbandonPhase}`
  | 'queued'
  | `cut:${CutReason}`

// A typed registry: adding a final state, a phase or a cut reason without its key does not compile.
const KEYS: Readonly<Record<CallCountKey, true>> = {
  offered: true,
  completed: true,
  abandoned: true,
  refused: true,
  cut: true,
  failed: true,
  'completed:served': true,
  'completed:by-design': true,
  'abandoned:ivr': true,
  'abandoned:queue': true,
  'abandoned:ringing-agent': true,
  'abandon-wait-ms:ivr': true,
  'abandon-wait-ms:queue': true,
  'abandon-wait-ms:ringing-agent': true,
  queued: true,
  'cut:drain-deadline': true,
  'cut:switch-lost': true,
  'cut:shutdown': true,
  'cut:controller-restarted': true
}

export const CALL_COUNT_KEYS: readonly CallCountKey[] = Object.keys(KEYS) as CallCountKey[]

const CUT_REASONS: ReadonlySet<string> = new Set<CutReason>(['drain-deadline', 'switch-lost', 'shutdown', 'controller-restarted'])

/** What an ended call's increments are made from (a call record with its final state). */
export type EndedCall = Pick<CallRecord, 'reason' | 'abandon' | 'queue'> & { finalState: CallFinalState }

/** The Asia/Shanghai date (`YYYY-MM-DD`) a call counts on: the day it was offered. */
export function callDay (startedAt: number): string {
  return dateKey(startedAt)
}

/** The Asia/Shanghai dates (`YYYY-MM-DD`) of the days [since, until) touches; none when it is empty. */
export function daysBetween (since: number, until: number): string[] {
  const days: string[] = []
  if (!(since < until)) return days
  for (let day = localDay(since); day.startMs < until; day = nextDay(day)) days.push(day.key)
  return days
}

/** Refuses (RangeError) a day that is not a real `YYYY-MM-DD` date. */
export function checkDay (day: string): void {
  if (parseDateKey(day) === undefined) throw new RangeError(`call counts: not a YYYY-MM-DD date: "${day}"`)
}

/**
 * Refuses (RangeError) what no store adds to a day: a day that is not a real `YYYY-MM-DD`
 * date, a count that is not a safe integer (Redis HINCRBY takes integers only). Both stores
 * check before writing anything, so a bad call adds nothing.
 */
export function checkDayCounts (day: string, counts: Readonly<Record<string, number>>): void {
  checkDay(day)
  for (const [field, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value)) throw new RangeError(`call counts: ${field} must be a safe integer, got ${value}`)
  }
}

/**
 * What one ended call adds to its day's counts: 1 to `offered` and to its final state, 1 to
 * the finer counts that apply, and the abandoning caller's wait in whole milliseconds. Only
 * the counts it adds to are present.
 */
export function callIncrements (call: EndedCall): Partial<Record<CallCountKey, number>> {
  const add: Partial<Record<CallCountKey, number>> = { offered: 1, [call.finalState]: 1 }
  if (call.finalState === 'completed') {
    add[call.reason === SERVED_REASON ? 'completed:served' : 'completed:by-design'] = 1
  }
  if (call.finalState === 'abandoned' && call.abandon !== undefined) {
    add[`abandoned:${call.abandon.phase}`] = 1
    const waited = call.abandon.waitedMs
    add[`abandon-wait-ms:${call.abandon.phase}`] = Number.isFinite(waited) ? Math.max(0, Math.round(waited)) : 0
  }
  if (call.finalState === 'cut' && call.reason !== undefined && CUT_REASONS.has(call.reason)) {
    add[`cut:${call.reason as CutReason}`] = 1
  }
  if (call.queue !== undefined) add.queued = 1
  return add
}

export interface AbandonFigures {
  total: number
  /** Hung up in the IVR: menus, announcements, the callback number after an overflow. */
  ivr: number
  /** Hung up waiting in the queue. */
  queue: number
  /** Hung up while an agent's phone rang for them. */
  ringingAgent: number
}

export interface CallFigures {
  /** Calls that ended with a final state, counted on the day they were offered. */
  offered: number
  /** Completed: served by a person, or ended by the flow by design. */
  completed: number
  /** Completed with reason `served`: the caller reached a person (an agent or a specialist). */
  served: number
  /** Completed for another reason: the flow ended it as designed (a ticket, the ordinary line, …). */
  completedByDesign: number
  abandoned: AbandonFigures
  /** Never answered: the controller draining, the store unavailable. */
  refused: number
  /** Ended by the controller or the switch before a person was reached. */
  cut: number
  cutReasons: { drainDeadline: number, switchLost: number, shutdown: number, controllerRestarted: number }
  /** Ended by a fault in the controller before a person was reached. */
  failed: number
  /** Calls that joined a queue to agents (once per call, however often it was requeued). */
  queued: number
  /**
   * (abandoned in the queue + while an agent rang) / queued, the contact-centre queue abandon
   * rate: IVR abandons are not in it. Null when no call queued.
   */
  queueAbandonRate: number | null
  /** Average wait of the callers who abandoned in the queue or while an agent rang, ms; null when none did. */
  queueAbandonAvgWaitMs: number | null
  /** completed + abandoned + refused + cut + failed = offered: every call in exactly one final state. */
  addsUp: boolean
}

/** The figures of a set of counts (one day's, or several days' summed); a missing count is 0. */
export function callFigures (counts: Readonly<Record<string, number>>): CallFigures {
  const n = (key: CallCountKey): number => {
    const value = counts[key]
    return typeof value === 'number' && Number.isFinite(value) ? value : 0
  }
  const abandoned: AbandonFigures = {
    total: n('abandoned'),
    ivr: n('abandoned:ivr'),
    queue: n('abandoned:queue'),
    ringingAgent: n('abandoned:ringing-agent')
  }
  const queueAbandoned = abandoned.queue + abandoned.ringingAgent
  const queueWaitMs = n('abandon-wait-ms:queue') + n('abandon-wait-ms:ringing-agent')
  const offered = n('offered')
  const queued = n('queued')
  const ended = CALL_FINAL_STATES.reduce((sum, state) => sum + n(state), 0)
  return {
    offered,
    completed: n('completed'),
    served: n('completed:served'),
    completedByDesign: n('completed:by-design'),
    abandoned,
    refused: n('refused'),
    cut: n('cut'),
    cutReasons: { drainDeadline: n('cut:drain-deadline'), switchLost: n('cut:switch-lost'), shutdown: n('cut:shutdown'), controllerRestarted: n('cut:controller-restarted') },
    failed: n('failed'),
    queued,
    queueAbandonRate: queued === 0 ? null : queueAbandoned / queued,
    queueAbandonAvgWaitMs: queueAbandoned === 0 ? null : queueWaitMs / queueAbandoned,
    addsUp: ended === offered
  }
}
