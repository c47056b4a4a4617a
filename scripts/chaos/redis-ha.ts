// Redis as an operator runs it for several controllers: a primary, its replica and three
// sentinels (real redis-server processes), and the two ways it fails over: a switch-over the
// sentinels are asked for (maintenance), and the primary killed (a host lost: the sentinels
// promote the replica, and a fresh replica is started in the dead one's place). One replica,
// as WAIT 1 then covers every replica that can be promoted (docs/store.md: with two, a
// switch-over can promote the one that did not confirm a write).
import { Redis } from 'ioredis'
import { setTimeout as sleep } from 'node:timers/promises'
import { type RedisServer, startRedis, startSentinel } from '../../test/helpers/redis.js'

export const MASTER = 'hotline'
/** Writes paused on the old primary during a planned switch-over (it lifts by itself). */
const PAUSE_MS = 3000

export class RedisHa {
  readonly #servers = new Map<number, RedisServer>()
  readonly #sentinels: RedisServer[]
  readonly #ask: Redis
  readonly counts = { failovers: 0, primaryKills: 0 }

  private constructor (servers: RedisServer[], sentinels: RedisServer[]) {
    for (const s of servers) this.#servers.set(s.port, s)
    this.#sentinels = sentinels
    this.#ask = new Redis(sentinels[0]?.port ?? 0, { lazyConnect: true, maxRetriesPerRequest: 1 })
    this.#ask.on('error', () => {})
  }

  static async start (): Promise<RedisHa> {
    const primary = await startRedis()
    const replicas = [await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })]
    const sentinels = await Promise.all([0, 1, 2].map(async () => await startSentinel(primary.port, MASTER, 2)))
    const ha = new RedisHa([primary, ...replicas], sentinels)
    await ha.#until(async () => (await ha.replicasKnown()) >= 1, 'the sentinels know the replica', 30_000)
    await ha.#until(async () => await ha.replicaInSync(), 'the replica in sync', 60_000)
    return ha
  }

  /**
   * The primary sees a replica online (its first full copy done). Until then the replica holds
   * nothing a promotion could keep: failing over sooner would lose every record, which no
   * store can avoid and the product cannot be blamed for, so faults wait for it.
   */
  async replicaInSync (): Promise<boolean> {
    const primary = new Redis(await this.primaryPort(), { lazyConnect: true, maxRetriesPerRequest: 1 })
    primary.on('error', () => {})
    try {
      await primary.connect()
      const info = await primary.info('replication')
      return /^role:master/m.test(info) && /^slave\d+:.*state=online/m.test(info)
    } finally {
      primary.disconnect()
    }
  }

  /** `host:port,…` for REDIS_SENTINELS. */
  get sentinels (): string {
    return this.#sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')
  }

  sentinelList (): Array<{ host: string, port: number }> {
    return this.#sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }))
  }

  async primaryPort (): Promise<number> {
    const [, port] = await this.#ask.call('SENTINEL', 'get-master-addr-by-name', MASTER) as [string, string]
    return Number(port)
  }

  async replicasKnown (): Promise<number> {
    const replicas = await this.#ask.call('SENTINEL', 'replicas', MASTER) as string[][]
    return replicas.filter((fields) => !String(fields[fields.indexOf('flags') + 1]).includes('down')).length
  }

  /**
   * A planned switch-over, as docs/store.md tells operators to make one: writes paused on the
   * primary (so none it acknowledges can be missing on the replica promoted), then the
   * sentinels asked to fail over; resolves once they name the new primary.
   */
  async failover (): Promise<void> {
    await this.#until(async () => await this.replicaInSync(), 'the replica in sync before a switch-over', 60_000)
    const before = await this.primaryPort()
    const primary = new Redis(before, { lazyConnect: true, maxRetriesPerRequest: 1 })
    primary.on('error', () => {})
    try {
      await primary.connect()
      await primary.call('CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE')
    } finally {
      primary.disconnect()
    }
    await this.#ask.call('SENTINEL', 'FAILOVER', MASTER)
    this.counts.failovers += 1
    await this.#until(async () => (await this.primaryPort()) !== before, 'a new primary named', 30_000)
  }

  /** The primary killed; once a replica is promoted, a fresh replica takes the dead one's place. */
  async killPrimary (): Promise<void> {
    await this.#until(async () => await this.replicaInSync(), 'the replica in sync before the primary is killed', 60_000)
    const before = await this.primaryPort()
    const dead = this.#servers.get(before)
    if (dead === undefined) throw new Error(`the primary ${before} is not one of ours`)
    await dead.kill()
    this.counts.primaryKills += 1
    await this.#until(async () => (await this.primaryPort()) !== before, 'a replica promoted', 60_000)
    await dead.stop()
    this.#servers.delete(before)
    const fresh = await startRedis({ args: ['--replicaof', '127.0.0.1', String(await this.primaryPort())] })
    this.#servers.set(fresh.port, fresh)
    await this.#until(async () => (await this.replicasKnown()) >= 1, 'a replica again', 60_000)
    await this.#until(async () => await this.replicaInSync(), 'the new replica in sync', 60_000)
  }

  async stop (): Promise<void> {
    this.#ask.disconnect()
    await Promise.all([...this.#sentinels, ...this.#servers.values()].map(async (s) => { await s.stop() }))
  }

  async #until (check: () => Promise<boolean>, what: string, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs
    for (;;) {
      if (await check().catch(() => false)) return
      if (Date.now() > deadline) throw new Error(`Redis: ${what} did not happen within ${withinMs} ms`)
      await sleep(200)
    }
  }
}
