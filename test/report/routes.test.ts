// The monthly report API through Fastify's inject(), over the stores with fixtures.ts's
// records written into them: roles, JSON figures, the CSV's bytes (BOM, header, rows), the
// month's checks, and reading a month of tickets from a store without a time-range query.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import type { ApiToken } from '../../src/config/app-config.js'
import { installErrorHandler } from '../../src/http/error-handler.js'
import { registerAuth } from '../../src/http/auth.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { TicketQuery } from '../../src/ports/ticket-store.js'
import type { Ticket } from '../../src/domain/ticket-record.js'
import { CSV_HEADER } from '../../src/features/report/csv.js'
import { MonthlyReportService, ticketsRaisedIn } from '../../src/features/report/monthly-service.js'
import { registerReportRoutes } from '../../src/features/report/routes.js'
import { DEPARTMENTS, FEB_START, MAR_START, REPORT_AT, TICKETS, TRANSFERS, callRecords, countEndedCalls } from './fixtures.js'

const TOKENS: ApiToken[] = [
  { token: 'agent01-token-0123456789', role: 'agent', agentId: 'agent01' },
  { token: 'department-tax-token-0123', role: 'department', departmentId: 'tax' },
  { token: 'supervisor-token-0123456789', role: 'supervisor' },
  { token: 'admin-token-0123456789abc', role: 'admin' }
]
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })
const SUPERVISOR = bearer('supervisor-token-0123456789')

async function setUp (t: Test, options: { tickets?: { list: (q: TicketQuery) => Promise<Ticket[]> }, withoutCalls?: string[] } = {}) {
  const store = new MemoryStore()
  const tickets = new MemoryTicketStore()
  for (const r of TRANSFERS) await store.putTransfer(r)
  for (const c of callRecords()) if (!(options.withoutCalls ?? []).includes(c.callId)) await store.putCall(c)
  for (const k of TICKETS) await tickets.create(k, undefined)
  await countEndedCalls(store)
  const clock = new ManualClock(REPORT_AT)
  const reports = new MonthlyReportService({ store, tickets: options.tickets ?? tickets, directory: { departments: () => DEPARTMENTS }, clock })
  const app = Fastify()
  installErrorHandler(app)
  await registerAuth(app, { tokens: TOKENS })
  await registerReportRoutes(app, { reports })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await store.close()
    await tickets.close()
  })
  const get = (query: string, headers: Record<string, string> = SUPERVISOR) => app.inject({ url: `/api/reports/monthly${query}`, headers })
  return { get, clock }
}

interface Row { departmentId: string, name: string, figures: Record<string, number | null>, satisfaction: { rated: number } }
interface Answer { month: string, since: string, until: string, complete: boolean, overall: Row, byDepartment: Row[] }

void t.test('supervisors and admins only', async (t) => {
  const { get } = await setUp(t)
  t.equal((await get('', {})).statusCode, 401)
  const agent = await get('', bearer('agent01-token-0123456789'))
  t.equal(agent.statusCode, 403)
  t.equal(agent.json<{ code: string }>().code, 'HC_FORBIDDEN')
  t.equal((await get('', bearer('department-tax-token-0123'))).statusCode, 403, 'a department sees its tickets, not the report')
  t.equal((await get('?month=2026-02', bearer('admin-token-0123456789abc'))).statusCode, 200)
  t.equal((await get('?month=nonsense', {})).statusCode, 401, 'the token is checked before the month')
})

void t.test('February as JSON: the six figures overall and per department', async (t) => {
  const { get } = await setUp(t)
  const res = await get('?month=2026-02')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json<Answer>()
  t.equal(body.month, '2026-02')
  t.equal(body.since, '2026-01-31T16:00:00.000Z')
  t.equal(body.until, '2026-02-28T16:00:00.000Z')
  t.equal(body.complete, true)
  t.equal((body as Answer & { callsUnread: number }).callsUnread, 0, 'every call record read')
  // Worked out in monthly-report.test.ts from the same records.
  t.strictSame(body.overall.figures, {
    transferRequests: 12, transferSuccessRate: 0.6, nextUrgentTickets: 8, closedWithin24hRate: 5 / 7, resolvedRate: 4 / 6, satisfiedRate: 4 / 6
  })
  t.strictSame(body.byDepartment.map((d) => [d.departmentId, d.name]), [
    ['tax', '税务局'], ['market', '市场监督管理局'], ['hrss', '人力资源和社会保障局'], ['hotline-dispatch', '12345 派单']
  ], 'the directory\'s departments in order, then the dispatch desk, which had a ticket')
  t.strictSame(body.byDepartment[0]?.figures, {
    transferRequests: 9, transferSuccessRate: 4 / 7, nextUrgentTickets: 5, closedWithin24hRate: 0.5, resolvedRate: 2 / 3, satisfiedRate: 0.75
  })
  t.strictSame(body.byDepartment[2]?.figures, {
    transferRequests: 0, transferSuccessRate: null, nextUrgentTickets: 0, closedWithin24hRate: null, resolvedRate: null, satisfiedRate: null
  })
  t.notMatch(res.body, /13812345678|138\*{4}5678|c01|tc-k1/, 'no caller number, call or ticket id in a report')
})

