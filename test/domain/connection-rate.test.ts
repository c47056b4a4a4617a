// Connection-rate arithmetic: every figure below is computed by hand in the comments from the
// scripted day, not by the code under test.
import t, { type Test } from 'tap'
import {
  type AttemptFigures, type ConnectionRateReport, type RequestFigures, type SplitFigures,
  belowTarget, connectionRate, emptyAttempts, emptyRequests, requestResult
} from '../../src/domain/connection-rate.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { TransferRecord, TransferState } from '../../src/domain/transfer-record.js'

/** HH:MM on Monday 2026-01-05, Asia/Shanghai (UTC+8). */
const at = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number]
  return Date.UTC(2026, 0, 5, h - 8, m)
}

const MATTERS: Record<string, string> = {
  'vat-invoice': 'tax',
  'tax-registration': 'tax',
  'social-insurance': 'hr',
  'business-license': 'market'
}
const T1 = '02161110001'
const T2 = '02161110002'
const T3 = '02161110003'
const H1 = '02162220001'
const H2 = '02162220002'
const H3 = '02162220003'
const M1 = '02163330001'

function rec (id: string, time: string, matterId: string, workingTime: boolean, state: TransferState,
  dials: Array<[number: string, outcome: DialOutcomeKind]>): TransferRecord {
  const departmentId = MATTERS[matterId] ?? 'unknown'
  const requestedAt = at(time)
  return {
    id,
    callId: `call-${id}`,
    matterId,
    departmentId,
    requestedAt,
    workingTime,
    state,
    attempts: dials.map(([number, outcome], index) => ({
      number, matterId, departmentId, index, startedAt: requestedAt + index * 20_000, ringMs: 15_000, outcome
    }))
  }
}

// The scripted day. WT = in the department's working time; AH = after hours (the seat still
// takes calls at 18:00, the departments close at 17:30).
const DAY: TransferRecord[] = [
  rec('r01', '09:01', 'vat-invoice', true, 'connected', [[T1, 'busy'], [T2, 'answered']]),
  rec('r02', '09:15', 'vat-invoice', true, 'connected', [[T1, 'answered']]),
  rec('r03', '09:40', 'tax-registration', true, 'all-failed', [[T3, 'no-answer']]),
  rec('r04', '10:05', 'social-insurance', true, 'all-failed', [[H1, 'busy'], [H2, 'busy'], [H3, 'no-answer']]),
  rec('r05', '10:30', 'social-insurance', true, 'connected', [[H1, 'answered']]),
  // Caller hung up while H2 rang: the request is cancelled, H1's busy still counts.
  rec('r06', '10:50', 'social-insurance', true, 'cancelled', [[H1, 'busy'], [H2, 'cancelled']]),
  // Caller hung up just as M1 answered: the record says cancelled, but a number answered.
  rec('r14', '10:45', 'business-license', true, 'cancelled', [[M1, 'answered']]),
  rec('r07', '11:20', 'business-license', true, 'connected', [[M1, 'answered']]),
  rec('r08', '14:00', 'vat-invoice', true, 'all-failed', [[T1, 'rejected'], [T2, 'unreachable']]),
  // Caller hung up during the first dial: nothing about the department is learnt.
  rec('r09', '14:30', 'vat-invoice', true, 'cancelled', [[T1, 'cancelled']]),
  rec('r10', '15:10', 'social-insurance', true, 'connected', [[H1, 'failed'], [H2, 'answered']]),
  // Still hunting when the figures are taken: left out, its busy M1 too.
  rec('r11', '17:20', 'business-license', true, 'hunting', [[M1, 'busy']]),
  rec('r12', '18:10', 'vat-invoice', false, 'connected', [[T1, 'no-answer'], [T2, 'answered']]),
  rec('r13', '18:20', 'tax-registration', false, 'all-failed', [[T3, 'no-answer']])
]

