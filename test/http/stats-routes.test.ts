// The connection-rate API through Fastify's inject(): roles, windows, grouping, counts and
// rates with working time and after hours apart, and a 400 with a reason for every bad query.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import type { ApiToken } from '../../src/config/app-config.js'
import { registerAuth } from '../../src/http/auth.js'
import { registerStatsRoutes } from '../../src/http/routes/stats.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { TransferRecord, TransferState } from '../../src/domain/transfer-record.js'
import { ConnectionRateService } from '../../src/stats/connection-rate-service.js'

const TOKENS: ApiToken[] = [
  { token: 'agent01-token-0123456789', role: 'agent', agentId: 'agent01' },
  { token: 'supervisor-token-0123456789', role: 'supervisor' },
  { token: 'admin-token-0123456789abc', role: 'admin' }
]
const AGENT01 = { authorization: 'Bearer agent01-token-0123456789' }
const SUPERVISOR = { authorization: 'Bearer supervisor-token-0123456789' }
const ADMIN = { authorization: 'Bearer admin-token-0123456789abc' }

/** Wall-clock time on Monday 2026-01-05 in Shanghai (UTC+8). */
const cst = (h: number, mi = 0): number => Date.UTC(2026, 0, 5, h - 8, mi)
const NOW = cst(16)

let serial = 0
function rec (requestedAt: number, departmentId: string, matterId: string, workingTime: boolean, state: TransferState,
  dials: Array<[string, DialOutcomeKind]>): TransferRecord {
  return {
    id: `tr-${++serial}`,
    callId: `call-${serial}`,
    matterId,
    departmentId,
    requestedAt,
    workingTime,
    state,
    attempts: dials.map(([number, outcome], index) => ({
      number, matterId, departmentId, index, startedAt: requestedAt, ringMs: 1000, outcome
    }))
  }
}

// Today: tax 1 connected after a busy first number, 1 failed, 1 cancelled; hr 1 connected; one
// after-hours failure for tax; and one tax request last month (outside today and this month).
const RECORDS = [
  rec(cst(9, 10), 'tax', 'vat-invoice', true, 'connected', [['02161110001', 'busy'], ['02161110002', 'answered']]),
  rec(cst(10, 0), 'tax', 'vat-invoice', true, 'all-failed', [['02161110001', 'no-answer'], ['02161110002', 'busy']]),
  rec(cst(11, 0), 'tax', 'tax-registration', true, 'cancelled', [['02161110003', 'cancelled']]),
  rec(cst(15, 30), 'hr', 'social-insurance', true, 'connected', [['02162220001', 'answered']]),
  rec(cst(8, 0), 'tax', 'vat-invoice', false, 'all-failed', [['02161110001', 'no-answer']]),
  rec(Date.UTC(2025, 11, 31, 2), 'tax', 'vat-invoice', true, 'all-failed', [['02161110001', 'busy']])
]

async function setUp (t: Test) {
  const store = new MemoryStore()
  for (const r of RECORDS) await store.putTransfer(r)
  const clock = new ManualClock(NOW)
  const stats = new ConnectionRateService({ store, clock, settings: { target: 0.9, minAttemptsForAlarm: 2, refreshSec: 60 } })
  const app = Fastify()
  await registerAuth(app, { tokens: TOKENS })
  await registerStatsRoutes(app, { stats })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  const get = (query: string, headers: Record<string, string> = SUPERVISOR) =>
    app.inject({ url: `/api/stats/connection-rate${query}`, headers })
  return { app, store, get }
}

void t.test('supervisors and admins only', async (t) => {
  const { get } = await setUp(t)
  t.equal((await get('', {})).statusCode, 401)
  const agent = await get('', AGENT01)
  t.equal(agent.statusCode, 403)
  t.match(agent.json(), { code: 'HC_FORBIDDEN' })
  t.equal((await get('', SUPERVISOR)).statusCode, 200)
  t.equal((await get('', ADMIN)).statusCode, 200)
  t.equal((await get('?window=nonsense', {})).statusCode, 401, 'auth before the query is looked at')
})

void t.test('today by default: counts and rates, working time and after hours apart', async (t) => {
  const { get } = await setUp(t)
  const res = await get('')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.strictSame(body.window, {
    name: 'today', since: '2026-01-04T16:00:00.000Z', until: '2026-01-05T16:00:00.000Z', timeZone: 'Asia/Shanghai'
  })
  t.equal(body.at, new Date(NOW).toISOString())
  t.match(body, { target: 0.9, nationalStandard: 0.95, minAttemptsForAlarm: 2 })
  // Working time: tax connected + hr connected = 2, tax failed = 1, tax cancelled apart → 2/3.
  t.strictSame(body.overall.workingTime.requests, { counted: 3, connected: 2, failed: 1, cancelled: 1, 'switch-lost': 0, hunting: 0, rate: 2 / 3 })
  t.equal(body.rate, 2 / 3, 'the headline is working time')
  // Dials: busy, answered, no-answer, busy, answered (+1 cancelled) → 2 of 5.
  t.match(body.overall.workingTime.attempts, { counted: 5, answered: 2, rate: 2 / 5, outcomes: { busy: 2, 'no-answer': 1, cancelled: 1, answered: 2 } })
  t.strictSame(body.overall.afterHours.requests, { counted: 1, connected: 0, failed: 1, cancelled: 0, 'switch-lost': 0, hunting: 0, rate: 0 })
  t.equal(body.overall.all.requests.counted, 4)
  t.notOk('groups' in body, 'no groups unless asked')
  // tax in working time: 1 of 2 over 2 counted (the minimum here) → flagged.
  t.same(body.departmentsBelowTarget, ['tax'])
})

