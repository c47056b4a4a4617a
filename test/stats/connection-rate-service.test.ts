// The connection-rate service: windows at day and month boundaries in Asia/Shanghai (where
// the UTC date is a different one), figures read from the store, and the below-target alarm
// with its gauge and log lines.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { Metrics } from '../../src/metrics.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { TransferStore } from '../../src/ports/transfers.js'
import type { TransferRecord, TransferState } from '../../src/domain/transfer-record.js'
import {
  ConnectionRateService, type ConnectionRateSettings, HOUR_MS, customWindow, windowAt
} from '../../src/stats/connection-rate-service.js'

/** Wall-clock time in Shanghai (UTC+8) as epoch ms. */
const cst = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number =>
  Date.UTC(y, mo - 1, d, h - 8, mi, s, ms)

const SETTINGS: ConnectionRateSettings = { target: 0.9, minAttemptsForAlarm: 5, refreshSec: 60 }

let serial = 0
function record (requestedAt: number, state: TransferState, extra: Partial<TransferRecord> = {}): TransferRecord {
  const outcome: DialOutcomeKind = state === 'connected' ? 'answered' : state === 'cancelled' ? 'cancelled' : 'busy'
  const departmentId = extra.departmentId ?? 'tax'
  const matterId = extra.matterId ?? 'vat-invoice'
  return {
    id: `tr-${String(++serial).padStart(4, '0')}`,
    callId: `call-${serial}`,
    matterId,
    departmentId,
    requestedAt,
    workingTime: true,
    state,
    attempts: state === 'hunting' ? [] : [{ number: '02161110001', matterId, departmentId, index: 0, startedAt: requestedAt, ringMs: 5000, outcome }],
    ...extra
  }
}

function setUp (t: Test, start: number, settings: Partial<ConnectionRateSettings> = {}, departments = ['hr', 'market', 'tax']) {
  const store = new MemoryStore()
  const clock = new ManualClock(start)
  const metrics = new Metrics()
  const lines: Array<{ level: number, msg: string, department?: string }> = []
  const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as typeof lines[number]) } })
  const service = new ConnectionRateService({
    store, clock, metrics, logger, settings: { ...SETTINGS, ...settings }, departments: () => departments
  })
  t.teardown(async () => {
    service.stop()
    await store.close()
  })
  const gauge = async (): Promise<Record<string, number>> => Object.fromEntries(
    (await metrics.connectionRateBelowTarget.get()).values.map((v) => [String(v.labels.department), v.value]))
  const put = async (...records: TransferRecord[]): Promise<void> => { for (const r of records) await store.putTransfer(r) }
  return { store, clock, metrics, service, lines, gauge, put }
}

void t.test('named windows follow the Shanghai calendar, not UTC', async (t) => {
  // 2026-02-01 00:30 in Shanghai is still 2026-01-31 in UTC.
  const now = cst(2026, 2, 1, 0, 30)
  t.equal(new Date(now).getUTCDate(), 31, 'the UTC date differs')
  t.strictSame(windowAt('today', now), { name: 'today', since: cst(2026, 2, 1), until: cst(2026, 2, 2) })
  t.strictSame(windowAt('this-month', now), { name: 'this-month', since: cst(2026, 2, 1), until: cst(2026, 3, 1) })
  t.strictSame(windowAt('last-hour', now), { name: 'last-hour', since: now - HOUR_MS, until: now })

  const lastMs = cst(2026, 1, 31, 23, 59, 59, 999)
  t.strictSame(windowAt('today', lastMs), { name: 'today', since: cst(2026, 1, 31), until: cst(2026, 2, 1) })
  t.strictSame(windowAt('this-month', lastMs), { name: 'this-month', since: cst(2026, 1, 1), until: cst(2026, 2, 1) })
  t.strictSame(windowAt('today', cst(2026, 2, 1)), { name: 'today', since: cst(2026, 2, 1), until: cst(2026, 2, 2) }, 'midnight is the new day')

  t.strictSame(windowAt('this-month', cst(2026, 12, 31, 23)), { name: 'this-month', since: cst(2026, 12, 1), until: cst(2027, 1, 1) }, 'December rolls into the next year')
  const leap = windowAt('this-month', cst(2028, 2, 10))
  t.equal((leap.until - leap.since) / 86_400_000, 29, 'February 2028 has 29 days')
  t.equal((windowAt('today', cst(2026, 3, 5, 12)).until - windowAt('today', cst(2026, 3, 5, 12)).since), 86_400_000)
})

