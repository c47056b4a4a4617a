// The ioredis client the Redis stores (redis-store.ts, redis-tickets.ts) each own, with what
// they share: client defaults, their Lua scripts defined as commands, key prefixing, the
// mapping of every Redis failure to HC_STORE (HTTP 503), and a close() that leaves no caller
// waiting. Each store has its own connection, named after it, so `CLIENT LIST` tells them apart.

import { Redis, type RedisOptions } from 'ioredis'
import { HotlineError, isHotlineError } from '../../errors.js'
import type { StoreHealth } from '../../ports/store.js'

export interface RedisConnectionOptions<Name extends string> {
  /** `redis://[:password@]host:port[/db]`; without it, ioredis's default 127.0.0.1:6379. */
  url?: string
  /** Put before every key, so deployments and tests can share a server. */
  keyPrefix: string
  /** More ioredis options (TLS, Sentinel, timeouts); they override the defaults below. */
  redis?: RedisOptions
  /** Connection errors between operations (the client keeps reconnecting meanwhile). */
  onError?: (err: Error) => void
  /** CLIENT SETNAME, unless `redis.connectionName` says otherwise. */
  connectionName: string
  /** Starts every error message (`redis store`, `redis ticket store`). */
  label: string
  /** Put before each script's name for its command, so two stores on one client cannot clash. */
  commandPrefix: string
  scripts: Readonly<Record<Name, { lua: string, numberOfKeys: number }>>
  /** Writes that must survive a failover (replicated()) wait for this many replicas (0: none). */
  durability?: Durability
}

/** What `replicated()` asks of Redis: `WAIT <replicas> <timeoutMs>` after the write. */
export interface Durability {
  replicas: number
  timeoutMs: number
}

/** How long one store command may take before it fails HC_STORE (store.timeoutMs). */
export const DEFAULT_STORE_TIMEOUT_MS = 1000

/**
 * A command waits through at most two reconnect attempts before it fails (ioredis's default of
 * 20 would hold a caller in silence for many seconds while Redis is away).
 */
