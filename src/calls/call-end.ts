// How a call ended, decided once from what happened (pure: everything is handed in):
// - the caller reached a person (an agent or a specialist): completed, `served`, whoever hung
//   up — the caller, the controller (a drain deadline) or the switch;
// - the caller hung up before: abandoned, with where they were (the IVR, the queue, an agent's
//   phone ringing) and how long they had waited there;
// - the controller or the switch ended it before: cut, with why (`drain-deadline`, `switch-lost`);
// - the flow ended it by design: completed, with the step's reason (`ticket`, the ordinary line);
// - a fault: failed, with its HC_ code (an error nothing expected is flagged `unexpected`).

import { isHotlineError } from '../errors.js'
import type { AbandonPhase, CallEndedBy, CallFinalState, CallRecord, QueueVisit } from '../domain/call-record.js'
import { type CallState, WITH_A_PERSON } from '../domain/call-state.js'

/** The record of an ended call: exactly one final state, with its reason. */
export type CallSummary = CallRecord & { endedAt: number, finalState: CallFinalState, reason: string }

/** Why the controller or the switch ended a call. */
export interface Cut {
  reason: 'drain-deadline' | 'switch-lost' | 'shutdown'
  by: 'controller' | 'switch'
}

export interface CallEnd {
  finalState: CallFinalState
  reason: string
  endedBy: CallEndedBy
  abandon?: { phase: AbandonPhase, waitedMs: number }
  /** The call was ended by an error nothing expected (a bug): counted apart. */
  unexpected?: true
}

export interface WhatHappened {
  /** The state the call was in at the end. */
  state: CallState
  /** The caller hung up: when, and in which state. */
  gone: { at: number, state: CallState } | undefined
  cut: Cut | undefined
  /** The script ended by itself, with this reason. */
  scriptEnd: { reason: string } | undefined
  /** What the script threw, if it did. */
  error: unknown
  answeredAt: number | undefined
  startedAt: number
  queue: QueueVisit | undefined
  servedAt: number | undefined
}

const PHASE: Partial<Record<CallState, AbandonPhase>> = {
  queued: 'queue',
  'ringing-agent': 'ringing-agent'
}

export function endOf (w: WhatHappened): CallEnd {
  const served = w.servedAt !== undefined || WITH_A_PERSON.has(w.state)
  if (w.gone !== undefined) {
    if (served) return { finalState: 'completed', reason: 'served', endedBy: 'caller' }
    const phase = PHASE[w.gone.state] ?? 'ivr'
    // The wait is counted to the moment the caller hung up: the IVR from the answer (or the
    // offer), the queue and the ringing agent from joining the queue.
    const from = phase === 'ivr' ? (w.answeredAt ?? w.startedAt) : (w.queue?.enqueuedAt ?? w.answeredAt ?? w.startedAt)
    const reason = phase === 'ivr' ? 'hung up in the IVR' : phase === 'queue' ? 'hung up in the queue' : 'hung up while an agent rang'
    return { finalState: 'abandoned', reason, endedBy: 'caller', abandon: { phase, waitedMs: Math.max(0, w.gone.at - from) } }
  }
  if (w.cut !== undefined) {
    return served
      ? { finalState: 'completed', reason: 'served', endedBy: w.cut.by }
      : { finalState: 'cut', reason: w.cut.reason, endedBy: w.cut.by }
  }
  if (w.error !== undefined) {
    const unexpected = !isHotlineError(w.error)
    const code = isHotlineError(w.error) ? w.error.code : 'HC_INTERNAL'
    if (code === 'HC_SWITCH_NOT_CONNECTED') {
      return served ? { finalState: 'completed', reason: 'served', endedBy: 'switch' } : { finalState: 'cut', reason: 'switch-lost', endedBy: 'switch' }
    }
    if (served) return { finalState: 'completed', reason: 'served', endedBy: 'controller', ...(unexpected ? { unexpected } : {}) }
    return { finalState: 'failed', reason: code, endedBy: 'controller', ...(unexpected ? { unexpected } : {}) }
  }
  return { finalState: 'completed', reason: served ? 'served' : w.scriptEnd?.reason ?? 'completed', endedBy: 'controller' }
}
