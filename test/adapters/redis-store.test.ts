// The Redis store against a real redis-server (docs/ARCHITECTURE.md, "Real Redis in tests"):
// one server for the file, a key prefix of its own for every test.
import { RECORD_VERSION, stamped } from '../../src/domain/record-version.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { CALL_COUNTS_TTL_S, RedisStore, type RedisStoreOptions } from '../../src/adapters/redis/redis-store.js'
import { startRedis, withRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'
import { storeContract } from './store-contract.js'

const server = await withRedis(t)
const raw = new Redis(server.url)
t.teardown(() => raw.disconnect())

function makeStore (t: { teardown: (fn: () => unknown) => void }, options: RedisStoreOptions = {}): RedisStore {
  const store = new RedisStore({ url: server.url, keyPrefix: `test:${randomUUID()}:`, ...options })
  t.teardown(() => store.close())
  return store
}

const HC_STORE = { name: 'HotlineError', code: 'HC_STORE' }

void t.test('the store contract', async (t) => {
  storeContract(t, async (_t, options) => new RedisStore({ url: server.url, keyPrefix: `contract:${randomUUID()}:`, ...options }))
})

void t.test('every key is under the prefix, and prefixes keep stores apart', async (t) => {
  const a = makeStore(t, { keyPrefix: 'deploy-a:' })
  const b = makeStore(t, { keyPrefix: 'deploy-b:' })
  t.equal(a.keyPrefix, 'deploy-a:')
  await a.claimCall('leg-1', 'ctl-a', 1)
  await a.putCall({ callId: 'c1', legId: 'leg-1', controllerId: 'ctl-a', caller: '138****5678', startedAt: 1, choices: {}, path: [] })
  await a.upsertAgent({ id: 'a1', name: '李娜', extension: '8001', groups: ['g'] }, 1)
  await a.setAgentState('a1', { to: 'ready', at: 2 })
  await a.enqueue('g', 'c1', 3, 1000)

  const keys = await raw.keys('*')
  const aKeys = keys.filter((k) => k.startsWith('deploy-a:')).sort()
  t.same(aKeys, [
    'deploy-a:agent:a1', 'deploy-a:agents', 'deploy-a:call:c1', 'deploy-a:calls', 'deploy-a:calls:active',
    'deploy-a:claim:leg-1', 'deploy-a:queue-deadline:g', 'deploy-a:queue:g', 'deploy-a:ready:g'
  ])
  t.notOk(keys.some((k) => k.startsWith('hotline:')), 'nothing written under the default prefix')

  t.equal(await b.claimCall('leg-1', 'ctl-b', 1), true, 'another prefix: another set of claims')
  t.equal(await b.getCall('c1'), undefined)
  t.same(await b.listAgents(), [])
  t.equal(await b.queueLength('g', 4), 0)
  t.equal(await b.assignAgent('g', 'c1', 4), undefined)
  t.match(await a.getAgent('a1'), { state: 'ready' }, "b's attempt left a's agent alone")
})

void t.test('transfer records: the JSON by id and one sorted set by requestedAt', async (t) => {
  const store = makeStore(t, { keyPrefix: `tr-${randomUUID()}:` })
  const record = {
    id: 'tr-1', callId: 'c1', matterId: 'vat-invoice', departmentId: 'tax', requestedAt: 1_767_576_600_000.5,
    workingTime: true, state: 'hunting' as const, attempts: []
  }
  await store.putTransfer(record)
  const p = store.keyPrefix
  t.same((await raw.keys(`${p}*`)).sort(), [`${p}transfer:tr-1`, `${p}transfers`])
  t.equal(await raw.get(`${p}transfer:tr-1`), JSON.stringify(stamped(record)), 'stored as written, with the format\'s version')
  t.same(await raw.zrange(`${p}transfers`, '0', '-1', 'WITHSCORES'), ['tr-1', '1767576600000.5'], 'scored by requestedAt')
  t.throws(() => new RedisStore({ url: server.url, maxTransfers: -1 }), RangeError)
})

void t.test('call counts: one hash per day under the prefix, kept about 400 days, increments in one MULTI', async (t) => {
  const store = makeStore(t)
  const p = store.keyPrefix
  await store.addCallCounts('2026-01-05', { offered: 1, abandoned: 1, 'abandoned:queue': 1, 'abandon-wait-ms:queue': 45_000 })
  t.same(await raw.keys(`${p}*`), [`${p}call-counts:2026-01-05`])
  t.equal(await raw.type(`${p}call-counts:2026-01-05`), 'hash')
  t.same(await raw.hgetall(`${p}call-counts:2026-01-05`), { offered: '1', abandoned: '1', 'abandoned:queue': '1', 'abandon-wait-ms:queue': '45000' })
  const ttl = await raw.ttl(`${p}call-counts:2026-01-05`)
  t.ok(ttl > 399 * 86_400 && ttl <= CALL_COUNTS_TTL_S, `the day expires in about 400 days (${ttl} s)`)
  t.equal(CALL_COUNTS_TTL_S, 400 * 86_400)

  // A field Redis cannot increment fails the whole call's increments (HC_STORE), and a
  // non-number in a day's hash is reported, never summed as NaN.
  await raw.set(`${p}call-counts:2026-01-06`, 'not a hash')
  await t.rejects(store.addCallCounts('2026-01-06', { offered: 1 }), { ...HC_STORE, message: /addCallCounts failed.*WRONGTYPE/ })
  await raw.hset(`${p}call-counts:2026-01-07`, 'offered', 'lots')
  await t.rejects(store.callCounts(['2026-01-05', '2026-01-07']), { ...HC_STORE, message: /call count.*offered=lots/ })
})

void t.test('a claim expires on the server after claimTtlMs', async (t) => {
  const store = makeStore(t, { claimTtlMs: 60_000 })
  await store.claimCall('leg-9', 'ctl-a', 1)
  const key = `${store.keyPrefix}claim:leg-9`
  const ttl = await raw.pttl(key)
  t.ok(ttl > 0 && ttl <= 60_000, `the claim key has an expiry (${ttl} ms)`)
  t.same(JSON.parse(await raw.get(key) ?? 'null'), { controllerId: 'ctl-a', at: 1 }, 'the claim says who and when')
  await raw.del(key)
  t.equal(await store.claimCall('leg-9', 'ctl-b', 2), true, 'once the key is gone the leg is free')
})

void t.test('scripts still run after the server forgets them (SCRIPT FLUSH, restart)', async (t) => {
  const store = makeStore(t)
  await store.upsertAgent({ id: 'a1', name: '李娜', extension: '8001', groups: ['g'] }, 1)
  await raw.script('FLUSH')
  t.match(await store.setAgentState('a1', { to: 'ready', at: 2 }), { state: 'ready' })
})

void t.test('a Redis reply error surfaces as HC_STORE with its cause', async (t) => {
  const store = makeStore(t)
  await raw.set(`${store.keyPrefix}calls`, 'not a sorted set')
  const err: unknown = await store.putCall({ callId: 'c1', legId: 'l1', controllerId: 'x', caller: '1', startedAt: 1, choices: {}, path: [] })
    .then(() => undefined, (e: unknown) => e)
  t.match(err, { ...HC_STORE, statusCode: 503, message: /putCall failed.*WRONGTYPE/ })
  t.match((err as Error).cause, { message: /WRONGTYPE/ })
})

void t.test('an unreachable server surfaces as HC_STORE, and close() still returns', async (t) => {
  const own = await startRedis()
  t.teardown(() => own.stop())
  const errors: Error[] = []
  const store = new RedisStore({ url: own.url, onError: (err) => errors.push(err) })
  t.teardown(() => store.close())
  t.equal(await store.claimCall('leg-1', 'ctl-a', 1), true)
  await own.stop()
  await t.rejects(store.getCall('c1'), HC_STORE)
  t.ok(errors.length > 0, 'connection errors reach onError')
  await store.close()
  await t.rejects(store.getAgent('a1'), HC_STORE)
})

void t.test('health follows the connection, and no command waits past the timeout', async (t) => {
  const own = await startRedis()
  t.teardown(() => own.stop())
  const store = new RedisStore({ url: own.url, redis: { commandTimeout: 300 }, onError: () => {} })
  t.teardown(() => store.close())
  await store.queueLength('g', 1)
  t.match(store.health(), { up: true, detail: 'connected' })
  // A Redis too slow to answer: the command fails at its timeout, not when Redis wakes.
  const other = new Redis(own.url)
  t.teardown(() => other.disconnect())
  // A script that spins for 3 s holds every other client (DEBUG SLEEP is disabled by default).
  const spin = "local s = redis.call('TIME') repeat local n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 3000000 return 1"
  const sleeping = other.eval(spin, 0)
  await eventually(async () => (await store.getCall('c1').then(() => false, () => true)) ? true : undefined, 'Redis busy')
  let started = Date.now()
  await t.rejects(store.getCall('c1'), { ...HC_STORE, message: /getCall failed: Command timed out/ })
  t.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms (timeout 300 ms), not when Redis is free (3 s)`)
  await sleeping
  // Redis gone: health turns down with why, and a command fails as fast.
  await own.stop()
  await eventually(() => store.health().up ? undefined : true, 'health down')
  t.match(store.health(), { up: false, detail: /\S/ })
  started = Date.now()
  await t.rejects(store.getCall('c1'), HC_STORE)
  t.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms while Redis was away`)
})

