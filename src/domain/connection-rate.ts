// Connection-rate (接通率) arithmetic for three-way direct transfers (三方通话直转), from the
// transfer records alone. Pure: no clock, no store; the stats service picks the records of a
// window and hands them in.
//
// Two rates, both kept as counts so that figures from several windows, controllers or groups
// add up (a ratio of sums, never an average of ratios):
//
// - **Request rate**: of the transfer requests that finished, the share where some number of
//   the matter's hunt list answered. This is the figure the Shanghai enterprise seat reports
//   ("2399 transfer requests, 90.61 % transferred successfully", first month, report 2023-03)
//   and holds to the ≥ 90 % working-time target. A request still hunting has no result yet
//   and is left out entirely (its attempts too, until it finishes). A request the caller
//   cancelled by hanging up during the hunt is counted apart: the department was not given
//   the chance to answer, so it is neither a success nor a failure. So is a request the hunt
//   could not finish because the switch went away (`switch-lost`).
// - **Attempt rate**: of the dials made, the share answered — how reachable each number is.
//   Busy fallback (遇忙转接) means a request can succeed while some of its attempts fail,
//   so this rate is usually below the request rate of the same requests. A dial cut short because
//   the caller hung up (`cancelled`) or the switch went away (`lost`) says nothing about the
//   number and is left out; the other attempts of such a request (a busy first number) count.
//
// Working time vs after hours follows the record's `workingTime` (the owning department's
// hours at the moment of the request, decided by the calendar when the request was made);
// the headline rate is working time only, as the target is stated for working hours.

import type { DialOutcomeKind } from './transfer-record.js'
import { DIAL_OUTCOMES } from './transfer-record.js'
import type { TransferAttempt, TransferRecord } from './transfer-record.js'

/** The Shanghai plans' target for the connection rate in working hours. */
export const DEFAULT_TARGET = 0.9
/** The national 12345 standard, shown for reference next to the local target. */
export const NATIONAL_STANDARD = 0.95

/** How a finished request counts; undefined while it is still hunting. */
export type RequestResult = 'connected' | 'failed' | 'cancelled' | 'switch-lost'

export const REQUEST_RESULTS: readonly RequestResult[] = ['connected', 'failed', 'cancelled', 'switch-lost']

/** Dial outcomes that say nothing about the number: left out of the attempt rate. */
export const NOT_THE_NUMBERS: ReadonlySet<DialOutcomeKind> = new Set(['cancelled', 'lost'])

export interface RequestFigures {
  /** Connected + failed: the requests the rate is computed over. */
  counted: number
  connected: number
  failed: number
  /** Caller hung up during the hunt: counted apart, not in `counted`. */
  cancelled: number
  /** The switch went away and the hunt could not finish: counted apart, not in `counted`. */
  'switch-lost': number
  /** Not finished yet: in no other count. */
  hunting: number
  /** connected / counted; null when nothing was counted. */
  rate: number | null
}

export interface AttemptFigures {
  /** Every dial except cancelled and lost ones: the attempts the rate is computed over. */
  counted: number
  answered: number
  /** Dials by outcome, cancelled and lost included (so `counted + cancelled + lost` is every dial). */
  outcomes: Record<DialOutcomeKind, number>
  /** answered / counted; null when nothing was counted. */
  rate: number | null
}

export interface Figures {
  requests: RequestFigures
  attempts: AttemptFigures
}

/** Working time and after hours apart, and both together (`all` = the sum of the two). */
export interface SplitFigures<F = Figures> {
  workingTime: F
  afterHours: F
  all: F
}

export interface DepartmentFigures extends SplitFigures {
  departmentId: string
}

export interface MatterFigures extends SplitFigures {
  matterId: string
  departmentId: string
}

/** A number is judged by its dials alone: a request is not "of" one number. */
export interface NumberFigures extends SplitFigures<AttemptFigures> {
  number: string
  /** The departments whose matters dialled it (a shared switchboard can serve several). */
  departmentIds: string[]
}

export interface ConnectionRateReport {
  /** The working-time request rate: the figure held to the target. */
  rate: number | null
  overall: SplitFigures
  /** Sorted by id, as are the other groups. */
  byDepartment: DepartmentFigures[]
  byMatter: MatterFigures[]
  byNumber: NumberFigures[]
}

/**
 * The result of a request: connected when any number answered (or the record says so), else
 * cancelled when the caller hung up during the hunt, else failed. A caller who hangs up just
 * as a specialist answers still made a connection: the department did its part.
 */
export function requestResult (record: TransferRecord): RequestResult | undefined {
  if (record.state === 'hunting') return undefined
  if (record.state === 'connected' || record.attempts.some((a) => a.outcome === 'answered')) return 'connected'
  if (record.state === 'cancelled') return 'cancelled'
  return record.state === 'switch-lost' ? 'switch-lost' : 'failed'
}

