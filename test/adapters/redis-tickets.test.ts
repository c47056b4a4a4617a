// The Redis ticket store against a real redis-server (docs/ARCHITECTURE.md, "Real Redis in
// tests"): one server for the file, a key prefix of its own for every test.
import { stamped } from '../../src/domain/record-version.js'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { RedisTicketStore } from '../../src/adapters/redis/redis-tickets.js'
import type { Ticket } from '../../src/domain/ticket-record.js'
import { startRedis, withRedis } from '../helpers/redis.js'
import { ticketStoreContract } from './ticket-store-contract.js'

const server = await withRedis(t)
const raw = new Redis(server.url)
t.teardown(() => raw.disconnect())

function makeStore (t: { teardown: (fn: () => unknown) => void }, keyPrefix = `test:${randomUUID()}:`): RedisTicketStore {
  const store = new RedisTicketStore({ url: server.url, keyPrefix })
  t.teardown(() => store.close())
  return store
}

const ticket = (id: string, extra: Partial<Ticket> = {}): Ticket => ({
  id,
  kind: 'next-urgent',
  callId: `call-${id}`,
  departmentId: 'tax',
  callbackNumber: '13812345678',
  choices: {},
  createdAt: 1000,
  dueAt: 5000,
  status: 'open',
  history: [],
  ...extra
})

void t.test('the ticket store contract', async (t) => {
  ticketStoreContract(t, async () => new RedisTicketStore({ url: server.url, keyPrefix: `contract:${randomUUID()}:` }))
})

void t.test('every key is under the prefix, with the documented names', async (t) => {
  const store = makeStore(t, 'deploy-t:')
  const x = ticket('K1')
  await store.create(x, { id: 'K1', ticketId: 'K1', departmentId: 'tax', createdAt: 1000, nextAt: 1000 })
  const y = ticket('K2', { callId: 'call-K2' })
  await store.create(y, { id: 'K2', ticketId: 'K2', departmentId: 'tax', createdAt: 1000, nextAt: 1000 })
  const [claimed] = await store.claimDue(1000, 10_000, 1)
  if (claimed === undefined) throw new Error('nothing claimed')
  await store.park(claimed.id, claimed.lease, 2000, 'HTTP 500')
  const keys = (await raw.keys('deploy-t:*')).sort()
  t.same(keys, [
    'deploy-t:ticket-call:next-urgent:call-K1', 'deploy-t:ticket-call:next-urgent:call-K2',
    'deploy-t:ticket-dead', 'deploy-t:ticket-job:K1', 'deploy-t:ticket-job:K2', 'deploy-t:ticket-outbox',
    'deploy-t:ticket:K1', 'deploy-t:ticket:K2', 'deploy-t:tickets', 'deploy-t:tickets:department:tax',
    'deploy-t:tickets:status:open', 'deploy-t:tickets:uncontacted'
  ])
  t.same(await raw.zrange('deploy-t:ticket-outbox', '0', '-1', 'WITHSCORES'), ['K2', '1000'], 'the outbox: job id by next attempt')
  t.same(await raw.zrange('deploy-t:ticket-dead', '0', '-1', 'WITHSCORES'), ['K1', '2000'])
  t.same(JSON.parse(await raw.hget('deploy-t:ticket:K1', 'json') ?? 'null'), stamped(x), 'the ticket as the JSON written, with the format\'s version')
})

void t.test('two stores (two controllers) on one Redis see the same tickets and never share a claim', async (t) => {
  const prefix = `shared:${randomUUID()}:`
  const a = makeStore(t, prefix)
  const b = makeStore(t, prefix)
  for (let i = 0; i < 30; i++) {
    const x = ticket(`S${String(i).padStart(2, '0')}`)
    await (i % 2 === 0 ? a : b).create(x, { id: x.id, ticketId: x.id, departmentId: 'tax', createdAt: 1000, nextAt: 1000 })
  }
  t.equal((await b.list({ limit: 100 })).length, 30)
  const claims = await Promise.all([a, b, a, b].map((s) => s.claimDue(1000, 60_000, 10)))
  const ids = claims.flat().map((j) => j.id)
  t.equal(ids.length, 30)
  t.equal(new Set(ids).size, 30, 'no job leased twice')
})

void t.test('scripts still run after SCRIPT FLUSH', async (t) => {
  const store = makeStore(t)
  await raw.script('FLUSH')
  t.equal((await store.create(ticket('F1'), undefined)).created, true)
})

void t.test('a Redis reply error surfaces as HC_STORE with its cause', async (t) => {
  const store = makeStore(t)
  await raw.set(`${store.keyPrefix}tickets`, 'not a sorted set')
  const err: unknown = await store.create(ticket('E1'), undefined).then(() => undefined, (e: unknown) => e)
  t.match(err, { name: 'HotlineError', code: 'HC_STORE', statusCode: 503, message: /createTicket failed.*WRONGTYPE/ })
  t.match((err as Error).cause, { message: /WRONGTYPE/ })
})

void t.test('an unreachable server surfaces as HC_STORE, and close() still returns', async (t) => {
  const own = await startRedis()
  const store = new RedisTicketStore({ url: own.url, keyPrefix: 'gone:', redis: { retryStrategy: () => 50 } })
  await store.create(ticket('G1'), undefined)
  await own.stop()
  await t.rejects(store.get('G1'), { code: 'HC_STORE' })
  await store.close()
  await t.rejects(store.get('G1'), { code: 'HC_STORE', message: /after close/ })
})

void t.test('maskNumbers on two controllers at once: each ticket masked once, a racing change kept', async (t) => {
  const prefix = `sweep:${randomUUID()}:`
  const [a, b] = [makeStore(t, prefix), makeStore(t, prefix)]
  const count = 450 // more than one page of the sweep
  for (let i = 0; i < count; i++) {
    const id = `S${String(i).padStart(4, '0')}`
    await a.create(ticket(id, { callId: `call-${id}`, createdAt: 1000 + i }), undefined)
  }
  const [masked] = await Promise.all([
    Promise.all([a.maskNumbers(10_000, 20_000), b.maskNumbers(10_000, 20_000)]),
    b.update('S0007', 'open', { status: 'acknowledged', acknowledgedAt: 20_000, history: [{ at: 20_000, status: 'acknowledged', by: 'department:tax' }] })
  ])
  t.equal(masked[0] + masked[1], count, 'every ticket masked, by one of the two')
  const all = await a.list({ limit: 1000 })
  t.equal(all.filter((x) => x.callbackNumber === '138****5678' && x.numbersMaskedAt === 20_000).length, count)
  t.match(await a.get('S0007'), { status: 'acknowledged', callbackNumber: '138****5678' }, 'the change and the masking both stand')
  t.same(await raw.hget(`${prefix}ticket:S0001`, 'masked'), '1', 'marked in the hash, so later sweeps skip it without reading it')
  t.equal(await b.maskNumbers(10_000, 30_000), 0)
})