void t.test("the month's calls from the day counts: February's days only, the whole line", async (t) => {
  const { get } = await setUp(t)
  // Worked out in monthly-report.test.ts: e02–e12, not e01 (31 January) nor e13 (1 March).
  const feb = (await get('?month=2026-02')).json<Answer & { calls: Record<string, unknown> }>()
  t.strictSame(feb.calls, {
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
  t.notOk('calls' in (feb.byDepartment[0] ?? {}), 'no department has call figures')
  const january = (await get('?month=2026-01')).json<Answer & { calls: { offered: number, served: number, queueAbandonRate: number | null } }>()
  t.match(january.calls, { offered: 1, served: 1, queueAbandonRate: 0 }, 'e01, at 23:59:59.999 on 31 January')
  const march = (await get('?month=2026-03')).json<Answer & { calls: { offered: number, abandoned: { ivr: number }, queueAbandonRate: number | null } }>()
  t.match(march.calls, { offered: 1, abandoned: { ivr: 1 }, queueAbandonRate: null }, 'e13, at 00:00 on 1 March; nothing queued')
})

void t.test('calls whose record the store no longer keeps are counted, not silently left out', async (t) => {
  // c01 (satisfied) and c03 (dissatisfied): their ratings are gone with their records.
  const { get } = await setUp(t, { withoutCalls: ['c01', 'c03'] })
  const body = (await get('?month=2026-02')).json<Answer & { callsUnread: number }>()
  t.equal(body.callsUnread, 2)
  t.equal(body.overall.satisfaction.rated, 4, 'six rated calls less the two unread')
  t.equal(body.overall.figures.transferRequests, 12, 'the transfer figures do not depend on call records')
})

void t.test('a call over midnight into a month is rated in the month of its first request', async (t) => {
  const { get } = await setUp(t)
  // c13: a request at 23:59:59.999 on 31 January (t14, failed) and at 00:00 on 1 February.
  const january = (await get('?month=2026-01')).json<Answer>()
  t.equal(january.overall.figures.transferRequests, 1)
  t.equal(january.overall.figures.transferSuccessRate, 0)
  t.equal(january.overall.satisfaction.rated, 1, 'c13\'s rating')
  t.equal(january.overall.figures.satisfiedRate, 1, 'basically satisfied counts as satisfied')
  t.equal(january.overall.figures.nextUrgentTickets, 1, 'k8, raised at 23:59:59.999')
  const february = (await get('?month=2026-02')).json<Answer>()
  t.equal(february.overall.satisfaction.rated, 6, 'not again in February')
})

void t.test('the current month by default, not complete yet', async (t) => {
  const { get } = await setUp(t)
  const body = (await get('')).json<Answer>()
  t.equal(body.month, '2026-03')
  t.equal(body.complete, false)
  // t12 at 00:00 on 1 March connected; k9 raised at 00:00, closed after 1 h, resolved.
  t.strictSame(body.overall.figures, {
    transferRequests: 1, transferSuccessRate: 1, nextUrgentTickets: 1, closedWithin24hRate: 1, resolvedRate: 1, satisfiedRate: 1
  })
})

void t.test('February as CSV: BOM, Chinese and English header, a row per department and 合计', async (t) => {
  const { get } = await setUp(t)
  const res = await get('?month=2026-02&format=csv')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(res.headers['content-disposition'],
    'attachment; filename="monthly-report-2026-02.csv"; filename*=UTF-8\'\'%E6%9C%88%E5%BA%A6%E6%8A%A5%E8%A1%A8-2026-02.csv')
  const bytes = res.rawPayload
  t.strictSame([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark first')
  const text = bytes.subarray(3).toString('utf8')
  t.ok(text.endsWith('\r\n'), 'CRLF line ends')
  const lines = text.slice(0, -2).split('\r\n')
  t.equal(lines[0], CSV_HEADER.join(','))
  t.equal(lines[0]?.split(',').length, 38)
  t.match(lines[0], /^部门 \(department\),部门编号 \(department id\),转接请求 \(transfer requests\),.*,来电方挂断取消 \(cancelled\),交换机中断 \(switch lost\),/)
  t.match(lines[0], /,满意率% \(satisfied %\),来电 \(calls offered\),已完成 \(completed\),.*,拒接 \(refused\)$/)
  // The month's calls are the line's: 14 empty cells on a department row, the figures on 合计
  // (11 offered, 4 completed: 2 served + 2 by design, 4 abandoned: IVR 1, queue 2, ringing 1,
  // 5 queued, 60.00 % queue abandon rate, 60.0 s average wait, 1 cut, 1 failed, 1 refused).
  const none = ','.repeat(14)
  t.strictSame(lines.slice(1), [
    `税务局,tax,9,4,3,1,0,1,57.14,50.00,100.00,5,2,1,50.00,3,2,66.67,1,4,2,1,1,75.00${none}`,
    `市场监督管理局,market,3,2,1,0,0,0,66.67,100.00,50.00,2,2,0,100.00,2,2,100.00,1,2,1,0,1,50.00${none}`,
    `人力资源和社会保障局,hrss,0,0,0,0,0,0,,,,0,0,0,,0,0,,0,0,0,0,0,${none}`,
    `12345 派单,hotline-dispatch,0,0,0,0,0,0,,,,1,1,0,100.00,1,0,0.00,0,0,0,0,0,${none}`,
    '合计 (total),,12,6,4,1,0,1,60.00,57.14,66.67,8,5,1,71.43,6,4,66.67,2,6,3,1,2,66.67,11,4,2,2,4,1,2,1,5,60.00,60.0,1,1,1'
  ])
})

void t.test('Accept: text/csv asks for CSV; an explicit format wins over it', async (t) => {
  const { get } = await setUp(t)
  const csv = await get('?month=2026-02', { ...SUPERVISOR, accept: 'text/csv' })
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(csv.body.charCodeAt(0), 0xfeff)
  const json = await get('?month=2026-02&format=json', { ...SUPERVISOR, accept: 'text/csv' })
  t.match(json.headers['content-type'], /^application\/json/)
  const browser = await get('?month=2026-02', { ...SUPERVISOR, accept: 'application/json, text/plain, */*' })
  t.match(browser.headers['content-type'], /^application\/json/)
})

void t.test('a bad month is a 400 that says why', async (t) => {
  const { get } = await setUp(t)
  const BAD = 'HC_BAD_REQUEST'
  // Form and unknown parameters are the schema's, the calendar's rules the handler's: one code.
  const FORM = BAD
  const cases: Array<[string, string, RegExp]> = [
    ['?month=2026-13', BAD, /expected YYYY-MM with a month 01–12, e\.g\. 2026-03; got "2026-13"/],
    ['?month=2026-2', BAD, /expected YYYY-MM/],
    ['?month=%E4%B8%89%E6%9C%88', BAD, /expected YYYY-MM/],
    ['?month=2026-04', BAD, /2026-04 has not begun \(the current month in Asia\/Shanghai is 2026-03\)/],
    ['?month=1999-12', BAD, /1999-12 is before 2000-01/],
    ['?month=2026-02&format=xml', FORM, /querystring\/format: Expected string to match '\^\(json\|csv\)\$'/],
    ['?month=2026-02&window=today', FORM, /querystring\/window: Unexpected property/],
    [`?month=${'2'.repeat(30)}`, FORM, /querystring\/month: Expected string length less or equal to 20/]
  ]
  for (const [query, code, reason] of cases) {
    const res = await get(query)
    t.equal(res.statusCode, 400, query)
    t.equal(res.json<{ code: string }>().code, code, `${query}: ${code}`)
    t.match(res.json<{ message: string }>().message, reason, `${query}: the reason`)
  }
})

void t.test('a month of tickets is read newest first, asking for more until past its start', async (t) => {
  // 2 500 tickets an hour apart ending at REPORT_AT; the store records each limit asked for.
  const all: Ticket[] = []
  const template = TICKETS[0] as Ticket
  for (let i = 0; i < 2500; i++) all.push({ ...template, id: `x${String(i).padStart(5, '0')}`, createdAt: REPORT_AT - i * 3_600_000 })
  const limits: number[] = []
  const store = {
    list: (q: TicketQuery): Promise<Ticket[]> => {
      limits.push(q.limit)
      return Promise.resolve(all.slice(0, q.limit))
    }
  }
  // February holds the tickets 10 h to 10 + 28 × 24 − 1 h before REPORT_AT (00:00 1 March is 10 h before).
  const feb = await ticketsRaisedIn(store, FEB_START, MAR_START)
  t.equal(feb.length, 28 * 24)
  t.equal(feb[0]?.createdAt, FEB_START, 'oldest first, from 00:00 on 1 February')
  t.equal(feb.at(-1)?.createdAt, MAR_START - 3_600_000)
  t.strictSame(limits, [1000], 'one read reached past the month')
  limits.length = 0
  const december = await ticketsRaisedIn(store, Date.parse('2025-11-30T16:00:00Z'), Date.parse('2025-12-31T16:00:00Z'))
  t.strictSame(limits, [1000, 4000], 'asked again with four times the limit; then the store ran out')
  t.equal(december.length, 31 * 24, 'every hour of December')
  await t.rejects(ticketsRaisedIn(store, Date.parse('2025-11-30T16:00:00Z'), FEB_START, 1500), { code: 'HC_STORE' }, 'past the most it reads: refused, not truncated')
})

void t.test('a month beyond the tickets the report may read is a 503, not a partial table', async (t) => {
  const many = Array.from({ length: 300_000 }, (_, i) => ({ ...(TICKETS[0] as Ticket), id: `y${i}`, createdAt: REPORT_AT - i }))
  const { get } = await setUp(t, { tickets: { list: (q) => Promise.resolve(many.slice(0, q.limit)) } })
  const res = await get('?month=2026-02')
  t.equal(res.statusCode, 503)
  t.equal(res.json<{ code: string }>().code, 'HC_STORE')
  t.match(res.json<{ message: string }>().message, /time-range query/)
})
