// /channels routes, with the checks and messages of res/ari/resource_channels.c:
// - find_control: 404 "Channel not found", 409 "Channel not in Stasis application";
// - channel_state_invalid: 412 "Channel in invalid state" for Down and Ringing channels
//   (outgoing legs not answered yet) on answer, ring, play, continue;
// - originate / create: 400 "Endpoint must be specified", "Invalid endpoint specified",
//   "Application or extension must be specified"; 409 for a channel id in use; 500
//   {"error":"Allocation failed"} when the channel driver cannot make the channel (capture 10:
//   PJSIP/nobody, PJSIP/9999@no-such-endpoint, Bogus/123), and while the switch shuts down
//   (14: "Channel allocation failed: Refusing due to active shutdown");
// - originate answers 200 with the channel in state Down (capture 04), timeout 30 s by default,
//   -1 for none; /dial needs a channel made by /channels/create, still Down (409 otherwise);
// - hangup: reason or reason_code, not both; an unknown reason is 400 "Invalid reason for
//   hangup reason provided" (capture 12).

import { randomUUID } from 'node:crypto'
import { AriChannel, OUTGOING_LINE, type CallerId } from './ari-channel.js'
import { HANGUP_REASONS } from './ari-causes.js'
import type { AriProjector } from './ari-projector.js'
import { ABSOLUTE_TIMEOUT } from './ari-timeouts.js'
import {
  allocationFailed, failure, intParam, listParam, noContent, ok, param,
  type AriReply, type AriRequest, type AriRouter
} from './ari-rest.js'

export interface ChannelRouteOptions {
  /** PJSIP endpoints that are trunks to the departments: `PJSIP/<number>@<trunk>` dials <number> through one. */
  trunks: readonly string[]
}

/** ARI's longest channel id (AST_MAX_PUBLIC_UNIQUEID). */
const MAX_UNIQUEID = 149
/** ari_channels_handle_originate_with_id: 30 s when no timeout is given. */
const DEFAULT_ORIGINATE_TIMEOUT_SEC = 30
/** A dial with no timeout rings until someone ends it. */
const NO_TIMEOUT_MS = Number.MAX_SAFE_INTEGER

/**
 * ast_callerid_parse: `"Name" <number>`, `Name <number>`, or a bare number; anything else is a name.
 */
export function parseCallerId (text: string | undefined): CallerId {
  if (text === undefined) return { name: '', number: '' }
  const angled = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>/.exec(text)
  if (angled !== null) return { name: (angled[1] ?? angled[2] ?? '').trim(), number: (angled[3] ?? '').trim() }
  const bare = text.trim()
  return /^[+0-9*#()\-. ]+$/.test(bare) ? { name: '', number: bare.replace(/[()\-. ]/g, '') } : { name: bare, number: '' }
}

type Resolved =
  | { kind: 'ok', number: string, endpoint: string, dialstring: string, via: 'trunk' | 'phone' }
  | { kind: 'reply', reply: AriReply }

/**
 * `PJSIP/<number>@<trunk>` dials through a configured trunk; `PJSIP/<endpoint>` dials a phone's
 * endpoint, which must be configured and registered (seen on Asterisk 22.10.1: an endpoint
 * with no contact, "Could not create dialog to invalid URI … Is endpoint registered", and an
 * unknown one both answer 500 Allocation failed). Any other technology or trunk is one
 * chan_pjsip cannot request: 500 Allocation failed.
 */
function resolveEndpoint (projector: AriProjector, options: ChannelRouteOptions, endpoint: string): Resolved {
  const slash = endpoint.indexOf('/')
  const tech = slash < 0 ? endpoint : endpoint.slice(0, slash)
  const device = slash < 0 ? '' : endpoint.slice(slash + 1)
  if (tech === '' || device === '') return { kind: 'reply', reply: failure(400, 'Invalid endpoint specified') }
  if (tech.toLowerCase() !== 'pjsip') return { kind: 'reply', reply: allocationFailed() }
  const at = device.indexOf('@')
  if (at >= 0) {
    const number = device.slice(0, at)
    const trunk = device.slice(at + 1)
    if (number === '' || !options.trunks.includes(trunk)) return { kind: 'reply', reply: allocationFailed() }
    return { kind: 'ok', number, endpoint: trunk, dialstring: device, via: 'trunk' }
  }
  if (projector.model.phone(device) !== 'registered') return { kind: 'reply', reply: allocationFailed() }
  return { kind: 'ok', number: device, endpoint: device, dialstring: device, via: 'phone' }
}

function idInUse (projector: AriProjector, id: string): boolean {
  return projector.channels.has(id) || projector.model.channel(id) !== undefined
}

/** String values of the JSON body's `variables` object (ARI: "Only string values … allowed"). */
function variablesOf (body: unknown): Record<string, string> | AriReply {
  if (typeof body !== 'object' || body === null || !('variables' in body)) return {}
  const vars: unknown = body.variables
  if (typeof vars !== 'object' || vars === null) return {}
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value !== 'string') return failure(400, "Only string values in the 'variables' object allowed")
    out[key] = value
  }
  return out
}

