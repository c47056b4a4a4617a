// The ARI events WebSocket: `GET /ari/events?app=<app>&api_key=<user>:<password>` upgraded to a
// WebSocket (Asterisk ARI docs, "Events REST API"; the same URL ari-client's `start()` opens).
// One socket per connection attempt; it never reconnects by itself — ari-connection.ts owns
// reconnection.
//
// Why not ari-client's `start()`: its socket (ws 6) reconnects 10 times (100 ms doubling to
// 10 s) and then stops for good (`WebSocketMaxRetries`); the retries it has scheduled cannot be
// cancelled, and a late one that succeeds registers the app again, which makes Asterisk move the
// app's events to that socket (res_stasis `app_update`: "Replacing Stasis app", an
// `ApplicationReplaced` to the old one). Its message handler also throws inside the socket's
// receive path on an event type missing from the events declaration or when a listener throws,
// and nothing checks that a silent socket is still alive. Here a socket is opened per attempt,
// messages are parsed and delivered inside try/catch, and a ping every `heartbeatMs` without a
// pong before the next one ends a half-open socket.

import type { IncomingMessage } from 'node:http'
import WebSocket from 'ws'
import { HotlineError } from '../../errors.js'
import { type AriEvent, parseEvent } from './ari-events.js'

export interface EventSocketOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088`. */
  url: string
  app: string
  user: string
  password: string
  /** Deadline for the upgrade. */
  openTimeoutMs: number
  heartbeatMs: number
  onEvent: (event: AriEvent) => void
  /** A frame that is not an ARI event, or a throwing handler: reported, delivery goes on. */
  onBadFrame: (err: unknown, frame: string) => void
  /** The socket closed (not called after `close()`). */
  onClose: (reason: string) => void
}

export function eventsUrl (base: string, app: string, user: string, password: string): string {
  const url = new URL(base)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ari/events`
  // ari-client builds the same query: app names joined by ",", api_key = user:password.
  url.search = `?app=${encodeURIComponent(app)}&api_key=${encodeURIComponent(user)}:${encodeURIComponent(password)}`
  return url.toString()
}

export class AriEventSocket {
  readonly #ws: WebSocket
  readonly #options: EventSocketOptions
  #heartbeat: NodeJS.Timeout | undefined
  #awaitingPong = false
  #closedByUs = false

  private constructor (ws: WebSocket, options: EventSocketOptions) {
    this.#ws = ws
    this.#options = options
  }

  /** Opens the socket; rejects with HC_SWITCH_AUTH on 401, HC_SWITCH_NOT_CONNECTED otherwise. */
  static async open (options: EventSocketOptions): Promise<AriEventSocket> {
    const ws = new WebSocket(eventsUrl(options.url, options.app, options.user, options.password), {
      handshakeTimeout: options.openTimeoutMs
    })
    const where = `ARI events at ${options.url}`
    await new Promise<void>((resolve, reject) => {
      const onOpen = (): void => {
        ws.off('unexpected-response', onRefused)
        ws.off('error', onError)
        resolve()
      }
      const fail = (err: HotlineError): void => {
        ws.off('open', onOpen)
        ws.off('unexpected-response', onRefused)
        ws.off('error', onError)
        ws.on('error', () => undefined)
        ws.terminate()
        reject(err)
      }
      const onRefused = (_req: unknown, res: IncomingMessage): void => {
        res.resume()
        const status = res.statusCode ?? 0
        fail(status === 401
          ? new HotlineError('HC_SWITCH_AUTH', `Asterisk refused the ARI user ${options.user} (401)`)
          : new HotlineError('HC_SWITCH_NOT_CONNECTED', `${where} refused the WebSocket (HTTP ${status})`))
      }
      const onError = (err: Error): void => {
        fail(new HotlineError('HC_SWITCH_NOT_CONNECTED', `${where} unreachable: ${err.message}`, { cause: err }))
      }
      ws.once('open', onOpen)
      ws.once('unexpected-response', onRefused)
      ws.once('error', onError)
    })
    const socket = new AriEventSocket(ws, options)
    socket.#listen()
    return socket
  }

  get open (): boolean {
    return this.#ws.readyState === WebSocket.OPEN
  }

  /**
   * Closes the socket without reporting it through `onClose`; resolves once it is closed (so
   * Asterisk has deactivated the app), or after a second if the peer never completes the close.
   */
  async close (): Promise<void> {
    this.#closedByUs = true
    clearInterval(this.#heartbeat)
    if (this.#ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#ws.terminate()
        resolve()
      }, 1000)
      this.#ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      this.#ws.close(1000)
    })
  }

  /** Drops the socket now (forced close), without reporting it. */
  terminate (): void {
    this.#closedByUs = true
    clearInterval(this.#heartbeat)
    this.#ws.terminate()
  }

  #listen (): void {
    const ws = this.#ws
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const frame = isBinary ? '' : rawText(data)
      try {
        const event = parseEvent(frame)
        if (event === undefined) {
          this.#options.onBadFrame(new Error('not an ARI event'), frame.slice(0, 200))
          return
        }
        this.#options.onEvent(event)
      } catch (err) {
        this.#options.onBadFrame(err, frame.slice(0, 200))
      }
    })
    ws.on('pong', () => { this.#awaitingPong = false })
    // 'close' follows every 'error'; the error is only logged through the close reason.
    let lastError = ''
    ws.on('error', (err) => { lastError = err.message })
    ws.on('close', (code, reason) => {
      clearInterval(this.#heartbeat)
      if (this.#closedByUs) return
      const why = lastError !== '' ? lastError : `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`
      this.#options.onClose(why)
    })
    this.#heartbeat = setInterval(() => {
      if (this.#awaitingPong) {
        lastError = `no pong within ${this.#options.heartbeatMs} ms`
        ws.terminate()
        return
      }
      this.#awaitingPong = true
      ws.ping()
    }, this.#options.heartbeatMs)
    this.#heartbeat.unref()
  }
}

function rawText (data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
