// Picks the store from the config: in memory (one controller, the embedded default) or Redis
// (several controllers sharing agents, queue and call records).

import type { RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import type { Durability } from '../adapters/redis/redis-connection.js'
import { MemoryLeases } from '../adapters/memory/memory-leases.js'
import { MemoryStore } from '../adapters/memory/memory-store.js'
import { RedisLeases } from '../adapters/redis/redis-leases.js'
import { RedisStore } from '../adapters/redis/redis-store.js'
import type { AppConfig } from '../config/app-config.js'
import type { Leases } from '../ports/leases.js'
import type { Store } from '../ports/store.js'

/**
 * How every Redis client of the controller connects (store, tickets, leases, live signals): the
 * URL, the command timeout, and with `store.sentinels` through Redis Sentinel (ioredis asks the
 * sentinels for the primary, and again after a failover).
 */
export function redisClient (config: AppConfig): { url: string | undefined, redis: RedisOptions, durability: Durability } {
  const { store } = config
  // A WAIT must end before the command timeout would cut it.
  const durability = { replicas: store.waitReplicas, timeoutMs: Math.min(store.waitTimeoutMs, Math.max(10, store.timeoutMs - 100)) }
  const redis: RedisOptions = { commandTimeout: store.timeoutMs }
  if (store.sentinels !== undefined) {
    redis.sentinels = store.sentinels.map((entry) => {
      const colon = entry.lastIndexOf(':')
      return { host: entry.slice(0, colon), port: Number(entry.slice(colon + 1)) }
    })
    redis.name = store.sentinelMaster
    if (store.sentinelPassword !== undefined) redis.sentinelPassword = store.sentinelPassword
  }
  return { url: store.redisUrl, redis, durability }
}

export function createStore (config: AppConfig, logger: Logger): Store {
  if (config.store.kind === 'redis') {
    return new RedisStore({
      ...redisClient(config),
      onError: (err) => { logger.error({ err }, 'Redis connection error (reconnecting)') }
    })
  }
  return new MemoryStore()
}

/** The controllers' leases, where the store is (ports/leases.ts): Redis for several controllers. */
export function createLeases (config: AppConfig, logger: Logger, now: () => number): Leases {
  if (config.store.kind === 'redis') {
    const { url, redis } = redisClient(config)
    return new RedisLeases({
      url,
      redis,
      onError: (err) => { logger.error({ err }, 'Redis connection error (leases; reconnecting)') }
    })
  }
  return new MemoryLeases(now)
}