function isReply (value: unknown): value is AriReply {
  return typeof value === 'object' && value !== null && 'status' in value
}

/** find_control + channel_state_invalid. */
function control (projector: AriProjector, req: AriRequest, stateMatters: boolean): AriChannel | AriReply {
  const channel = projector.channels.get(req.params.channelId ?? '')
  if (channel === undefined || channel.cause !== undefined) return failure(404, 'Channel not found')
  if (!channel.inStasis) return failure(409, 'Channel not in Stasis application')
  if (stateMatters && (channel.state === 'Down' || channel.state === 'Ringing')) return failure(412, 'Channel in invalid state')
  return channel
}

function originate (projector: AriProjector, options: ChannelRouteOptions, req: AriRequest, channelId: string | undefined): AriReply {
  if (channelId !== undefined && channelId.length > MAX_UNIQUEID) return failure(400, `Uniqueid length exceeds maximum of ${MAX_UNIQUEID}`)
  const endpoint = param(req, 'endpoint')
  if (endpoint === undefined) return failure(400, 'Endpoint must be specified')
  const app = param(req, 'app')
  if (app === undefined && param(req, 'extension') === undefined) return failure(400, 'Application or extension must be specified')
  const variables = variablesOf(req.body)
  if (isReply(variables)) return variables
  const resolved = resolveEndpoint(projector, options, endpoint)
  if (resolved.kind === 'reply') return resolved.reply
  if (projector.model.state !== 'up') return allocationFailed()
  if (channelId !== undefined && idInUse(projector, channelId)) return failure(409, 'Channel with given unique ID already exists')
  const timeoutSec = intParam(req, 'timeout', DEFAULT_ORIGINATE_TIMEOUT_SEC)
  const timeoutMs = timeoutSec > 0 ? timeoutSec * 1000 : timeoutSec === -1 ? NO_TIMEOUT_MS : DEFAULT_ORIGINATE_TIMEOUT_SEC * 1000
  // The caller ID goes on the leg as its caller and its connected line (originate_with_id).
  const callerId = parseCallerId(param(req, 'callerId'))
  const allocated = projector.channels.allocate(resolved.endpoint)
  const channel = new AriChannel({
    language: projector.model.install.language,
    id: channelId ?? allocated.uniqueId,
    name: allocated.name,
    origin: 'originate',
    state: 'Down',
    createdAt: Date.now(),
    caller: callerId,
    connected: { ...callerId },
    dialplan: { context: projector.options.context, exten: 's', priority: 1, ...OUTGOING_LINE },
    number: resolved.number,
    via: resolved.via,
    dialstring: resolved.dialstring,
    ...(app === undefined ? {} : { app }),
    args: listParam(req, 'appArgs')
  })
  // The variables are the channel's from its creation (GET /channels/{id}/variable reads them).
  for (const [name, value] of Object.entries(variables)) channel.vars.set(name, value)
  projector.expect(channel)
  if (app !== undefined && projector.apps.json(app) !== undefined) projector.apps.subscribeChannel(app, channel.id)
  return ok(channel.json(), () => {
    projector.model.originate({
      number: resolved.number,
      via: resolved.via,
      channelId: channel.id,
      callerIdNumber: callerId.number,
      callerIdName: callerId.name,
      timeoutMs,
      channelName: channel.name,
      variables
    }).catch(() => { projector.unexpect(channel) })
  })
}

