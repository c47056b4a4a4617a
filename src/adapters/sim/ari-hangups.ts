// How Asterisk 22 reports a channel's hangup over ARI: the fields of its ChannelHangupRequest
// (or that none is raised) and the cause its ChannelDestroyed will carry, by what ended it
// (test/fixtures/captures/asterisk-22.10.1/):
// - DELETE /channels/{id}: hangupcause set, then ast_softhangup(AST_SOFTHANGUP_EXPLICIT), which
//   publishes its own request (32, soft) at once, one per DELETE (09, 15 part A); the cause
//   shows in ChannelDestroyed;
// - a shutdown: ast_softhangup_all(AST_SOFTHANGUP_SHUTDOWN) gives every channel a request
//   4 soft; an answered channel is then destroyed with 16, one still ringing with no cause at
//   all, 0 "Unknown" (14: CANCEL with Reason Q.850;cause=0);
// - a far end's BYE or refusal: chan_pjsip queues the hangup with its cause (05: 17 with
//   tech_cause 486) unless the channel's hangupcause is already set, when it queues one with no
//   cause: seen for a BYE on a channel in a bridge it never left (13, 15 B and C); after it had
//   once left a bridge the BYE reads 16 (15 D);
// - an originate's ring timeout: main/dial.c drops the leg with no request at all (06), a
//   /dial timeout is a soft hangup 32 (08).

import type { SimChannel } from './model-types.js'
import type { AriChannel } from './ari-channel.js'
import { CAUSE, SOFTHANGUP_EXPLICIT, ariCauseOf, causeToSip } from './ari-causes.js'

/** AST_SOFTHANGUP_SHUTDOWN: the `cause` of the requests a shutdown raises (14). */
export const SOFTHANGUP_SHUTDOWN = 4

/** An Asterisk hangup cause with its tech cause (the SIP response), when there is one. */
export interface AriCause { code: number, tech?: number }

export interface HangupReport {
  /** The ChannelHangupRequest's own fields, put before `type`; undefined when none is raised. */
  request: Record<string, unknown> | undefined
  cause: AriCause
  /** The dial ran into its ring timeout (no final Dial event follows). */
  timedOut?: true
}

export function withTech (code: number, tech: number | undefined): AriCause {
  return tech === undefined ? { code } : { code, tech }
}

/** The `tech_cause` key of an event, present only when there is a tech cause. */
export function techOf (tech: number | undefined): { tech_cause?: number } {
  return tech === undefined ? {} : { tech_cause: tech }
}

/** The request a DELETE raises, at once and for each DELETE. */
export const EXPLICIT_REQUEST: Readonly<Record<string, unknown>> = { cause: SOFTHANGUP_EXPLICIT, soft: true }

/** What ARI shows of the model hanging `channel` up with `cause` (its Q.850 `q850`). */
export function reportHangup (channel: AriChannel, modelChannel: SimChannel, cause: string, q850: number): HangupReport {
  const requested = channel.requestedCause
  // A DELETE raised its requests already; its cause is the one set.
  if (requested !== undefined) return { request: undefined, cause: withTech(requested, causeToSip(requested)) }
  if (cause === 'SYSTEM_SHUTDOWN') {
    return { request: { cause: SOFTHANGUP_SHUTDOWN, soft: true }, cause: { code: channel.state === 'Up' ? CAUSE.NORMAL_CLEARING : 0 } }
  }
  const side = modelChannel.hangupSide
  if (channel.dialing && cause === 'NO_ANSWER' && side === 'switch') {
    // control.c bridge_timeout soft-hangs a /dial leg up; dial.c drops an originate's leg silently.
    const request = channel.origin === 'create' ? { ...EXPLICIT_REQUEST } : undefined
    return { request, cause: withTech(CAUSE.NO_ANSWER, causeToSip(CAUSE.NO_ANSWER)), timedOut: true }
  }
  if (side === 'remote' && cause === 'NORMAL_CLEARING' && channel.bridgeId !== undefined && !channel.leftBridge) {
    return { request: {}, cause: { code: CAUSE.NORMAL_CLEARING } }
  }
  const status = Number.parseInt(modelChannel.variables.get('sip_term_status') ?? '', 10)
  const reported = ariCauseOf(cause, q850, Number.isNaN(status) ? undefined : status)
  return {
    request: { cause: reported.code, ...techOf(reported.tech) },
    cause: withTech(reported.code, reported.tech ?? causeToSip(reported.code))
  }
}
