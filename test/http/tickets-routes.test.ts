// The tickets API through Fastify's inject(): roles (department tokens bound to their
// department), filters, overdue, the status changes and their refusals, masking of callback
// numbers, dead deliveries and redelivery.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import type { ApiToken } from '../../src/config/app-config.js'
import { registerAuth } from '../../src/http/auth.js'
import { registerTicketRoutes } from '../../src/http/routes/tickets.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { TicketRequest } from '../../src/domain/ticket-record.js'
import { TicketService } from '../../src/tickets/ticket-service.js'

const TOKENS: ApiToken[] = [
  { token: 'supervisor-token-0123456789', role: 'supervisor' },
  { token: 'admin-token-0123456789abc', role: 'admin' },
  { token: 'tax-dept-token-0123456789', role: 'department', departmentId: 'tax' },
  { token: 'social-dept-token-012345678', role: 'department', departmentId: 'social' },
  { token: 'agent01-token-0123456789', role: 'agent', agentId: 'agent01' }
]
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const SUPERVISOR = bearer('supervisor-token-0123456789')
const ADMIN = bearer('admin-token-0123456789abc')
const TAX = bearer('tax-dept-token-0123456789')
const SOCIAL = bearer('social-dept-token-012345678')
const AGENT = bearer('agent01-token-0123456789')

const T0 = Date.parse('2025-03-14T18:00:00+08:00')
const DUE = Date.parse('2025-03-17T10:00:00+08:00')

let calls = 0
const request = (extra: Partial<TicketRequest> = {}): TicketRequest => ({
  kind: 'next-urgent',
  callId: `call-${++calls}`,
  matterId: 'vat-invoice',
  departmentId: 'tax',
  callbackNumber: '13812345678',
  choices: { priority: 'handling', callbackNumber: '13812345678', category: '税务' },
  at: T0,
  ...extra
})

async function setUp (t: Test) {
  const store = new MemoryTicketStore()
  const clock = new ManualClock(T0)
  const tickets = new TicketService({
    store,
    calendar: { nextUrgentDue: () => DUE },
    directory: { department: (id) => id === 'archive' ? {} : { ticketWebhookUrl: `http://127.0.0.1:9/${id}` } },
    clock
  })
  const app = Fastify()
  await registerAuth(app, { tokens: TOKENS })
  await registerTicketRoutes(app, { tickets, clock })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  const tax = await tickets.raise(request())
  clock.advance(1000)
  const social = await tickets.raise(request({ departmentId: 'social', callbackNumber: '02155010002' }))
  return { app, store, clock, tickets, tax, social }
}

interface View { id: string, status: string, callbackNumber: string, choices: Record<string, string>, overdue: boolean, history: Array<{ by: string, note?: string }> }

void t.test('roles: who may read, who may act', async (t) => {
  const { app, tax } = await setUp(t)
  t.equal((await app.inject({ url: '/api/tickets' })).statusCode, 401)
  const agent = await app.inject({ url: '/api/tickets', headers: AGENT })
  t.equal(agent.statusCode, 403)
  t.match(agent.json(), { code: 'HC_FORBIDDEN', message: /agent role may not/ })
  for (const headers of [SUPERVISOR, ADMIN, TAX]) {
    t.equal((await app.inject({ url: `/api/tickets/${tax.id}`, headers })).statusCode, 200)
  }
  const watch = await app.inject({ method: 'POST', url: `/api/tickets/${tax.id}/acknowledge`, headers: SUPERVISOR })
  t.equal(watch.statusCode, 403, 'supervisors watch, they do not act on tickets')
  t.equal((await app.inject({ url: '/api/tickets/dead', headers: TAX })).statusCode, 403)
  t.equal((await app.inject({ url: '/api/tickets/dead', headers: SUPERVISOR })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `/api/tickets/${tax.id}/redeliver`, headers: TAX })).statusCode, 403)
})

