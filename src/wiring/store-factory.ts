// Picks the store from the config: in memory (one controller, the embedded default) or Redis
// (several controllers sharing agents, queue and call records).

import type { Logger } from 'pino'
import { MemoryLeases } from '../adapters/memory/memory-leases.js'
import { MemoryStore } from '../adapters/memory/memory-store.js'
import { RedisLeases } from '../adapters/redis/redis-leases.js'
import { RedisStore } from '../adapters/redis/redis-store.js'
import type { AppConfig } from '../config/app-config.js'
import type { Leases } from '../ports/leases.js'
import type { Store } from '../ports/store.js'

export function createStore (config: AppConfig, logger: Logger): Store {
  if (config.store.kind === 'redis') {
    return new RedisStore({
      url: config.store.redisUrl,
      redis: { commandTimeout: config.store.timeoutMs },
      onError: (err) => { logger.error({ err }, 'Redis connection error (reconnecting)') }
    })
  }
  return new MemoryStore()
}

/** The controllers' leases, where the store is (ports/leases.ts): Redis for several controllers. */
export function createLeases (config: AppConfig, logger: Logger, now: () => number): Leases {
  if (config.store.kind === 'redis') {
    return new RedisLeases({
      url: config.store.redisUrl,
      redis: { commandTimeout: config.store.timeoutMs },
      onError: (err) => { logger.error({ err }, 'Redis connection error (leases; reconnecting)') }
    })
  }
  return new MemoryLeases(now)
}
