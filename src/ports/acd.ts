// The queue to agents (automatic call distribution), as the flow's `queue` step sees it:
// wait for an agent of a group, talk, come back when the agent leg ends — or overflow.

import type { Logger } from 'pino'
import type { QueueVisit } from './store.js'

export interface QueueRequest {
  callId: string
  /** The caller's leg on the switch. */
  legId: string
  group: string
  /** The caller's IVR choices, shown to the agent who takes the call. */
  choices: Record<string, string>
  /** After this long without an agent the caller leaves by the flow's overflow branch. */
  maxWaitMs: number
  /** How often the waiting caller hears their position / a hold prompt. */
  announceEveryMs: number
  /** Aborted when the caller hangs up: the wait or the agent leg is cancelled. */
  signal: AbortSignal
  log: Logger
  /**
   * Told of each change to the caller's queue visit as it happens (enqueued, served, overflow,
   * abandoned), so the call's owner can record it: the ACD never writes call records itself.
   */
  onVisit?: (change: Partial<QueueVisit>) => void
}

export type QueueOutcome =
  /** An agent answered; the conversation is over (the agent hung up or left). */
  | { kind: 'served', agentId: string, waitedMs: number, talkedMs: number }
  /** No agent within maxWaitMs. */
  | { kind: 'overflow', waitedMs: number }

export interface Acd {
  queue(request: QueueRequest): Promise<QueueOutcome>
}