function create (projector: AriProjector, options: ChannelRouteOptions, req: AriRequest): AriReply {
  const endpoint = param(req, 'endpoint')
  if (endpoint === undefined) return failure(400, 'Endpoint must be specified')
  const app = param(req, 'app')
  if (app === undefined) return failure(400, 'Missing parameter app')
  const variables = variablesOf(req.body)
  if (isReply(variables)) return variables
  const resolved = resolveEndpoint(projector, options, endpoint)
  if (resolved.kind === 'reply') return resolved.reply
  if (projector.model.state !== 'up') return allocationFailed()
  const channelId = param(req, 'channelId')
  if (channelId !== undefined && idInUse(projector, channelId)) return failure(409, 'Channel with given unique ID already exists')
  const allocated = projector.channels.allocate(resolved.endpoint)
  const channel = new AriChannel({
    language: projector.model.install.language,
    id: channelId ?? allocated.uniqueId,
    name: allocated.name,
    origin: 'create',
    state: 'Down',
    createdAt: Date.now(),
    caller: { name: '', number: '' },
    dialplan: { context: projector.options.context, exten: 's', priority: 1, app_name: '', app_data: '' },
    number: resolved.number,
    via: resolved.via,
    dialstring: resolved.dialstring,
    app,
    args: listParam(req, 'appArgs')
  })
  channel.pending = true
  for (const [name, value] of Object.entries(variables)) channel.vars.set(name, value)
  projector.channels.add(channel)
  if (projector.apps.json(app) !== undefined) projector.apps.subscribeChannel(app, channel.id)
  return ok(channel.json(), () => { projector.startCreated(channel) })
}

function dial (projector: AriProjector, req: AriRequest): AriReply {
  const channel = control(projector, req, false)
  if (isReply(channel)) return channel
  if (channel.state !== 'Down' || (!channel.pending && channel.origin === 'create')) return failure(409, "Channel is not in the 'Down' state")
  if (channel.origin !== 'create') return failure(409, 'Dialing a channel not created by ARI')
  const timeoutSec = intParam(req, 'timeout', 0)
  return noContent(() => {
    projector.expect(channel)
    projector.model.originate({
      number: channel.number,
      via: channel.via,
      channelId: channel.id,
      callerIdNumber: channel.caller.number,
      callerIdName: channel.caller.name,
      timeoutMs: timeoutSec > 0 ? timeoutSec * 1000 : NO_TIMEOUT_MS,
      channelName: channel.name,
      variables: Object.fromEntries(channel.vars)
    }).catch(() => { projector.unexpect(channel) })
  })
}

function hangup (projector: AriProjector, req: AriRequest): AriReply {
  const channel = projector.channels.get(req.params.channelId ?? '')
  if (channel === undefined) return failure(404, 'Channel not found')
  const reason = param(req, 'reason')
  const reasonCode = param(req, 'reason_code')
  if (reason !== undefined && reasonCode !== undefined) return failure(400, "The reason and reason_code can't both be specified")
  let cause = HANGUP_REASONS.normal ?? 16
  if (reasonCode !== undefined) {
    const code = Number.parseInt(reasonCode, 10)
    if (Number.isNaN(code)) return failure(400, 'Invalid reason for hangup reason code provided')
    cause = code
  } else if (reason !== undefined) {
    const code = HANGUP_REASONS[reason]
    if (code === undefined) return failure(400, 'Invalid reason for hangup reason provided')
    cause = code
  }
  projector.hangup(channel, cause)
  return noContent()
}

function play (projector: AriProjector, req: AriRequest): AriReply {
  const channel = control(projector, req, true)
  if (isReply(channel)) return channel
  const media = listParam(req, 'media')
  if (media.length === 0) return failure(400, 'Missing parameter media')
  if (intParam(req, 'skipms', 0) < 0) return failure(400, 'skipms cannot be negative')
  if (intParam(req, 'offsetms', 0) < 0) return failure(400, 'offsetms cannot be negative')
  const id = req.params.playbackId ?? param(req, 'playbackId') ?? randomUUID()
  if (projector.playbacks.get(id) !== undefined) return failure(500, 'Failed to queue media for playback')
  const playback = projector.playbacks.create(id, media, param(req, 'lang') ?? channel.language, { channelId: channel.id })
  return {
    status: 201,
    body: playback.json(),
    headers: { Location: `/ari/playbacks/${encodeURIComponent(id)}` },
    after: () => { projector.playbacks.playOnChannel(playback) }
  }
}

