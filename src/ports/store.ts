// The store port: what several controllers share — call records, agent state, the queue to
// agents, caller choices. An in-memory adapter (the embedded default) and a Redis adapter
// (production, many controllers) implement it and pass one contract test suite.
//
// Every operation that two controllers could race on is one atomic step here (a Redis Lua
// script, a synchronous block in memory): claiming a call, changing an agent's state from an
// expected state, and assigning the longest-idle ready agent to the caller at the head of the
// queue. That is what keeps two controllers from giving one agent two calls.

import type { TransferStore } from './transfers.js'

/** Every call ends in exactly one final state, with a reason. */
export type CallFinalState = 'completed' | 'abandoned' | 'refused' | 'failed'

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