const outcomes = (partial: Partial<Record<DialOutcomeKind, number>>): Record<DialOutcomeKind, number> =>
  ({ ...emptyAttempts().outcomes, ...partial })

const requests = (connected: number, failed: number, cancelled: number, hunting: number, rate: number | null, lost = 0): RequestFigures =>
  ({ counted: connected + failed, connected, failed, cancelled, 'switch-lost': lost, hunting, rate })

const attempts = (counted: number, partial: Partial<Record<DialOutcomeKind, number>>, rate: number | null): AttemptFigures =>
  ({ counted, answered: partial.answered ?? 0, outcomes: outcomes(partial), rate })

void t.test('a scripted day, computed by hand', async (t) => {
  const report = connectionRate(DAY)

  // Working time, requests: r01 r02 r05 r07 r10 r14 connected (6; r14 because M1 answered),
  // r03 r04 r08 failed (3), r06 r09 cancelled (2), r11 hunting (1). Rate 6 / (6 + 3) = 2/3.
  t.strictSame(report.overall.workingTime.requests, requests(6, 3, 2, 1, 6 / 9))
  // Working time, dials (r11 left out): answered r01 r02 r05 r07 r10 r14 = 6; busy r01, r04 ×2,
  // r06 = 4; no-answer r03 r04 = 2; rejected r08, unreachable r08, failed r10 = 1 each;
  // cancelled r06 r09 = 2 (not counted). Counted 6+4+2+1+1+1 = 15; rate 6/15 = 0.4.
  t.strictSame(report.overall.workingTime.attempts,
    attempts(15, { answered: 6, busy: 4, 'no-answer': 2, rejected: 1, unreachable: 1, failed: 1, cancelled: 2 }, 6 / 15))
  // After hours: r12 connected, r13 failed: 1/2. Dials: r12 no-answer + answered, r13
  // no-answer: 1 answered of 3.
  t.strictSame(report.overall.afterHours.requests, requests(1, 1, 0, 0, 1 / 2))
  t.strictSame(report.overall.afterHours.attempts, attempts(3, { answered: 1, 'no-answer': 2 }, 1 / 3))
  // All: 7 connected, 4 failed (7/11), 2 cancelled, 1 hunting; dials 7 answered of 18.
  t.strictSame(report.overall.all.requests, requests(7, 4, 2, 1, 7 / 11))
  t.strictSame(report.overall.all.attempts,
    attempts(18, { answered: 7, busy: 4, 'no-answer': 4, rejected: 1, unreachable: 1, failed: 1, cancelled: 2 }, 7 / 18))
  t.equal(report.rate, 2 / 3, 'the headline is the working-time request rate')
})

void t.test('the scripted day by department', async (t) => {
  const report = connectionRate(DAY)
  t.same(report.byDepartment.map((d) => d.departmentId), ['hr', 'market', 'tax'], 'sorted by id')
  const [hr, market, tax] = report.byDepartment
  // tax, working time: r01 r02 connected, r03 r08 failed, r09 cancelled → 2/4. Dials: r01
  // busy + answered, r02 answered, r03 no-answer, r08 rejected + unreachable, r09 cancelled
  // → 2 answered of 6. After hours: r12 connected, r13 failed → 1/2; dials 1 of 3.
  t.strictSame(tax?.workingTime.requests, requests(2, 2, 1, 0, 2 / 4))
  t.strictSame(tax?.workingTime.attempts,
    attempts(6, { answered: 2, busy: 1, 'no-answer': 1, rejected: 1, unreachable: 1, cancelled: 1 }, 2 / 6))
  t.strictSame(tax?.afterHours.requests, requests(1, 1, 0, 0, 1 / 2))
  t.strictSame(tax?.afterHours.attempts, attempts(3, { answered: 1, 'no-answer': 2 }, 1 / 3))
  // hr, working time only: r05 r10 connected, r04 failed, r06 cancelled → 2/3. Dials: r04
  // busy busy no-answer, r05 answered, r06 busy (+ cancelled), r10 failed answered → 2 of 7.
  t.strictSame(hr?.workingTime.requests, requests(2, 1, 1, 0, 2 / 3))
  t.strictSame(hr?.workingTime.attempts, attempts(7, { answered: 2, busy: 3, 'no-answer': 1, failed: 1, cancelled: 1 }, 2 / 7))
  t.strictSame(hr?.afterHours.requests, requests(0, 0, 0, 0, null), 'no after-hours requests: no rate')
  t.equal(hr?.afterHours.attempts.rate, null)
  // market: r07 r14 connected, r11 hunting → 2/2; dials r07 r14 answered (r11's busy left out).
  t.strictSame(market?.workingTime.requests, requests(2, 0, 0, 1, 1))
  t.strictSame(market?.workingTime.attempts, attempts(2, { answered: 2 }, 1))
})