export function addChannelRoutes (router: AriRouter, projector: AriProjector, options: ChannelRouteOptions): void {
  router.add('GET', '/channels', () => ok(projector.channels.list().map((channel) => channel.json())))
  router.add('POST', '/channels', (req) => originate(projector, options, req, param(req, 'channelId')))
  router.add('POST', '/channels/create', (req) => create(projector, options, req))
  router.add('GET', '/channels/{channelId}', (req) => {
    const channel = projector.channels.get(req.params.channelId ?? '')
    return channel === undefined ? failure(404, 'Channel not found') : ok(channel.json())
  })
  router.add('POST', '/channels/{channelId}', (req) => originate(projector, options, req, req.params.channelId))
  router.add('DELETE', '/channels/{channelId}', (req) => hangup(projector, req))
  router.add('POST', '/channels/{channelId}/continue', (req) => {
    const channel = control(projector, req, true)
    return isReply(channel) ? channel : noContent(() => { projector.continueInDialplan(channel) })
  })
  // res/ari/resource_channels.c ast_ari_channels_move: queued to the channel's Stasis loop,
  // 204 at once; an inactive target raises ApplicationMoveFailed (res_stasis.c).
  router.add('POST', '/channels/{channelId}/move', (req) => {
    const app = param(req, 'app')
    if (app === undefined) return failure(400, 'Missing parameter app')
    const channel = control(projector, req, false)
    if (isReply(channel)) return channel
    const args = (param(req, 'appArgs') ?? '').split(',').filter((a) => a !== '')
    return noContent(() => { projector.move(channel, app, args) })
  })
  router.add('POST', '/channels/{channelId}/answer', (req) => {
    const channel = control(projector, req, true)
    if (isReply(channel)) return channel
    projector.model.answer(channel.id).catch(() => {})
    return noContent()
  })
  const ring = (req: AriRequest): AriReply => {
    const channel = control(projector, req, true)
    // Ringing is an indication to the caller's phone (180); no event follows (capture 01).
    return isReply(channel) ? channel : noContent()
  }
  router.add('POST', '/channels/{channelId}/ring', ring)
  router.add('DELETE', '/channels/{channelId}/ring', ring)
  router.add('POST', '/channels/{channelId}/play', (req) => play(projector, req))
  router.add('POST', '/channels/{channelId}/play/{playbackId}', (req) => play(projector, req))
  router.add('POST', '/channels/{channelId}/dial', (req) => dial(projector, req))
  // resource_channels.c ast_ari_channels_get_channel_var / set_channel_var: a variable never
  // set is 404 "Provided variable was not found"; a set is 204.
  router.add('GET', '/channels/{channelId}/variable', (req) => {
    const variable = param(req, 'variable')
    if (variable === undefined) return failure(400, 'Variable name is required')
    const channel = projector.channels.get(req.params.channelId ?? '')
    if (channel === undefined) return failure(404, 'Provided channel was not found')
    const value = ABSOLUTE_TIMEOUT.test(variable) ? projector.timeouts.read(channel.id) : channel.vars.get(variable)
    return value === undefined ? failure(404, 'Provided variable was not found') : ok({ value })
  })
  router.add('POST', '/channels/{channelId}/variable', (req) => {
    const variable = param(req, 'variable')
    if (variable === undefined) return failure(400, 'Variable name is required')
    const channel = projector.channels.get(req.params.channelId ?? '')
    if (channel === undefined) return failure(404, 'Provided channel was not found')
    const value = req.query.get('value') ?? ''
    const reply = noContent(() => {
      if (ABSOLUTE_TIMEOUT.test(variable)) projector.timeouts.set(channel, value)
      else channel.vars.set(variable, value)
    })
    // Run by the channel's Stasis thread (control.c app_control_set_channel_var): behind a playback.
    return channel.inStasis ? { ...reply, wait: projector.playbacks.idle(channel.id) } : reply
  })
}
