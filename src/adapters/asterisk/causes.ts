// Asterisk hangup causes and dial statuses → the port's normalised outcomes.
//
// Asterisk reports why a channel ended as a Q.850 cause number (`ChannelDestroyed.cause`,
// `ChannelHangupRequest.cause`) with the text of its cause table (`cause_txt`): the codes are
// Asterisk's causes.h `AST_CAUSE_*`, the texts main/channel.c `causes[]` (what
// `ast_cause2str` prints, e.g. 17 "User busy", 19 "User alerting, no answer"). chan_pjsip maps
// SIP answers to these causes in `hangup_sip2cause`: 404/485/604 → 1, 408 → 18, 480/483 → 19,
// 486/600 → 17, 403/603 → 21, 503 → 34, 502 → 27, 500 → 38, 504 → 102.
//
// Real Asterisk 22.10.1 (test/fixtures/captures/asterisk-22.10.1/, 05, 06, 08) often ends a
// busy or unanswered dial with NO final `Dial` event, so the cause decides; `dialstatus`
// (app_dial's DIALSTATUS words) is only a hint for causes that say nothing specific.

import type { HangupCause, HangupReason } from '../../ports/switch.js'
import type { DialOutcomeKind } from '../../domain/transfer-record.js'

type Failure = Exclude<DialOutcomeKind, 'answered'>

interface CauseRow {
  /** `cause_txt` as Asterisk prints it. */
  text: string
  /** Outcome of a dial that ended with this cause before it was answered. */
  dial: Failure
}

/** The causes the controller treats specially; any other code is `failed` with its text. */
export const ASTERISK_CAUSES: Readonly<Record<number, CauseRow>> = {
  1: { text: 'Unallocated (unassigned) number', dial: 'unreachable' },
  2: { text: 'No route to specified transmit network', dial: 'unreachable' },
  3: { text: 'No route to destination', dial: 'unreachable' },
  16: { text: 'Normal Clearing', dial: 'failed' },
  17: { text: 'User busy', dial: 'busy' },
  18: { text: 'No user responding', dial: 'no-answer' },
  19: { text: 'User alerting, no answer', dial: 'no-answer' },
  20: { text: 'Subscriber absent', dial: 'unreachable' },
  21: { text: 'Call Rejected', dial: 'rejected' },
  22: { text: 'Number changed', dial: 'unreachable' },
  26: { text: 'Answered elsewhere', dial: 'cancelled' },
  27: { text: 'Destination out of order', dial: 'unreachable' },
  28: { text: 'Invalid number format', dial: 'unreachable' },
  31: { text: 'Normal, unspecified', dial: 'failed' },
  34: { text: 'Circuit/channel congestion', dial: 'unreachable' },
  38: { text: 'Network out of order', dial: 'unreachable' },
  41: { text: 'Temporary failure', dial: 'unreachable' },
  42: { text: 'Switching equipment congestion', dial: 'unreachable' },
  44: { text: 'Requested channel not available', dial: 'unreachable' },
  58: { text: 'Bearer capability not available', dial: 'failed' },
  102: { text: 'Recovery on timer expiry', dial: 'unreachable' },
  127: { text: 'Interworking, unspecified', dial: 'failed' }
}

/** The dial outcome of a leg that ended with this cause before it was answered. */
export function dialOutcomeOfCause (q850: number | undefined): Failure {
  return q850 === undefined ? 'failed' : ASTERISK_CAUSES[q850]?.dial ?? 'failed'
}

export function causeText (q850: number | undefined): string | undefined {
  return q850 === undefined ? undefined : ASTERISK_CAUSES[q850]?.text
}

/**
 * app_dial's DIALSTATUS words (also `Dial.dialstatus` in ARI). RINGING, PROGRESS and the empty
 * first status are not final: undefined.
 */