void t.test('the scripted day by matter', async (t) => {
  const report = connectionRate(DAY)
  t.same(report.byMatter.map((m) => [m.matterId, m.departmentId]),
    [['business-license', 'market'], ['social-insurance', 'hr'], ['tax-registration', 'tax'], ['vat-invoice', 'tax']])
  const matter = (id: string) => report.byMatter.find((m) => m.matterId === id)
  // vat-invoice WT: r01 r02 connected, r08 failed, r09 cancelled → 2/3; dials busy, answered,
  // answered, rejected, unreachable (+ cancelled) → 2 of 5. AH: r12 → 1/1, dials 1 of 2.
  t.strictSame(matter('vat-invoice')?.workingTime.requests, requests(2, 1, 1, 0, 2 / 3))
  t.strictSame(matter('vat-invoice')?.workingTime.attempts,
    attempts(5, { answered: 2, busy: 1, rejected: 1, unreachable: 1, cancelled: 1 }, 2 / 5))
  t.strictSame(matter('vat-invoice')?.afterHours.requests, requests(1, 0, 0, 0, 1))
  t.strictSame(matter('vat-invoice')?.afterHours.attempts, attempts(2, { answered: 1, 'no-answer': 1 }, 1 / 2))
  // tax-registration: r03 (WT) and r13 (AH) both failed on T3: 0 of 1 each.
  t.strictSame(matter('tax-registration')?.workingTime.requests, requests(0, 1, 0, 0, 0))
  t.strictSame(matter('tax-registration')?.afterHours.requests, requests(0, 1, 0, 0, 0))
  t.strictSame(matter('tax-registration')?.all.attempts, attempts(2, { 'no-answer': 2 }, 0))
  // One matter per department here: its figures are the department's.
  t.strictSame(matter('social-insurance')?.workingTime, report.byDepartment.find((d) => d.departmentId === 'hr')?.workingTime)
})

void t.test('the scripted day by number', async (t) => {
  const report = connectionRate(DAY)
  t.same(report.byNumber.map((n) => n.number), [T1, T2, T3, H1, H2, H3, M1], 'sorted')
  const number = (n: string) => report.byNumber.find((x) => x.number === n)
  // T1: WT r01 busy, r02 answered, r08 rejected, r09 cancelled → 1 of 3; AH r12 no-answer → 0 of 1.
  t.strictSame(number(T1)?.workingTime, attempts(3, { answered: 1, busy: 1, rejected: 1, cancelled: 1 }, 1 / 3))
  t.strictSame(number(T1)?.afterHours, attempts(1, { 'no-answer': 1 }, 0))
  t.strictSame(number(T1)?.all, attempts(4, { answered: 1, busy: 1, rejected: 1, 'no-answer': 1, cancelled: 1 }, 1 / 4))
  // T2: WT r01 answered, r08 unreachable → 1/2; AH r12 answered → 1/1.
  t.strictSame(number(T2)?.workingTime, attempts(2, { answered: 1, unreachable: 1 }, 1 / 2))
  t.strictSame(number(T2)?.afterHours, attempts(1, { answered: 1 }, 1))
  // H1: r04 busy, r05 answered, r06 busy, r10 failed → 1 of 4. H2: r04 busy, r06 cancelled,
  // r10 answered → 1 of 2. H3: r04 no-answer → 0 of 1.
  t.strictSame(number(H1)?.workingTime, attempts(4, { answered: 1, busy: 2, failed: 1 }, 1 / 4))
  t.strictSame(number(H2)?.workingTime, attempts(2, { answered: 1, busy: 1, cancelled: 1 }, 1 / 2))
  t.strictSame(number(H3)?.workingTime, attempts(1, { 'no-answer': 1 }, 0))
  // M1: r07 and r14 answered; r11 (hunting, busy) left out → 2 of 2.
  t.strictSame(number(M1)?.workingTime, attempts(2, { answered: 2 }, 1))
  t.same(number(M1)?.departmentIds, ['market'])
  t.notOk('requests' in (number(M1) ?? {}), 'a number has dial figures only')
})

