// What is recorded of a three-way transfer (三方通话直转): the request, each dial of its hunt
// list as one attempt with its normalised outcome. The connection rate (connection-rate.ts)
// is computed from these.

/**
 * The one normalised result of a dial. Connection-rate maths uses these, never vendor strings.
 * `lost`: the switch went away under the dial (shut down, restarted, its connection lost) —
 * nothing the far end did, so it is never counted against a department or number.
 */
import type { Versioned } from './record-version.js'
export type DialOutcomeKind =
  | 'answered'
  | 'busy'
  | 'no-answer'
  | 'rejected'
  | 'unreachable'
  | 'failed'
  | 'cancelled'
  | 'lost'

export const DIAL_OUTCOMES: readonly DialOutcomeKind[] = [
  'answered', 'busy', 'no-answer', 'rejected', 'unreachable', 'failed', 'cancelled', 'lost'
]

export interface TransferAttempt {
  number: string
  matterId: string
  departmentId: string
  /** Position in the matter's hunt list (0-based). */
  index: number
  startedAt: number
  /** From the start of the dial to its end (answer or failure). */
  ringMs: number
  outcome: DialOutcomeKind
  /** The switch's cause text, for the record (never for decisions). */
  cause?: string
}

/**
 * `switch-lost`: the hunt could not finish because the switch went away (shut down, or its
 * connection stayed down past the wait): nothing the department did.
 */
export type TransferState = 'hunting' | 'connected' | 'all-failed' | 'cancelled' | 'switch-lost'

export interface TransferRecord extends Versioned {
  /** Transfer request id. */
  id: string
  callId: string
  matterId: string
  departmentId: string
  /** The agent who asked for it. */
  agentId?: string
  requestedAt: number
  /** Whether the request was made in the owning department's working time. */
  workingTime: boolean
  state: TransferState
  attempts: TransferAttempt[]
  /** The number that answered, when one did. */
  answeredNumber?: string
  connectedAt?: number
  /** When the agent left the three-way call. */
  agentLeftAt?: number
  /** When the call (caller + specialist) ended, or the hunt failed / was cancelled. */
  endedAt?: number
  /** The transfer-failed ticket raised when every number failed. */
  ticketId?: string
}