interface Grouped {
  by: string
  groups: Array<{ departmentId: string, matterId: string, number: string, belowTarget: boolean, workingTime: object }>
}

void t.test('grouped by department, matter and number', async (t) => {
  const { get } = await setUp(t)
  const departments = (await get('?window=today&by=department')).json<Grouped>()
  t.equal(departments.by, 'department')
  t.same(departments.groups.map((g) => [g.departmentId, g.belowTarget]),
    [['hr', false], ['tax', true]])
  t.match(departments.groups[1], { workingTime: { requests: { connected: 1, failed: 1, cancelled: 1, rate: 0.5 } }, afterHours: { requests: { failed: 1 } } })

  const matters = (await get('?by=matter')).json<Grouped>()
  t.same(matters.groups.map((g) => [g.matterId, g.departmentId]),
    [['social-insurance', 'hr'], ['tax-registration', 'tax'], ['vat-invoice', 'tax']])
  // tax-registration: only the cancelled request → nothing counted, no rate, not flagged.
  t.match(matters.groups[1], { belowTarget: false, workingTime: { requests: { counted: 0, cancelled: 1, rate: null } } })

  const numbers = (await get('?by=number')).json<Grouped>()
  t.same(numbers.groups.map((g) => g.number), ['02161110001', '02161110002', '02161110003', '02162220001'])
  const first = numbers.groups[0]
  // 02161110001 today: busy, no-answer in working time; no-answer after hours.
  t.match(first, { departmentIds: ['tax'], workingTime: { attempts: { counted: 2, answered: 0, rate: 0 } }, afterHours: { attempts: { counted: 1 } } })
  t.notOk('requests' in (first?.workingTime ?? {}), 'a number has dial figures only')
  t.notOk('belowTarget' in (first ?? {}))
})

void t.test('windows: last hour, this month, since/until', async (t) => {
  const { get } = await setUp(t)
  const lastHour = (await get('?window=last-hour')).json()
  t.equal(lastHour.window.since, new Date(cst(15)).toISOString())
  t.equal(lastHour.overall.all.requests.counted, 1, 'only the 15:30 request')
  const month = (await get('?window=this-month')).json()
  t.equal(month.window.since, '2025-12-31T16:00:00.000Z', '1 January 00:00 in Shanghai')
  t.equal(month.overall.all.requests.counted, 4, 'December is out')
  const custom = (await get('?since=2025-12-31T00:00:00%2B08:00&until=2026-01-05T09:30:00%2B08:00')).json()
  t.strictSame(custom.window, { name: 'custom', since: '2025-12-30T16:00:00.000Z', until: '2026-01-05T01:30:00.000Z', timeZone: 'Asia/Shanghai' })
  // The 31 December failure, the 08:00 after-hours failure and the 09:10 connection.
  t.strictSame(custom.overall.all.requests, { counted: 3, connected: 1, failed: 2, cancelled: 0, 'switch-lost': 0, hunting: 0, rate: 1 / 3 })
  // 00:00Z–02:00Z is 08:00–10:00 in Shanghai: the 08:00 after-hours failure and the 09:10 connection.
  const utc = (await get('?since=2026-01-05T00:00:00Z&until=2026-01-05T02:00:00.000Z')).json()
  t.strictSame([utc.overall.workingTime.requests.connected, utc.overall.afterHours.requests.failed], [1, 1], 'Z works as well as +08:00')
})

void t.test('a bad query is a 400 that says why', async (t) => {
  const { get } = await setUp(t)
  const cases: Array<[string, RegExp]> = [
    ['?window=yesterday', /window/],
    ['?by=caller', /by/],
    ['?window=today&foo=1', /foo|propert/i],
    ['?window=today&since=2026-01-05T00:00:00Z&until=2026-01-05T01:00:00Z', /either window or since\/until/],
    ['?since=2026-01-05T00:00:00Z', /since and until go together/],
    ['?until=2026-01-05T00:00:00Z', /since and until go together/],
    ['?since=yesterday&until=2026-01-05T00:00:00Z', /since: expected an ISO 8601 instant/],
    ['?since=2026-01-05T00:00:00&until=2026-01-05T01:00:00Z', /since: .*offset/],
    ['?since=2026-01-05T00:00:00Z&until=2026-02-30T00:00:00Z', /until: expected/],
    ['?since=2026-01-05T24:00:00Z&until=2026-02-06T00:00:00Z', /since: expected/],
    ['?since=2026-01-05T00:00:00Z&until=2026-01-04T00:00:00Z', /until must be after since/],
    ['?since=2024-01-01T00:00:00Z&until=2026-01-04T00:00:00Z', /366 days/]
  ]
  for (const [query, reason] of cases) {
    const res = await get(query)
    t.equal(res.statusCode, 400, query)
    t.match(res.json(), { statusCode: 400, message: reason }, query)
  }
})

void t.test('a store that is down answers 503', async (t) => {
  const { get, store } = await setUp(t)
  await store.close()
  const res = await get('')
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'HC_STORE' })
})
