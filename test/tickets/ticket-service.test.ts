// The ticket service over the memory store: raising (due time, outbox job, idempotency,
// store failures reach the caller), the department's actions with their scope and history,
// lists, delivery records and redelivery of dead jobs.
import t, { type Test } from 'tap'
import { fileURLToPath } from 'node:url'
import { isValid } from 'ulidx'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import { Metrics } from '../../src/metrics.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { TicketRequest } from '../../src/domain/ticket-record.js'
import { TicketService } from '../../src/tickets/ticket-service.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))
const calendar = new WorkCalendar(await loadCalendar(CONFIG_DIR))
const at = (local: string): number => Date.parse(`${local}+08:00`)

const FRIDAY_EVENING = at('2025-03-14T18:00:00')
const MONDAY_10 = at('2025-03-17T10:00:00')

const directory = {
  department: (id: string) => ({
    tax: { ticketWebhookUrl: 'http://127.0.0.1:9/tax' },
    social: { ticketWebhookUrl: 'http://127.0.0.1:9/social' },
    archive: {}
  } as Record<string, { ticketWebhookUrl?: string }>)[id]
}

const request = (extra: Partial<TicketRequest> = {}): TicketRequest => ({
  kind: 'next-urgent',
  callId: 'call-1',
  matterId: 'vat-invoice',
  departmentId: 'tax',
  callbackNumber: '13812345678',
  choices: { priority: 'handling', category: '税务' },
  at: FRIDAY_EVENING,
  ...extra
})

const TAX = { by: 'department:tax', departmentId: 'tax' }
const SOCIAL = { by: 'department:social', departmentId: 'social' }
const ADMIN = { by: 'admin' }

function setUp (t: Test, store = new MemoryTicketStore()) {
  const clock = new ManualClock(FRIDAY_EVENING)
  const metrics = new Metrics()
  let queued = 0
  const service = new TicketService({ store, calendar, directory, clock, metrics, onQueued: () => { queued++ } })
  t.teardown(() => store.close())
  return { service, store, clock, metrics, queued: () => queued }
}

