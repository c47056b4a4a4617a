// One contract for every TicketStore adapter (src/ports/ticket-store.ts): the memory store and
// the Redis store run these same tests. Each test gets a fresh, empty store and closes it.
import { stamped } from '../../src/domain/record-version.js'
import type { Test } from 'tap'
import type { TicketChange } from '../../src/domain/tickets.js'
import type { NewDeliveryJob, TicketStore } from '../../src/ports/ticket-store.js'
import type { Ticket, TicketKind } from '../../src/domain/ticket-record.js'

export type MakeTicketStore = (t: Test) => Promise<TicketStore>

const T0 = Date.UTC(2025, 2, 14, 10, 0) // Friday 18:00 in Beijing
const DAY = 24 * 60 * 60 * 1000
const LEASE = 30_000

function ticket (id: string, extra: Partial<Ticket> = {}): Ticket {
  return {
    id,
    kind: 'next-urgent',
    callId: `call-${id}`,
    matterId: 'vat-invoice',
    departmentId: 'tax',
    callbackNumber: '13812345678',
    choices: { priority: 'handling', category: '税务' },
    createdAt: T0,
    dueAt: T0 + 3 * DAY,
    status: 'open',
    history: [{ at: T0, status: 'open', by: 'controller', note: 'next-urgent' }],
    ...extra
  }
}

function job (t: Ticket, nextAt = t.createdAt): NewDeliveryJob {
  return { id: t.id, ticketId: t.id, departmentId: t.departmentId, createdAt: t.createdAt, nextAt }
}

const ack = (at: number): TicketChange => ({ status: 'acknowledged', acknowledgedAt: at, history: [{ at, status: 'acknowledged', by: 'department:tax' }] })

