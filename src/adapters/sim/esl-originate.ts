// The `originate` API (mod_commands originate_function, switch_ivr_originate):
// `originate <call url> <exten>|&<app>(<args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]`
// with `{var=val,…}` (and `[…]`) variables before the call url. Output `+OK <uuid>\n` or
// `-ERR <CAUSE>\n`; the leg then runs its app (`&park()` parks it, capture 04) or its extension.

import { randomUUID } from 'node:crypto'
import { parseInline } from './esl-apps.js'
import { causeName } from './esl-causes.js'
import type { EslProjector } from './esl-projector.js'
import type { SimInstall } from './sim-install.js'

type PhoneState = 'absent' | 'unregistered' | 'registered'

export const ORIGINATE_SYNTAX = '<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]'

/** FreeSWITCH's default originate_timeout and caller ID number when none is given (capture 09). */
const DEFAULT_TIMEOUT_SEC = 60
const DEFAULT_CID_NUMBER = '0000000000'
/** How much sooner than originate_timeout an unanswered leg is given up (captures 06, 12_transfer_hunt). */
export const ORIGINATE_TIMEOUT_SHORT_MS = 500

export interface ApiResult {
  body: string
  /** Runs once the output went out (api) or the BACKGROUND_JOB was raised (bgapi). */
  after?: () => void
}

/** switch_separate_string: spaces split, quoted parts stay whole (quotes removed). */
export function splitArgs (text: string): string[] {
  const out: string[] = []
  let current = ''
  let quote = ''
  let started = false
  for (const c of text) {
    if (quote !== '') {
      if (c === quote) quote = ''
      else current += c
    } else if (c === '\'' || c === '"') {
      quote = c
      started = true
    } else if (c === ' ') {
      if (started || current !== '') out.push(current)
      current = ''
      started = false
    } else {
      current += c
    }
  }
  if (started || current !== '') out.push(current)
  return out
}

