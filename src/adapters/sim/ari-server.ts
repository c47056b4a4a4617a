// The simulated switch's Asterisk side: the Asterisk REST Interface (res_ari) over the call
// model, REST and the events WebSocket on one HTTP port as Asterisk serves them
// (http.conf + ari.conf). Every /ari URL needs the ARI user's credentials, as HTTP Basic or
// `api_key=user:password`; without them it is 401 with `WWW-Authenticate: Basic
// realm="Asterisk REST Interface"` and {"message":"Authentication required"}, and a WebSocket
// upgrade is refused the same way (capture 00_connect.txt). Replies carry Asterisk's headers
// (Server, Cache-Control: no-cache, no-store).
//
// It follows the switch's life as Asterisk did when restarted with calls up (capture
// 14_restart_mid_dial.txt): the channels' hangups go out first (the model's shutdown), REST
// keeps answering (a new channel: 500 Allocation failed), then 1.1 s later every connection is
// dropped, the events WebSockets without a close frame, and nothing listens on the port
// (connection refused). When the switch is up again the port is bound again, but res_ari answers
// 503 {"message":"Asterisk not booted"} to REST and to WebSocket upgrades until Asterisk is
// fully booted, about a second later (14: 503 at 49.013, accepted at 49.883); then it serves
// with a fresh state (no apps, channels or bridges).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket } from 'ws'
import type { SimSwitch } from './sim-switch.js'
import type { SwitchState } from './model-types.js'
import type { AppSink } from './ari-apps.js'
import { apiDeclaration, resourceListing } from './ari-declarations.js'
import { AriProjector } from './ari-projector.js'
import { addBridgeRoutes } from './ari-rest-bridges.js'
import { addChannelRoutes } from './ari-rest-channels.js'
import { ASTERISK_VERSION, AriRouter, addCommonRoutes, failure, ok, type AriReply, type AriRequest } from './ari-rest.js'
import { listenOn } from './listen.js'

export interface AriServerOptions {
  user: string
  password: string
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8088 (http.conf bindport); 0 picks a free port. */
  port?: number
  /** Stasis apps the dialplan sends 12345 calls to, tried in order; default ['hotline']. */
  apps?: string[]
  /** PJSIP trunks to the departments (`PJSIP/<number>@<trunk>`); default: the install's. */
  trunks?: string[]
  /** Dialplan context of the endpoints; default 'from-trunk'. */
  context?: string
  /** PJSIP endpoint callers arrive on; default 'trunk'. */
  inboundEndpoint?: string
}

const DEFAULT_PORT = 8088
/** From the shutdown's hangups to the dropped connections (14: 47.363 → 48.466). */
const SHUTDOWN_DROP_MS = 1100
/** Bound again but not fully booted: 503 (14: a 503 at 49.013, the next try accepted at 49.883). */
const BOOT_MS = 1000
/** Largest request body read (variables, parameters); more is refused. */
const MAX_BODY_BYTES = 1024 * 1024
const JSON_HEADERS = { 'Content-type': 'application/json' }

/** The request target as a URL; undefined for one that is not a path (`//`, a bad authority). */
function parseUrl (target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://ari.invalid')
  } catch {
    return undefined
  }
}

/** An events WebSocket: the apps it registered and the sink they deliver through. */
interface Session {
  readonly ws: WebSocket
  readonly sink: AppSink
}

/** up: serving; stopping: the switch is going down; down: not listening; booting: 503 to all. */
type Phase = 'up' | 'stopping' | 'down' | 'booting'

export class AriServer {
  readonly #model: SimSwitch
  readonly #options: AriServerOptions
  readonly #sessions = new Set<Session>()
  readonly #onState = (state: SwitchState): void => { this.#follow(state) }
  /** Pending waits of a shutdown or boot, ended early by close(). */
  readonly #waits = new Map<NodeJS.Timeout, () => void>()
  #refusing = false
  #phase: Phase = 'up'
  #projector: AriProjector | undefined
  #router: AriRouter | undefined
  #server: Server | undefined
  #wss: WebSocketServer | undefined
  /** Where it listens: the port it got the first time, bound again after a restart. */
  #address: { host: string, port: number } | undefined
  /** The last switch state followed, in order. */
  #transition: Promise<void> = Promise.resolve()
  #closed = false

  constructor (model: SimSwitch, options: AriServerOptions) {
    this.#model = model
    this.#options = options
  }