void t.test('explicit windows: forward, finite, at most 366 days', async (t) => {
  t.strictSame(customWindow(1000, 2000), { name: 'custom', since: 1000, until: 2000 })
  const bad = { name: 'HotlineError', code: 'HC_BAD_REQUEST', statusCode: 400 }
  t.throws(() => customWindow(2000, 2000), { ...bad, message: /after since/ })
  t.throws(() => customWindow(2000, 1000), bad)
  t.throws(() => customWindow(NaN, 1000), bad)
  t.throws(() => customWindow(0, 367 * 86_400_000), { ...bad, message: /366 days/ })
  t.doesNotThrow(() => customWindow(0, 366 * 86_400_000))
})

void t.test('figures of a window come from the records requested in it', async (t) => {
  const { service, clock, put } = setUp(t, cst(2026, 2, 1, 9, 30))
  // One matter per record, so the matters listed say which records a window took.
  const at = (name: string, when: number) => record(when, 'connected', { matterId: name })
  await put(
    at('dec-31-last', cst(2025, 12, 31, 23, 59, 59, 999)),
    at('jan-01-first', cst(2026, 1, 1)),
    at('jan-31-last', cst(2026, 1, 31, 23, 59, 59, 999)),
    at('feb-01-first', cst(2026, 2, 1)),
    at('feb-01-0830', cst(2026, 2, 1, 8, 30)),
    at('feb-01-0929', cst(2026, 2, 1, 9, 29, 59, 999)),
    at('feb-01-0930', cst(2026, 2, 1, 9, 30)),
    at('feb-02-first', cst(2026, 2, 2)),
    at('mar-01-first', cst(2026, 3, 1))
  )
  const matters = async (w: Parameters<ConnectionRateService['figures']>[0]): Promise<string[]> =>
    (await service.figures(w)).byMatter.map((m) => m.matterId).sort()
  t.same(await matters('last-hour'), ['feb-01-0830', 'feb-01-0929'], 'last hour: since in, now out')
  t.same(await matters('today'), ['feb-01-0830', 'feb-01-0929', 'feb-01-0930', 'feb-01-first'], 'the Shanghai day, not the UTC one')
  t.same(await matters('this-month'), ['feb-01-0830', 'feb-01-0929', 'feb-01-0930', 'feb-01-first', 'feb-02-first'],
    'the whole Shanghai month, the rest of it included')

  clock.set(cst(2026, 1, 31, 20))
  t.same(await matters('today'), ['jan-31-last'], 'up to the last millisecond of the day')
  t.same(await matters('this-month'), ['jan-01-first', 'jan-31-last'], 'January, not December or February')
  t.same(await matters({ name: 'custom', since: cst(2025, 12, 31, 23, 59, 59, 999), until: cst(2026, 2, 1) }),
    ['dec-31-last', 'jan-01-first', 'jan-31-last'], 'an explicit window')

  const result = await service.figures('today')
  t.match(result, { window: { name: 'today', since: cst(2026, 1, 31), until: cst(2026, 2, 1) }, at: cst(2026, 1, 31, 20),
    target: 0.9, nationalStandard: 0.95, minAttemptsForAlarm: 5, rate: 1 })
  t.equal(result.overall.workingTime.requests.connected, 1)
})

void t.test('the alarm: a department under the target over enough requests', async (t) => {
  const { service, clock, put, gauge, lines } = setUp(t, cst(2026, 1, 5, 9, 1))
  const now = (): number => clock.now()
  await put(record(now(), 'all-failed'))
  t.same(await service.refresh(), [
    { departmentId: 'hr', below: false, rate: null, counted: 0 },
    { departmentId: 'market', below: false, rate: null, counted: 0 },
    { departmentId: 'tax', below: false, rate: 0, counted: 1 }
  ], 'one failed call at 09:01 is not an alarm')
  t.same(await gauge(), { hr: 0, market: 0, tax: 0 }, 'every department of the directory has a series')
  t.same(lines, [])

  // tax: 3 connected, 2 failed → 60 % over 5 counted; a hunting and a cancelled one do not count.
  clock.set(cst(2026, 1, 5, 10))
  await put(record(now(), 'connected'), record(now(), 'connected'), record(now(), 'connected'), record(now(), 'all-failed'),
    record(now(), 'hunting'), record(now(), 'cancelled'))
  // hr: 5 connected of 5.
  for (let i = 0; i < 5; i++) await put(record(now(), 'connected', { departmentId: 'hr', matterId: 'social-insurance' }))
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 0, tax: 1 })
  t.same(service.departmentsBelowTarget(), ['tax'])
  t.equal(lines.length, 1, 'one line for the change')
  t.match(lines[0], { level: 40, department: 'tax', rate: 0.6, counted: 5, target: 0.9, msg: /tax.*60\.0 %.*5 transfer requests.*90\.0 % target/ })
  t.same((await service.figures('today')).departmentsBelowTarget, ['tax'], 'the figures say so too')

  await service.refresh()
  t.equal(lines.length, 1, 'no change, no new line')

  // After-hours failures do not move the working-time alarm.
  for (let i = 0; i < 5; i++) await put(record(now(), 'all-failed', { departmentId: 'hr', matterId: 'social-insurance', workingTime: false }))
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 0, tax: 1 })

  // tax: 16 more connected → 19 of 21 ≈ 90.5 %: back at the target.
  for (let i = 0; i < 16; i++) await put(record(now(), 'connected'))
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 0, tax: 0 })
  t.equal(lines.length, 2)
  t.match(lines[1], { level: 30, department: 'tax', counted: 21, msg: /no longer below.*90\.5 % over 21/ })
})