export function emptyRequests (): RequestFigures {
  return { counted: 0, connected: 0, failed: 0, cancelled: 0, 'switch-lost': 0, hunting: 0, rate: null }
}

export function emptyAttempts (): AttemptFigures {
  const outcomes = Object.fromEntries(DIAL_OUTCOMES.map((o) => [o, 0])) as Record<DialOutcomeKind, number>
  return { counted: 0, answered: 0, outcomes, rate: null }
}

function emptyFigures (): Figures {
  return { requests: emptyRequests(), attempts: emptyAttempts() }
}

function split<F> (make: () => F): SplitFigures<F> {
  return { workingTime: make(), afterHours: make(), all: make() }
}

function ratio (part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole
}

function addRequest (figures: RequestFigures, result: RequestResult | undefined): void {
  if (result === undefined) figures.hunting++
  else figures[result]++
}

function addAttempt (figures: AttemptFigures, attempt: TransferAttempt): void {
  figures.outcomes[attempt.outcome]++
}

/** Fills in the totals and rates from the counts. */
function settleRequests (f: RequestFigures): void {
  f.counted = f.connected + f.failed
  f.rate = ratio(f.connected, f.counted)
}

function settleAttempts (f: AttemptFigures): void {
  f.answered = f.outcomes.answered
  f.counted = DIAL_OUTCOMES.reduce((sum, o) => NOT_THE_NUMBERS.has(o) ? sum : sum + f.outcomes[o], 0)
  f.rate = ratio(f.answered, f.counted)
}

function settle (s: SplitFigures): void {
  for (const f of [s.workingTime, s.afterHours, s.all]) {
    settleRequests(f.requests)
    settleAttempts(f.attempts)
  }
}

function settleNumber (s: SplitFigures<AttemptFigures>): void {
  for (const f of [s.workingTime, s.afterHours, s.all]) settleAttempts(f)
}

function getOrAdd<K, V> (map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}

const byKey = <T>(key: (item: T) => string) => (a: T, b: T): number => {
  const [x, y] = [key(a), key(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

/** Adds one record to a split: its half (working time or after hours) and `all`. */
function addRecord (s: SplitFigures, record: TransferRecord, result: RequestResult | undefined): void {
  for (const f of [record.workingTime ? s.workingTime : s.afterHours, s.all]) {
    addRequest(f.requests, result)
    // A request still hunting is left out whole: its attempts count once it has a result.
    if (result !== undefined) for (const a of record.attempts) addAttempt(f.attempts, a)
  }
}

/** The figures of a set of transfer records: overall, by department, matter and number. */
export function connectionRate (records: readonly TransferRecord[]): ConnectionRateReport {
  const overall = split(emptyFigures)
  const departments = new Map<string, DepartmentFigures>()
  const matters = new Map<string, MatterFigures>()
  const numbers = new Map<string, NumberFigures & { departments: Set<string> }>()

  for (const record of records) {
    const result = requestResult(record)
    addRecord(overall, record, result)
    addRecord(getOrAdd(departments, record.departmentId, () => ({ departmentId: record.departmentId, ...split(emptyFigures) })), record, result)
    // A matter belongs to one department; the key holds both in case the directory moved it.
    addRecord(getOrAdd(matters, `${record.matterId}\u0000${record.departmentId}`,
      () => ({ matterId: record.matterId, departmentId: record.departmentId, ...split(emptyFigures) })), record, result)
    if (result === undefined) continue
    for (const attempt of record.attempts) {
      const n = getOrAdd(numbers, attempt.number,
        () => ({ number: attempt.number, departmentIds: [], departments: new Set<string>(), ...split(emptyAttempts) }))
      n.departments.add(attempt.departmentId)
      addAttempt(record.workingTime ? n.workingTime : n.afterHours, attempt)
      addAttempt(n.all, attempt)
    }
  }

  settle(overall)
  for (const d of departments.values()) settle(d)
  for (const m of matters.values()) settle(m)
  const byNumber = [...numbers.values()].map(({ departments: set, ...n }) => {
    settleNumber(n)
    return { ...n, departmentIds: [...set].sort() }
  })
  return {
    rate: overall.workingTime.requests.rate,
    overall,
    byDepartment: [...departments.values()].sort(byKey((d) => d.departmentId)),
    byMatter: [...matters.values()].sort(byKey((m) => `${m.matterId}\u0000${m.departmentId}`)),
    byNumber: byNumber.sort(byKey((n) => n.number))
  }
}

export interface TargetRule {
  /** The rate to reach, 0–1. */
  target: number
  /** Fewer counted requests than this are too few to judge (one failed call at 09:01). */
  minCounted: number
}

/**
 * Whether working-time figures fall under the target: a request rate below it over at least
 * `minCounted` counted requests. Too few requests, or none, is not below target.
 */
export function belowTarget (figures: Figures, rule: TargetRule): boolean {
  const { rate, counted } = figures.requests
  return rate !== null && counted >= rule.minCounted && rate < rule.target
}
