// Monthly report arithmetic against figures worked out by hand from the records of
// fixtures.ts (February 2026, Asia/Shanghai). Every expected number below is counted in the
// comments from the fixture, not produced by the code under test.
import t from 'tap'
import {
  CLOSE_WITHIN_MS, type MonthlyReport, type ReportFigures, monthOf, monthSpan, monthlyReport, parseMonth, ratedCalls, ticketOutcome
} from '../../src/domain/monthly-report.js'
import { callDay, callIncrements, daysBetween } from '../../src/domain/call-figures.js'
import { DEPARTMENTS, ENDED_CALLS, FEB_CALL_COUNTS, FEB_START, MAR_START, RATINGS, REPORT_AT, TICKETS, TRANSFERS, cst } from './fixtures.js'

const FEB = parseMonth('2026-02')
if (FEB === undefined) throw new Error('2026-02 must parse')

function report (at = REPORT_AT): MonthlyReport {
  return monthlyReport({
    span: FEB as NonNullable<typeof FEB>,
    at,
    transfers: TRANSFERS,
    tickets: TICKETS,
    ratings: new Map(Object.entries(RATINGS)),
    // c13 asked for a transfer at 23:59:59.999 on 31 January: its rating is January's.
    earlierCalls: new Set(['c13']),
    departments: DEPARTMENTS,
    callCounts: FEB_CALL_COUNTS
  })
}

const dept = (r: MonthlyReport, id: string): ReportFigures => {
  const found = r.byDepartment.find((d) => d.departmentId === id)
  if (found === undefined) throw new Error(`no row ${id}`)
  return found
}

