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
//
// `ws` sets TCP_NODELAY on the socket once upgraded (websocket.js `setSocket`: `setNoDelay()`),
// so nothing is added here for it. At log level `trace` each event is logged on arrival with a
// high-resolution `t` and its ids only (never the whole event: it carries the caller's number).

import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import WebSocket from 'ws'
import { HotlineError } from '../../errors.js'
import { type AriEvent, bridgeOf, causeOf, channelOf, parseEvent, playbackOf, stringField } from './ari-events.js'

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
  /** Where the event trace goes (level `trace`); none without it. */
  log?: Logger
}

export function eventsUrl (base: string, app: string, user: string, password: string): string {
  const url = new URL(base)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ari/events`
  // ari-client builds the same query: app names joined by ",", api_key = user:password.
  url.search = `?app=${encodeURIComponent(app)}&api_key=${encodeURIComponent(user)}:${encodeURIComponent(password)}`
  return url.toString()
}

/** What a trace line shows of an event: its type and ids, never the whole event. */
function traceOf (event: AriEvent): Record<string, unknown> {
  const channel = channelOf(event)
  const playback = playbackOf(event)
  return {
    type: event.type,
    // Asterisk's own time of the event, to tell its delay from ours.
    switchTime: event.timestamp,
    channel: channel?.id ?? playback?.channelId,
    state: channel?.state,
    peer: channelOf(event, 'peer')?.id,
    dialstatus: stringField(event, 'dialstatus'),
    cause: causeOf(event),
    playback: playback?.id,
    playbackState: playback?.state,
    bridge: bridgeOf(event)?.id
  }
}

export class AriEventSocket {
  readonly #ws: WebSocket
  readonly #socket: Socket | undefined
  readonly #options: EventSocketOptions
  #heartbeat: NodeJS.Timeout | undefined
  #awaitingPong = false
  #closedByUs = false

  private constructor (ws: WebSocket, socket: Socket | undefined, options: EventSocketOptions) {
    this.#ws = ws
    this.#socket = socket
    this.#options = options
  }

  /** Opens the socket; rejects with HC_SWITCH_AUTH on 401, HC_SWITCH_NOT_CONNECTED otherwise. */
  static async open (options: EventSocketOptions): Promise<AriEventSocket> {
    const ws = new WebSocket(eventsUrl(options.url, options.app, options.user, options.password), {
      handshakeTimeout: options.openTimeoutMs
    })
    const where = `ARI events at ${options.url}`
    // The TCP socket under the WebSocket, which `ws` keeps private: the upgrade response's.
    let tcp: Socket | undefined
    ws.once('upgrade', (res: IncomingMessage) => { tcp = res.socket })
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
    const socket = new AriEventSocket(ws, tcp, options)
    socket.#listen()
    return socket
  }

  get open (): boolean {
    return this.#ws.readyState === WebSocket.OPEN
  }

  /** The TCP socket the events come over, for diagnostics (its options and addresses). */
  get tcpSocket (): Socket | undefined {
    return this.#socket
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
    const log = this.#options.log
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      const frame = isBinary ? '' : rawText(data)
      try {
        const event = parseEvent(frame)
        if (event === undefined) {
          this.#options.onBadFrame(new Error('not an ARI event'), frame.slice(0, 200))
          return
        }
        if (log?.isLevelEnabled('trace') === true) {
          // ms since the epoch with sub-ms decimals on the monotonic clock, as in ari-rest.ts.
          log.trace({ t: performance.timeOrigin + performance.now(), ari: 'event', ...traceOf(event) }, 'ARI event')
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
