// The ARI REST calls the adapter makes, and nothing more, over ari-client's swagger-built
// operations (`client.<resource>.<nickname>()`, from the API declarations Asterisk serves
// under /ari/api-docs; Asterisk ARI docs, "Channels / Bridges / Playbacks / Applications REST
// API"). Every call goes through the RequestGate (deadline + bound on requests in flight), and
// every failure becomes a HotlineError.
//
// ari-client turns an error reply into `new Error(<response body>)` and drops the HTTP status
// (client.js `swaggerError`), so what Asterisk said is read from the body: `{"message": …}` for
// 4xx, `{"error": "Allocation failed"}` for an originate to an endpoint it cannot create
// (captures 10_errors.txt). A vanished channel or bridge reads "Channel not found" (404 on
// channel operations, 400 on addChannel/removeChannel) or "… not in Stasis application".
//
// AriHttpWatch (below) sees those requests on the wire: the sockets they use, and a trace.

import diagnostics from 'node:diagnostics_channel'
import type { ClientRequest, IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import ari, { type Client } from 'ari-client'
import type { Logger } from 'pino'
import { HotlineError, isHotlineError } from '../../errors.js'
import type { RequestGate } from './ari-requests.js'

// swagger-client (loaded by ari-client above) assigns a global `log` that prints each message
// with console.log onto stdout, among the controller's JSON log lines, and keeps them all in
// `log.history` (docs/asterisk.md, known faults). Its one message is a notice that Asterisk
// serves swagger 1.1 declarations, which the adapter knows: silenced here, before any load.
const swaggerGlobals = globalThis as { log?: unknown }
if (typeof swaggerGlobals.log === 'function') swaggerGlobals.log = (): void => undefined

export interface OriginateParams {
  endpoint: string
  app: string
  appArgs: string
  callerId: string
  /** Seconds before Asterisk gives up dialling. */
  timeout: number
  channelId: string
  /** Channel variables set on the new channel. */
  variables?: Record<string, string>
}

/** A channel as GET /channels lists it: what finding legs again needs. */
export interface ChannelSummary {
  id: string
  state: string
  callerNumber: string
  exten: string
}

export interface AppState {
  channelIds: string[]
  bridgeIds: string[]
}

/** What Asterisk said when a request failed. */
export class AriReplyError extends HotlineError {
  /** The body's `message` (or `error`) text. */
  readonly reply: string
  /** The resource asked about does not exist (any more). */
  readonly gone: boolean

  constructor (what: string, reply: string, cause: unknown) {
    // A channel that is gone or out of our Stasis app is a call that ended.
    const channelGone = /^channel not found$|not in (a )?stasis/i.test(reply)
    super(channelGone ? 'HC_CALL_GONE' : 'HC_SWITCH_COMMAND', `ARI ${what}: ${reply}`, { cause, switchCause: reply })
    this.reply = reply
    this.gone = channelGone || /\bnot found$/i.test(reply)
  }
}

export function isGone (err: unknown): boolean {
  return err instanceof AriReplyError && err.gone
}

/** The text of an ari-client rejection: the body's `message` or `error`, else what there is. */
export function replyText (err: unknown): string {
  if (typeof err === 'string') return err
  if (err instanceof Error) {
    try {
      const body: unknown = JSON.parse(err.message)
      if (typeof body === 'object' && body !== null) {
        const { message, error } = body as { message?: unknown, error?: unknown }
        if (typeof message === 'string') return message
        if (typeof error === 'string') return error
      }
    } catch {
      // not a JSON body: the message is all there is
    }
    return err.message
  }
  if (typeof err === 'object' && err !== null && 'status' in err) {
    return `HTTP ${String(err.status)}`
  }
  return String(err)
}

function asList (value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string')
  return typeof value === 'string' && value !== '' ? [value] : []
}

/** `POST /bridges` takes `bridgeId` (Asterisk ≥ 12.2), which @types/ari-client leaves out. */
type BridgesWithId = { create: (params: { type: string, bridgeId: string, name: string }) => Promise<unknown> }

export class AriRest {
  readonly #client: Client
  readonly #gate: RequestGate

  constructor (client: Client, gate: RequestGate) {
    this.#client = client
    this.#gate = gate
  }

  /**
   * Loads the API declarations (ari-client `connect`: GET /ari/api-docs/resources.json and each
   * listed declaration). A wrong user or password fails with HC_SWITCH_AUTH.
   *
   * swagger-client 2.0.26 reports a declaration it could not fetch by calling its failure
   * callback and then `throw`ing the message (`SwaggerApi.prototype.fail`) inside the HTTP
   * response handler — an uncaught exception that ends the process, e.g. on a 401. So the
   * resource listing is fetched first without ari-client, with the same credentials, and
   * ari-client is only asked to load declarations Asterisk has just served.
   */
  static async load (url: string, user: string, password: string, gate: RequestGate, timeoutMs: number): Promise<AriRest> {
    const listing = new URL('/ari/api-docs/resources.json', url)
    const status = await gate.run('probe API declarations', async () => {
      const res = await fetch(listing, {
        headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs)
      })
      await res.arrayBuffer()
      return res.status
    }).catch((err: unknown) => {
      if (isHotlineError(err)) throw err
      throw new HotlineError('HC_SWITCH_NOT_CONNECTED', `ARI at ${url} unreachable: ${replyText(err)}`, { cause: err })
    })
    if (status === 401) throw new HotlineError('HC_SWITCH_AUTH', `Asterisk refused the ARI user ${user} (401)`)
    if (status !== 200) throw new HotlineError('HC_SWITCH_NOT_CONNECTED', `ARI at ${url} answered HTTP ${status} for its API declarations`)
    try {
      const client = await gate.run('load API declarations', async () => await ari.connect(url, user, password))
      return new AriRest(client, gate)
    } catch (err) {
      if (isHotlineError(err)) throw err
      throw new HotlineError('HC_SWITCH_NOT_CONNECTED', `ARI at ${url}: loading the API declarations failed: ${replyText(err)}`, { cause: err })
    }
  }

  async originate (params: OriginateParams): Promise<void> {
    await this.#call('originate', async () => await this.#client.channels.originate(params))
  }

  async answer (channelId: string): Promise<void> {
    await this.#call('answer', async () => { await this.#client.channels.answer({ channelId }) })
  }

  async hangup (channelId: string, reason: string): Promise<void> {
    await this.#call('hangup', async () => { await this.#client.channels.hangup({ channelId, reason }) })
  }

  async getChannelState (channelId: string): Promise<string | undefined> {
    const channel = await this.#call('get channel', async () => await this.#client.channels.get({ channelId }))
    return typeof channel.state === 'string' ? channel.state : undefined
  }

  /** `POST /channels/{id}/variable`. */
  async setVariable (channelId: string, variable: string, value: string): Promise<void> {
    await this.#call('set variable', async () => { await this.#client.channels.setChannelVar({ channelId, variable, value }) })
  }

  /** `GET /channels/{id}/variable`: undefined for a variable never set (404 "Provided variable was not found"). */
  async getVariable (channelId: string, variable: string): Promise<string | undefined> {
    try {
      const reply = await this.#call('get variable', async () => await this.#client.channels.getChannelVar({ channelId, variable }))
      const value: unknown = (reply as { value?: unknown }).value
      return typeof value === 'string' ? value : undefined
    } catch (err) {
      if (isGone(err) && /variable/i.test(replyText(err))) return undefined
      throw err
    }
  }

  /** `GET /channels`: every channel on this Asterisk. */
  async listChannels (): Promise<ChannelSummary[]> {
    const list = await this.#call('list channels', async () => await this.#client.channels.list())
    return (Array.isArray(list) ? list as unknown[] : []).flatMap((c: unknown) => {
      const channel = c as { id?: unknown, state?: unknown, caller?: { number?: unknown }, dialplan?: { exten?: unknown } }
      if (typeof channel.id !== 'string') return []
      return [{
        id: channel.id,
        state: typeof channel.state === 'string' ? channel.state : '',
        callerNumber: typeof channel.caller?.number === 'string' ? channel.caller.number : '',
        exten: typeof channel.dialplan?.exten === 'string' ? channel.dialplan.exten : ''
      }]
    })
  }

  /** `GET /bridges`: each channel's bridge id (a room is a bridge named after it). */
  async channelBridges (): Promise<Map<string, string>> {
    const list = await this.#call('list bridges', async () => await this.#client.bridges.list())
    const rooms = new Map<string, string>()
    for (const b of Array.isArray(list) ? list as unknown[] : []) {
      const bridge = b as { id?: unknown, channels?: unknown }
      if (typeof bridge.id !== 'string') continue
      for (const channelId of asList(bridge.channels)) if (typeof channelId === 'string') rooms.set(channelId, bridge.id)
    }
    return rooms
  }

  async play (channelId: string, media: string, playbackId: string): Promise<void> {
    await this.#call('play', async () => await this.#client.channels.play({ channelId, media, playbackId }))
  }

  async stopPlayback (playbackId: string): Promise<void> {
    await this.#call('stop playback', async () => { await this.#client.playbacks.stop({ playbackId }) })
  }

  async createBridge (bridgeId: string): Promise<void> {
    const bridges = this.#client.bridges as unknown as BridgesWithId
    await this.#call('create bridge', async () => await bridges.create({ type: 'mixing', bridgeId, name: bridgeId }))
  }

  /** The bridge's channel ids, or undefined when there is no such bridge. */
  async bridgeChannels (bridgeId: string): Promise<string[] | undefined> {
    try {
      const bridge = await this.#call('get bridge', async () => await this.#client.bridges.get({ bridgeId }))
      return asList(bridge.channels)
    } catch (err) {
      if (isGone(err)) return undefined
      throw err
    }
  }

  async destroyBridge (bridgeId: string): Promise<void> {
    await this.#call('destroy bridge', async () => { await this.#client.bridges.destroy({ bridgeId }) })
  }

  async addChannel (bridgeId: string, channelId: string): Promise<void> {
    await this.#call('add to bridge', async () => { await this.#client.bridges.addChannel({ bridgeId, channel: channelId }) })
  }

  async removeChannel (bridgeId: string, channelId: string): Promise<void> {
    await this.#call('remove from bridge', async () => { await this.#client.bridges.removeChannel({ bridgeId, channel: channelId }) })
  }

  /** `GET /sounds?lang=…`: the ids of the sounds Asterisk has in that language (e.g. `hotline12345/welcome`). */
  async sounds (lang: string): Promise<string[]> {
    const list = await this.#call('list sounds', async () => await this.#client.sounds.list({ lang }))
    return list.flatMap((sound) => typeof sound.id === 'string' ? [sound.id] : [])
  }

  /**
   * `GET /asterisk/info?only=status` → `status.startup_time`: when this Asterisk started. A
   * different one after a reconnect is a restart (nothing of before exists).
   */
  async startupTime (): Promise<string | undefined> {
    const info = await this.#call('get info', async () => await this.#client.asterisk.getInfo({ only: 'status' }))
    const startup: unknown = (info as { status?: { startup_time?: unknown } }).status?.startup_time
    return typeof startup === 'string' ? startup : undefined
  }

  /** `GET /applications/{app}`: what the app still owns (channels and bridges it is subscribed to). */
  /** `POST /channels/{id}/move`: the channel leaves its Stasis application for `app` (StasisStart there, with `appArgs`). */
  async move (channelId: string, app: string, appArgs: string): Promise<void> {
    await this.#call('move channel', async () => { await this.#client.channels.move({ channelId, app, appArgs }) })
  }

  /** `POST /applications/{app}/subscription`: the application also gets this source's events (`bridge:<id>`). */
  async subscribe (app: string, eventSource: string): Promise<void> {
    await this.#call('subscribe', async () => { await this.#client.applications.subscribe({ applicationName: app, eventSource }) })
  }

  async application (name: string): Promise<AppState> {
    const app = await this.#call('get application', async () => await this.#client.applications.get({ applicationName: name }))
    return { channelIds: asList(app.channel_ids), bridgeIds: asList(app.bridge_ids) }
  }

  async #call<T> (what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.#gate.run(what, call)
    } catch (err) {
      if (isHotlineError(err)) throw err
      throw new AriReplyError(what, replyText(err), err)
    }
  }
}

