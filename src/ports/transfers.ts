// Three-way direct transfers (三方通话直转) and their attempts, as recorded for the
// connection rate (接通率): every dial of a hunt list is one attempt; a request as a whole is
// connected when any number answered.

import type { DialOutcomeKind } from './switch.js'

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

export interface TransferRecord {
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

/** Where transfer records are kept; implemented by the memory and Redis stores. */
export interface TransferStore {
  putTransfer(record: TransferRecord): Promise<void>
  getTransfer(id: string): Promise<TransferRecord | undefined>
  /** Requests made in [since, until), oldest first. */
  listTransfers(query: { since: number, until: number }): Promise<TransferRecord[]>
}