void t.test('months are Shanghai calendar months: 00:00 +08:00 is 16:00 UTC the day before', async (t) => {
  t.strictSame(parseMonth('2026-03'), { month: '2026-03', since: Date.parse('2026-02-28T16:00:00Z'), until: Date.parse('2026-03-31T16:00:00Z') })
  t.equal(FEB.since, FEB_START)
  t.equal(FEB.until, MAR_START)
  t.equal(parseMonth('2025-12')?.until, Date.parse('2025-12-31T16:00:00Z'), 'December ends at 00:00 on 1 January')
  t.equal(parseMonth('2024-02')?.until, Date.parse('2024-02-29T16:00:00Z'), '2024 is a leap year')
  for (const bad of ['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '', '２０２６-01']) t.equal(parseMonth(bad), undefined, `"${bad}" refused`)
  t.equal(monthOf(MAR_START - 1).month, '2026-02', '23:59:59.999 on 28 February')
  t.equal(monthOf(MAR_START).month, '2026-03', '00:00 on 1 March')
  t.strictSame(monthSpan(2026, 2), FEB)
})

void t.test('transfer requests and the success share, overall and per department', async (t) => {
  const r = report()
  // tax in February: t01 t02 t13 connected (WT), t05 connected (AH: a number answered though the
  // record says cancelled), t03 t10 t11 failed (WT), t04 cancelled (WT), t06 hunting (WT).
  // t12 (00:00 1 March) and t14 (23:59:59.999 31 January) are other months.
  const tax = dept(r, 'tax').transfers
  t.equal(tax.requests, 9)
  t.strictSame(tax.all, { counted: 7, connected: 4, failed: 3, cancelled: 1, 'switch-lost': 0, hunting: 1, rate: 4 / 7 })
  t.strictSame(tax.workingTime, { counted: 6, connected: 3, failed: 3, cancelled: 1, 'switch-lost': 0, hunting: 1, rate: 0.5 })
  t.strictSame(tax.afterHours, { counted: 1, connected: 1, failed: 0, cancelled: 0, 'switch-lost': 0, hunting: 0, rate: 1 })
  // market: t07 connected AH, t08 failed AH, t09 connected WT.
  const market = dept(r, 'market').transfers
  t.equal(market.requests, 3)
  t.strictSame(market.all, { counted: 3, connected: 2, failed: 1, cancelled: 0, 'switch-lost': 0, hunting: 0, rate: 2 / 3 })
  t.equal(market.workingTime.rate, 1)
  t.equal(market.afterHours.rate, 0.5)
  // Overall: 12 requests; 6 connected, 4 failed → 0.6 (not the mean of 4/7 and 2/3).
  const all = r.overall.transfers
  t.equal(all.requests, 12)
  t.strictSame(all.all, { counted: 10, connected: 6, failed: 4, cancelled: 1, 'switch-lost': 0, hunting: 1, rate: 0.6 })
  t.equal(all.workingTime.rate, 4 / 7, 'WT: t01 t02 t13 t09 connected; t03 t10 t11 failed')
  t.equal(all.afterHours.rate, 2 / 3, 'AH: t05 t07 connected; t08 failed')
  const hrss = dept(r, 'hrss').transfers
  t.equal(hrss.requests, 0)
  t.equal(hrss.all.rate, null, 'no requests: null, not NaN')
})

void t.test('tickets: closed within 24 h over the decided ones, resolved over the closed', async (t) => {
  const r = report()
  // tax next-urgent: k1 closed after 15 h (resolved), k2 after exactly 24 h (not resolved),
  // k3 after 24 h + 1 ms (resolved), k4 open 49 h (late), k5 open 14 h (pending).
  // k9 (00:00 1 March) is March's.
  t.strictSame(dept(r, 'tax').tickets.nextUrgent, {
    raised: 5, closed: 3, closedWithin24h: 2, pending: 1, decided: 4, closedWithin24hRate: 0.5, resolved: 2, resolvedRate: 2 / 3
  })
  t.strictSame(dept(r, 'tax').tickets.transferFailed, {
    raised: 1, closed: 1, closedWithin24h: 1, pending: 0, decided: 1, closedWithin24hRate: 1, resolved: 1, resolvedRate: 1
  })
  // market next-urgent: k6 (15 h, resolved) and k7 (raised at 00:00 1 February, 5 h, resolved);
  // k8 (23:59:59.999 31 January) is January's. f2: transfer-failed, still open after 23 days.
  t.strictSame(dept(r, 'market').tickets.nextUrgent, {
    raised: 2, closed: 2, closedWithin24h: 2, pending: 0, decided: 2, closedWithin24hRate: 1, resolved: 2, resolvedRate: 1
  })
  t.strictSame(dept(r, 'market').tickets.transferFailed, {
    raised: 1, closed: 0, closedWithin24h: 0, pending: 0, decided: 1, closedWithin24hRate: 0, resolved: 0, resolvedRate: null
  })
  // Overall next-urgent: tax 5 + market 2 + dispatch desk d1 (13 h, not resolved) = 8 raised;
  // closed 3 + 2 + 1 = 6; within 2 + 2 + 1 = 5; pending 1; decided 7; resolved 2 + 2 + 0 = 4.
  t.strictSame(r.overall.tickets.nextUrgent, {
    raised: 8, closed: 6, closedWithin24h: 5, pending: 1, decided: 7, closedWithin24hRate: 5 / 7, resolved: 4, resolvedRate: 4 / 6
  })
  // Both kinds: 10 raised, 7 closed, 6 within, 9 decided, 5 resolved.
  t.strictSame(r.overall.tickets.all, {
    raised: 10, closed: 7, closedWithin24h: 6, pending: 1, decided: 9, closedWithin24hRate: 6 / 9, resolved: 5, resolvedRate: 5 / 7
  })
  const desk = r.byDepartment.at(-1)
  t.equal(desk?.departmentId, 'hotline-dispatch', 'a department not in the list follows it')
  t.equal(desk?.name, 'hotline-dispatch', 'named by its id')
  t.equal(dept(r, 'hrss').tickets.nextUrgent.closedWithin24hRate, null)
  t.equal(dept(r, 'hrss').tickets.nextUrgent.resolvedRate, null)
})

void t.test('a ticket is decided once closed or once 24 h have passed open', async (t) => {
  const raised = cst('2026-02-10 09:00')
  const open = TICKETS.find((k) => k.id === 'k4')
  if (open === undefined) throw new Error('k4')
  const ticket = { ...open, createdAt: raised }
  t.equal(ticketOutcome(ticket, raised + CLOSE_WITHIN_MS), 'pending', 'open at exactly 24 h: it may still close in time')
  t.equal(ticketOutcome(ticket, raised + CLOSE_WITHIN_MS + 1), 'late')
  t.equal(ticketOutcome({ ...ticket, closedAt: raised + CLOSE_WITHIN_MS }, raised + 1), 'within', 'closed at exactly 24 h')
  t.equal(ticketOutcome({ ...ticket, closedAt: raised + CLOSE_WITHIN_MS + 1 }, raised + 1), 'late')
  // The same month reported a day later: k5 is now late, so 2 within of 5 decided for tax.
  const later = report(cst('2026-03-02 12:00'))
  t.equal(dept(later, 'tax').tickets.nextUrgent.pending, 0)
  t.equal(dept(later, 'tax').tickets.nextUrgent.closedWithin24hRate, 2 / 5)
})

void t.test('satisfaction: (满意 + 基本满意) / ratings given, per call, in the department of its first request', async (t) => {
  const r = report()
  // tax: c01 satisfied, c02 basically, c03 dissatisfied, c11 satisfied; c04 gave none, c05's
  // value is no survey value, c13's first request was in January, c12 is March's.
  t.strictSame(dept(r, 'tax').satisfaction, { rated: 4, satisfied: 2, basicallySatisfied: 1, dissatisfied: 1, rate: 0.75, strictRate: 0.5 })
  // market: c07 satisfied, c09 dissatisfied (its first request t09 was market's, t10 tax's).
  t.strictSame(dept(r, 'market').satisfaction, { rated: 2, satisfied: 1, basicallySatisfied: 0, dissatisfied: 1, rate: 0.5, strictRate: 0.5 })
  t.strictSame(r.overall.satisfaction, { rated: 6, satisfied: 3, basicallySatisfied: 1, dissatisfied: 2, rate: 4 / 6, strictRate: 0.5 })
  t.strictSame(dept(r, 'hrss').satisfaction.rate, null)
  const rated = ratedCalls({ span: FEB, transfers: TRANSFERS, ratings: new Map(Object.entries(RATINGS)) })
  t.ok(rated.some((c) => c.callId === 'c13'), 'without earlierCalls, c13 counts in February')
})

void t.test('two requests of one call at the same instant: the lower request id decides the department', async (t) => {
  const [a, b] = [TRANSFERS[0], TRANSFERS[6]]
  if (a === undefined || b === undefined) throw new Error('fixture')
  const at = cst('2026-02-20 10:00')
  const records = [{ ...b, id: 'z2', callId: 'cx', requestedAt: at }, { ...a, id: 'z1', callId: 'cx', requestedAt: at }]
  const rated = ratedCalls({ span: FEB, transfers: records, ratings: new Map([['cx', 'satisfied']]) })
  t.strictSame(rated, [{ callId: 'cx', departmentId: a.departmentId, rating: 'satisfied' }])
})

void t.test('every count of the overall row is the sum of the department rows', async (t) => {
  const r = report()
  const counts = (f: ReportFigures): number[] => [
    f.transfers.requests, f.transfers.all.connected, f.transfers.all.failed, f.transfers.all.cancelled, f.transfers.all.hunting,
    f.transfers.workingTime.connected, f.transfers.afterHours.failed,
    ...[f.tickets.nextUrgent, f.tickets.transferFailed].flatMap((k) => [k.raised, k.closed, k.closedWithin24h, k.pending, k.resolved]),
    f.satisfaction.rated, f.satisfaction.satisfied, f.satisfaction.basicallySatisfied, f.satisfaction.dissatisfied
  ]
  const summed = r.byDepartment.map(counts).reduce((acc, row) => acc.map((v, i) => v + (row[i] ?? 0)))
  t.strictSame(summed, counts(r.overall))
  t.strictSame(r.byDepartment.map((d) => d.departmentId), ['tax', 'market', 'hrss', 'hotline-dispatch'], 'the list\'s order, then others')
  t.equal(r.byDepartment[0]?.name, '税务局')
  t.equal(r.complete, true, 'February is over on 1 March')
})

void t.test('no records: every rate is null, nothing is NaN, the month is not over yet', async (t) => {
  const r = monthlyReport({ span: FEB, at: cst('2026-02-15 12:00'), transfers: [], tickets: [], ratings: new Map(), departments: DEPARTMENTS, callCounts: {} })
  t.equal(r.complete, false)
  t.equal(r.calls.offered, 0)
  t.equal(r.calls.queueAbandonRate, null, 'no call queued: null')
  t.equal(r.calls.queueAbandonAvgWaitMs, null)
  t.equal(r.overall.transfers.requests, 0)
  for (const f of [r.overall, ...r.byDepartment]) {
    t.equal(f.transfers.all.rate, null)
    t.equal(f.tickets.nextUrgent.closedWithin24hRate, null)
    t.equal(f.tickets.nextUrgent.resolvedRate, null)
    t.equal(f.satisfaction.rate, null)
  }
  // JSON.stringify would turn NaN into null: look at the values themselves.
  const nan: string[] = []
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'number' && Number.isNaN(value)) nan.push(path)
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${path}/${k}`)
  }
  walk(r, '')
  t.strictSame(nan, [], 'no NaN anywhere')
  t.equal(r.byDepartment.length, 3, 'every listed department has a row')
})

void t.test("the month's calls: how they ended, from the day counts of its days", async (t) => {
  // FEB_CALL_COUNTS is the sum, by hand, of e02–e12; the calls counted day by day sum to it.
  const febDays = new Set(daysBetween(FEB_START, MAR_START))
  const summed: Record<string, number> = {}
  for (const call of ENDED_CALLS) {
    if (!febDays.has(callDay(call.startedAt))) continue
    for (const [k, v] of Object.entries(callIncrements(call))) summed[k] = (summed[k] ?? 0) + v
  }
  t.strictSame(summed, FEB_CALL_COUNTS, 'e01 (23:59:59.999 on 31 January) and e13 (00:00 on 1 March) are other months\'')
  // 11 offered = 4 completed (2 served, 2 by design) + 4 abandoned (IVR 1, queue 2, ringing 1)
  // + 1 refused + 1 cut + 1 failed. Queued 5; queue abandon rate (2 + 1) / 5 = 0.6; their
  // average wait (30 000 + 100 000 + 50 000) / 3 = 60 000 ms (the IVR abandon's 12 s not in it).
  t.strictSame(report().calls, {
    offered: 11,
    completed: 4,
    served: 2,
    completedByDesign: 2,
    abandoned: { total: 4, ivr: 1, queue: 2, ringingAgent: 1 },
    refused: 1,
    cut: 1,
    cutReasons: { drainDeadline: 0, switchLost: 1, shutdown: 0, controllerRestarted: 0 },
    failed: 1,
    queued: 5,
    queueAbandonRate: 0.6,
    queueAbandonAvgWaitMs: 60_000,
    addsUp: true
  })
})

void t.test('a request the switch cut short is shown apart and left out of the success share', async (t) => {
  const base = TRANSFERS.find((r) => r.state === 'connected' && r.departmentId === 'tax')
  if (base === undefined) throw new Error('the fixture has a connected tax request')
  const lost = { ...base, id: 'lost-1', callId: 'c-lost', state: 'switch-lost' as const, connectedAt: undefined, answeredNumber: undefined,
    attempts: [{ ...base.attempts[0]!, outcome: 'lost' as const }] }
  const plain = report()
  const withLost = monthlyReport({
    span: FEB, at: REPORT_AT, transfers: [...TRANSFERS, lost], tickets: TICKETS,
    ratings: new Map(Object.entries(RATINGS)), earlierCalls: new Set(['c13']), departments: DEPARTMENTS, callCounts: FEB_CALL_COUNTS
  })
  const before = dept(plain, 'tax').transfers
  const after = dept(withLost, 'tax').transfers
  t.equal(after.requests, before.requests + 1, 'a request made in the month')
  t.equal(after.all['switch-lost'], before.all['switch-lost'] + 1)
  t.equal(after.all.counted, before.all.counted, 'not counted: the department was not given its chance')
  t.equal(after.all.rate, before.all.rate, 'the success share unchanged')
})
