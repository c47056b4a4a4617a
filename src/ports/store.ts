// The store port: what several controllers share — call records, agent state, the queue to
// agents, caller choices. An in-memory adapter (the embedded default) and a Redis adapter
// (production, many controllers) implement it and pass one contract test suite.
//
// Every operation that two controllers could race on is one atomic step here (a Redis Lua
// script, a synchronous block in memory): claiming a call, changing an agent's state from an
// expected state, and assigning the longest-idle ready agent to the caller at the head of the
// queue. That is what keeps two controllers from giving one agent two calls.

import type { CallState } from '../calls/call-state.js'
import type { TransferStore } from './transfers.js'

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

export interface CallRecord {
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

export interface AgentStateChange {
  to: AgentState
  /** The change only happens if the agent is in one of these states (compare-and-set). */
  expect?: readonly AgentState[]
  /** Only if the agent is on this call (for ringing/on-call/wrap-up changes). */
  expectCallId?: string
  callId?: string
  reason?: string
  at: number
}

/** Transfer records (transfers.ts) live in the same store, so every controller sees them all. */
export interface Store extends TransferStore {
  /** Only one controller runs a call: true for the first claimant of a leg, false after. */
  claimCall(legId: string, controllerId: string, at: number): Promise<boolean>
  putCall(record: CallRecord): Promise<void>
  getCall(callId: string): Promise<CallRecord | undefined>
  /** Newest first. */
  listCalls(query: { active?: boolean, limit?: number }): Promise<CallRecord[]>
  /**
   * Adds `counts` to the day's call counts (`day`: `YYYY-MM-DD`, Asia/Shanghai), all of them
   * or none: one ended call's increments (domain/call-figures.ts). Each value must be a safe
   * integer (RangeError otherwise, nothing added). Kept far longer than call records: a day's
   * counts outlive its records, so months can be counted.
   */
  addCallCounts(day: string, counts: Readonly<Record<string, number>>): Promise<void>
  /**
   * The call counts of `days` (each day once, however often listed), summed field by field; a
   * day without counts adds nothing. A malformed day is a RangeError.
   */
  callCounts(days: readonly string[]): Promise<Record<string, number>>

  /** Adds an agent or updates its name/extension/groups, keeping its state. */
  upsertAgent(agent: Pick<AgentRecord, 'id' | 'name' | 'extension' | 'groups'>, at: number): Promise<AgentRecord>
  getAgent(agentId: string): Promise<AgentRecord | undefined>
  listAgents(): Promise<AgentRecord[]>
  /** Atomic compare-and-set; undefined when the agent is unknown or an expectation fails. */
  setAgentState(agentId: string, change: AgentStateChange): Promise<AgentRecord | undefined>

  /** Joins the group's queue (FIFO by `at`); the entry expires unless touched before `ttlMs`. */
  enqueue(group: string, callId: string, at: number, ttlMs: number): Promise<void>
  touchQueue(group: string, callId: string, at: number, ttlMs: number): Promise<void>
  leaveQueue(group: string, callId: string): Promise<void>
  /** 1-based position among live entries; undefined when not queued. */
  queuePosition(group: string, callId: string, at: number): Promise<number | undefined>
  queueLength(group: string, at: number): Promise<number>
  /**
   * Atomically: if `callId` is the oldest live entry of the group's queue and an agent of the
   * group is ready, remove the entry and move the longest-idle ready agent to `ringing` for
   * this call. Expired entries ahead of it are dropped. Undefined when not served now.
   */
  assignAgent(group: string, callId: string, at: number): Promise<AgentRecord | undefined>

  close(): Promise<void>
}