function dialsAdd (t: Test, name: string, w: AttemptFigures, a: AttemptFigures, all: AttemptFigures): void {
  t.equal(w.counted + a.counted, all.counted, `${name}: dials counted add up`)
  for (const o of Object.keys(all.outcomes) as DialOutcomeKind[]) {
    t.equal(w.outcomes[o] + a.outcomes[o], all.outcomes[o], `${name}: ${o} adds up`)
  }
}

/** Every count of a split: working time + after hours = all. */
function splitAdds (t: Test, name: string, s: SplitFigures): void {
  for (const key of ['counted', 'connected', 'failed', 'cancelled', 'hunting'] as const) {
    t.equal(s.workingTime.requests[key] + s.afterHours.requests[key], s.all.requests[key], `${name}: requests.${key} adds up`)
  }
  dialsAdd(t, name, s.workingTime.attempts, s.afterHours.attempts, s.all.attempts)
}

void t.test('figures add up: halves to all, groups to the whole', async (t) => {
  const report = connectionRate(DAY)
  splitAdds(t, 'overall', report.overall)
  for (const d of report.byDepartment) splitAdds(t, d.departmentId, d)
  for (const m of report.byMatter) splitAdds(t, m.matterId, m)
  for (const n of report.byNumber) dialsAdd(t, n.number, n.workingTime, n.afterHours, n.all)
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
  for (const half of ['workingTime', 'afterHours', 'all'] as const) {
    const whole = report.overall[half]
    for (const groups of [report.byDepartment, report.byMatter]) {
      for (const key of ['connected', 'failed', 'cancelled', 'hunting'] as const) {
        t.equal(sum(groups.map((g) => g[half].requests[key])), whole.requests[key], `${half} requests.${key}`)
      }
      t.equal(sum(groups.map((g) => g[half].attempts.counted)), whole.attempts.counted, `${half} dials`)
    }
    t.equal(sum(report.byNumber.map((n) => n[half].counted)), whole.attempts.counted, `${half}: numbers' dials`)
    t.equal(sum(report.byNumber.map((n) => n[half].answered)), whole.attempts.answered, `${half}: numbers' answers`)
  }
})

void t.test('order of records does not matter; input is not changed', async (t) => {
  const copy = structuredClone(DAY)
  const forward = connectionRate(DAY)
  t.strictSame(connectionRate([...DAY].reverse()), forward)
  t.strictSame(DAY, copy)
})

