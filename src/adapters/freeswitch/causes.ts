// FreeSWITCH hangup causes → the port's normalised outcomes.
//
// Cause names and Q.850 codes are FreeSWITCH's (switch_types.h `switch_call_cause_t`,
// documented on the "Hangup Cause Code Table" page of the FreeSWITCH docs; codes above 127
// are FreeSWITCH's own, e.g. ORIGINATOR_CANCEL 487, SYSTEM_SHUTDOWN 701, LOSE_RACE 702); SIP response →
// cause follows mod_sofia's mapping (486/600 USER_BUSY, 480 NO_USER_RESPONSE, 603
// CALL_REJECTED, 404 UNALLOCATED_NUMBER, 408 RECOVERY_ON_TIMER_EXPIRE, 503
// NORMAL_TEMPORARY_FAILURE, 487 ORIGINATOR_CANCEL). An originate whose ring timer runs out ends
// NO_ANSWER (seen: `-ERR NO_ANSWER` after `originate_timeout=5`).
//
// The switch going away is `lost`, never the far end's doing (switch_types.h, v1.11.1):
//  - SYSTEM_SHUTDOWN 701: switch_core_destroy hangs every session up with the runtime's
//    shutdown cause (switch_core.c: `switch_core_session_hupall(runtime.shutdown_cause)`,
//    SYSTEM_SHUTDOWN unless `fsctl shutdown_cause` changed it); mod_sofia also refuses an
//    outbound call with it while the profile is paused ("System Paused");
//  - MANAGER_REQUEST 703: the switch's own mass hangups — `hupall` and `fsctl hupall`
//    (mod_commands, switch_core.c SCSC_HUPALL), a sofia profile stopping or restarting
//    (sofia.c: hupall_matching_var sofia_profile_name), a module or codec unloading
//    (switch_loadable_module.c);
//  - CRASH 700: a channel driver giving up (mod_h323, mod_opal).

import type { HangupCause } from '../../ports/switch.js'
import type { DialOutcomeKind } from '../../domain/transfer-record.js'

interface CauseRow {
  q850: number
  /** Outcome of a dial that ended with this cause. */
  dial: Exclude<DialOutcomeKind, 'answered'>
}

/** Every cause the controller treats specially; anything else is `failed` with its name. */
export const FREESWITCH_CAUSES: Readonly<Record<string, CauseRow>> = {
  UNALLOCATED_NUMBER: { q850: 1, dial: 'unreachable' },
  NO_ROUTE_TRANSIT_NET: { q850: 2, dial: 'unreachable' },
  NO_ROUTE_DESTINATION: { q850: 3, dial: 'unreachable' },
  NORMAL_CLEARING: { q850: 16, dial: 'failed' },
  USER_BUSY: { q850: 17, dial: 'busy' },
  NO_USER_RESPONSE: { q850: 18, dial: 'no-answer' },
  NO_ANSWER: { q850: 19, dial: 'no-answer' },
  SUBSCRIBER_ABSENT: { q850: 20, dial: 'unreachable' },
  CALL_REJECTED: { q850: 21, dial: 'rejected' },
  NUMBER_CHANGED: { q850: 22, dial: 'unreachable' },
  DESTINATION_OUT_OF_ORDER: { q850: 27, dial: 'unreachable' },
  INVALID_NUMBER_FORMAT: { q850: 28, dial: 'unreachable' },
  NORMAL_UNSPECIFIED: { q850: 31, dial: 'failed' },
  NORMAL_CIRCUIT_CONGESTION: { q850: 34, dial: 'unreachable' },
  NETWORK_OUT_OF_ORDER: { q850: 38, dial: 'unreachable' },
  NORMAL_TEMPORARY_FAILURE: { q850: 41, dial: 'unreachable' },
  SWITCH_CONGESTION: { q850: 42, dial: 'unreachable' },
  CRASH: { q850: 700, dial: 'lost' },
  SYSTEM_SHUTDOWN: { q850: 701, dial: 'lost' },
  MANAGER_REQUEST: { q850: 703, dial: 'lost' },
  BEARERCAPABILITY_NOTAVAIL: { q850: 58, dial: 'failed' },
  INCOMPATIBLE_DESTINATION: { q850: 88, dial: 'failed' },
  RECOVERY_ON_TIMER_EXPIRE: { q850: 102, dial: 'unreachable' },
  ALLOTTED_TIMEOUT: { q850: 802, dial: 'no-answer' },
  ORIGINATOR_CANCEL: { q850: 487, dial: 'cancelled' },
  LOSE_RACE: { q850: 702, dial: 'cancelled' },
  GATEWAY_DOWN: { q850: 809, dial: 'unreachable' },
  INVALID_GATEWAY: { q850: 808, dial: 'failed' },
  USER_NOT_REGISTERED: { q850: 806, dial: 'unreachable' },
  PROGRESS_TIMEOUT: { q850: 807, dial: 'no-answer' },
  MEDIA_TIMEOUT: { q850: 804, dial: 'failed' }
}

/** The dial outcome of a failed originate (`-ERR <CAUSE>`). */
export function dialOutcomeOf (cause: string): Exclude<DialOutcomeKind, 'answered'> {
  return FREESWITCH_CAUSES[cause]?.dial ?? 'failed'
}

export function q850Of (cause: string): number | undefined {
  return FREESWITCH_CAUSES[cause]?.q850
}

/** The causes FreeSWITCH ends channels with when it goes away (shutdown, restart, hupall). */
export function switchWentAway (cause: string): boolean {
  return FREESWITCH_CAUSES[cause]?.dial === 'lost'
}

/**
 * Why a leg ended, from its CHANNEL_HANGUP_COMPLETE. `sip_hangup_disposition` tells who
 * hung up: `recv_bye` / `recv_cancel` / `recv_refuse` — the far end; `send_*` — the switch.
 * `ours`: the controller's own uuid_kill asked for this cause (a controller draining sends
 * SYSTEM_SHUTDOWN itself: that is not the switch going away).
 */
export function hangupCauseOf (cause: string, disposition: string | undefined, ours = false): HangupCause {
  if (cause === 'NORMAL_CLEARING') {
    return disposition?.startsWith('recv_') === true ? 'remote-hangup' : 'normal'
  }
  if (ours && switchWentAway(cause)) return 'normal'
  return dialOutcomeOf(cause)
}

/** FreeSWITCH cause names the controller sends with `uuid_kill`. */
export const HANGUP_REASON_CAUSE = {
  normal: 'NORMAL_CLEARING',
  busy: 'USER_BUSY',
  'no-answer': 'NO_ANSWER',
  rejected: 'CALL_REJECTED',
  shutdown: 'SYSTEM_SHUTDOWN',
  error: 'NORMAL_TEMPORARY_FAILURE'
} as const
