// The simulated switch's FreeSWITCH side: an inbound Event Socket server (mod_event_socket)
// over the call model. Each TCP connection is an EslSession; all of them share one projection
// of the model (one Event-Sequence, one set of channel views and running apps).

import { createServer, type Server, type Socket } from 'node:net'
import { EslApi } from './esl-api.js'
import { MAX_FRAME_BYTES, SHUTDOWN_NOTICE } from './esl-frame.js'
import { EslProjector } from './esl-projector.js'
import { EslSession } from './esl-session.js'
import type { SimSwitch } from './sim-switch.js'
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
  #projector: EslProjector | undefined
  #server: Server | undefined

  constructor (model: SimSwitch, options: EslServerOptions) {
    this.#model = model
    this.#options = options
  }

  async listen (): Promise<{ host: string, port: number }> {
    if (this.#server !== undefined) throw new Error('EslServer is already listening')
    const projector = new EslProjector(this.#model)
    const api = new EslApi(projector)
    this.#projector = projector
    const server = createServer((socket) => { this.#accept(socket, projector, api) })
    this.#server = server
    return await listenOn(server, this.#options.host ?? '127.0.0.1', this.#options.port ?? DEFAULT_PORT)
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
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    for (const session of [...this.#sessions]) session.end(SHUTDOWN_NOTICE)
    this.#projector?.close()
    this.#projector = undefined
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