  async listen (): Promise<{ host: string, port: number, url: string }> {
    if (this.#address !== undefined) throw new Error('AriServer is already listening')
    const { host, port } = await this.#open(this.#options.host ?? '127.0.0.1', this.#options.port ?? DEFAULT_PORT)
    this.#address = { host, port }
    this.#model.on('state', this.#onState)
    return { host, port, url: `http://${host}:${port}` }
  }

  /** Resolves once the server has followed the switch's last state change (dropped, or booted again). */
  async settled (): Promise<void> {
    await this.#transition
  }

  async #open (host: string, port: number): Promise<{ host: string, port: number }> {
    const projector = new AriProjector(this.#model, {
      apps: this.#options.apps ?? ['hotline'],
      context: this.#options.context ?? 'from-trunk',
      inboundEndpoint: this.#options.inboundEndpoint ?? 'trunk'
    })
    const router = new AriRouter()
    addCommonRoutes(router, projector)
    addChannelRoutes(router, projector, { trunks: this.#options.trunks ?? this.#model.install.trunks })
    addBridgeRoutes(router, projector)
    this.#projector = projector
    this.#router = router
    const server = createServer((req, res) => { this.#request(req, res) })
    const wss = new WebSocketServer({ noServer: true })
    server.on('upgrade', (req, socket, head) => { this.#upgrade(req, socket, head) })
    server.on('clientError', (_err, socket) => { socket.destroy() })
    this.#server = server
    this.#wss = wss
    return await listenOn(server, host, port)
  }

  #follow (state: SwitchState): void {
    if (this.#closed) return
    if (state === 'down') {
      this.#phase = 'stopping'
      this.#projector?.switchDown()
      this.#transition = this.#transition.then(async () => {
        await this.#wait(this.#model.scaled(SHUTDOWN_DROP_MS))
        if (this.#closed) return
        this.#phase = 'down'
        this.#shut()
      })
    } else if (state === 'up') {
      this.#transition = this.#transition.then(async () => {
        const address = this.#address
        if (this.#closed || address === undefined || this.#server !== undefined) return
        this.#phase = 'booting'
        await this.#open(address.host, address.port)
        await this.#wait(this.#model.scaled(BOOT_MS))
        if (this.#phase === 'booting') this.#phase = 'up'
      }).catch(() => {
        // The port was taken meanwhile: Asterisk stays unreachable, as one that cannot bind.
        this.#server = undefined
        this.#phase = 'down'
      })
    }
  }

  async #wait (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.#waits.delete(timer); resolve() }, ms)
      this.#waits.set(timer, resolve)
    })
  }

  /**
   * Every connection goes at once, WebSockets without a close frame (14: code 1006), and
   * nothing listens any more. The projector stays readable (pendingTimers) but no longer
   * follows the model.
   */
  #shut (): Server | undefined {
    const server = this.#server
    this.#server = undefined
    this.dropWebSockets()
    this.#wss?.close()
    this.#wss = undefined
    this.#projector?.close()
    server?.close()
    server?.closeAllConnections()
    return server
  }

  /** Playback timers still pending on the ARI side (bridge playbacks); 0 after close(). */
  get pendingTimers (): number {
    return this.#projector?.playbacks.pendingTimers ?? 0
  }

  /** The routes served, as [method, path] (for checking them against the declarations). */
  routes (): Array<[string, string]> {
    return this.#router?.routes() ?? []
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#model.off('state', this.#onState)
    for (const [timer, resolve] of this.#waits) {
      clearTimeout(timer)
      resolve()
    }
    this.#waits.clear()
    await this.#transition
    const server = this.#shut()
    if (server === undefined) return
    await new Promise<void>((resolve) => { server.once('close', () => { resolve() }) })
  }

