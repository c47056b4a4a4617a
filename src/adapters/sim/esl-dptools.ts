// The mod_dptools applications the simulator runs (src/mod/applications/mod_dptools/
// mod_dptools.c): answer, playback (playback_function and its on_dtmf terminators), hangup,
// park, set/export/unset, sleep, and mod_conference's conference; play_and_get_digits is in
// esl-pagd.ts. An app reads its data from `ctx.arg` and ends when its promise settles.

import { RESPONSE_VARIABLE, type AppContext } from './esl-app-context.js'
import { causeName } from './esl-causes.js'
import { playAndGetDigits } from './esl-pagd.js'

export type AppImpl = (ctx: AppContext) => Promise<void>

/** `room@profile+flags{…}` → room and profile (mod_conference conference_function). */
function conferenceTarget (arg: string): { room: string, profile: string } {
  const room = arg.split(/[@+]/)[0] ?? ''
  const at = arg.indexOf('@')
  const profile = at < 0 ? 'default' : (arg.slice(at + 1).split(/[+{]/)[0] ?? 'default')
  return { room, profile: profile === '' ? 'default' : profile }
}

export const DPTOOLS: Readonly<Record<string, AppImpl>> = {
  answer: async (ctx) => {
    await ctx.host.model.answer(ctx.id).catch(() => undefined)
  },
  playback: async (ctx) => {
    // mod_dptools playback_function: DTMF stops it only if `playback_terminators` holds the key.
    ctx.setVar('playback_terminator_used', undefined)
    const file = ctx.arg.split('@@')[0] ?? ''
    if (file === '') {
      ctx.setVar(RESPONSE_VARIABLE, 'PLAYBACK ERROR')
      return
    }
    ctx.preAnswer()
    const setting = ctx.getVar('playback_terminators')?.toLowerCase()
    const terminators = setting === 'any' ? '1234567890*#' : setting === 'none' ? '' : (setting ?? '')
    ctx.running.onDigit = () => {
      const digit = ctx.takeDigit()
      if (digit === undefined || !terminators.includes(digit.toLowerCase())) return
      ctx.setVar('playback_terminator_used', digit)
      ctx.host.model.stopPlayback(ctx.id)
    }
    ctx.running.onPlayback = (status) => {
      ctx.setVar(RESPONSE_VARIABLE, status === 'failed' ? 'FILE NOT FOUND' : 'FILE PLAYED')
    }
    await ctx.play(file, false, () => { while (ctx.queuedDigits > 0) ctx.running.onDigit?.() })
  },
  play_and_get_digits: playAndGetDigits,
  hangup: async (ctx) => {
    ctx.host.model.hangup(ctx.id, ctx.arg === '' ? 'NORMAL_CLEARING' : causeName(ctx.arg), 'switch')
    await Promise.resolve()
  },
  park: async (ctx) => {
    ctx.running.park = true
    const channel = ctx.channel
    if (channel !== undefined) ctx.host.raiseChannel('CHANNEL_PARK', channel)
    await ctx.waitAbort()
  },
  conference: async (ctx) => {
    const { room, profile } = conferenceTarget(ctx.arg)
    ctx.host.conferenceProfile(room, profile)
    ctx.running.conference = true
    let memberId: number
    try {
      memberId = ctx.host.model.joinConference(ctx.id, room)
    } catch {
      return
    }
    ctx.setVar('conference_name', room)
    ctx.setVar('conference_member_id', String(memberId))
    ctx.setVar('conference_moderator', 'false')
    ctx.setVar('conference_ghost', 'false')
    const id = ctx.host.model.conference(room)?.id
    if (id !== undefined) ctx.setVar('conference_uuid', id)
    // Ends when the member leaves: kicked, transferred away, or hung up.
    await ctx.waitAbort()
  },
  sleep: async (ctx) => {
    const ms = Number.parseInt(ctx.arg, 10)
    if (Number.isFinite(ms) && ms > 0) await ctx.sleep(ms)
  },
  set: async (ctx) => {
    setVariable(ctx, ctx.arg)
    await Promise.resolve()
  },
  export: async (ctx) => {
    setVariable(ctx, ctx.arg)
    // export_function also lists the name in export_vars, for the legs the channel originates
    // (12_transfer_hunt_setup: variable_export_vars RFC2822_DATE after `export RFC2822_DATE=…`).
    const name = ctx.arg.split('=')[0] ?? ''
    const listed = (ctx.getVar('export_vars') ?? '').split(',').filter((n) => n !== '')
    if (name !== '' && !listed.includes(name)) ctx.setVar('export_vars', [...listed, name].join(','))
    await Promise.resolve()
  },
  unset: async (ctx) => {
    ctx.setVar(ctx.arg, undefined)
    await Promise.resolve()
  },
  log: async () => { await Promise.resolve() },
  info: async () => { await Promise.resolve() }
}

/** `set name=value`; an empty value unsets the variable. */
function setVariable (ctx: AppContext, arg: string): void {
  const eq = arg.indexOf('=')
  if (eq <= 0) return
  const value = arg.slice(eq + 1)
  ctx.setVar(arg.slice(0, eq), value === '' ? undefined : value)
}
