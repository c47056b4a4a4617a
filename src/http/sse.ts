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

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

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

  constructor (app: FastifyInstance) {
    app.addHook('preClose', async () => {
      for (const stream of [...this.#open]) stream.close()
      await Promise.resolve()
    })
  }

  get size (): number { return this.#open.size }

  /** Takes the response over and starts the stream (status 200, no buffering). */
  open (request: FastifyRequest, reply: FastifyReply, options: EventStreamOptions = {}): EventStream {
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
