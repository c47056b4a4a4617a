// The Redis leases against a real redis-server: the contract, and the keys they use.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { Redis } from 'ioredis'
import { RedisLeases } from '../../src/adapters/redis/redis-leases.js'
import { withRedis } from '../helpers/redis.js'
import { leasesContract } from './leases-contract.js'

const server = await withRedis(t)

void t.test('the leases contract', async (t) => {
  leasesContract(t, async () => await Promise.resolve(new RedisLeases({ url: server.url, keyPrefix: `leases:${randomUUID()}:` })))
})

void t.test('keys under the prefix; a lease expires on the server, not the controller', async (t) => {
  const raw = new Redis(server.url)
  t.teardown(() => raw.disconnect())
  const leases = new RedisLeases({ url: server.url, keyPrefix: 'deploy-l:' })
  t.teardown(() => leases.close())
  await leases.acquire('ctl-a', 60_000, { app: 'hotline-a' })
  t.same((await raw.keys('deploy-l:*')).sort(), ['deploy-l:lease-epoch', 'deploy-l:lease:ctl-a', 'deploy-l:leases'])
  const ttl = await raw.pttl('deploy-l:lease:ctl-a')
  t.ok(ttl > 55_000 && ttl <= 60_000, `the server counts the lease down (${ttl} ms left)`)
  t.equal(await raw.hget('deploy-l:leases', 'ctl-a'), '{"app":"hotline-a"}')
})

void t.test('Redis away: every operation fails with HC_STORE', async (t) => {
  const leases = new RedisLeases({ url: 'redis://127.0.0.1:1', redis: { maxRetriesPerRequest: 0, enableOfflineQueue: false }, onError: () => {} })
  t.teardown(() => leases.close())
  await t.rejects(leases.acquire('ctl-a', 1000), { code: 'HC_STORE' })
  await t.rejects(leases.renew('ctl-a', 1000), { code: 'HC_STORE' })
})
