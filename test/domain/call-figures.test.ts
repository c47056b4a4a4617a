// Call-outcome figures per day (src/domain/call-figures.ts): what each kind of ended call adds
// to its day's counts, and every figure computed from those counts. Every expected number is
// worked out by hand in the comments, not produced by the code under test.
import t, { type Test } from 'tap'
import {
  CALL_COUNT_KEYS, type CallFigures, type EndedCall, callDay, callFigures, callIncrements, checkDayCounts, daysBetween
} from '../../src/domain/call-figures.js'

const QUEUED = { group: 'enterprise-seat', enqueuedAt: Date.parse('2026-03-02T10:01:00+08:00') }

/** The figures of no calls at all: every count 0, every share null. */
const NONE: CallFigures = {
  offered: 0,
  completed: 0,
  served: 0,
  completedByDesign: 0,
  abandoned: { total: 0, ivr: 0, queue: 0, ringingAgent: 0 },
  refused: 0,
  cut: 0,
  cutReasons: { drainDeadline: 0, switchLost: 0, shutdown: 0, controllerRestarted: 0 },
  failed: 0,
  queued: 0,
  queueAbandonRate: null,
  queueAbandonAvgWaitMs: null,
  addsUp: true
}

/** The figures of `calls` ended on one day, with the increments of each checked against the fixed keys. */
function figuresOf (t: Test, ...calls: EndedCall[]): CallFigures {
  const day: Record<string, number> = {}
  for (const call of calls) {
    const add = callIncrements(call)
    t.ok(Object.keys(add).every((k) => (CALL_COUNT_KEYS as readonly string[]).includes(k)), 'only the fixed keys')
    for (const [key, value] of Object.entries(add)) day[key] = (day[key] ?? 0) + value
  }
  return callFigures(day)
}

void t.test('completed, served: the caller reached an agent after queueing', async (t) => {
  const call: EndedCall = { finalState: 'completed', reason: 'served', queue: { ...QUEUED, servedAt: QUEUED.enqueuedAt + 20_000, agentId: 'agent01' } }
  t.strictSame(callIncrements(call), { offered: 1, completed: 1, 'completed:served': 1, queued: 1 })
  // 1 offered, 1 completed and served; queued 1, none of them abandoned: 0 / 1 = 0.
  t.strictSame(figuresOf(t, call), { ...NONE, offered: 1, completed: 1, served: 1, queued: 1, queueAbandonRate: 0 })
})

void t.test('completed by design: a next-urgent ticket outside working hours, never queued', async (t) => {
  const call: EndedCall = { finalState: 'completed', reason: 'ticket' }
  t.strictSame(callIncrements(call), { offered: 1, completed: 1, 'completed:by-design': 1 })
  // Nothing queued: the queue abandon rate has nothing to be computed over.
  t.strictSame(figuresOf(t, call), { ...NONE, offered: 1, completed: 1, completedByDesign: 1 })
})

void t.test('completed by design after the overflow: queued, not abandoned', async (t) => {
  const call: EndedCall = { finalState: 'completed', reason: 'ticket', queue: { ...QUEUED, overflowAt: QUEUED.enqueuedAt + 180_000 } }
  t.strictSame(callIncrements(call), { offered: 1, completed: 1, 'completed:by-design': 1, queued: 1 })
  t.strictSame(figuresOf(t, call), { ...NONE, offered: 1, completed: 1, completedByDesign: 1, queued: 1, queueAbandonRate: 0 })
})

void t.test('abandoned in the IVR: counted, but not in the queue abandon rate', async (t) => {
  const call: EndedCall = { finalState: 'abandoned', reason: 'hung up in the IVR', abandon: { phase: 'ivr', waitedMs: 12_345.6 } }
  // The wait is kept in whole milliseconds: 12 345.6 → 12 346.
  t.strictSame(callIncrements(call), { offered: 1, abandoned: 1, 'abandoned:ivr': 1, 'abandon-wait-ms:ivr': 12_346 })
  t.strictSame(figuresOf(t, call), { ...NONE, offered: 1, abandoned: { total: 1, ivr: 1, queue: 0, ringingAgent: 0 } },
    'no call queued: rate and wait null, whatever the IVR abandons')
  t.equal(callIncrements({ ...call, abandon: { phase: 'ivr', waitedMs: Number.NaN } })['abandon-wait-ms:ivr'], 0,
    'a wait that is no number adds 0, so the call is still counted')
})

