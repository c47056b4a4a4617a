// Redis Sentinel, on real redis-server processes: a primary, two replicas and three sentinels.
// The stores find the primary through the sentinels and follow a failover; with a replica's
// acknowledgement asked for (WAIT), every ticket and final call record acknowledged before the
// primary was killed mid-traffic is on the replica that takes over: none lost.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Redis } from 'ioredis'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { RedisTicketStore } from '../../src/adapters/redis/redis-tickets.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import type { Ticket } from '../../src/domain/ticket-record.js'
import { type RedisServer, startSentinel, withRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'

// Three redis-servers, three sentinels, a failover: about 15 s, more on a loaded machine.
t.setTimeout(180_000)

const MASTER = 'hotline'
const T0 = Date.parse('2026-01-05T02:00:00Z')

function finalRecord (callId: string): CallRecord {
  return {
    callId, legId: `leg-${callId}`, controllerId: 'ctl-a', caller: '138****5678', startedAt: T0, endedAt: T0 + 60_000,
    finalState: 'completed', reason: 'served', endedBy: 'caller', choices: {}, path: []
  }
}

function ticket (id: string): Ticket {
  return {
    id, kind: 'next-urgent', callId: `call-${id}`, matterId: 'vat-invoice', departmentId: 'tax', callbackNumber: '13812345678',
    choices: {}, createdAt: T0, dueAt: T0 + 86_400_000, status: 'open', history: [{ at: T0, status: 'open', by: 'controller' }]
  }
}

async function replicaOf (t: Parameters<typeof withRedis>[0], primary: RedisServer): Promise<RedisServer> {
  const replica = await withRedis(t, { args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  const client = new Redis(replica.port, { lazyConnect: true })
  try {
    await eventually(async () => (await client.info('replication')).includes('master_link_status:up') ? true : undefined, 'the replica in sync', 10_000)
  } finally {
    client.disconnect()
  }
  return replica
}

/** Tries `write` until it is acknowledged, as the controller's final writes and ticket raises are. */
async function untilAcknowledged (write: () => Promise<unknown>, failed: () => void): Promise<void> {
  for (;;) {
    try {
      await write()
      return
    } catch {
      failed()
      await sleep(100)
    }
  }
}

void t.test('a primary killed mid-traffic: a replica takes over, and every acknowledged write is on it', async (t) => {
  const primary = await withRedis(t)
  const replicas = [await replicaOf(t, primary), await replicaOf(t, primary)]
  const sentinels = await Promise.all([1, 2, 3].map(async () => await startSentinel(primary.port, MASTER, 2)))
  t.teardown(async () => { await Promise.all(sentinels.map(async (s) => { await s.stop() })) })
  const ask = new Redis(sentinels[0]?.port ?? 0)
  t.teardown(() => { ask.disconnect() })
  await eventually(async () => ((await ask.call('SENTINEL', 'replicas', MASTER)) as unknown[]).length === 2 ? true : undefined, 'the sentinels know both replicas', 30_000)

  const redis = { sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: MASTER, commandTimeout: 1000 }
  const durability = { replicas: 1, timeoutMs: 500 }
  const store = new RedisStore({ redis, durability, keyPrefix: 'ha:', onError: () => {} })
  const tickets = new RedisTicketStore({ redis, durability, keyPrefix: 'ha:', onError: () => {} })
  t.teardown(async () => { await Promise.all([store.close(), tickets.close()]) })

  const acknowledged: string[] = []
  let failures = 0
  const writing = (async () => {
    for (let i = 0; i < 60; i++) {
      await untilAcknowledged(async () => { await store.putCall(finalRecord(`call-${i}`)) }, () => { failures++ })
      await untilAcknowledged(async () => await tickets.create(ticket(`T${i}`), undefined), () => { failures++ })
      acknowledged.push(String(i))
    }
  })()
  await eventually(() => acknowledged.length >= 15 ? true : undefined, 'writes acknowledged before the kill', 20_000)
  await primary.kill()
  const atKill = acknowledged.length
  await writing

  const [, port] = await ask.call('SENTINEL', 'get-master-addr-by-name', MASTER) as [string, string]
  t.ok(replicas.some((r) => r.port === Number(port)), `a replica is the primary now (port ${port})`)
  t.ok(failures > 0, `writes failed during the failover (${failures}) and were tried until acknowledged`)
  t.ok(atKill < 60, 'the kill came mid-traffic')
  const missing: string[] = []
  for (let i = 0; i < 60; i++) {
    if ((await store.getCall(`call-${i}`))?.finalState !== 'completed') missing.push(`call-${i}`)
    if ((await tickets.get(`T${i}`)) === undefined) missing.push(`T${i}`)
  }
  t.same(missing, [], 'every acknowledged final record and ticket is on the new primary')
})

void t.test('a replica that does not confirm in time: the write is not acknowledged', async (t) => {
  const primary = await withRedis(t)
  const store = new RedisStore({ url: primary.url, durability: { replicas: 1, timeoutMs: 400 }, keyPrefix: 'w:', onError: () => {} })
  t.teardown(() => store.close())
  await t.rejects(store.putCall(finalRecord('c1')), { code: 'HC_STORE', message: /0 of 1 replicas had it within 400 ms/ }, 'no replica: refused')
  await t.rejects(store.putCall({ ...finalRecord('c2'), finalState: undefined, endedAt: undefined }), { code: 'HC_STORE', message: /the call's record is on the primary but 0 of 1/ },
    'a record in progress too: one lost in a failover could leave a call with no record')
  await t.rejects(store.claimCall('leg-9', 'ctl-a', Date.now(), 'try-1'), { code: 'HC_STORE' }, 'and a claim')
  const replica = await replicaOf(t, primary)
  t.ok(replica.port > 0)
  let refused = 0
  await untilAcknowledged(async () => { await store.putCall(finalRecord('c1')) }, () => { refused++ })
  t.ok(refused < 20, `with a replica: acknowledged (after ${refused} refusals while it caught up)`)
  t.match(await store.getCall('c1'), { finalState: 'completed' })
})