/** Leading `{a=b,c=d}` and `[…]` groups of a call url, and what remains. */
export function splitDialVars (url: string): { vars: Map<string, string>, rest: string } {
  const vars = new Map<string, string>()
  let rest = url
  for (;;) {
    const open = rest[0]
    const close = open === '{' ? '}' : open === '[' ? ']' : open === '<' ? '>' : undefined
    if (close === undefined) break
    const end = rest.indexOf(close)
    if (end < 0) break
    for (const pair of rest.slice(1, end).split(',')) {
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      vars.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).replace(/^['"]|['"]$/g, ''))
    }
    rest = rest.slice(end + 1)
  }
  return { vars, rest }
}

export type Endpoint =
  | { kind: 'dial', number: string, channelName: string | undefined, module: string, via: 'trunk' | 'phone' }
  | { kind: 'fail', cause: string }

/**
 * The number the model dials, from the endpoint modules a controller uses, checked against
 * what is installed (mod_sofia, mod_dptools user_outgoing_channel):
 * `sofia/gateway/<gw>/<user>` needs the gateway (INVALID_GATEWAY), `sofia/<profile>/<user>@<host>`
 * the profile (INVALID_PROFILE); `user/<user>[@domain]` needs a directory user
 * (SUBSCRIBER_ABSENT) that has registered (USER_NOT_REGISTERED); `error/<cause>` fails with
 * that cause; other modules are not loaded (CHAN_NOT_IMPLEMENTED).
 */
export function parseEndpoint (url: string, install: SimInstall, phone: (extension: string) => PhoneState): Endpoint {
  // `,` rings several at once, `|` one after another, `:_:` enterprise: the first one is dialled.
  const target = url.split(':_:')[0]?.split(/[,|]/)[0] ?? ''
  const parts = target.split('/')
  const module = (parts[0] ?? '').toLowerCase()
  const user = (text: string | undefined): string => (text ?? '').split(/[@;%]/)[0] ?? ''
  if (module === 'error') return { kind: 'fail', cause: causeName(parts[1] ?? '') }
  if (module === 'sofia' && parts[1]?.toLowerCase() === 'gateway' && parts.length >= 4) {
    if (parts[2] !== install.gateway) return { kind: 'fail', cause: 'INVALID_GATEWAY' }
    const number = user(parts.slice(3).join('/'))
    return number === '' ? { kind: 'fail', cause: 'INVALID_URL' } : { kind: 'dial', number, channelName: target, module, via: 'trunk' }
  }
  if (module === 'sofia' && parts.length >= 3) {
    if (parts[1] !== install.profile) return { kind: 'fail', cause: 'INVALID_PROFILE' }
    const number = user(parts.slice(2).join('/'))
    return number === '' ? { kind: 'fail', cause: 'INVALID_URL' } : { kind: 'dial', number, channelName: target, module, via: 'trunk' }
  }
  if (module === 'user' && parts.length >= 2) {
    const number = user(parts[1])
    const state = phone(number)
    if (state === 'absent') return { kind: 'fail', cause: 'SUBSCRIBER_ABSENT' }
    if (state === 'unregistered') return { kind: 'fail', cause: 'USER_NOT_REGISTERED' }
    return { kind: 'dial', number, channelName: undefined, module, via: 'phone' }
  }
  return { kind: 'fail', cause: 'CHAN_NOT_IMPLEMENTED' }
}

export interface DialLeg {
  /** The call url, variables included. */
  url: string
  cidName?: string | undefined
  cidNumber?: string | undefined
  timeoutSec?: number | undefined
  /** The app the answered leg runs, and what happens after it (`hangup` for an originate). */
  app: { name: string, arg: string }
}

export type DialResult = { ok: true, id: string } | { ok: false, cause: string }

/** Dials one leg through the model; the answered leg is left for the caller to start its app. */
export async function dialLeg (projector: EslProjector, leg: DialLeg): Promise<DialResult> {
  const { vars, rest } = splitDialVars(leg.url)
  const model = projector.model
  const endpoint = parseEndpoint(rest, model.install, (extension) => model.phone(extension))
  if (endpoint.kind === 'fail') return { ok: false, cause: endpoint.cause }
  const id = vars.get('origination_uuid') ?? randomUUID()
  const cidNumber = vars.get('origination_caller_id_number') ?? leg.cidNumber ?? DEFAULT_CID_NUMBER
  const cidName = vars.get('origination_caller_id_name') ?? leg.cidName ?? ''
  const varTimeout = Number.parseInt(vars.get('originate_timeout') ?? '', 10)
  const timeoutSec = Number.isFinite(varTimeout) && varTimeout > 0 ? varTimeout : (leg.timeoutSec ?? DEFAULT_TIMEOUT_SEC)
  const variables: Record<string, string> = {}
  for (const [name, value] of vars) if (name !== 'origination_uuid') variables[name] = value
  variables.originate_early_media = 'true'
  variables.originate_endpoint = endpoint.module
  projector.expectOriginate(id, cidName, leg.app)
  try {
    const result = await projector.model.originate({
      number: endpoint.number,
      via: endpoint.via,
      channelId: id,
      callerIdNumber: cidNumber,
      ...(cidName === '' ? {} : { callerIdName: cidName }),
      // FreeSWITCH gives up on an unanswered leg about half a second before originate_timeout
      // (capture 06: NO_ANSWER 4.44 s after originate_timeout=5; for 20, 19.44 s in
      // 12_transfer_hunt and 19.58 s on another call of that day, captures README).
      timeoutMs: timeoutSec * 1000 - ORIGINATE_TIMEOUT_SHORT_MS,
      ...(endpoint.channelName === undefined ? {} : { channelName: endpoint.channelName }),
      variables
    })
    return result.ok ? { ok: true, id: result.channel.id } : { ok: false, cause: result.cause }
  } catch {
    return { ok: false, cause: 'NORMAL_TEMPORARY_FAILURE' }
  } finally {
    projector.forgetOriginate(id)
  }
}

/** The answered leg runs `&app(args)` (then hangs up) or its extension; FS sets CS_EXECUTE for an app. */
export function startLeg (projector: EslProjector, id: string, exten: string, dialplan: string): void {
  const channel = projector.live(id)
  if (channel === undefined) return
  const view = projector.view(channel)
  view.hitDialplan = true
  if (exten.startsWith('&') && exten.length > 1) {
    const { name, arg } = appOf(exten)
    projector.setState(channel, 'CS_EXECUTE', 4)
    projector.apps.startOuter(id, [{ name, arg, uuid: randomUUID() }], 'hangup')
    return
  }
  projector.setState(channel, 'CS_ROUTING', 2)
  if (dialplan.toLowerCase() !== 'inline') {
    // No XML dialplan is loaded here: every extension is unroutable.
    projector.model.hangup(id, 'NO_ROUTE_DESTINATION', 'switch')
    return
  }
  projector.setState(channel, 'CS_EXECUTE', 4)
  projector.apps.startOuter(id, parseInline(exten).map((app) => ({ ...app, uuid: randomUUID() })), 'hangup')
}

/** `&park()` → park, ``; `&playback(/x.wav)` → playback, `/x.wav`. */
export function appOf (exten: string): { name: string, arg: string } {
  let text = exten.slice(1)
  const close = text.indexOf(')')
  if (close >= 0) text = text.slice(0, close)
  const open = text.indexOf('(')
  return open < 0 ? { name: text, arg: '' } : { name: text.slice(0, open), arg: text.slice(open + 1) }
}

export async function originate (projector: EslProjector, arg: string | undefined): Promise<ApiResult> {
  const argv = splitArgs(arg ?? '').map((token) => token.toLowerCase() === 'undef' ? '' : token)
  if (argv.length < 2 || argv.length > 7) return { body: `-USAGE: ${ORIGINATE_SYNTAX}\n` }
  const [url = '', exten = '', dialplan = '', , cidName = '', cidNumber = '', timeout = ''] = argv
  const exec = exten.startsWith('&') ? appOf(exten) : { name: 'park', arg: '' }
  const timeoutSec = Number.parseInt(timeout, 10)
  const result = await dialLeg(projector, {
    url,
    cidName: cidName === '' ? undefined : cidName,
    cidNumber: cidNumber === '' ? undefined : cidNumber,
    timeoutSec: Number.isFinite(timeoutSec) && timeoutSec > 0 ? timeoutSec : undefined,
    app: exec
  })
  if (!result.ok) return { body: `-ERR ${result.cause}\n` }
  return {
    body: `+OK ${result.id}\n`,
    after: () => { startLeg(projector, result.id, exten, dialplan === '' ? 'XML' : dialplan) }
  }
}