void t.test('abandoned in the queue', async (t) => {
  const call: EndedCall = { finalState: 'abandoned', reason: 'hung up in the queue', abandon: { phase: 'queue', waitedMs: 30_000 }, queue: { ...QUEUED, abandonedAt: QUEUED.enqueuedAt + 30_000 } }
  t.strictSame(callIncrements(call), { offered: 1, abandoned: 1, 'abandoned:queue': 1, 'abandon-wait-ms:queue': 30_000, queued: 1 })
  // 1 abandoned of 1 queued = 1; average wait 30 000 / 1.
  t.strictSame(figuresOf(t, call), {
    ...NONE, offered: 1, abandoned: { total: 1, ivr: 0, queue: 1, ringingAgent: 0 }, queued: 1, queueAbandonRate: 1, queueAbandonAvgWaitMs: 30_000
  })
})

void t.test("abandoned while an agent's phone rang", async (t) => {
  const call: EndedCall = { finalState: 'abandoned', reason: 'hung up while an agent rang', abandon: { phase: 'ringing-agent', waitedMs: 45_000 }, queue: QUEUED }
  t.strictSame(callIncrements(call), { offered: 1, abandoned: 1, 'abandoned:ringing-agent': 1, 'abandon-wait-ms:ringing-agent': 45_000, queued: 1 })
  t.strictSame(figuresOf(t, call), {
    ...NONE, offered: 1, abandoned: { total: 1, ivr: 0, queue: 0, ringingAgent: 1 }, queued: 1, queueAbandonRate: 1, queueAbandonAvgWaitMs: 45_000
  })
})

void t.test('refused: never answered', async (t) => {
  const call: EndedCall = { finalState: 'refused', reason: 'shutting down' }
  t.strictSame(callIncrements(call), { offered: 1, refused: 1 })
  t.strictSame(figuresOf(t, call), { ...NONE, offered: 1, refused: 1 })
})

void t.test('cut: by reason; a call cut while queued is queued but not abandoned', async (t) => {
  const drain: EndedCall = { finalState: 'cut', reason: 'drain-deadline', queue: QUEUED }
  const lost: EndedCall = { finalState: 'cut', reason: 'switch-lost' }
  const shutdown: EndedCall = { finalState: 'cut', reason: 'shutdown' }
  t.strictSame(callIncrements(drain), { offered: 1, cut: 1, 'cut:drain-deadline': 1, queued: 1 })
  t.strictSame(callIncrements(lost), { offered: 1, cut: 1, 'cut:switch-lost': 1 })
  t.strictSame(callIncrements(shutdown), { offered: 1, cut: 1, 'cut:shutdown': 1 })
  // 3 offered, 3 cut (one of each reason); 1 queued and none abandoned: 0 / 1 = 0.
  t.strictSame(figuresOf(t, drain, lost, shutdown), {
    ...NONE, offered: 3, cut: 3, cutReasons: { drainDeadline: 1, switchLost: 1, shutdown: 1, controllerRestarted: 0 }, queued: 1, queueAbandonRate: 0
  })
  t.strictSame(callIncrements({ finalState: 'cut', reason: 'something new' }), { offered: 1, cut: 1 }, 'an unknown reason: cut, no reason count')
})

void t.test('failed: a fault in the controller', async (t) => {
  const call: EndedCall = { finalState: 'failed', reason: 'HC_INTERNAL' }
  t.strictSame(callIncrements(call), { offered: 1, failed: 1 })
  t.strictSame(figuresOf(t, call), { ...NONE, offered: 1, failed: 1 })
})

