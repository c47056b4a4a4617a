// Which live signals the controller uses: over Redis pub/sub when the store is Redis, else in
// this process.

import { redisClient } from './store-factory.js'
import type { Logger } from 'pino'
import { LocalSignals } from '../adapters/memory/memory-signals.js'
import { DEFAULT_KEY_PREFIX, RedisStore } from '../adapters/redis/redis-store.js'
import { RedisSignals } from '../adapters/redis/redis-signals.js'
import type { AppConfig } from '../config/app-config.js'
import type { LiveSignals } from '../ports/live-signals.js'
import type { Store } from '../ports/store.js'

export interface LiveSignalsOptions {
  config: AppConfig
  store: Store
  logger: Logger
}

/**
 * The signals the controller uses: over Redis pub/sub when the store is Redis (the store's
 * server, from `store.redisUrl`, and its key prefix), else in this process.
 */
export function createLiveSignals (options: LiveSignalsOptions): LiveSignals {
  const { config, store, logger } = options
  const redisStore = store instanceof RedisStore ? store : undefined
  const { url, redis } = redisClient(config)
  if ((config.store.kind === 'redis' || redisStore !== undefined) && (url !== undefined || redis.sentinels !== undefined)) {
    return new RedisSignals({ url, redis, keyPrefix: redisStore?.keyPrefix ?? DEFAULT_KEY_PREFIX, logger })
  }
  if (redisStore !== undefined) {
    logger.warn('the store is Redis but store.redisUrl is not set: live signals stay in this process, so pages on other controllers see changes made here only at their periodic refresh')
  }
  return new LocalSignals()
}
