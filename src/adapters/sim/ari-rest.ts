// The ARI REST routes under /ari, and the reply shapes res_ari writes: JSON bodies, errors as
// `{"message": …}` (ast_ari_response_error) except an allocation failure, which is
// `{"error": "Allocation failed"}` with 500 (ast_ari_response_alloc_failed; capture 10), 404
// "Resource not found" for an unknown path and 405 "Invalid method" with an Allow header for a
// known path and the wrong method (capture 10: `Allow: OPTIONS,GET,POST` for PUT /channels).
// Handlers run synchronously: the events an operation raises are written to the event sockets
// before its reply when Asterisk raises them while handling the request (answer, hangup,
// addChannel: captures 02, 07, 09); work Asterisk hands to another thread (originate, dial,
// play, continue) runs in `after`, once the reply is written (captures 02, 04, 08).

import { release } from 'node:os'
import type { AriProjector } from './ari-projector.js'
import { ariTime } from './ari-channel.js'

export interface AriRequest {
  method: string
  /** Path parameters by declared name (`channelId`, …). */
  params: Readonly<Record<string, string>>
  /** Query parameters and the body's top-level keys; repeated names are joined with commas. */
  query: ReadonlyMap<string, string>
  /** The parsed JSON body, if any. */
  body: unknown
}

export interface AriReply {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** Runs after the reply was written. */
  after?: () => void
  /** The command waits for this before it runs and is answered (queued behind a playback). */
  wait?: Promise<void>
}

export type AriHandler = (req: AriRequest) => AriReply

export function ok (body: unknown, after?: () => void): AriReply {
  return after === undefined ? { status: 200, body } : { status: 200, body, after }
}

export function noContent (after?: () => void): AriReply {
  return after === undefined ? { status: 204 } : { status: 204, after }
}

export function failure (status: number, message: string): AriReply {
  return { status, body: { message } }
}

export function allocationFailed (): AriReply {
  return { status: 500, body: { error: 'Allocation failed' } }
}

/** A query parameter, absent when missing or empty (Asterisk treats both alike: ast_strlen_zero). */
export function param (req: AriRequest, name: string): string | undefined {
  const value = req.query.get(name)
  return value === undefined || value === '' ? undefined : value
}

export function intParam (req: AriRequest, name: string, fallback: number): number {
  const value = Number.parseInt(param(req, name) ?? '', 10)
  return Number.isNaN(value) ? fallback : value
}

/** An allowMultiple parameter: comma-separated values (swagger-client joins arrays with commas). */
export function listParam (req: AriRequest, name: string): string[] {
  return (param(req, name) ?? '').split(',').map((value) => value.trim()).filter((value) => value !== '')
}

interface Route {
  readonly method: string
  readonly segments: readonly string[]
  readonly handler: AriHandler
}

export type RouteMatch =
  | { kind: 'found', handler: AriHandler, params: Record<string, string> }
  | { kind: 'method', allow: string[] }
  | { kind: 'none' }

/** Paths as the declarations write them (`/channels/{channelId}/play`); literal segments win over parameters. */
export class AriRouter {
  readonly #routes: Route[] = []

  add (method: string, path: string, handler: AriHandler): void {
    this.#routes.push({ method, segments: path.split('/').filter((s) => s !== ''), handler })
  }

  /** The declared [method, path] pairs, for checking them against the declarations. */
  routes (): Array<[string, string]> {
    return this.#routes.map((route) => [route.method, `/${route.segments.join('/')}`])
  }

  match (method: string, path: string): RouteMatch {
    const parts = path.split('/').filter((s) => s !== '').map((s) => safeDecode(s))
    let best: { route: Route, params: Record<string, string>, literals: number } | undefined
    const allow = new Set<string>()
    for (const route of this.#routes) {
      const matched = matchSegments(route.segments, parts)
      if (matched === undefined) continue
      if (route.method !== method) {
        allow.add(route.method)
        continue
      }
      if (best === undefined || matched.literals > best.literals) best = { route, ...matched }
    }
    if (best !== undefined) return { kind: 'found', handler: best.route.handler, params: best.params }
    if (allow.size > 0) return { kind: 'method', allow: ['OPTIONS', ...allow] }
    return { kind: 'none' }
  }
}

function safeDecode (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function matchSegments (pattern: readonly string[], parts: readonly string[]): { params: Record<string, string>, literals: number } | undefined {
  if (pattern.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  let literals = 0
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] ?? ''
    const got = parts[i] ?? ''
    if (want.startsWith('{') && want.endsWith('}')) {
      params[want.slice(1, -1)] = got
    } else if (want === got) {
      literals++
    } else {
      return undefined
    }
  }
  return { params, literals }
}