void t.test('a department token sees and acts on its own department only', async (t) => {
  const { app, tax, social } = await setUp(t)
  const own = await app.inject({ url: '/api/tickets', headers: TAX })
  t.same(own.json<{ tickets: View[] }>().tickets.map((x) => x.id), [tax.id])
  const other = await app.inject({ url: '/api/tickets?department=social', headers: TAX })
  t.equal(other.statusCode, 403)
  t.match(other.json(), { code: 'HC_FORBIDDEN', message: /own department/ })
  const read = await app.inject({ url: `/api/tickets/${social.id}`, headers: TAX })
  t.equal(read.statusCode, 403)
  t.notOk('status' in read.json(), 'nothing about another department\'s ticket')
  const act = await app.inject({ method: 'POST', url: `/api/tickets/${social.id}/acknowledge`, headers: TAX })
  t.equal(act.statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `/api/tickets/${social.id}/acknowledge`, headers: SOCIAL })).statusCode, 200)
})

void t.test('callback numbers: in full for the ticket\'s department and admins, masked for supervisors', async (t) => {
  const { app, tax } = await setUp(t)
  const asTax = (await app.inject({ url: `/api/tickets/${tax.id}`, headers: TAX })).json<View>()
  t.equal(asTax.callbackNumber, '13812345678')
  t.equal(asTax.choices.callbackNumber, '13812345678')
  t.equal((await app.inject({ url: `/api/tickets/${tax.id}`, headers: ADMIN })).json<View>().callbackNumber, '13812345678')
  const asSupervisor = await app.inject({ url: '/api/tickets', headers: SUPERVISOR })
  const views = asSupervisor.json<{ tickets: View[] }>().tickets
  t.same(views.map((v) => v.callbackNumber), ['021****0002', '138****5678'])
  t.same(views[1]?.choices, { priority: 'handling', callbackNumber: '138****5678', category: '税务' })
  t.notOk(asSupervisor.body.includes('13812345678'), 'no full number anywhere in the supervisor\'s answer')
})

void t.test('filters: department, status, overdue, limit; bad filters are 400 with the reason', async (t) => {
  const { app, clock, tickets, tax, social } = await setUp(t)
  const ids = async (query: string) => (await app.inject({ url: `/api/tickets${query}`, headers: ADMIN })).json<{ tickets: View[] }>().tickets.map((x) => x.id)
  t.same(await ids(''), [social.id, tax.id])
  t.same(await ids('?department=tax'), [tax.id])
  t.same(await ids('?limit=1'), [social.id])
  t.same(await ids('?overdue=true'), [], 'nothing overdue on Friday evening')
  await tickets.acknowledge(tax.id, { by: 'admin' })
  t.same(await ids('?status=acknowledged'), [tax.id])
  t.same(await ids('?status=open'), [social.id])
  clock.set(DUE + 60_000)
  t.same(await ids('?overdue=true'), [social.id, tax.id], 'Monday 10:01: both overdue')
  const one = (await app.inject({ url: `/api/tickets/${tax.id}`, headers: ADMIN })).json<View>()
  t.equal(one.overdue, true)
  await tickets.recordContact(tax.id, { by: 'admin' }, '已联系企业')
  t.same(await ids('?overdue=true'), [social.id], 'contacted: no longer overdue')
  t.same(await ids('?overdue=true&department=tax'), [])
  t.same(await ids('?overdue=false'), [social.id, tax.id])

  const bad = await app.inject({ url: '/api/tickets?status=lost', headers: ADMIN })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { message: /querystring\/status/ })
  t.equal((await app.inject({ url: '/api/tickets?limit=many', headers: ADMIN })).statusCode, 400)
  t.match((await app.inject({ url: '/api/tickets?sort=asc', headers: ADMIN })).json(), { statusCode: 400, message: /Unexpected property/ })
})

