// The hangup causes the call model raises, and how a hung-up channel reports them in its
// variables, as FreeSWITCH sets them (test/fixtures/captures/freeswitch-1.11.1/).

import type { HangupSide, SimChannel } from './model-types.js'

/**
 * The causes the model raises, with FreeSWITCH's `switch_call_cause_t` codes (Hangup Cause Code
 * Table, developer.signalwire.com/freeswitch; `src/include/switch_types.h`). Codes up to 127
 * are the Q.850 causes Asterisk reports too; above that they are FreeSWITCH's own (current
 * numbering: CRASH 700, SYSTEM_SHUTDOWN 701, LOSE_RACE 702, MANAGER_REQUEST 703).
 */
export const SIM_CAUSES = {
  UNALLOCATED_NUMBER: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  NORMAL_TEMPORARY_FAILURE: 41,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  ORIGINATOR_CANCEL: 487,
  SYSTEM_SHUTDOWN: 701,
  LOSE_RACE: 702,
  MANAGER_REQUEST: 703
} as const

export type SimCause = keyof typeof SIM_CAUSES

export function isSimCause (name: string): name is SimCause {
  return Object.hasOwn(SIM_CAUSES, name)
}

/**
 * The Q.850 code FreeSWITCH puts in `hangup_cause_q850`: its own causes above 127 read as
 * NORMAL_CLEARING (`switch_channel_cause_q850` in switch_channel.c).
 */
export function reportedQ850 (cause: SimCause): number {
  const code: number = SIM_CAUSES[cause]
  return code <= 127 ? code : SIM_CAUSES.NORMAL_CLEARING
}

/**
 * FreeSWITCH's `sip_hangup_disposition`: who ended the call, with BYE, CANCEL or a refusal
 * (seen: recv_refuse FS 05, send_cancel 06, send_bye 08, recv_bye and send_refuse 10;
 * recv_cancel is what mod_sofia sets on an incoming CANCEL).
 */
function disposition (channel: SimChannel, side: HangupSide): string {
  const verb = side === 'remote' ? 'recv' : 'send'
  if (channel.answeredAt !== undefined) return `${verb}_bye`
  if (channel.direction === 'inbound') return side === 'remote' ? 'recv_cancel' : 'send_refuse'
  return side === 'remote' ? 'recv_refuse' : 'send_cancel'
}

/**
 * Sets the hangup variables of a channel being hung up (before its answer state changes).
 * `refusedWith` is the SIP final response of a far end that refused the dial; a far end's BYE
 * on an answered call was answered 200.
 */
export function setHangupVariables (channel: SimChannel, cause: SimCause, side: HangupSide, refusedWith?: number): void {
  const vars = channel.variables
  vars.set('hangup_cause', cause)
  vars.set('hangup_cause_q850', String(reportedQ850(cause)))
  vars.set('sip_hangup_disposition', disposition(channel, side))
  if (refusedWith !== undefined) {
    vars.set('sip_term_status', String(refusedWith))
    vars.set('proto_specific_hangup_cause', `sip:${refusedWith}`)
  } else if (side === 'remote' && channel.answeredAt !== undefined) {
    vars.set('sip_term_status', '200')
  }
}