function buildDate (ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** The Asterisk version the simulator answers as (capture 00: Server: Asterisk/22.10.1). */
export const ASTERISK_VERSION = '22.10.1'

/** GET /asterisk/info, /asterisk/ping, /applications, /applications/{applicationName}, /playbacks/{playbackId}. */
export function addCommonRoutes (router: AriRouter, projector: AriProjector): void {
  router.add('GET', '/asterisk/info', (req) => {
    const started = ariTime(projector.startedAt)
    const info: Record<string, unknown> = {
      // The build date reads like `2026-11-22 10:14:58 UTC` (capture 00), not like the other times.
      build: { os: 'Linux', kernel: release(), machine: 'x86_64', options: 'OPTIONAL_API', date: buildDate(projector.startedAt), user: 'root' },
      system: { version: ASTERISK_VERSION, entity_id: projector.asteriskId },
      config: { name: '', default_language: 'en', setid: { user: '', group: '' } },
      status: { startup_time: started, last_reload_time: started }
    }
    const only = listParam(req, 'only')
    return ok(only.length === 0 ? info : Object.fromEntries(Object.entries(info).filter(([key]) => only.includes(key))))
  })
  router.add('GET', '/asterisk/ping', () => ok({ asterisk_id: projector.asteriskId, ping: 'pong', timestamp: ariTime(Date.now()) }))
  router.add('GET', '/applications', () => ok(projector.apps.list()))
  router.add('GET', '/applications/{applicationName}', (req) => {
    const app = projector.apps.json(req.params.applicationName ?? '')
    return app === undefined ? failure(404, 'Application not found') : ok(app)
  })
  // POST /applications/{app}/subscription?eventSource=…: the app also gets a channel's or a
  // bridge's events (res/ari/resource_applications.c: 404 no such app, 422 no such source).
  router.add('POST', '/applications/{applicationName}/subscription', (req) => {
    const name = req.params.applicationName ?? ''
    const sources = listParam(req, 'eventSource')
    if (sources.length === 0) return failure(400, 'Missing parameter eventSource')
    if (projector.apps.json(name) === undefined) return failure(404, 'Application not found')
    for (const source of sources) {
      const [kind, id = ''] = source.split(/:(.*)/s)
      const known = kind === 'channel' ? projector.channels.get(id) !== undefined : kind === 'bridge' ? projector.bridges.get(id) !== undefined : false
      if (!known) return failure(422, `Event source '${source}' not found`)
    }
    for (const source of sources) {
      const [kind, id = ''] = source.split(/:(.*)/s)
      if (kind === 'channel') projector.apps.subscribeChannel(name, id)
      else projector.apps.subscribeBridge(name, id)
    }
    return ok(projector.apps.json(name))
  })
  // GET /sounds[?lang=][&format=] and /sounds/{soundId}: what is installed. The prompts are
  // built as .ulaw, .alaw and .wav, which Asterisk lists as ulaw, alaw and slin (seen on
  // 22.10.1 with files under sounds/zh/).
  const install = projector.model.install
  const sound = (id: string): Record<string, unknown> => ({
    id, formats: ['ulaw', 'alaw', 'slin'].map((format) => ({ language: install.language, format }))
  })
  router.add('GET', '/sounds', (req) => {
    const lang = param(req, 'lang')
    const format = param(req, 'format')
    const fits = (lang === undefined || lang === install.language) && (format === undefined || ['ulaw', 'alaw', 'slin'].includes(format))
    return ok(fits ? install.sounds.map(sound) : [])
  })
  router.add('GET', '/sounds/{soundId}', (req) => {
    const id = req.params.soundId ?? ''
    return install.sounds.includes(id) ? ok(sound(id)) : failure(404, 'Sound not found')
  })
  router.add('GET', '/playbacks/{playbackId}', (req) => {
    const playback = projector.playbacks.get(req.params.playbackId ?? '')
    return playback === undefined ? failure(404, 'Playback not found') : ok(playback.json())
  })
  router.add('DELETE', '/playbacks/{playbackId}', (req) => {
    const playback = projector.playbacks.get(req.params.playbackId ?? '')
    if (playback === undefined) return failure(404, 'Playback not found')
    projector.playbacks.stop(playback)
    return noContent()
  })
}