void t.test('nothing to count: counts 0, rates null', async (t) => {
  const empty: ConnectionRateReport = connectionRate([])
  t.equal(empty.rate, null)
  t.strictSame(empty.overall.workingTime, { requests: emptyRequests(), attempts: emptyAttempts() })
  t.same([empty.byDepartment, empty.byMatter, empty.byNumber], [[], [], []])

  const hunting = connectionRate([rec('h', '09:00', 'vat-invoice', true, 'hunting', [[T1, 'busy']])])
  t.equal(hunting.rate, null, 'a request still hunting gives no rate')
  t.strictSame(hunting.overall.workingTime.requests, requests(0, 0, 0, 1, null))
  t.strictSame(hunting.overall.workingTime.attempts, emptyAttempts(), 'nor do its dials count yet')
  t.same(hunting.byNumber, [])

  const cancelled = connectionRate([rec('c', '09:00', 'vat-invoice', true, 'cancelled', [[T1, 'cancelled']])])
  t.equal(cancelled.rate, null, 'a cancelled request is no failure')
  t.strictSame(cancelled.overall.workingTime.requests, requests(0, 0, 1, 0, null))
  t.strictSame(cancelled.overall.workingTime.attempts, attempts(0, { cancelled: 1 }, null))

  // The switch went away mid-hunt: a busy before it still counts, the dial cut by the loss does not.
  const lost = connectionRate([rec('l', '09:00', 'vat-invoice', true, 'switch-lost', [[T1, 'busy'], [T2, 'lost']])])
  t.strictSame(lost.overall.workingTime.requests, requests(0, 0, 0, 0, null, 1), 'a lost switch is no department failure')
  t.strictSame(lost.overall.workingTime.attempts, attempts(1, { busy: 1, lost: 1 }, 0))
  t.equal(lost.rate, null)

  const afterHoursOnly = connectionRate([rec('a', '19:00', 'vat-invoice', false, 'connected', [[T1, 'answered']])])
  t.equal(afterHoursOnly.rate, null, 'after hours never makes the headline')
  t.equal(afterHoursOnly.overall.afterHours.requests.rate, 1)
})

void t.test('requestResult: connected if any number answered, cancelled apart, hunting none', async (t) => {
  const one = (state: TransferState, dials: Array<[string, DialOutcomeKind]>) => requestResult(rec('x', '09:00', 'vat-invoice', true, state, dials))
  t.equal(one('hunting', [[T1, 'busy']]), undefined)
  t.equal(one('hunting', []), undefined)
  t.equal(one('connected', [[T1, 'busy'], [T2, 'answered']]), 'connected')
  t.equal(one('connected', []), 'connected', 'the record says so')
  t.equal(one('all-failed', [[T1, 'busy'], [T2, 'no-answer']]), 'failed')
  t.equal(one('all-failed', []), 'failed')
  t.equal(one('cancelled', [[T1, 'busy'], [T2, 'cancelled']]), 'cancelled')
  t.equal(one('cancelled', [[T1, 'answered']]), 'connected', 'a number answered before the caller went')
  t.equal(one('switch-lost', [[T1, 'busy'], [T2, 'lost']]), 'switch-lost')
  t.equal(one('switch-lost', [[T1, 'answered']]), 'connected', 'answered before the switch went')
})

void t.test('belowTarget: a rate under the target over enough requests', async (t) => {
  const figures = (connected: number, failed: number) => ({
    requests: requests(connected, failed, 0, 0, connected + failed === 0 ? null : connected / (connected + failed)),
    attempts: emptyAttempts()
  })
  const rule = { target: 0.9, minCounted: 5 }
  t.equal(belowTarget(figures(0, 1), rule), false, 'one failed call at 09:01 is too few')
  t.equal(belowTarget(figures(0, 4), rule), false)
  t.equal(belowTarget(figures(4, 1), rule), true, '4/5 = 80 % over 5 requests')
  t.equal(belowTarget(figures(9, 1), rule), false, 'exactly 90 % meets the target')
  t.equal(belowTarget(figures(17, 2), rule), true, '17/19 ≈ 89.5 % is below')
  t.equal(belowTarget(figures(0, 0), rule), false, 'nothing counted')
  t.equal(belowTarget(figures(9, 1), { target: 0.95, minCounted: 1 }), true, 'under the national 95 %')
  t.equal(belowTarget(figures(0, 1), { target: 0.9, minCounted: 1 }), true)
})
