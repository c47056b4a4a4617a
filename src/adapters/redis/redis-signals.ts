// Change signals for the live pages: a feature or the line says "the agents changed", and
// every page watching, on this controller and on every other one sharing the store, refreshes
// what it shows. A signal carries no data: pages read the shared store, so figures from
// several controllers add up by construction.
//
// With the Redis store the signals travel over Redis pub/sub (RedisSignals): one channel per
// key prefix (`hotline:live`), each message `{"topic":…,"origin":…}`. Listeners on the
// publishing controller are called at once; the others hear it through Redis and skip their
// own messages by the origin. Pub/sub keeps nothing for a subscriber that is away, so after a
// reconnect every topic is signalled locally once: whatever was missed gets re-read.

import { randomUUID } from 'node:crypto'
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { RedisConnection } from './redis-connection.js'
import { DEFAULT_KEY_PREFIX } from './redis-store.js'
import { LIVE_TOPICS, type LiveListener, type LiveSignals, type LiveTopic, type Presence, isLiveTopic } from '../../ports/live-signals.js'
import { LocalSignals } from '../memory/memory-signals.js'
import { RedisPresence } from './redis-presence.js'

export interface RedisSignalsOptions {
  /** `redis://…`; ioredis's default 127.0.0.1:6379 without it. */
  url?: string
  /** More ioredis options (Sentinel); they override the defaults (redis-connection.ts). */
  redis?: RedisOptions
  /** The store's key prefix: the channel is `<prefix>live`, so deployments sharing a server stay apart. */
  keyPrefix?: string
  logger?: Logger
}

/** Signals between every controller on one Redis, over pub/sub. */
export class RedisSignals implements LiveSignals {
  readonly #local = new LocalSignals()
  readonly #connection: RedisConnection<never>
  readonly #subscriber: Redis
  readonly #channel: string
  /** Tells this instance's own messages apart (they were delivered locally already). */
  readonly #origin = randomUUID()
  readonly #logger: Logger | undefined
  readonly #subscribed: Promise<void>
  readonly presence: Presence
  #publishFailing = false
  #closed = false

  constructor (options: RedisSignalsOptions = {}) {
    const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX
    this.#channel = `${prefix}live`
    this.#logger = options.logger
    this.#connection = new RedisConnection<never>({
      url: options.url,
      redis: options.redis,
      keyPrefix: prefix,
      connectionName: 'hotline-live',
      label: 'live signals',
      commandPrefix: 'hotlineLive_',
      scripts: {},
      onError: (err) => { this.#logger?.debug({ err }, 'live signals: Redis connection error (reconnecting)') }
    })
    this.presence = new RedisPresence(this.#connection)
    // A connection in subscriber mode can run nothing else: a second one, named apart.
    this.#subscriber = this.#connection.redis.duplicate({ connectionName: 'hotline-live-sub', maxRetriesPerRequest: null })
    this.#subscriber.on('error', (err: Error) => { this.#logger?.debug({ err }, 'live signals: Redis subscriber error (reconnecting)') })
    this.#subscriber.on('message', (channel: string, message: string) => { this.#onMessage(channel, message) })
    let first = true
    this.#subscriber.on('ready', () => {
      // ioredis subscribes again by itself after a reconnect; what was published meanwhile is lost.
      if (!first && !this.#closed) for (const topic of LIVE_TOPICS) this.#local.publish(topic)
      first = false
    })
    this.#subscribed = this.#subscriber.subscribe(this.#channel).then(() => undefined)
    this.#subscribed.catch((err: unknown) => {
      if (!this.#closed) this.#logger?.warn({ err }, 'live signals: cannot subscribe to Redis; other controllers\' changes reach the pages only at their periodic refresh')
    })
  }

  /** The channel the signals use. */
  get channel (): string {
    return this.#channel
  }

  /** Resolves once the subscription is in place (tests; the pages do not need to wait). */
  async ready (): Promise<void> {
    await this.#subscribed
  }

  publish (topic: LiveTopic): void {
    this.#local.publish(topic)
    if (this.#closed) return
    const message = JSON.stringify({ topic, origin: this.#origin })
    this.#connection.do('publish', () => this.#connection.redis.publish(this.#channel, message)).then(() => {
      if (this.#publishFailing) this.#logger?.info('live signals: publishing to Redis again')
      this.#publishFailing = false
    }, (err: unknown) => {
      if (this.#closed) return
      // One warning per outage: a change a second would otherwise flood the log.
      if (!this.#publishFailing) this.#logger?.warn({ err }, 'live signals: cannot publish to Redis; other controllers\' pages refresh on their own timer meanwhile')
      this.#publishFailing = true
    })
  }

  subscribe (listener: LiveListener): () => void {
    return this.#local.subscribe(listener)
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#local.close()
    this.#subscriber.disconnect()
    await this.#connection.close()
  }

  #onMessage (channel: string, message: string): void {
    if (channel !== this.#channel || this.#closed) return
    let parsed: { topic?: unknown, origin?: unknown }
    try {
      parsed = JSON.parse(message) as { topic?: unknown, origin?: unknown }
    } catch {
      return
    }
    if (parsed.origin === this.#origin || !isLiveTopic(parsed.topic)) return
    this.#local.publish(parsed.topic)
  }
}