// Node's http client publishes every request on these channels (lib/_http_client.js, Node 20).
const REQUEST_START = 'http.client.request.start'
const RESPONSE = 'http.client.response.finish'
const REQUEST_ERROR = 'http.client.request.error'

/**
 * Watches the HTTP requests that go to ARI, through Node's `http.client.*` diagnostics
 * channels: ari-client sends them with swagger-client and shred, which expose neither their
 * requests nor their sockets. It keeps the sockets they went over (for diagnostics: Node's
 * http.Agent sets TCP_NODELAY on them by default, which test/adapters/asterisk/ari-wire.test.ts
 * checks) and, at log level `trace`, logs each request when sent and when its reply comes,
 * with a high-resolution `t` (ms since the epoch) and its duration.
 *
 * Requests are recognised by their Host header, so one process can watch several ARI servers.
 * The events WebSocket's upgrade request is skipped: its path holds the password.
 * Above `trace` the cost per HTTP request in the process is a header lookup.
 */
export class AriHttpWatch {
  readonly #host: string
  readonly #log: Logger
  readonly #sockets = new Set<Socket>()
  readonly #started = new WeakMap<ClientRequest, number>()
  #closed = false

  constructor (url: string, log: Logger) {
    this.#host = new URL(url).host
    this.#log = log
    diagnostics.subscribe(REQUEST_START, this.#onStart)
    diagnostics.subscribe(RESPONSE, this.#onResponse)
    diagnostics.subscribe(REQUEST_ERROR, this.#onError)
  }

  /** The open sockets ARI REST requests have gone over (keep-alive keeps them for the next). */
  sockets (): Socket[] {
    return [...this.#sockets]
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    diagnostics.unsubscribe(REQUEST_START, this.#onStart)
    diagnostics.unsubscribe(RESPONSE, this.#onResponse)
    diagnostics.unsubscribe(REQUEST_ERROR, this.#onError)
    this.#sockets.clear()
  }

  #ours (request: ClientRequest): boolean {
    return request.getHeader('host') === this.#host && request.getHeader('upgrade') === undefined
  }

  readonly #onStart = (message: unknown): void => {
    const { request } = message as { request: ClientRequest }
    if (!this.#log.isLevelEnabled('trace') || !this.#ours(request)) return
    const t = wireTime()
    this.#started.set(request, t)
    this.#log.trace({ t, ari: 'out', method: request.method, path: safePath(request.path) }, 'ARI request')
  }

  readonly #onResponse = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest, response: IncomingMessage }
    if (!this.#ours(request)) return
    const socket = request.socket
    if (socket !== null && !this.#sockets.has(socket) && !socket.destroyed) {
      this.#sockets.add(socket)
      socket.once('close', () => { this.#sockets.delete(socket) })
    }
    if (!this.#log.isLevelEnabled('trace')) return
    const t = wireTime()
    const started = this.#started.get(request)
    this.#log.trace({
      t,
      ari: 'in',
      method: request.method,
      path: safePath(request.path),
      status: response.statusCode,
      ms: started === undefined ? undefined : round(t - started)
    }, 'ARI reply')
  }

  readonly #onError = (message: unknown): void => {
    const { request, error } = message as { request: ClientRequest, error: Error }
    if (!this.#log.isLevelEnabled('trace') || !this.#ours(request)) return
    const t = wireTime()
    const started = this.#started.get(request)
    this.#log.trace({
      t,
      ari: 'in',
      method: request.method,
      path: safePath(request.path),
      error: error.message,
      ms: started === undefined ? undefined : round(t - started)
    }, 'ARI request failed')
  }
}

/**
 * ms since the epoch with sub-ms decimals, on the monotonic clock: differences between lines
 * are exact (pino's `time` has whole ms and follows wall-clock steps).
 */
function wireTime (): number {
  return performance.timeOrigin + performance.now()
}

function round (ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/** REST requests carry credentials in a header; an `api_key` in a query is hidden all the same. */
function safePath (path: string): string {
  return path.replace(/([?&]api_key=)[^&]*/g, '$1[redacted]')
}