void t.test('the life of a ticket through the API, and refusals with reasons', async (t) => {
  const { app, clock, tax } = await setUp(t)
  const post = (what: string, payload?: object, headers = TAX) =>
    app.inject({ method: 'POST', url: `/api/tickets/${tax.id}/${what}`, headers, ...(payload === undefined ? {} : { payload }) })

  const early = await post('contact', { note: '已回电' })
  t.equal(early.statusCode, 409)
  t.match(early.json(), { code: 'HC_TICKET_STATE', status: 'open', message: /acknowledge it first/ })
  clock.advance(60_000)
  const ack = await post('acknowledge')
  t.equal(ack.statusCode, 200)
  t.match(ack.json(), { status: 'acknowledged', acknowledgedAt: new Date(clock.now()).toISOString() })
  t.match((await post('acknowledge')).json(), { statusCode: 409, status: 'acknowledged' })

  t.match((await post('contact', {})).json(), { statusCode: 400, message: /body\/note/ })
  t.match((await post('contact', { note: '' })).json(), { statusCode: 400, message: /body\/note/ })
  t.match((await post('contact', { note: '   ' })).json(), { statusCode: 400, code: 'HC_BAD_REQUEST', message: /note is empty/ })
  t.match((await post('contact', { note: 'x', extra: 1 })).json(), { statusCode: 400, message: /Unexpected property/ })
  t.match((await post('contact', { note: '已回电，企业知晓' })).json(), { status: 'contacted' })

  t.match((await post('close', { resolution: '已办结' })).json(), { statusCode: 400, message: /body\/resolved/ })
  t.match((await post('close', { resolution: '已办结', resolved: 'yes' })).json(), { statusCode: 400, message: /body\/resolved: Expected boolean/ })
  const closed = await post('close', { resolution: '已指导企业在线申领发票', resolved: true })
  t.equal(closed.statusCode, 200)
  t.match(closed.json(), { status: 'closed', resolution: '已指导企业在线申领发票', resolved: true })
  t.same(closed.json<View>().history.map((h) => h.by), ['controller', 'department:tax', 'department:tax', 'department:tax'])
  t.match((await post('acknowledge')).json(), { statusCode: 409, message: /ticket is closed/ })

  t.match((await app.inject({ url: '/api/tickets/01NOSUCHTICKET', headers: ADMIN })).json(), { statusCode: 404, code: 'HC_NOT_FOUND' })
  t.equal((await app.inject({ url: '/api/tickets/bad%20id', headers: ADMIN })).statusCode, 400)
})

void t.test('dead deliveries: listed for admins, sent again once', async (t) => {
  const { app, store, clock, tax } = await setUp(t)
  const [job] = await store.claimDue(clock.now(), 1000, 1)
  if (job === undefined) throw new Error('no job')
  t.equal(job.ticketId, tax.id, 'the oldest job first')
  await store.park(job.id, job.lease, clock.now(), 'HTTP 500')
  const dead = await app.inject({ url: '/api/tickets/dead', headers: ADMIN })
  t.equal(dead.statusCode, 200)
  t.match(dead.json(), { dead: [{ ticketId: tax.id, departmentId: 'tax', attempts: 1, lastError: 'HTTP 500', deadAt: new Date(clock.now()).toISOString() }] })
  const again = await app.inject({ method: 'POST', url: `/api/tickets/${tax.id}/redeliver`, headers: ADMIN })
  t.equal(again.statusCode, 200)
  t.match(await store.getJob(tax.id), { attempts: 0 })
  t.same((await app.inject({ url: '/api/tickets/dead', headers: ADMIN })).json(), { dead: [] })
  const twice = await app.inject({ method: 'POST', url: `/api/tickets/${tax.id}/redeliver`, headers: ADMIN })
  t.equal(twice.statusCode, 409)
  t.match(twice.json(), { code: 'HC_TICKET_STATE', message: /no dead delivery: its delivery is still queued/ })
})

void t.test('the store down: 503 HC_STORE', async (t) => {
  const { app, store, tax } = await setUp(t)
  await store.close()
  const res = await app.inject({ url: `/api/tickets/${tax.id}`, headers: ADMIN })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'HC_STORE' })
})
