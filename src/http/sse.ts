// Server-sent events (text/event-stream) for the live pages, written by hand on the raw
// response: the format is four kinds of line (WHATWG HTML, "Server-sent events", §9.2.5-6:
// `event:`, `data:`, `retry:`, and `:` comments; an event ends with a blank line), and the
// pages read it with fetch() so they can send their bearer token, which EventSource cannot.
//
// Two things the plain format does not give and a long-lived stream needs:
// - a comment line every `heartbeatMs`, so proxies and the browser see the connection alive
//   and a dead client is found by the failed write;
// - ending every open stream before the server closes (Fastify's `preClose` hook): a
//   hijacked response is never idle, so `server.close()` would otherwise wait for it forever.
//
// Each open stream holds a socket and its buffers (about 0.25 MB) for as long as the page
// stays: a StreamQuota caps how many one token and one client address hold at once, across
// every stream route of the app (429 over the cap).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HotlineError } from '../errors.js'
import type { ApiUser } from './auth.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The cap on open streams shared by every EventStreams of the app (registerStreamQuota). */
    streamQuota?: StreamQuota
  }
}

export interface StreamLimits {
  /** Streams one token may hold open at once. */
  perToken: number
  /** Streams one client address may hold open at once (every token and page behind it). */
  perAddress: number
}

/** Counts the open streams by token and by client address. */
export class StreamQuota {
  readonly #limits: StreamLimits
  // By the token's user record: one object per configured token (auth.ts), so the token
  // itself is never kept here.
  readonly #byToken = new Map<ApiUser, number>()
  readonly #byAddress = new Map<string, number>()

  constructor (limits: StreamLimits) {
    this.#limits = limits
  }

  /** Takes a place for the request's stream, or throws HC_RATE_LIMITED (429); returns its release. */
  take (request: FastifyRequest): () => void {
    const user = request.apiUser
    const address = request.ip
    const tokenCount = user === undefined ? 0 : this.#byToken.get(user) ?? 0
    const addressCount = this.#byAddress.get(address) ?? 0
    if (user !== undefined && tokenCount >= this.#limits.perToken) {
      throw new HotlineError('HC_RATE_LIMITED', `同一令牌同时打开的实时流已达上限 ${this.#limits.perToken} 个，请先关闭其他页面 (too many live streams: at most ${this.#limits.perToken} open at once per token; close another page first)`)
    }
    if (addressCount >= this.#limits.perAddress) {
      throw new HotlineError('HC_RATE_LIMITED', `同一地址同时打开的实时流已达上限 ${this.#limits.perAddress} 个，请先关闭其他页面 (too many live streams: at most ${this.#limits.perAddress} open at once per client address; close another page first)`)
    }
    if (user !== undefined) this.#byToken.set(user, tokenCount + 1)
    this.#byAddress.set(address, addressCount + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      if (user !== undefined) decrement(this.#byToken, user)
      decrement(this.#byAddress, address)
    }
  }

  /** Streams open in all (for tests and metrics). */
  get size (): number {
    let n = 0
    for (const count of this.#byAddress.values()) n += count
    return n
  }
}

function decrement<K> (map: Map<K, number>, key: K): void {
  const left = (map.get(key) ?? 1) - 1
  if (left <= 0) map.delete(key)
  else map.set(key, left)
}

/** Shares one StreamQuota with every stream route registered after it. */
export const streamQuotaPlugin = fp((app: FastifyInstance, limits: StreamLimits) => {
  app.decorate('streamQuota', new StreamQuota(limits))
  return Promise.resolve()
}, { name: 'hotline-stream-quota', fastify: '5.x' })

export interface EventStream {
  /** Sends one event; false once the stream is closed. */
  send(event: string, data: unknown): boolean
  readonly closed: boolean
  /** Called once when the client goes away or the server closes the stream. */
  onClose(listener: () => void): void
  close(): void
}

export interface EventStreamOptions {
  /** Comment line interval; default 15 s. */
  heartbeatMs?: number
  /** Reconnection delay the browser is told to use (`retry:`); default 2 s. */
  retryMs?: number
}

export class EventStreams {
  readonly #open = new Set<EventStream>()
  readonly #quota: StreamQuota | undefined

  constructor (app: FastifyInstance) {
    this.#quota = app.streamQuota
    app.addHook('preClose', async () => {
      for (const stream of [...this.#open]) stream.close()
      await Promise.resolve()
    })
  }

  get size (): number { return this.#open.size }

  /**
   * Takes the response over and starts the stream (status 200, no buffering). Over the quota it
   * throws HC_RATE_LIMITED before touching the response, so the error handler answers 429.
   */
  open (request: FastifyRequest, reply: FastifyReply, options: EventStreamOptions = {}): EventStream {
    const release = this.#quota?.take(request)
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers proxied responses unless told not to.
      'x-accel-buffering': 'no'
    })
    res.write(`retry: ${options.retryMs ?? 2000}\n\n`)
    const listeners: Array<() => void> = []
    let closed = false
    const heartbeat = setInterval(() => { if (!closed) res.write(': ping\n\n') }, options.heartbeatMs ?? 15_000)
    heartbeat.unref()
    const finish = (): void => {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      release?.()
      this.#open.delete(stream)
      if (!res.writableEnded) res.end()
      for (const listener of listeners) {
        try {
          listener()
        } catch (err) {
          request.log.error({ err }, 'event stream close listener failed')
        }
      }
    }
    const stream: EventStream = {
      send: (event, data) => {
        if (closed) return false
        // JSON never contains a raw newline, so one `data:` line carries the whole event.
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
        return true
      },
      get closed () { return closed },
      onClose: (listener) => { if (closed) listener(); else listeners.push(listener) },
      close: finish
    }
    this.#open.add(stream)
    request.raw.on('close', finish)
    res.on('error', finish)
    return stream
  }
}