void t.test('a day of calls: sums, the queue abandon rate and the average abandon wait', async (t) => {
  const day = figuresOf(t,
    { finalState: 'completed', reason: 'served', queue: QUEUED },
    { finalState: 'completed', reason: 'served', queue: QUEUED },
    { finalState: 'completed', reason: 'served', queue: QUEUED },
    { finalState: 'completed', reason: 'ticket', queue: QUEUED },
    { finalState: 'completed', reason: 'to-ordinary' },
    { finalState: 'abandoned', abandon: { phase: 'ivr', waitedMs: 5_000 } },
    { finalState: 'abandoned', abandon: { phase: 'queue', waitedMs: 20_000 }, queue: QUEUED },
    { finalState: 'abandoned', abandon: { phase: 'queue', waitedMs: 70_000 }, queue: QUEUED },
    { finalState: 'abandoned', abandon: { phase: 'ringing-agent', waitedMs: 30_000 }, queue: QUEUED },
    { finalState: 'refused', reason: 'store unavailable' },
    { finalState: 'cut', reason: 'switch-lost', queue: QUEUED },
    { finalState: 'failed', reason: 'HC_INTERNAL' }
  )
  // 12 offered = 5 completed (3 served, 2 by design) + 4 abandoned (1 IVR, 2 queue, 1 ringing)
  // + 1 refused + 1 cut + 1 failed. Queued: 3 served + the ticket after overflow + 3 queue and
  // ringing abandons + the cut = 8. Queue abandon rate (2 + 1) / 8 = 0.375 (the IVR abandon is
  // not in it); their average wait (20 000 + 70 000 + 30 000) / 3 = 40 000 ms.
  t.strictSame(day, {
    offered: 12,
    completed: 5,
    served: 3,
    completedByDesign: 2,
    abandoned: { total: 4, ivr: 1, queue: 2, ringingAgent: 1 },
    refused: 1,
    cut: 1,
    cutReasons: { drainDeadline: 0, switchLost: 1, shutdown: 0, controllerRestarted: 0 },
    failed: 1,
    queued: 8,
    queueAbandonRate: 0.375,
    queueAbandonAvgWaitMs: 40_000,
    addsUp: true
  })
})

void t.test('the check: final states that do not add up to offered are flagged', async (t) => {
  t.strictSame(callFigures({}), NONE, 'no counts: zeros, null shares, and 0 = 0 adds up')
  // offered 3, final states 1 + 1 = 2: one call is missing a final state.
  t.equal(callFigures({ offered: 3, completed: 1, refused: 1 }).addsUp, false)
  t.equal(callFigures({ offered: 2, completed: 1, refused: 1 }).addsUp, true)
  t.equal(callFigures({ offered: 1, completed: 1, failed: 1 }).addsUp, false, 'more final states than calls')
  t.equal(callFigures({ offered: Number.NaN, bogus: 7 }).offered, 0, 'a count that is no number is 0; unknown fields are ignored')
})

void t.test('a call counts on the Shanghai day it was offered', async (t) => {
  t.equal(callDay(Date.parse('2026-02-28T15:59:59.999Z')), '2026-02-28', '23:59:59.999 in Shanghai')
  t.equal(callDay(Date.parse('2026-02-28T16:00:00Z')), '2026-03-01', '00:00 in Shanghai is 16:00 UTC the day before')
  const feb = daysBetween(Date.parse('2026-01-31T16:00:00Z'), Date.parse('2026-02-28T16:00:00Z'))
  t.equal(feb.length, 28)
  t.equal(feb[0], '2026-02-01')
  t.equal(feb.at(-1), '2026-02-28')
  t.equal(daysBetween(Date.parse('2024-01-31T16:00:00Z'), Date.parse('2024-02-29T16:00:00Z')).length, 29, '2024 is a leap year')
  t.strictSame(daysBetween(Date.parse('2026-03-02T10:00:00+08:00'), Date.parse('2026-03-02T12:00:00+08:00')), ['2026-03-02'], 'a part of one day')
  t.strictSame(daysBetween(5, 5), [], 'an empty span')
})

void t.test('what a store refuses to add', async (t) => {
  t.doesNotThrow(() => { checkDayCounts('2026-02-28', { offered: 1, 'abandon-wait-ms:queue': 0 }) })
  t.throws(() => { checkDayCounts('2026-02-30', { offered: 1 }) }, RangeError)
  t.throws(() => { checkDayCounts('2026-02-28', { 'abandon-wait-ms:queue': 1.5 }) }, RangeError)
})