export const DIAL_STATUS_OUTCOMES: Readonly<Record<string, DialOutcomeKind>> = {
  ANSWER: 'answered',
  BUSY: 'busy',
  NOANSWER: 'no-answer',
  CANCEL: 'cancelled',
  CONGESTION: 'unreachable',
  CHANUNAVAIL: 'unreachable',
  DONTCALL: 'rejected',
  TORTURE: 'rejected',
  INVALIDARGS: 'failed'
}

export function dialOutcomeOfStatus (dialstatus: string | undefined): DialOutcomeKind | undefined {
  return dialstatus === undefined ? undefined : DIAL_STATUS_OUTCOMES[dialstatus]
}

/**
 * The outcome of a dial that ended unanswered: the cause decides; a last `Dial` status is used
 * only when the cause is unspecific (`failed`, e.g. 16 before any answer).
 *
 * 18 "No user responding" is what chan_pjsip makes of a SIP 408 (`hangup_sip2cause`): an
 * INVITE nobody answered at all. A leg that never rang with it is `unreachable`; one that rang
 * and then timed out is `no-answer`.
 */
export function unansweredOutcome (q850: number | undefined, lastDialStatus: string | undefined, rang: boolean): Failure {
  if (q850 === 18 && !rang) return 'unreachable'
  const byCause = dialOutcomeOfCause(q850)
  if (byCause !== 'failed') return byCause
  const hint = dialOutcomeOfStatus(lastDialStatus)
  return hint === undefined || hint === 'answered' ? 'failed' : hint
}

/**
 * Soft hangup flags (channel.h `AST_SOFTHANGUP_*`) that mean Asterisk is going away, as the
 * `cause` of a ChannelHangupRequest with `soft: true`: 4 SHUTDOWN (`core stop`/`core restart`:
 * ast_softhangup_all, capture 14), 16 APPUNLOAD (a module the channel uses unloads).
 */
export const SOFTHANGUP_GOING_AWAY: ReadonlySet<number> = new Set([4, 16])

export function isSwitchGoingAway (softCause: number | undefined): boolean {
  return softCause !== undefined && SOFTHANGUP_GOING_AWAY.has(softCause)
}

/**
 * Replies to `POST /channels` that mean Asterisk is not there to dial, not that the number
 * failed: 503 `{"message":"Asterisk not booted"}` while it starts (res_ari). Its 500
 * `{"error":"Allocation failed"}` is that too while it shuts down (capture 14: "Channel
 * allocation failed: Refusing due to active shutdown"), and an endpoint it cannot reach
 * otherwise: ari-dialer.ts tells the two apart.
 */
export const NOT_BOOTED = 'Asterisk not booted'
export const ALLOCATION_FAILED = 'Allocation failed'

/**
 * Why a leg ended. 16 Normal Clearing is `normal` when the switch side asked for it (our DELETE,
 * a soft hangup request) and `remote-hangup` when the far end hung up.
 */
export function hangupCauseOf (q850: number | undefined, bySwitch: boolean): HangupCause {
  if (q850 === 16 || q850 === undefined) return bySwitch ? 'normal' : 'remote-hangup'
  return dialOutcomeOfCause(q850)
}

/**
 * `DELETE /channels/{id}?reason=` words for the port's hangup reasons, with the Q.850 cause
 * Asterisk turns each into (resource_channels.c `convert_reason_to_hangup_code`: normal 16,
 * busy 17, no_answer 19, rejected 21, failure 38 AST_CAUSE_FAILURE).
 */
export const HANGUP_REASONS: Readonly<Record<HangupReason, { reason: string, q850: number }>> = {
  normal: { reason: 'normal', q850: 16 },
  busy: { reason: 'busy', q850: 17 },
  'no-answer': { reason: 'no_answer', q850: 19 },
  rejected: { reason: 'rejected', q850: 21 },
  shutdown: { reason: 'normal', q850: 16 },
  error: { reason: 'failure', q850: 38 }
}