void t.test('close() settles operations waiting for a reconnect', async (t) => {
  const own = await startRedis()
  t.teardown(() => own.stop())
  // No retry limit: a command waits for the server as long as the store is open.
  const store = new RedisStore({ url: own.url, redis: { maxRetriesPerRequest: null }, onError: () => {} })
  t.teardown(() => store.close())
  await store.queueLength('g', 1)
  await own.stop()
  const waiting = store.getCall('c1')
  await store.close()
  await t.rejects(waiting, HC_STORE)
})

void t.test('close() quits the connection', async (t) => {
  const name = `store-close-${process.pid}`
  const store = makeStore(t, { redis: { connectionName: name } })
  await store.queueLength('g', 1)
  const listed = async (): Promise<boolean> => (await raw.client('LIST') as string).includes(`name=${name} `)
  t.equal(await listed(), true, 'connected while open')
  await store.close()
  // QUIT is answered before the server drops the client: allow it a moment to go.
  for (let i = 0; i < 50 && await listed(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(await listed(), false, 'gone from the server once closed')
})

void t.test('records of other versions side by side (a rolling upgrade): an older one upgraded, a newer one kept whole', async (t) => {
  const store = makeStore(t, { keyPrefix: `v-${randomUUID()}:` })
  const p = store.keyPrefix
  const base = { legId: 'leg-1', controllerId: 'ctl-a', caller: '138****5678', startedAt: 1, choices: {}, path: [] }
  await store.putCall({ ...base, callId: 'written-here' })
  // Written as a controller of the next version would: its index entries are this version's.
  const newer = { ...base, callId: 'newer', v: RECORD_VERSION + 1, nextOnly: { kept: true } }
  await raw.set(`${p}call:old`, JSON.stringify({ ...base, callId: 'old' }))
  await raw.set(`${p}call:newer`, JSON.stringify(newer))
  await raw.zadd(`${p}calls`, 1, 'old', 1, 'newer')
  t.match(await store.getCall('old'), { callId: 'old', v: RECORD_VERSION }, 'a record from before versions reads as this version')
  const read = await store.getCall('newer')
  t.same(read, newer, 'a newer record reads as it was written, fields unknown here included')
  t.same((await store.listCalls({ limit: 10 })).map((r) => r.callId).sort(), ['newer', 'old', 'written-here'])
  // This version ends the call by copying the record, as sessions do: the newer fields stay.
  await store.putCall({ ...read as CallRecord, endedAt: 2, finalState: 'completed', reason: 'served', endedBy: 'caller' })
  const stored = JSON.parse(await raw.get(`${p}call:newer`) ?? 'null') as Record<string, unknown>
  t.match(stored, { v: RECORD_VERSION, nextOnly: { kept: true }, finalState: 'completed' }, 'rewritten here: stamped with this version, the newer fields kept')
})