async function raisedCount (metrics: Metrics, kind: string): Promise<number> {
  return (await metrics.ticketsRaised.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0
}

void t.test('raise: a ULID, due Monday 10:00 for a Friday-evening call, with its delivery queued', async (t) => {
  const { service, store, metrics, queued } = setUp(t)
  const ticket = await service.raise(request())
  t.ok(isValid(ticket.id), `a ULID: ${ticket.id}`)
  t.match(ticket, { status: 'open', dueAt: MONDAY_10, createdAt: FRIDAY_EVENING, callbackNumber: '13812345678', departmentId: 'tax' })
  t.same(await store.get(ticket.id), ticket, 'stored')
  t.match(await store.getJob(ticket.id), { ticketId: ticket.id, departmentId: 'tax', attempts: 0, nextAt: FRIDAY_EVENING })
  t.equal(queued(), 1, 'the worker is kicked')
  t.equal(await raisedCount(metrics, 'next-urgent'), 1)

  const failed = await service.raise(request({ kind: 'transfer-failed', at: at('2025-03-17T14:00:00') }))
  t.equal(failed.dueAt, at('2025-03-18T10:00:00'), 'a transfer failed on Monday afternoon is due Tuesday 10:00')
  t.ok(failed.id > ticket.id, 'ids sort by creation')
  t.equal(await raisedCount(metrics, 'transfer-failed'), 1)
})

void t.test('raise: the same call and kind twice gives the first ticket, once', async (t) => {
  const { service, store, metrics, queued } = setUp(t)
  const first = await service.raise(request())
  const again = await service.raise(request({ callbackNumber: '13900000000' }))
  t.same(again, first, 'the first ticket, unchanged')
  t.equal(queued(), 1, 'not queued twice')
  t.equal(await raisedCount(metrics, 'next-urgent'), 1, 'counted once')
  t.equal((await store.counts(FRIDAY_EVENING)).queued, 1)
  const both = await Promise.all([1, 2, 3].map(() => service.raise(request({ callId: 'call-2' }))))
  t.equal(new Set(both.map((x) => x.id)).size, 1, 'concurrent raises agree on one ticket')
})

void t.test('raise: a department without a webhook gets its ticket in the API, no delivery job', async (t) => {
  const { service, store, queued } = setUp(t)
  const ticket = await service.raise(request({ departmentId: 'archive' }))
  t.equal(ticket.status, 'open')
  t.equal(await store.getJob(ticket.id), undefined)
  t.equal(queued(), 0)
  const listed = await service.list({ limit: 10 }, { by: 'department:archive', departmentId: 'archive' })
  t.same(listed.ok ? listed.tickets.map((x) => x.id) : [], [ticket.id])
})

void t.test('raise: when the store is down the error reaches the caller', async (t) => {
  const { service, store, metrics } = setUp(t)
  await store.close()
  await t.rejects(service.raise(request()), { code: 'HC_STORE', statusCode: 503 })
  t.equal(await raisedCount(metrics, 'next-urgent'), 0)
})

void t.test('a department acts on its own tickets: acknowledge, contact, close, with history', async (t) => {
  const { service, clock } = setUp(t)
  const { id } = await service.raise(request())
  clock.set(at('2025-03-17T08:50:00'))
  t.match(await service.acknowledge(id, SOCIAL), { ok: false, error: 'forbidden', reason: /own department/ })
  t.match(await service.get(id, SOCIAL), { ok: false, error: 'forbidden' })
  t.match(await service.acknowledge(id, TAX, '收到'), { ok: true, ticket: { status: 'acknowledged', acknowledgedAt: clock.now() } })
  t.match(await service.acknowledge(id, TAX), { ok: false, error: 'invalid-state', reason: /ticket is acknowledged/, ticket: { status: 'acknowledged' } })
  t.match(await service.recordContact(id, TAX, ' '), { ok: false, error: 'invalid-input', reason: /note is empty/ })
  t.match(await service.close(id, TAX, { resolution: '已办结', resolved: true }), { ok: false, error: 'invalid-state', reason: /record the contact/ })
  clock.set(at('2025-03-17T09:30:00'))
  t.match(await service.recordContact(id, TAX, '已回电'), { ok: true, ticket: { status: 'contacted', contactedAt: clock.now() } })
  clock.set(at('2025-03-17T11:00:00'))
  const closed = await service.close(id, ADMIN, { resolution: '已指导企业在线申领发票', resolved: true })
  t.match(closed, { ok: true, ticket: { status: 'closed', resolved: true, resolution: '已指导企业在线申领发票' } })
  t.same(closed.ok ? closed.ticket.history.map((h) => [h.status, h.by, h.note]) : [], [
    ['open', 'controller', 'next-urgent'], ['acknowledged', 'department:tax', '收到'],
    ['contacted', 'department:tax', '已回电'], ['closed', 'admin', undefined]
  ])
  t.match(await service.get('nope', ADMIN), { ok: false, error: 'unknown-ticket', reason: /no ticket nope/ })
  t.match(await service.acknowledge('nope', ADMIN), { ok: false, error: 'unknown-ticket' })
})

void t.test('two controllers acknowledging at once: one wins, the other is told why', async (t) => {
  const store = new MemoryTicketStore()
  const a = setUp(t, store)
  const b = new TicketService({ store, calendar, directory, clock: a.clock })
  const { id } = await a.service.raise(request())
  const results = await Promise.all([a.service.acknowledge(id, TAX, 'a'), b.acknowledge(id, TAX, 'b')])
  t.equal(results.filter((r) => r.ok).length, 1)
  t.match(results.find((r) => !r.ok), { error: 'invalid-state', reason: /acknowledged/ })
  t.equal((await store.get(id))?.history.length, 2, 'one acknowledgement in the history')
})

void t.test('list: a department sees its own tickets only; overdue by the clock', async (t) => {
  const { service, clock } = setUp(t)
  const tax = await service.raise(request())
  const social = await service.raise(request({ callId: 'call-2', departmentId: 'social' }))
  t.match(await service.list({ limit: 10, departmentId: 'social' }, TAX), { ok: false, error: 'forbidden' })
  const own = await service.list({ limit: 10 }, TAX)
  t.same(own.ok ? own.tickets.map((x) => x.id) : [], [tax.id])
  const all = await service.list({ limit: 10 }, ADMIN)
  t.same(all.ok ? all.tickets.map((x) => x.id) : [], [social.id, tax.id], 'newest first')
  t.same(await service.list({ limit: 10, overdue: true }, ADMIN), { ok: true, tickets: [] })
  clock.set(MONDAY_10 + 1)
  await service.acknowledge(social.id, SOCIAL)
  await service.recordContact(social.id, SOCIAL, '已联系')
  const overdue = await service.list({ limit: 10, overdue: true }, ADMIN)
  t.same(overdue.ok ? overdue.tickets.map((x) => x.id) : [], [tax.id], 'the contacted one is not overdue')
  const openOnes = await service.list({ limit: 10, status: 'open' }, ADMIN)
  t.same(openOnes.ok ? openOnes.tickets.map((x) => x.id) : [], [tax.id])
})

void t.test('markDelivered: open → delivered; after an acknowledgement only the instant is recorded', async (t) => {
  const { service } = setUp(t)
  const first = await service.raise(request())
  t.match(await service.markDelivered(first.id, FRIDAY_EVENING + 100), { ok: true, ticket: { status: 'delivered', deliveredAt: FRIDAY_EVENING + 100 } })
  t.match(await service.markDelivered(first.id, FRIDAY_EVENING + 200), { ok: true, ticket: { deliveredAt: FRIDAY_EVENING + 100 } }, 'twice: the first instant stays')
  const second = await service.raise(request({ callId: 'call-2' }))
  await service.acknowledge(second.id, TAX)
  const late = await service.markDelivered(second.id, FRIDAY_EVENING + 300)
  t.match(late, { ok: true, ticket: { status: 'acknowledged', deliveredAt: FRIDAY_EVENING + 300 } })
  t.match(late.ok ? late.ticket.history.at(-1) : undefined, { by: 'worker', status: 'acknowledged' })
})

void t.test('redeliver: only a dead delivery goes back to the outbox', async (t) => {
  const { service, store, clock, queued } = setUp(t)
  const ticket = await service.raise(request())
  t.match(await service.redeliver(ticket.id), { ok: false, error: 'not-dead', reason: /still queued/ })
  const [job] = await store.claimDue(clock.now(), 1000, 1)
  if (job === undefined) throw new Error('no job')
  await store.park(job.id, job.lease, clock.now(), 'HTTP 500')
  t.match(await service.deadDeliveries(10), [{ ticketId: ticket.id, lastError: 'HTTP 500' }])
  clock.advance(60_000)
  t.match(await service.redeliver(ticket.id), { ok: true, ticket: { id: ticket.id } })
  t.match(await store.getJob(ticket.id), { attempts: 0, nextAt: clock.now() })
  t.equal(queued(), 2, 'the worker is kicked again')
  t.same(await service.deadDeliveries(10), [])
  const archived = await service.raise(request({ callId: 'call-3', departmentId: 'archive' }))
  t.match(await service.redeliver(archived.id), { ok: false, error: 'not-dead', reason: /no webhook/ })
  t.match(await service.redeliver('nope'), { ok: false, error: 'unknown-ticket' })
})
