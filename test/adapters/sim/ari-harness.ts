// Test helpers for the ARI side of the simulated switch: a started server over a fast model,
// a raw HTTP client, a raw events WebSocket that hands out events in arrival order, and a
// reader for the real Asterisk 22.10.1 traffic in test/fixtures/captures/asterisk-22.10.1/.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { WebSocket } from 'ws'
import { AriServer, type AriServerOptions } from '../../../src/adapters/sim/ari-server.js'
import { SimSwitch, type SimSwitchConfig } from '../../../src/adapters/sim/sim-switch.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'

export const USER = 'ari'
export const PASSWORD = 'secret'

/** Parsed JSON from the wire: tests read it field by field and tap compares it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any
export type Json = Record<string, Loose>

export interface Started {
  model: SimSwitch
  server: AriServer
  url: string
  http: AriHttp
}

/** A model (every delay × 0.01 unless told) and an ARI server over it, both closed when the test ends. */
export async function startAri (t: Test, model: Partial<SimSwitchConfig> = {}, server: Partial<AriServerOptions> = {}): Promise<Started> {
  const sim = new SimSwitch({ timeScale: 0.01, install: SHIPPED_INSTALL, ...model })
  const ari = new AriServer(sim, { user: USER, password: PASSWORD, port: 0, ...server })
  const { url } = await ari.listen()
  t.teardown(async () => {
    await ari.close()
    sim.close()
  })
  return { model: sim, server: ari, url, http: new AriHttp(url) }
}

export interface HttpResult {
  status: number
  headers: Headers
  text: string
  body: Loose
}

export class AriHttp {
  readonly #base: string
  readonly #auth: string

