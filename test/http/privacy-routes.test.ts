// Accountability for full callback numbers (PIPL): every sight of one through the tickets API
// is recorded (who, which ticket, when) before the answer leaves, admins list them, and a
// ticket past `privacy.fullNumberDays` is masked for everyone.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import type { ApiToken } from '../../src/config/app-config.js'
import type { NumberView } from '../../src/domain/ticket-record.js'
import { HotlineError } from '../../src/errors.js'
import { registerAuth } from '../../src/http/auth.js'
import { registerPrivacyRoutes } from '../../src/http/routes/privacy.js'
import { registerTicketRoutes } from '../../src/http/routes/tickets.js'
import { ManualClock } from '../../src/ports/clock.js'
import { TicketService } from '../../src/tickets/ticket-service.js'

const TOKENS: ApiToken[] = [
  { token: 'supervisor-token-0123456789', role: 'supervisor' },
  { token: 'admin-token-0123456789abc', role: 'admin' },
  { token: 'tax-dept-token-0123456789', role: 'department', departmentId: 'tax' },
  { token: 'agent01-token-0123456789', role: 'agent', agentId: 'agent01' }
]
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const SUPERVISOR = bearer('supervisor-token-0123456789')
const ADMIN = bearer('admin-token-0123456789abc')
const TAX = bearer('tax-dept-token-0123456789')
const AGENT = bearer('agent01-token-0123456789')

const T0 = Date.parse('2025-03-14T18:00:00+08:00')
const DAY = 24 * 60 * 60 * 1000

async function setUp (t: Test, store = new MemoryTicketStore()) {
  const clock = new ManualClock(T0)
  const tickets = new TicketService({
    store, calendar: { nextUrgentDue: () => T0 + 3 * DAY }, directory: { department: () => ({}) }, clock
  })
  const app = Fastify()
  await registerAuth(app, { tokens: TOKENS })
  await registerTicketRoutes(app, { tickets, clock })
  await registerPrivacyRoutes(app, { tickets })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  const ticket = await tickets.raise({
    kind: 'next-urgent', callId: 'call-1', departmentId: 'tax', callbackNumber: '13812345678',
    choices: { priority: 'handling', phone: '13987654321' }, at: T0
  })
  return { app, clock, tickets, ticket }
}

const listViews = async (app: Awaited<ReturnType<typeof setUp>>['app'], query = '') =>
  await app.inject({ url: `/api/privacy/number-views${query}`, headers: ADMIN })

void t.test('each sight of a full number is recorded: who, which ticket, when', async (t) => {
  const { app, clock, ticket } = await setUp(t)
  t.same((await listViews(app)).json(), { views: [] })

  await app.inject({ url: `/api/tickets/${ticket.id}`, headers: SUPERVISOR })
  t.same((await listViews(app)).json(), { views: [] }, 'a supervisor sees it masked: nothing to record')

  clock.advance(1000)
  t.equal((await app.inject({ url: `/api/tickets/${ticket.id}`, headers: TAX })).json<{ callbackNumber: string }>().callbackNumber, '13812345678')
  clock.advance(1000)
  await app.inject({ url: '/api/tickets', headers: ADMIN })
  clock.advance(1000)
  await app.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/acknowledge`, headers: TAX, payload: {} })

  const at = (ms: number) => new Date(ms).toISOString()
  const seen = { ticketId: ticket.id, departmentId: 'tax' }
  t.same((await listViews(app)).json(), {
    views: [
      { at: at(T0 + 3000), by: 'department:tax', ...seen },
      { at: at(T0 + 2000), by: 'admin', ...seen },
      { at: at(T0 + 1000), by: 'department:tax', ...seen }
    ]
  }, 'the department\'s read, the admin\'s list, the answer to the department\'s acknowledgement; newest first')
  t.same((await listViews(app, `?since=${encodeURIComponent(at(T0 + 2000))}&limit=1`)).json(), {
    views: [{ at: at(T0 + 3000), by: 'department:tax', ...seen }]
  })
})

void t.test('only admins list the sights; bad input is a 400 with the reason', async (t) => {
  const { app } = await setUp(t)
  t.equal((await app.inject({ url: '/api/privacy/number-views' })).statusCode, 401)
  for (const headers of [SUPERVISOR, TAX, AGENT]) {
    t.equal((await app.inject({ url: '/api/privacy/number-views', headers })).statusCode, 403)
  }
  for (const query of ['?since=yesterday', '?since=2025-13-45T99:00:00Z', '?limit=-1', '?who=me']) {
    const res = await listViews(app, query)
    t.equal(res.statusCode, 400, query)
    t.match(res.json(), { message: /querystring/ }, `${query}: the reason names the field`)
  }
})

void t.test('past its retention a ticket is masked for everyone, and no sight is recorded', async (t) => {
  const { app, clock, tickets, ticket } = await setUp(t)
  clock.advance(30 * DAY)
  t.equal(await tickets.maskOldNumbers(30), 0, 'exactly 30 days old: kept in full')
  clock.advance(1)
  t.equal(await tickets.maskOldNumbers(30), 1)
  t.equal(await tickets.maskOldNumbers(30), 0, 'run again: nothing more')
  const res = await app.inject({ url: `/api/tickets/${ticket.id}`, headers: TAX })
  t.match(res.json(), {
    callbackNumber: '138****5678', choices: { phone: '139****4321' }, numbersMaskedAt: new Date(T0 + 30 * DAY + 1).toISOString()
  })
  t.notOk(res.body.includes('13812345678') || res.body.includes('13987654321'), 'no full number left in the department\'s answer')
  t.same((await listViews(app)).json(), { views: [] })
})

void t.test('a sight that cannot be recorded is not given', async (t) => {
  class Forgetful extends MemoryTicketStore {
    override recordNumberViews (_views: readonly NumberView[]): Promise<void> {
      return Promise.reject(new HotlineError('HC_STORE', 'store down'))
    }
  }
  const { app, ticket } = await setUp(t, new Forgetful())
  const res = await app.inject({ url: `/api/tickets/${ticket.id}`, headers: TAX })
  t.equal(res.statusCode, 503)
  t.notOk(res.body.includes('13812345678'))
  t.equal((await app.inject({ url: `/api/tickets/${ticket.id}`, headers: SUPERVISOR })).statusCode, 200, 'a masked answer needs no record')
})
