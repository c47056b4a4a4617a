// The queue to agents (automatic call distribution), as the call's owner sees it: wait for an
// agent of a group and ring them; hand back the agent's answered leg — or overflow. The queue
// never touches the caller's leg: what the caller hears while waiting goes through `announce`,
// and the conversation is the owner's (call-session.ts).

import type { Logger } from 'pino'
import type { QueueVisit } from '../domain/call-record.js'
import type { PlayOutcome } from './switch.js'

export interface QueueRequest {
  callId: string
  group: string
  /** The caller's IVR choices, shown to the agent who takes the call. */
  choices: Record<string, string>
  /** After this long without an agent the caller leaves by the flow's overflow branch. */
  maxWaitMs: number
  /** How often the waiting caller hears their position / a hold prompt. */
  announceEveryMs: number
  /** When the caller first queued, if before now: a caller coming back keeps their place. */
  enqueuedAt?: number
  /** Aborted when the caller hangs up: the wait or the ringing agent's dial is cancelled. */
  signal: AbortSignal
  log: Logger
  /** Plays a queue prompt to the caller (through the owner, which holds the caller's leg). */
  announce: (prompt: string, signal: AbortSignal) => Promise<PlayOutcome>
  /** An agent's phone rings for the caller. */
  onRinging?: (agentId: string) => void
  /** The agent did not take the call: the caller is back at the head of the queue. */
  onRequeued?: () => void
  /** Each change of the visit as it happens (enqueued, served, overflow, abandoned), for the record. */
  onVisit?: (change: Partial<QueueVisit>) => void
}

export type QueueOutcome =
  /** An agent answered: their leg is up, for the owner to put the caller through; the agent is on-call. */
  | { kind: 'agent', agentId: string, legId: string, group: string, answeredAt: number, waitedMs: number }
  /** No agent within maxWaitMs. */
  | { kind: 'overflow', waitedMs: number }

export interface Acd {
  queue(request: QueueRequest): Promise<QueueOutcome>
}