  /** Cuts every events socket at once, as a network failure would; their apps go inactive now. */
  dropWebSockets (): void {
    for (const session of [...this.#sessions]) this.#endSession(session, true)
  }

  /** While true, /ari/events upgrades are refused by dropping the connection (an ARI outage). */
  refuseWebSockets (refuse: boolean): void {
    this.#refusing = refuse
  }

  // --- HTTP -------------------------------------------------------------------------------

  #request (req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => {})
    const url = parseUrl(req.url)
    if (url === undefined || (url.pathname !== '/ari' && !url.pathname.startsWith('/ari/'))) {
      res.writeHead(404, { Server: `Asterisk/${ASTERISK_VERSION}`, 'Content-Type': 'text/html' })
      res.end('<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n')
      req.resume()
      return
    }
    if (!this.#authorized(req, url)) {
      this.#reply(res, { status: 401, body: { message: 'Authentication required' }, headers: { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' } })
      req.resume()
      return
    }
    if (this.#phase === 'booting') {
      // res_ari ast_ari_invoke: authenticated, but not fully booted.
      this.#reply(res, failure(503, 'Asterisk not booted'))
      req.resume()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('error', () => {})
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        this.#reply(res, failure(413, 'Request body too large'))
        return
      }
      this.#dispatch(req, res, url, Buffer.concat(chunks).toString('utf8'))
    })
  }

  #dispatch (req: IncomingMessage, res: ServerResponse, url: URL, text: string): void {
    const method = req.method ?? 'GET'
    const path = url.pathname.slice('/ari'.length)
    const query = new Map<string, string>()
    for (const [key, value] of url.searchParams) query.set(key, query.has(key) ? `${query.get(key) ?? ''},${value}` : value)
    let body: unknown
    if (text.trim() !== '') {
      const type = req.headers['content-type'] ?? ''
      if (type.includes('application/x-www-form-urlencoded')) {
        for (const [key, value] of new URLSearchParams(text)) if (!query.has(key)) query.set(key, value)
      } else {
        try {
          body = JSON.parse(text)
        } catch {
          this.#reply(res, failure(400, 'Could not parse request body'))
          return
        }
        // Other keys of a JSON body count as query parameters (ARI docs: originate `variables`).
        if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
          for (const [key, value] of Object.entries(body)) {
            if (key !== 'variables' && !query.has(key) && ['string', 'number', 'boolean'].includes(typeof value)) query.set(key, String(value))
          }
        }
      }
    }
    let reply: AriReply
    try {
      reply = this.#route(method, path, { method, params: {}, query, body }, req)
    } catch {
      reply = failure(500, 'Internal Server Error')
    }
    const answer = (): void => {
      this.#reply(res, reply)
      try {
        reply.after?.()
      } catch {
        // Work after the reply must not take the server down.
      }
    }
    if (reply.wait === undefined) answer()
    else void reply.wait.then(answer, answer)
  }

  #route (method: string, path: string, request: AriRequest, req: IncomingMessage): AriReply {
    const docs = /^\/api-docs\/([A-Za-z]+)\.json$/.exec(path)
    if (docs !== null && method === 'GET') {
      const basePath = `http://${req.headers.host ?? 'localhost'}/ari`
      const name = docs[1] ?? ''
      const doc = name === 'resources' ? resourceListing(basePath) : apiDeclaration(name, basePath)
      return doc === undefined ? failure(404, 'Resource not found') : ok(doc)
    }
    const router = this.#router
    if (router === undefined) return failure(503, 'Service Unavailable')
    const match = router.match(method, path)
    if (match.kind === 'none') return failure(404, 'Resource not found')
    if (match.kind === 'method') {
      if (method === 'OPTIONS') return { status: 204, headers: { Allow: match.allow.join(',') } }
      return { status: 405, body: { message: 'Invalid method' }, headers: { Allow: match.allow.join(',') } }
    }
    return match.handler({ ...request, params: match.params })
  }

  #reply (res: ServerResponse, reply: AriReply): void {
    if (res.headersSent || res.destroyed) return
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body)
    res.writeHead(reply.status, {
      Server: `Asterisk/${ASTERISK_VERSION}`,
      'Cache-Control': 'no-cache, no-store',
      ...(body === '' ? {} : JSON_HEADERS),
      ...reply.headers,
      'Content-Length': String(Buffer.byteLength(body))
    })
    res.end(body)
  }

  /** HTTP Basic, or `api_key=user:password` in the query (res_ari authenticate_user). */
  #authorized (req: IncomingMessage, url: URL): boolean {
    const { user, password } = this.#options
    const apiKey = url.searchParams.get('api_key')
    if (apiKey !== null) return apiKey === `${user}:${password}`
    const header = req.headers.authorization ?? ''
    const basic = /^Basic\s+(\S+)$/i.exec(header)
    if (basic === null) return false
    return Buffer.from(basic[1] ?? '', 'base64').toString('utf8') === `${user}:${password}`
  }

  // --- the events WebSocket ----------------------------------------------------------------

  #upgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {})
    const url = parseUrl(req.url)
    const wss = this.#wss
    const projector = this.#projector
    if (this.#refusing || wss === undefined || projector === undefined) {
      socket.destroy()
      return
    }
    if (url?.pathname !== '/ari/events') {
      this.#refuseUpgrade(socket, 404, 'Not Found', { message: 'Resource not found' })
      return
    }
    if (!this.#authorized(req, url)) {
      this.#refuseUpgrade(socket, 401, 'Unauthorized', { message: 'Authentication required' }, 'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n')
      return
    }
    if (this.#phase === 'booting') {
      this.#refuseUpgrade(socket, 503, 'Service Unavailable', { message: 'Asterisk not booted' })
      return
    }
    const apps = [...new Set((url.searchParams.get('app') ?? '').split(',').map((app) => app.trim()).filter((app) => app !== ''))]
    if (apps.length === 0) {
      this.#refuseUpgrade(socket, 400, 'Bad Request', { message: 'HTTP request is missing param: [app]' })
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sink: AppSink = {
        send: (text) => { if (ws.readyState === WebSocket.OPEN) ws.send(text) }
      }
      const session: Session = { ws, sink }
      this.#sessions.add(session)
      ws.on('error', () => {})
      ws.on('close', () => { this.#endSession(session, false) })
      // Asterisk sends nothing on connect (capture 00: no event within 1.5 s).
      for (const app of apps) projector.apps.register(app, sink)
    })
  }

  #endSession (session: Session, terminate: boolean): void {
    if (!this.#sessions.delete(session)) return
    this.#projector?.apps.unregister(session.sink)
    if (terminate) session.ws.terminate()
  }

  #refuseUpgrade (socket: Duplex, status: number, text: string, body: Record<string, unknown>, extra = ''): void {
    const json = JSON.stringify(body)
    socket.end(`HTTP/1.1 ${status} ${text}\r\nServer: Asterisk/${ASTERISK_VERSION}\r\nCache-Control: no-cache, no-store\r\n${extra}` +
      `Content-type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`)
  }
}