  constructor (base: string, user = USER, password = PASSWORD) {
    this.#base = base
    this.#auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  }

  async request (method: string, path: string, options: { body?: unknown, auth?: string | null } = {}): Promise<HttpResult> {
    const headers: Record<string, string> = {}
    const auth = options.auth === undefined ? this.#auth : options.auth
    if (auth !== null) headers.Authorization = auth
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await fetch(`${this.#base}/ari${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
    })
    const text = await res.text()
    let body: Loose
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      body = undefined
    }
    return { status: res.status, headers: res.headers, text, body }
  }

  get (path: string): Promise<HttpResult> { return this.request('GET', path) }
  post (path: string, body?: unknown): Promise<HttpResult> { return this.request('POST', path, body === undefined ? {} : { body }) }
  delete (path: string): Promise<HttpResult> { return this.request('DELETE', path) }
}

/** An events WebSocket; `next` hands the events out one by one, in arrival order. */
export class EventSocket {
  readonly events: Json[] = []
  readonly ws: WebSocket
  #read = 0
  #wake: () => void = () => {}
  #closed = false

  private constructor (ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data: Buffer) => {
      this.events.push(JSON.parse(data.toString('utf8')) as Json)
      this.#wake()
    })
    ws.on('close', () => { this.#closed = true; this.#wake() })
  }

  static open (t: Test, url: string, apps = 'hotline', apiKey = `${USER}:${PASSWORD}`): Promise<EventSocket> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ari/events?app=${apps}&api_key=${apiKey}`)
    t.teardown(() => { ws.terminate() })
    return new Promise((resolve, reject) => {
      ws.once('open', () => { resolve(new EventSocket(ws)) })
      ws.once('error', reject)
    })
  }

  /** The next event not handed out yet. */
  async next (): Promise<Json> {
    while (this.#read >= this.events.length) {
      if (this.#closed) throw new Error('events socket closed')
      await new Promise<void>((resolve) => { this.#wake = resolve })
    }
    return this.events[this.#read++] as Json
  }

  /** Events up to and including the first that matches. */
  async until (match: (event: Json) => boolean): Promise<Json[]> {
    const out: Json[] = []
    for (;;) {
      const event = await this.next()
      out.push(event)
      if (match(event)) return out
    }
  }

  /** Skips to the first event of a type (and channel), returning it. */
  async take (type: string, channelId?: string): Promise<Json> {
    const events = await this.until((e) => e.type === type && (channelId === undefined || channelOf(e) === channelId))
    return events[events.length - 1] as Json
  }

  async close (): Promise<void> {
    if (this.#closed) return
    const closed = new Promise<void>((resolve) => { this.ws.once('close', () => { resolve() }) })
    this.ws.close()
    await closed
  }
}

/** The channel an event is about (channel, peer of a Dial, or the playback's target). */
export function channelOf (event: Json): string | undefined {
  return (event.channel?.id ?? event.peer?.id) as string | undefined
}

export const types = (events: readonly Json[]): string[] => events.map((e) => e.type as string)
export const withoutVarset = (list: readonly string[]): string[] => list.filter((type) => type !== 'ChannelVarset')

// --- the captures ----------------------------------------------------------------------------

export interface CapturedHttp {
  kind: 'http'
  method: string
  path: string
  status: number
  headers: Map<string, string>
  body: Loose
}

export interface CapturedEvent {
  kind: 'event'
  type: string
  event: Json
}

export type CaptureEntry = CapturedHttp | CapturedEvent

const CAPTURES = fileURLToPath(new URL('../../fixtures/captures/asterisk-22.10.1/', import.meta.url))

/** One capture file as its HTTP exchanges (request, status, headers, body) and WebSocket events, in order. */
export function loadCapture (name: string): CaptureEntry[] {
  const lines = readFileSync(`${CAPTURES}${name}.txt`, 'utf8').split('\n')
  const out: CaptureEntry[] = []
  let request: { method: string, path: string } | undefined
  let current: CaptureEntry | undefined
  for (const line of lines) {
    const sent = /^\[[^\]]+\] >>> HTTP (\w+) (\S+)/.exec(line)
    const answered = /^\[[^\]]+\] <<< HTTP (\d{3}) /.exec(line)
    // 13–15 (a proxy's log): the request is named in the reply's line, the body on a `body:` line.
    const proxied = /^\[[^\]]+\] <<< HTTP (\d{3}) +\(reply to >>> (\w+) (\S+)\)/.exec(line)
    const event = /^\[[^\]]+\] <<< WS EVENT #\d+ (\w+)/.exec(line)
    if (proxied !== null) {
      current = { kind: 'http', method: proxied[2] ?? '', path: proxied[3] ?? '', status: Number(proxied[1]), headers: new Map(), body: undefined }
      out.push(current)
      request = undefined
    } else if (line.startsWith('    body: ') && current?.kind === 'http') {
      const text = line.slice('    body: '.length)
      // The proxy kept the first 400 characters only: a longer body stays text.
      try {
        current.body = text === '(empty)' ? undefined : JSON.parse(text) as unknown
      } catch {
        current.body = text
      }
    } else if (sent !== null) {
      request = { method: sent[1] ?? '', path: sent[2] ?? '' }
      current = undefined
    } else if (answered !== null && request !== undefined) {
      current = { kind: 'http', ...request, status: Number(answered[1]), headers: new Map(), body: undefined }
      out.push(current)
      request = undefined
    } else if (event !== null) {
      current = { kind: 'event', type: event[1] ?? '', event: {} }
      out.push(current)
    } else if (line.startsWith('    raw: ') && current !== undefined) {
      const parsed: unknown = JSON.parse(line.slice('    raw: '.length))
      if (current.kind === 'event') current.event = parsed as Json
      else current.body = parsed
    } else if (current?.kind === 'http' && /^ {4}[A-Za-z-]+: /.test(line)) {
      const colon = line.indexOf(': ')
      current.headers.set(line.slice(4, colon), line.slice(colon + 2))
    }
  }
  return out
}

export function capturedEvents (name: string): CapturedEvent[] {
  return loadCapture(name).filter((entry): entry is CapturedEvent => entry.kind === 'event')
}

export function capturedHttp (name: string): CapturedHttp[] {
  return loadCapture(name).filter((entry): entry is CapturedHttp => entry.kind === 'http')
}

/** The first captured event of a type (and matching). */
export function capturedEvent (name: string, type: string, match: (event: Json) => boolean = () => true): Json {
  const found = capturedEvents(name).find((entry) => entry.type === type && match(entry.event))
  if (found === undefined) throw new Error(`no ${type} in capture ${name}`)
  return found.event
}

/** Keys of an object and, one level down, of its object members, for comparing shapes. */
export function shape (value: Json): Record<string, string[]> {
  const out: Record<string, string[]> = { '.': Object.keys(value) }
  for (const [key, member] of Object.entries(value)) {
    if (typeof member === 'object' && member !== null && !Array.isArray(member)) {
      for (const [sub, subShape] of Object.entries(shape(member as Json))) out[sub === '.' ? key : `${key}.${sub}`] = subShape
    }
  }
  return out
}
