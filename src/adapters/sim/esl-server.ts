// The simulated switch's FreeSWITCH side: an inbound Event Socket server (mod_event_socket)
// over the call model. Each TCP connection is an EslSession; all of them share one projection
// of the model (one Event-Sequence, one set of channel views and running apps).
//
// It follows the switch's life: when the switch shuts down (its channels all ended
// SYSTEM_SHUTDOWN, switch_core_destroy's hupall), mod_event_socket unloads: every listener gets
// the shutdown notice and is closed (kill_all_listeners) and nothing listens on the port, so
// connections are refused. When the switch is up again the server listens on the same port with
// a fresh projection: Event-Sequence from the start, the new Core-UUID.

import { createServer, type Server, type Socket } from 'node:net'
import { EslApi } from './esl-api.js'
import { MAX_FRAME_BYTES, SHUTDOWN_NOTICE } from './esl-frame.js'
import { EslProjector } from './esl-projector.js'
import { EslSession } from './esl-session.js'
import type { SimSwitch } from './sim-switch.js'
import type { SwitchState } from './model-types.js'
import { listenOn } from './listen.js'

export interface EslServerOptions {
  password: string
  /** Default 127.0.0.1 (event_socket.conf.xml listen-ip). */
  host?: string
  /** Default 8021 (listen-port); 0 picks a free port. */
  port?: number
  /** The first command must come within this (read_packet: 25 s). */
  authTimeoutMs?: number
  /** Longest client frame before it is cut (read_packet: 10 MiB). */
  maxFrameBytes?: number
}

const DEFAULT_PORT = 8021
const AUTH_TIMEOUT_MS = 25_000

export class EslServer {
  readonly #model: SimSwitch
  readonly #options: EslServerOptions
  readonly #sessions = new Set<EslSession>()
  readonly #onState = (state: SwitchState): void => { this.#follow(state) }
  #projector: EslProjector | undefined
  #api: EslApi | undefined
  #server: Server | undefined
  /** Where it listens: the port it got the first time, taken again after a restart. */
  #address: { host: string, port: number } | undefined
  /** The last switch state followed (stopping or listening again), in order. */
  #transition: Promise<void> = Promise.resolve()
  #closed = false

  constructor (model: SimSwitch, options: EslServerOptions) {
    this.#model = model
    this.#options = options
  }

  async listen (): Promise<{ host: string, port: number }> {
    if (this.#address !== undefined) throw new Error('EslServer is already listening')
    const address = await this.#open(this.#options.host ?? '127.0.0.1', this.#options.port ?? DEFAULT_PORT)
    this.#address = address
    this.#model.on('state', this.#onState)
    return address
  }

  /** Resolves once the server has followed the switch's last state change (stopped, or listening again). */
  async settled (): Promise<void> {
    await this.#transition
  }

  async #open (host: string, port: number): Promise<{ host: string, port: number }> {
    const projector = new EslProjector(this.#model)
    const api = new EslApi(projector)
    this.#projector = projector
    this.#api = api
    const server = createServer((socket) => { this.#accept(socket, projector, api) })
    this.#server = server
    return await listenOn(server, host, port)
  }

  #follow (state: SwitchState): void {
    if (this.#closed) return
    if (state === 'down') {
      // A turn later, so what the last hangups settled (a BACKGROUND_JOB) goes out first.
      this.#transition = this.#transition.then(async () => { await new Promise((resolve) => setImmediate(resolve)) })
        .then(() => { this.#stop(SHUTDOWN_NOTICE)?.close() })
    } else if (state === 'up') {
      this.#transition = this.#transition.then(async () => {
        const address = this.#address
        if (this.#closed || address === undefined || this.#server !== undefined) return
        await this.#open(address.host, address.port)
      }).catch(() => {
        // The port was taken meanwhile: the switch stays unreachable, as a switch that cannot bind.
        this.#server = undefined
      })
    }
  }

  /** Every client gets the notice and the projection stops; the caller closes the server returned. */
  #stop (notice: string): Server | undefined {
    const server = this.#server
    this.#server = undefined
    for (const session of [...this.#sessions]) session.end(notice)
    this.#projector?.close()
    this.#projector = undefined
    this.#api?.close()
    this.#api = undefined
    return server
  }

  #accept (socket: Socket, projector: EslProjector, api: EslApi): void {
    const session = new EslSession(socket, {
      projector,
      api,
      password: this.#options.password,
      authTimeoutMs: this.#options.authTimeoutMs ?? AUTH_TIMEOUT_MS,
      maxFrameBytes: this.#options.maxFrameBytes ?? MAX_FRAME_BYTES,
      onClosed: (closed) => { this.#sessions.delete(closed) }
    })
    this.#sessions.add(session)
  }

  /** Every client gets the shutdown notice (kill_all_listeners), then the server closes. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#model.off('state', this.#onState)
    await this.#transition
    const server = this.#stop(SHUTDOWN_NOTICE)
    if (server === undefined) return
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }

  /** Drops every connection at once, without a notice (a network failure, for reconnect tests). */
  dropConnections (): void {
    for (const session of [...this.#sessions]) session.destroy()
  }

  connectionCount (): number {
    return this.#sessions.size
  }
}
