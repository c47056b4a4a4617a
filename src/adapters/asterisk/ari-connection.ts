// Keeps the adapter connected to ARI: loads the REST API declarations once (ari-client
// `connect`), opens the events WebSocket, reclaims what the Stasis app still owns, and after a
// drop does it all again with capped exponential backoff — forever, until closed.
//
// ari-client's own WebSocket is not used (see ari-event-socket.ts): it gives up for good after
// 10 reconnects (`WebSocketMaxRetries`), and its scheduled retries cannot be cancelled. The
// project's Reconnector makes one attempt at a time and never stops; `status()` reads
// `disconnected` until an attempt has succeeded.
//
// While the socket is closed Asterisk keeps the app's channels and bridges but drops their
// events, and replays nothing on reconnect (captures 11: "Inactive Stasis app 'hotline' missed
// message", 0 events in 3 s after the reconnect). So an attempt counts as connected only after
// the reclaim — `GET /applications/{app}` and what follows from it — has run on the new socket:
// the socket is opened first, so nothing that happens after the snapshot can be missed.

import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { HotlineError } from '../../errors.js'
import { maskDigitRuns } from '../../logger.js'
import type { SwitchState } from '../../ports/switch.js'
import { Reconnector } from '../reconnector.js'
import { AriEventSocket } from './ari-event-socket.js'
import type { AriEvent } from './ari-events.js'
import type { RequestGate } from './ari-requests.js'
import { AriHttpWatch, AriRest } from './ari-rest.js'

export interface AriConnectionOptions {
  url: string
  user: string
  password: string
  app: string
  requestTimeoutMs: number
  reconnect: { initialDelayMs: number, maxDelayMs: number }
  gate: RequestGate
  log: Logger
  onEvent: (event: AriEvent) => void
  /** Runs on every new socket before it counts as connected; throwing fails the attempt. */
  reclaim: (rest: AriRest) => Promise<void>
  /** The socket dropped (or was abandoned): events may have been lost. */
  onLost: (err: HotlineError) => void
  onStatus: (state: SwitchState, detail: string) => void
}

export class AriConnection {
  readonly #options: AriConnectionOptions
  readonly #reconnector: Reconnector
  #rest: AriRest | undefined
  #socket: AriEventSocket | undefined
  #http: AriHttpWatch | undefined
  #closed = false

  constructor (options: AriConnectionOptions) {
    this.#options = options
    this.#reconnector = new Reconnector({
      ...options.reconnect,
      connect: async () => { await this.#connect() },
      onRetry: (attempt, delayMs, err) => {
        options.onStatus('disconnected', `ARI ${options.url} not connected: ${err.message} (attempt ${attempt}, next in ${delayMs} ms)`)
        options.log.warn({ attempt, delayMs, err }, 'ARI connect failed; retrying')
      }
    })
  }

  /** Resolves once connected (after as many attempts as it takes) or closed. */
  async start (): Promise<void> {
    // Watches from the first request on; closed with the connection (it subscribes globally).
    this.#http ??= new AriHttpWatch(this.#options.url, this.#options.log)
    await this.#reconnector.start()
  }

  /** The live TCP sockets to Asterisk, for diagnostics: the events socket's and REST's. */
  sockets (): { events: Socket | undefined, rest: Socket[] } {
    return { events: this.#socket?.tcpSocket, rest: this.#http?.sockets() ?? [] }
  }

  /** The REST client once the API declarations are loaded; REST works without the socket. */
  get rest (): AriRest | undefined {
    return this.#rest
  }

  /** The REST client while events flow; operations that wait for events need this. */
  connected (): AriRest {
    if (this.#rest === undefined || this.#socket === undefined || this.#closed) {
      throw new HotlineError('HC_SWITCH_NOT_CONNECTED', 'the ARI events socket is not connected')
    }
    return this.#rest
  }

  /** Treats the socket as lost (e.g. another connection took over the app) and reconnects. */
  abandon (why: string): void {
    const socket = this.#socket
    if (socket === undefined) return
    socket.terminate()
    this.#onClose(socket, why)
  }

  async close (): Promise<void> {
    this.#closed = true
    this.#reconnector.stop()
    await this.#options.gate.drain(this.#options.requestTimeoutMs)
    const socket = this.#socket
    this.#socket = undefined
    await socket?.close()
    this.#http?.close()
    this.#options.onStatus('closed', 'closed')
  }

  destroy (): void {
    this.#closed = true
    this.#reconnector.stop()
    this.#socket?.terminate()
    this.#socket = undefined
    this.#http?.close()
    this.#options.gate.failAll(new HotlineError('HC_SWITCH_NOT_CONNECTED', 'the ARI adapter was destroyed'))
    this.#options.onStatus('closed', 'destroyed')
  }

  async #connect (): Promise<void> {
    const { url, user, password, app, requestTimeoutMs, gate, log } = this.#options
    this.#rest ??= await AriRest.load(url, user, password, gate, requestTimeoutMs)
    const socket: AriEventSocket = await AriEventSocket.open({
      url,
      app,
      user,
      password,
      openTimeoutMs: requestTimeoutMs,
      // A silent socket is normal between calls; a ping unanswered until the next one is not.
      heartbeatMs: Math.max(1000, requestTimeoutMs),
      onEvent: this.#options.onEvent,
      // The frame may carry a caller's number (caller.number): masked like every number logged.
      // The frame may carry a caller's number (caller.number), and JSON.parse's message quotes
      // the text: both masked like every number logged.
      onBadFrame: (err, frame) => {
        log.error({ reason: maskDigitRuns(err instanceof Error ? err.message : String(err)), frame: maskDigitRuns(frame) }, 'ARI event not handled')
      },
      onClose: (why) => { this.#onClose(socket, why) },
      log
    })
    if (this.#closed) {
      await socket.close()
      return
    }
    this.#socket = socket
    try {
      await this.#options.reclaim(this.#rest)
    } catch (err) {
      if (this.#socket === socket) this.#socket = undefined
      await socket.close()
      throw err
    }
    // The socket may have dropped while reclaiming: that attempt failed.
    if (this.#socket !== socket) throw new HotlineError('HC_SWITCH_NOT_CONNECTED', 'the ARI events socket closed while reclaiming')
    this.#options.onStatus('ready', `ARI ${url} connected, app ${app}`)
    log.info({ url, app }, 'ARI events socket connected and app reclaimed')
  }

  #onClose (socket: AriEventSocket, why: string): void {
    if (this.#socket !== socket) return
    this.#socket = undefined
    this.#options.onLost(new HotlineError('HC_SWITCH_NOT_CONNECTED', `ARI events socket lost: ${why}`))
    if (this.#closed) return
    this.#options.onStatus('disconnected', `ARI events socket lost: ${why}`)
    this.#options.log.error({ why }, 'ARI events socket lost; reconnecting')
    this.#reconnector.kick()
  }
}
