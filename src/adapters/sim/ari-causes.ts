// Hangup causes as Asterisk reports them over ARI, and the translations between them, SIP
// responses and the call model's (FreeSWITCH-named) causes. Every table copies Asterisk:
// - cause texts: `causes[]` in main/channel.c (ast_cause2str), "Unknown" for any other code;
// - SIP → cause: chan_pjsip hangup_sip2cause; cause → SIP: chan_pjsip hangup_cause2sip
//   (docs.asterisk.org "Hangup Cause Mappings" lists the same pairs);
// - DELETE /channels reasons: res/ari/resource_channels.c convert_reason_to_hangup_code;
// - final Dial status of a refused leg: main/dial.c ast_hangup_cause_to_dial_status.
// Checked against test/fixtures/captures/asterisk-22.10.1/: 16 "Normal Clearing",
// 17 "User busy" (tech_cause 486), 19 "User alerting, no answer" (tech_cause 480).

import { SIM_CAUSES } from './sim-switch.js'

const CAUSE_TEXTS: ReadonlyMap<number, string> = new Map([
  [1, 'Unallocated (unassigned) number'], [2, 'No route to specified transmit network'],
  [3, 'No route to destination'], [5, 'Misdialed trunk prefix'], [6, 'Channel unacceptable'],
  [7, 'Call awarded and being delivered in an established channel'], [8, 'Pre-empted'],
  [14, 'Number ported elsewhere'], [16, 'Normal Clearing'], [17, 'User busy'], [18, 'No user responding'],
  [19, 'User alerting, no answer'], [20, 'Subscriber absent'], [21, 'Call Rejected'], [22, 'Number changed'],
  [23, 'Redirected to new destination'], [26, 'Answered elsewhere'], [27, 'Destination out of order'],
  [28, 'Invalid number format'], [29, 'Facility rejected'], [30, 'Response to STATus ENQuiry'],
  [31, 'Normal, unspecified'], [34, 'Circuit/channel congestion'], [38, 'Network out of order'],
  [41, 'Temporary failure'], [42, 'Switching equipment congestion'], [43, 'Access information discarded'],
  [44, 'Requested channel not available'], [50, 'Facility not subscribed'], [52, 'Outgoing call barred'],
  [54, 'Incoming call barred'], [57, 'Bearer capability not authorized'], [58, 'Bearer capability not available'],
  [65, 'Bearer capability not implemented'], [66, 'Channel not implemented'], [69, 'Facility not implemented'],
  [81, 'Invalid call reference value'], [88, 'Incompatible destination'], [95, 'Invalid message unspecified'],
  [96, 'Mandatory information element is missing'], [97, 'Message type nonexist.'], [98, 'Wrong message'],
  [99, 'Info. element nonexist or not implemented'], [100, 'Invalid information element contents'],
  [101, 'Message not compatible with call state'], [102, 'Recover on timer expiry'],
  [103, 'Mandatory IE length error'], [111, 'Protocol error, unspecified'], [127, 'Interworking, unspecified']
])

export const CAUSE = {
  UNALLOCATED: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  CONGESTION: 34,
  INTERWORKING: 127
} as const

/**
 * The `cause` of a ChannelHangupRequest raised by a soft hangup (DELETE /channels, a dial
 * timeout): AST_SOFTHANGUP_EXPLICIT, a flag value and not a Q.850 cause (capture 09).
 */
export const SOFTHANGUP_EXPLICIT = 32

export function causeText (code: number): string {
  return CAUSE_TEXTS.get(code) ?? 'Unknown'
}

/** `?reason=` of DELETE /channels/{id}; any other value is a 400. */
export const HANGUP_REASONS: Readonly<Record<string, number>> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26
}

const SIP_TO_CAUSE: ReadonlyMap<number, number> = new Map([
  [401, 21], [403, 21], [404, 1], [405, 127], [407, 21], [408, 18], [409, 41], [410, 22], [420, 3],
  [480, 19], [483, 19], [484, 28], [485, 1], [486, 17], [487, 127], [488, 58], [500, 38], [501, 29],
  [502, 27], [503, 34], [504, 102], [600, 17], [603, 21], [604, 1], [606, 58]
])

/** chan_pjsip hangup_sip2cause: unknown 4xx/6xx are Interworking, 5xx congestion. */
export function sipToCause (status: number): number {
  const known = SIP_TO_CAUSE.get(status)
  if (known !== undefined) return known
  if (status >= 400 && status < 500) return 127
  if (status >= 500 && status < 600) return 34
  if (status >= 600 && status < 700) return 127
  return 16
}

const CAUSE_TO_SIP: ReadonlyMap<number, number> = new Map([
  [1, 404], [2, 404], [3, 404], [34, 503], [42, 503], [18, 408], [19, 480], [20, 480], [21, 403], [22, 410],
  [31, 480], [28, 484], [17, 486], [38, 500], [29, 501], [66, 503], [27, 502], [58, 488], [127, 500]
])

/** chan_pjsip hangup_cause2sip, the `tech_cause` of a hangup Asterisk originated; none for 16. */
export function causeToSip (cause: number): number | undefined {
  return CAUSE_TO_SIP.get(cause)
}

/** main/dial.c ast_hangup_cause_to_dial_status: the Dial status of a leg that hung up while dialled. */
export function dialStatusFor (cause: number): string {
  if (cause === 17) return 'BUSY'
  if (cause === 34) return 'CONGESTION'
  if (cause === 3 || cause === 20) return 'CHANUNAVAIL'
  return 'NOANSWER'
}

/**
 * The model cause to hang a channel up with for an Asterisk cause: the model's own name for that
 * Q.850 code, else NORMAL_CLEARING (the ARI side still reports the Asterisk code it was given).
 */
export function modelCauseFor (code: number): string {
  for (const [name, value] of Object.entries(SIM_CAUSES)) {
    if (value === code && value <= 127) return name
  }
  return 'NORMAL_CLEARING'
}

/**
 * The Asterisk cause of a hangup the model raised. A refused dial carries the far end's SIP
 * status (`sip_term_status`), translated as chan_pjsip does; the model's unreachable far end
 * (no reply to the INVITE, 503 in FreeSWITCH terms) ends in PJSIP with its own transaction
 * timeout, 408 → 18. A caller's CANCEL ends the INVITE transaction with 487 → 127, a BYE 16;
 * the model's own causes above 127 (shutdown, manager request) read as 16.
 */
export function ariCauseOf (modelCause: string, q850: number, sipStatus: number | undefined): { code: number, tech?: number } {
  if (sipStatus !== undefined && sipStatus >= 400) {
    const status = sipStatus === 503 ? 408 : sipStatus
    return { code: sipToCause(status), tech: status }
  }
  if (modelCause === 'ORIGINATOR_CANCEL') return { code: CAUSE.INTERWORKING }
  if (q850 > 0 && q850 <= 127) return { code: q850 }
  return { code: CAUSE.NORMAL_CLEARING }
}