export function ticketStoreContract (t: Test, makeStore: MakeTicketStore): void {
  const open = async (t: Test): Promise<TicketStore> => {
    const store = await makeStore(t)
    t.teardown(() => store.close())
    return store
  }

  void t.test('create / get: a ticket round-trips exactly; one ticket per call and kind', async (t) => {
    const store = await open(t)
    const first = ticket('01A', { choices: { category: '社保', note: '“引号” & <tag>' }, createdAt: T0 + 0.5 })
    t.same(await store.create(first, job(first)), { ticket: stamped(first), created: true })
    t.same(await store.get('01A'), stamped(first), 'what was written comes back')
    t.equal(await store.get('nope'), undefined)

    const again = ticket('01B', { callId: first.callId })
    const second = await store.create(again, job(again))
    t.same(second, { ticket: stamped(first), created: false }, 'the same call and kind: the first ticket comes back')
    t.equal(await store.get('01B'), undefined, 'the second was not written')
    t.equal(await store.getJob('01B'), undefined, 'nor its job')
    t.same(await store.findByCall(first.callId, 'next-urgent'), stamped(first))
    t.equal(await store.findByCall(first.callId, 'transfer-failed'), undefined)

    const other = ticket('01C', { callId: first.callId, kind: 'transfer-failed' as TicketKind })
    t.equal((await store.create(other, job(other))).created, true, 'another kind for the same call is another ticket')
    t.equal((await store.counts(T0)).queued, 2, 'two jobs queued, one per ticket created')
  })

  void t.test('create: concurrent raises for one call make one ticket and one job', async (t) => {
    const store = await open(t)
    const tickets = ['02A', '02B', '02C', '02D', '02E'].map((id) => ticket(id, { callId: 'call-race' }))
    const results = await Promise.all(tickets.map((x) => store.create(x, job(x))))
    t.equal(results.filter((r) => r.created).length, 1, 'exactly one created')
    const winner = results.find((r) => r.created)?.ticket.id
    t.ok(results.every((r) => r.ticket.id === winner), 'everyone got the winner')
    const claimed = await store.claimDue(T0, LEASE, 10)
    t.same(claimed.map((j) => j.id), [winner], 'one job for it')
  })

  void t.test('create without a job: the ticket is kept, nothing is queued', async (t) => {
    const store = await open(t)
    const x = ticket('03A', { departmentId: 'no-webhook' })
    t.equal((await store.create(x, undefined)).created, true)
    t.same(await store.claimDue(T0 + DAY, LEASE, 10), [])
    t.match(await store.counts(T0), { queued: 0, dead: 0, byStatus: { open: 1 } })
    t.same((await store.list({ departmentId: 'no-webhook', limit: 10 })).map((x) => x.id), ['03A'])
  })

  void t.test('a job must carry its ticket\'s id', async (t) => {
    const store = await open(t)
    const x = ticket('04A')
    await t.rejects(store.create(x, { ...job(x), id: 'other' }), { code: 'HC_STORE' })
    t.equal(await store.get('04A'), undefined)
  })

  void t.test('list: newest first, ties by id; filters by department, status and both; limit', async (t) => {
    const store = await open(t)
    const rows: Array<[string, number, string]> = [
      ['05A', T0, 'tax'], ['05B', T0 + 1000, 'tax'], ['05C', T0 + 1000, 'social'], ['05D', T0 + 2000, 'social'], ['05E', T0 + 500, 'tax']
    ]
    for (const [id, createdAt, departmentId] of rows) {
      const x = ticket(id, { createdAt, departmentId })
      await store.create(x, job(x))
    }
    await store.update('05B', 'open', ack(T0 + 5000))
    const ids = async (q: Parameters<TicketStore['list']>[0]) => (await store.list(q)).map((x) => x.id)
    t.same(await ids({ limit: 10 }), ['05D', '05C', '05B', '05E', '05A'], 'createdAt descending, then id descending')
    t.same(await ids({ limit: 2 }), ['05D', '05C'])
    t.same(await ids({ limit: 0 }), [])
    t.same(await ids({ departmentId: 'tax', limit: 10 }), ['05B', '05E', '05A'])
    t.same(await ids({ status: 'open', limit: 10 }), ['05D', '05C', '05E', '05A'])
    t.same(await ids({ status: 'acknowledged', limit: 10 }), ['05B'])
    t.same(await ids({ departmentId: 'tax', status: 'open', limit: 1 }), ['05E'])
    t.same(await ids({ departmentId: 'customs', limit: 10 }), [])
  })

  void t.test('list overdue: past due and not yet contacted, at the instant asked', async (t) => {
    const store = await open(t)
    const due = T0 + DAY
    const rows: Array<[string, number, number]> = [['06A', T0, due], ['06B', T0 + 10, due + 60_000], ['06C', T0 + 20, due], ['06D', T0 + 30, due - 1]]
    for (const [id, createdAt, dueAt] of rows) {
      const x = ticket(id, { createdAt, dueAt, departmentId: id === '06D' ? 'social' : 'tax' })
      await store.create(x, job(x))
    }
    // 06C: contacted in time — never overdue afterwards.
    await store.update('06C', 'open', ack(T0 + 100))
    await store.update('06C', 'acknowledged', { status: 'contacted', contactedAt: T0 + 200, history: [{ at: T0 + 200, status: 'contacted', by: 'x', note: 'called' }] })
    const ids = async (overdueAt: number, extra: { departmentId?: string, status?: 'open' | 'acknowledged', limit?: number } = {}) =>
      (await store.list({ overdueAt, limit: extra.limit ?? 10, ...extra })).map((x) => x.id)
    t.same(await ids(due - 1), [], 'nothing is overdue before its due time')
    t.same(await ids(due), ['06D'], 'at the due instant itself: not yet overdue; 06D was due a millisecond earlier')
    t.same(await ids(due + 1), ['06D', '06A'], 'just after: newest first')
    t.same(await ids(due + DAY), ['06D', '06B', '06A'])
    t.same(await ids(due + DAY, { departmentId: 'tax' }), ['06B', '06A'])
    t.same(await ids(due + DAY, { limit: 1 }), ['06D'])
    await store.update('06A', 'open', ack(due + 2))
    t.same(await ids(due + DAY, { status: 'acknowledged' }), ['06A'], 'acknowledged but not contacted is still overdue')
    t.same(await ids(due + DAY, { status: 'open' }), ['06D', '06B'])
    t.equal((await store.counts(due + DAY)).overdue, 3)
    t.equal((await store.counts(due)).overdue, 1)
  })

  void t.test('update: compare-and-set on the status, fields set and history appended', async (t) => {
    const store = await open(t)
    const x = ticket('07A')
    await store.create(x, job(x))
    t.equal(await store.update('07A', 'delivered', ack(T0 + 1)), undefined, 'wrong expected status: refused')
    t.same(await store.get('07A'), stamped(x), 'and nothing changed')
    t.equal(await store.update('nope', 'open', ack(T0 + 1)), undefined, 'unknown ticket')
    const updated = await store.update('07A', 'open', ack(T0 + 1))
    t.match(updated, { status: 'acknowledged', acknowledgedAt: T0 + 1, callbackNumber: '13812345678' })
    t.same(updated?.history.map((h) => h.status), ['open', 'acknowledged'])
    t.same(await store.get('07A'), updated, 'written')
    t.match(await store.counts(T0), { byStatus: { open: 0, acknowledged: 1 } }, 'the status counts follow')
  })

  void t.test('update: of concurrent changes from one status exactly one wins; appends are never lost', async (t) => {
    const store = await open(t)
    const x = ticket('08A')
    await store.create(x, job(x))
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => store.update('08A', 'open', ack(T0 + i))))
    t.equal(results.filter((r) => r !== undefined).length, 1, 'one acknowledgement applied')
    t.equal((await store.get('08A'))?.history.length, 2)
    await store.update('08A', 'acknowledged', { status: 'contacted', contactedAt: T0 + 10, history: [{ at: T0 + 10, status: 'contacted', by: 'x', note: 'n0' }] })
    // Contacts recorded at once from the same status: every note is kept.
    const notes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']
    await Promise.all(notes.map((note, i) => store.update('08A', 'contacted', { history: [{ at: T0 + 20 + i, status: 'contacted', by: 'x', note }] })))
    const after = await store.get('08A')
    t.same(after?.history.slice(3).map((h) => h.note).sort(), notes, 'all six appended')
    t.equal(after?.contactedAt, T0 + 10)
  })

  void t.test('claimDue: due jobs earliest first (ties by id), leased, attempts counted', async (t) => {
    const store = await open(t)
    for (const [id, nextAt] of [['09C', T0], ['09A', T0 + 5], ['09B', T0], ['09D', T0 + 100]] as const) {
      const x = ticket(id)
      await store.create(x, job(x, nextAt))
    }
    const first = await store.claimDue(T0 + 5, LEASE, 2)
    t.same(first.map((j) => j.id), ['09B', '09C'])
    t.match(first[0], { ticketId: '09B', departmentId: 'tax', attempts: 1, leaseUntil: T0 + 5 + LEASE, createdAt: T0 })
    t.equal(typeof first[0]?.lease, 'string')
    t.same((await store.claimDue(T0 + 5, LEASE, 10)).map((j) => j.id), ['09A'], 'leased jobs are not handed out again')
    t.same(await store.claimDue(T0 + 50, LEASE, 10), [], '09D is not due yet')
    t.same(await store.claimDue(T0 + 5, LEASE, 0), [])
    t.match(await store.getJob('09B'), { attempts: 1, leaseUntil: T0 + 5 + LEASE })
  })

  void t.test('claimDue: concurrent claims never share a job', async (t) => {
    const store = await open(t)
    const ids = Array.from({ length: 20 }, (_, i) => `10${String(i).padStart(2, '0')}`)
    for (const id of ids) {
      const x = ticket(id)
      await store.create(x, job(x))
    }
    const claims = await Promise.all([1, 2, 3, 4].map(() => store.claimDue(T0, LEASE, 7)))
    const all = claims.flat().map((j) => j.id)
    t.equal(new Set(all).size, all.length, 'no job in two claims')
    t.same(all.sort(), ids, 'and every job claimed once')
  })

  void t.test('a lease that expires lets another worker take the job; the old lease is void', async (t) => {
    const store = await open(t)
    const x = ticket('11A')
    await store.create(x, job(x))
    const [a] = await store.claimDue(T0, LEASE, 1)
    if (a === undefined) throw new Error('no job claimed')
    t.same(await store.claimDue(T0 + LEASE - 1, LEASE, 1), [], 'still leased a millisecond before expiry')
    const [b] = await store.claimDue(T0 + LEASE, LEASE, 1)
    t.match(b, { id: '11A', attempts: 2, leaseUntil: T0 + 2 * LEASE })
    if (b === undefined) throw new Error('no job reclaimed')
    t.not(b.lease, a.lease, 'a new lease')
    t.equal(await store.complete('11A', a.lease), false, 'the first worker can no longer complete it')
    t.equal(await store.retry('11A', a.lease, T0 + 1, 'late'), false, 'nor retry it')
    t.equal(await store.park('11A', a.lease, T0 + 1, 'late'), false, 'nor park it')
    t.match(await store.getJob('11A'), { attempts: 2, leaseUntil: T0 + 2 * LEASE }, 'untouched by the stale reports')
    t.equal(await store.complete('11A', b.lease), true, 'the holder can')
    t.equal(await store.getJob('11A'), undefined, 'a completed job is gone')
    t.equal(await store.complete('11A', b.lease), false, 'completing twice does nothing')
    t.equal((await store.counts(T0)).queued, 0)
  })

  void t.test('retry: back in the outbox at nextAt, with the error', async (t) => {
    const store = await open(t)
    const x = ticket('12A')
    await store.create(x, job(x))
    const [claimed] = await store.claimDue(T0, LEASE, 1)
    if (claimed === undefined) throw new Error('no job claimed')
    t.equal(await store.retry('12A', claimed.lease, T0 + 4000, 'HTTP 503'), true)
    const stored = await store.getJob('12A')
    t.match(stored, { attempts: 1, nextAt: T0 + 4000, lastError: 'HTTP 503' })
    t.equal(stored?.leaseUntil, undefined, 'no longer leased')
    t.same(await store.claimDue(T0 + 3999, LEASE, 1), [])
    t.match(await store.claimDue(T0 + 4000, LEASE, 1), [{ id: '12A', attempts: 2, lastError: 'HTTP 503' }])
  })

  void t.test('park: dead jobs listed newest first, never claimed; requeue brings one back', async (t) => {
    const store = await open(t)
    for (const id of ['13A', '13B', '13C']) {
      const x = ticket(id)
      await store.create(x, job(x))
    }
    const claimed = await store.claimDue(T0, LEASE, 3)
    for (const [i, j] of claimed.entries()) t.equal(await store.park(j.id, j.lease, T0 + 10 * (i % 2), `error ${j.id}`), true)
    const dead = await store.listDead(10)
    t.same(dead.map((j) => j.id), ['13B', '13C', '13A'], 'most recently parked first, ties by id descending')
    t.match(dead[0], { id: '13B', ticketId: '13B', attempts: 1, deadAt: T0 + 10, lastError: 'error 13B' })
    t.equal(dead[0]?.nextAt, undefined)
    t.same((await store.listDead(1)).map((j) => j.id), ['13B'])
    t.same(await store.claimDue(T0 + DAY, LEASE, 10), [], 'dead jobs are not claimed')
    t.match(await store.counts(T0), { dead: 3, queued: 0 })

    t.equal(await store.requeue('nope', T0), undefined)
    const back = await store.requeue('13A', T0 + 100)
    t.match(back, { id: '13A', attempts: 0, nextAt: T0 + 100 })
    t.equal(back?.deadAt, undefined)
    t.equal(await store.requeue('13A', T0 + 100), undefined, 'no longer dead: nothing to requeue')
    t.match(await store.counts(T0), { dead: 2, queued: 1 })
    t.match(await store.claimDue(T0 + 100, LEASE, 10), [{ id: '13A', attempts: 1 }])
  })

  void t.test('counts: by status, overdue, queued, dead', async (t) => {
    const store = await open(t)
    for (const id of ['14A', '14B', '14C']) {
      const x = ticket(id, { dueAt: T0 + 100 })
      await store.create(x, id === '14C' ? undefined : job(x))
    }
    await store.update('14B', 'open', ack(T0 + 1))
    t.same(await store.counts(T0 + 101), {
      byStatus: { open: 2, delivered: 0, acknowledged: 1, contacted: 0, closed: 0 }, overdue: 3, queued: 2, dead: 0
    })
  })

  void t.test('maskNumbers: tickets older than the cutoff lose their full numbers, once', async (t) => {
    const store = await open(t)
    const old = ticket('16A', { choices: { priority: 'handling', phone: '02161234567', code: '12' }, createdAt: T0 - 31 * DAY })
    const edge = ticket('16B', { createdAt: T0 - 30 * DAY })
    const young = ticket('16C', { createdAt: T0 - DAY })
    for (const x of [old, edge, young]) await store.create(x, undefined)
    const cutoff = T0 - 30 * DAY
    t.equal(await store.maskNumbers(cutoff, T0), 1, 'only the ticket created before the cutoff')
    t.same(await store.get('16A'), stamped({
      ...old, callbackNumber: '138****5678', choices: { priority: 'handling', phone: '021****4567', code: '12' }, numbersMaskedAt: T0
    }), 'callback number and numbers among the choices masked, and when')
    t.same(await store.get('16B'), stamped(edge), 'created at the cutoff: kept in full')
    t.same(await store.get('16C'), stamped(young))

    t.equal(await store.maskNumbers(cutoff, T0 + 1), 0, 'a second sweep changes nothing')
    t.equal((await store.get('16A'))?.numbersMaskedAt, T0, 'and keeps the first masking\'s time')
    const both = await Promise.all([store.maskNumbers(T0, T0 + 2), store.maskNumbers(T0, T0 + 2)])
    t.equal(both[0] + both[1], 2, 'two sweeps at once mask each remaining ticket once between them')
    t.equal((await store.get('16C'))?.callbackNumber, '138****5678')

    const later = await store.update('16A', 'open', ack(T0 + 3))
    t.match(later, { status: 'acknowledged', callbackNumber: '138****5678' }, 'a masked ticket stays masked through status changes')
  })

  void t.test('number views: recorded, listed newest first, since an instant', async (t) => {
    const store = await open(t)
    t.same(await store.listNumberViews({ limit: 10 }), [])
    const view = (at: number, ticketId: string, by = 'department:tax') => ({ at, by, ticketId, departmentId: 'tax' })
    await store.recordNumberViews([view(T0, '17A'), view(T0 + 2, '17B', 'admin')])
    await store.recordNumberViews([view(T0 + 1, '17A'), view(T0, '17A')])
    await store.recordNumberViews([])
    t.same(await store.listNumberViews({ limit: 10 }), [view(T0 + 2, '17B', 'admin'), view(T0 + 1, '17A'), view(T0, '17A')],
      'newest first; the same view twice is one')
    t.same(await store.listNumberViews({ limit: 2 }), [view(T0 + 2, '17B', 'admin'), view(T0 + 1, '17A')])
    t.same(await store.listNumberViews({ since: T0 + 1, limit: 10 }), [view(T0 + 2, '17B', 'admin'), view(T0 + 1, '17A')])
  })

  void t.test('after close() every operation fails with HC_STORE', async (t) => {
    const store = await makeStore(t)
    await store.close()
    await t.rejects(store.get('x'), { code: 'HC_STORE' })
    await t.rejects(store.create(ticket('15A'), undefined), { code: 'HC_STORE' })
    await t.rejects(store.claimDue(T0, LEASE, 1), { code: 'HC_STORE' })
  })
}