void t.test('the target is configurable; the national standard stays for reference', async (t) => {
  const { service, clock, put, gauge } = setUp(t, cst(2026, 1, 5, 11), { target: 0.95, minAttemptsForAlarm: 3 })
  // 19 of 21 ≈ 90.5 %: fine for 90 %, under 95 %.
  for (let i = 0; i < 19; i++) await put(record(clock.now(), 'connected'))
  for (let i = 0; i < 2; i++) await put(record(clock.now(), 'all-failed'))
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 0, tax: 1 })
  t.match(await service.figures('today'), { target: 0.95, nationalStandard: 0.95, minAttemptsForAlarm: 3 })
})

void t.test('a new day starts the count again', async (t) => {
  const { service, clock, put, gauge, lines } = setUp(t, cst(2026, 1, 5, 17))
  for (let i = 0; i < 5; i++) await put(record(clock.now(), 'all-failed', { departmentId: 'market', matterId: 'business-license' }))
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 1, tax: 0 })
  clock.set(cst(2026, 1, 6, 0, 0, 30))
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 0, tax: 0 }, 'today holds no request yet')
  t.match(lines.at(-1), { level: 30, department: 'market', msg: /no longer below.*fewer than 5 transfer requests/ })
})

void t.test('departments met in the records are added; those gone drop out', async (t) => {
  const { service, clock, put, gauge, lines } = setUp(t, cst(2026, 1, 5, 10), {}, [])
  for (let i = 0; i < 5; i++) await put(record(clock.now(), 'all-failed', { departmentId: 'customs', matterId: 'import-filing' }))
  await service.refresh()
  t.same(await gauge(), { customs: 1 })
  clock.set(cst(2026, 1, 6, 10))
  await service.refresh()
  t.same(await gauge(), {}, 'not in the directory nor in today\'s records: no series')
  t.match(lines.at(-1), { department: 'customs', msg: /no longer below/ })
})

void t.test('start refreshes at once; a store failure is logged and the alarm kept', async (t) => {
  const { service, clock, put, gauge } = setUp(t, cst(2026, 1, 5, 10))
  for (let i = 0; i < 5; i++) await put(record(clock.now(), 'all-failed'))
  service.start()
  service.start()
  await service.refresh()
  t.same(await gauge(), { hr: 0, market: 0, tax: 1 })
  service.stop()

  const lines: string[] = []
  let calls = 0
  const broken: TransferStore = {
    putTransfer: () => Promise.resolve(),
    getTransfer: () => Promise.resolve(undefined),
    listTransfers: () => {
      calls++
      return Promise.reject(new Error('redis down'))
    }
  }
  const metrics = new Metrics()
  metrics.connectionRateBelowTarget.set({ department: 'tax' }, 1)
  const failing = new ConnectionRateService({
    store: broken, clock, metrics, settings: SETTINGS, logger: pino({ level: 'warn' }, { write: (s: string) => { lines.push(s) } })
  })
  t.teardown(() => { failing.stop() })
  failing.start()
  await t.rejects(failing.refresh(), /redis down/)
  failing.stop()
  t.ok(calls >= 1)
  t.match(lines.join(''), /not refreshed.*previous state is kept/)
  t.same((await metrics.connectionRateBelowTarget.get()).values.map((v) => [v.labels.department, v.value]), [['tax', 1]], 'the gauge is left as it was')
})

void t.test('bad settings are refused', async (t) => {
  const store = new MemoryStore()
  t.teardown(() => store.close())
  const make = (settings: Partial<ConnectionRateSettings>) => () => new ConnectionRateService({
    store, clock: new ManualClock(0), settings: { ...SETTINGS, ...settings }
  })
  t.throws(make({ target: 0 }), RangeError)
  t.throws(make({ target: 1.2 }), RangeError)
  t.throws(make({ minAttemptsForAlarm: 0 }), RangeError)
  t.throws(make({ refreshSec: 0 }), RangeError)
  t.doesNotThrow(make({ target: 1 }))
})
