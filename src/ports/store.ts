// The store port: what several controllers share — call records, agent state, the queue to
// agents, caller choices. An in-memory adapter (the embedded default) and a Redis adapter
// (production, many controllers) implement it and pass one contract test suite.
//
// Every operation that two controllers could race on is one atomic step here (a Redis Lua
// script, a synchronous block in memory): claiming a call, changing an agent's state from an
// expected state, and assigning the longest-idle ready agent to the caller at the head of the
// queue. That is what keeps two controllers from giving one agent two calls.

import { HotlineError } from '../errors.js'
import type { TransferStore } from './transfers.js'
import type { AgentRecord, AgentState, CallRecord } from '../domain/call-record.js'

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
/** Whether the store can be reached now, as its client sees it. */
export interface StoreHealth {
  up: boolean
  /** Why not, or how it is reached. */
  detail: string
  /** When it last changed. */
  since: number
}

/** A call record write refused: the record is another controller's now (a higher fencing token). */
export function fenced (record: CallRecord): HotlineError {
  return new HotlineError('HC_FENCED', `call ${record.callId}: fencing token ${record.fence ?? 0} is older than the record's; another controller owns it`)
}

export interface Store extends TransferStore {
  /** Up or not, without a round trip (the memory store is always up). */
  health(): StoreHealth
  /**
   * Only one controller runs a call: true for the first claimant of a leg, false after. A retry
   * of one claim (the same `attempt`, after a failed reply) is answered true again if that
   * claim was the one taken; a new claim of a leg already claimed, by anyone, is false.
   */
  claimCall(legId: string, controllerId: string, at: number, attempt?: string): Promise<boolean>
  /**
   * Refused (HC_FENCED) when the record was written with a higher fencing token than this
   * one's. Any write over a record with its final state is ignored: the first final state is
   * set once and stays (a late write queued before the end cannot undo it, and a peer that
   * refused the leg another controller claimed — one call id per leg — does not add a record).
   */
  putCall(record: CallRecord): Promise<void>
  getCall(callId: string): Promise<CallRecord | undefined>
  /** Newest first. */
  listCalls(query: { active?: boolean, limit?: number }): Promise<CallRecord[]>
  /**
   * Adds `counts` to the day's call counts (`day`: `YYYY-MM-DD`, Asia/Shanghai), all of them
   * or none: one ended call's increments (domain/call-figures.ts). Each value must be a safe
   * integer (RangeError otherwise, nothing added). Kept far longer than call records: a day's
   * counts outlive its records, so months can be counted. `once` (the call id): counted at most
   * once that day, so a write retried after its reply was lost adds nothing the second time.
   */
  addCallCounts(day: string, counts: Readonly<Record<string, number>>, once?: string): Promise<void>
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