const CLIENT_DEFAULTS: RedisOptions = {
  maxRetriesPerRequest: 2,
  connectTimeout: 5000,
  // No command waits longer than this, whether Redis is slow or away: a caller is never held
  // in silence by the store (the setting store.timeoutMs, STORE_TIMEOUT_MS).
  commandTimeout: DEFAULT_STORE_TIMEOUT_MS
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>

export class RedisConnection<Name extends string> {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #label: string
  readonly #commandPrefix: string
  /** Rejects an operation still waiting when the connection is closed (see close()). */
  readonly #waiting = new Set<(err: Error) => void>()
  #closed = false
  #closing: Promise<void> | undefined
  #health: StoreHealth = { up: false, detail: 'connecting', since: Date.now() }
  readonly #durability: Durability | undefined

  constructor (options: RedisConnectionOptions<Name>) {
    this.#durability = options.durability === undefined || options.durability.replicas === 0 ? undefined : options.durability
    this.#prefix = options.keyPrefix
    this.#label = options.label
    this.#commandPrefix = options.commandPrefix
    const clientOptions = { ...CLIENT_DEFAULTS, connectionName: options.connectionName, ...options.redis }
    this.#redis = options.url === undefined ? new Redis(clientOptions) : new Redis(options.url, clientOptions)
    // Without a listener ioredis prints connection errors itself; operations report theirs.
    const onError = options.onError
    this.#redis.on('error', (err: Error) => {
      if (this.#health.up || this.#health.detail !== err.message) this.#setHealth(false, err.message)
      onError?.(err)
    })
    this.#redis.on('ready', () => { this.#setHealth(true, 'connected') })
    this.#redis.on('close', () => { if (this.#health.up) this.#setHealth(false, 'connection closed') })
    this.#redis.on('end', () => { this.#setHealth(false, this.#closed ? 'closed' : 'gave up reconnecting') })
    // defineCommand runs EVALSHA and falls back to EVAL when the server lost its script cache
    // (a restart, SCRIPT FLUSH), so scripts survive a Redis restart.
    for (const [name, script] of Object.entries<{ lua: string, numberOfKeys: number }>(options.scripts)) {
      this.#redis.defineCommand(this.#commandName(name), { lua: script.lua, numberOfKeys: script.numberOfKeys })
    }
  }

  /** Up while the client is connected and ready (ioredis `ready`), down from a close or an error. */
  health (): StoreHealth {
    return { ...this.#health }
  }

  #setHealth (up: boolean, detail: string): void {
    this.#health = { up, detail, since: Date.now() }
  }

  /** The client itself, for plain commands; run them through do() so failures map to HC_STORE. */
  get redis (): Redis {
    return this.#redis
  }

  /** The prefix every key starts with. */
  get keyPrefix (): string {
    return this.#prefix
  }

  key (kind: string, id = ''): string {
    return `${this.#prefix}${kind}${id}`
  }

  /** Runs one of the scripts given to the constructor, as do() runs a command. */
  async script (name: Name, keys: string[], args: (string | number)[]): Promise<unknown> {
    const command = (this.#redis as unknown as Record<string, ScriptCall | undefined>)[this.#commandName(name)]
    if (command === undefined) throw new HotlineError('HC_STORE', `redis script ${name} is not defined`)
    return await this.do(name, () => command.call(this.#redis, ...keys, ...args))
  }

  /**
   * After a write that must survive the primary's loss (a ticket, a call's final record): waits
   * until the replicas asked for have it (`WAIT`, on this connection, so it covers the write just
   * made). Fewer in time: HC_STORE — the write is on the primary and may yet be lost, so it is
   * not acknowledged, and the caller tries it again (both writes are idempotent).
   */
  async replicated (what: string): Promise<void> {
    const durability = this.#durability
    if (durability === undefined) return
    const got = await this.do('wait', async () => await this.#redis.wait(durability.replicas, durability.timeoutMs))
    if (got < durability.replicas) {
      throw new HotlineError('HC_STORE', `${this.#label}: ${what} is on the primary but ${got} of ${durability.replicas} replicas had it within ${durability.timeoutMs} ms`, {
        details: { operation: 'wait' }
      })
    }
  }

  /**
   * Runs `run`, turning a Redis failure into HC_STORE (a HotlineError passes as it is); after
   * close() it fails at once, and one still waiting when close() drops the link fails then.
   */
  async do<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new HotlineError('HC_STORE', `${this.#label}: ${operation} after close()`)
    let abandon: (err: Error) => void = () => {}
    const abandoned = new Promise<never>((_resolve, reject) => { abandon = reject })
    this.#waiting.add(abandon)
    try {
      return await Promise.race([run(), abandoned])
    } catch (err) {
      if (isHotlineError(err)) throw err
      const message = err instanceof Error ? err.message : String(err)
      throw new HotlineError('HC_STORE', `${this.#label}: ${operation} failed: ${message}`, {
        cause: err,
        details: { operation }
      })
    } finally {
      this.#waiting.delete(abandon)
    }
  }

  /**
   * Quits the connection after the replies still due; safe to call twice. Operations started
   * afterwards fail with HC_STORE.
   */
  close (): Promise<void> {
    this.#closed = true
    this.#closing ??= (async () => {
      const redis = this.#redis
      if (redis.status === 'ready') {
        try {
          await redis.quit()
          return
        } catch {
          // The connection broke during QUIT: drop it below.
        }
      }
      // Not connected (connecting, reconnecting): stop the reconnect loop at once. ioredis 6.0
      // leaves commands queued while it waits to reconnect unsettled by disconnect()
      // (redis/ioredis#2169), so the operations still waiting are failed here.
      redis.disconnect()
      const closed = new HotlineError('HC_STORE', `${this.#label}: closed while Redis was unreachable`)
      for (const reject of this.#waiting) reject(closed)
      this.#waiting.clear()
    })()
    return this.#closing
  }

  #commandName (script: string): string {
    return `${this.#commandPrefix}${script}`
  }
}
