// What is recorded of a call and of an agent: the records the store keeps, the figures and the
// pages read. Plain data, no behaviour: the call's state machine is call-state.ts.

import type { Versioned } from './record-version.js'
import type { CallState } from './call-state.js'

/**
 * Every call ends in exactly one final state, with a reason:
 * - completed: served by a person (reason `served`, whoever hung up), or ended by the flow by
 *   design (its step's reason: `ticket`, the ordinary line, …);
 * - abandoned: the caller hung up before reaching a person (`abandon` says where, and the wait);
 * - refused: never answered (draining, the store unavailable, overload);
 * - cut: ended by the controller or the switch before a person was reached (drain deadline,
 *   switch lost);
 * - failed: a fault in the controller ended it before a person was reached (reason: HC_ code).
 */
export type CallFinalState = 'completed' | 'abandoned' | 'refused' | 'cut' | 'failed'

export const CALL_FINAL_STATES: readonly CallFinalState[] = ['completed', 'abandoned', 'refused', 'cut', 'failed']

/** Where a caller who hung up before reaching a person was: the queue's abandon rate counts the last two. */
export type AbandonPhase = 'ivr' | 'queue' | 'ringing-agent'

/** Who ended the call: the caller, the controller (its flow, a drain, a fault) or the switch. */
export type CallEndedBy = 'caller' | 'controller' | 'switch'

export interface QueueVisit {
  group: string
  enqueuedAt: number
  /** When an agent answered for this caller. */
  servedAt?: number
  agentId?: string
  /** When the caller left the queue by the flow's overflow branch (max wait). */
  overflowAt?: number
  /** When the caller hung up while waiting. */
  abandonedAt?: number
}

export interface CallRecord extends Versioned {
  callId: string
  /** The switch's id of the caller's leg. */
  legId: string
  controllerId: string
  /** Masked caller number (`138****5678`); full numbers go only into tickets. */
  caller: string
  flowId?: string
  flowVersion?: string
  startedAt: number
  endedAt?: number
  /** Set exactly once, when the call ends. */
  finalState?: CallFinalState
  reason?: string
  /** What the caller chose in the IVR (priority, category, matter, …), shown to the agent. */
  choices: Record<string, string>
  /** Step ids the call went through, in order (for supervisors and tests). */
  path: string[]
  queue?: QueueVisit
  /** What the call is doing now (its owner's state), and since when. */
  state?: CallState
  stateSince?: number
  /** Every state the call went through, with when it entered it. */
  states?: Array<{ state: CallState, at: number }>
  /** When the caller first reached a person (an agent or a specialist). */
  servedAt?: number
  /** Who ended the call (set with the final state). */
  endedBy?: CallEndedBy
  /** For an abandoned call: where the caller was and how long they had waited there. */
  abandon?: { phase: AbandonPhase, waitedMs: number }
  /**
   * The fencing token of the controller that owns the call (ports/leases.ts): the store refuses
   * a write with a lower one (HC_FENCED), so a controller that lost the call cannot write over it.
   */
  fence?: number
  /** Each time another controller (or this one, restarted) took the call over, and from whom. */
  takenOver?: Array<{ from: string, by: string, at: number }>
}

export type AgentState = 'logged-out' | 'ready' | 'ringing' | 'on-call' | 'wrap-up' | 'not-ready'

export const AGENT_STATES: readonly AgentState[] = ['logged-out', 'ready', 'ringing', 'on-call', 'wrap-up', 'not-ready']

export interface AgentRecord {
  id: string
  name: string
  /** The agent's phone: a number the switch dials (digits only). */
  extension: string
  groups: string[]
  state: AgentState
  /** When the agent entered the current state. */
  since: number
  /** When the agent last became ready (routing picks the longest idle). */
  idleSince?: number
  /** The call the agent is ringing for / talking on / wrapping up. */
  callId?: string
  /** Why the agent is not ready (e.g. `no-answer`, `break`). */
  reason?: string
}

export type Satisfaction = 'satisfied' | 'basically-satisfied' | 'dissatisfied'
