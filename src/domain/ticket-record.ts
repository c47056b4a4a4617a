// A ticket (工单) to a matter's department, as stored and delivered: a next-urgent ticket
// outside working hours or a transfer-failed one. The rules (due times, status changes) are
// tickets.ts.

import type { Versioned } from './record-version.js'
export type TicketKind = 'next-urgent' | 'transfer-failed'

/**
 * Why a transfer-failed ticket was raised: no number of the matter answered, or the hunt
 * could not finish because the switch went away (not the department's doing).
 */
export type TransferFailure = 'no-answer' | 'switch-lost'

export type TicketStatus = 'open' | 'delivered' | 'acknowledged' | 'contacted' | 'closed'

export const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'delivered', 'acknowledged', 'contacted', 'closed']

export interface TicketHistoryEntry {
  at: number
  status: TicketStatus
  /** Who moved it (an API user id, `worker`, `controller`). */
  by: string
  note?: string
}

export interface Ticket extends Versioned {
  /** Sortable id (ULID). */
  id: string
  kind: TicketKind
  /** The call that raised it. */
  callId: string
  matterId?: string
  departmentId: string
  /** The number the department must call back: full, as the caller confirmed it. */
  callbackNumber: string
  /** The caller's IVR choices (priority, category, matter, …). */
  choices: Record<string, string>
  /** Transfer-failed tickets: why the transfer did not reach the department. */
  failure?: TransferFailure
  createdAt: number
  /** Next-urgent: 10:00 of the next working day; transfer-failed: the same rule. */
  dueAt: number
  status: TicketStatus
  history: TicketHistoryEntry[]
  deliveredAt?: number
  acknowledgedAt?: number
  contactedAt?: number
  closedAt?: number
  resolution?: string
  /** Whether the matter was resolved, as the department reports on closing. */
  resolved?: boolean
  /**
   * When the retention sweep masked the callback number and the numbers among the choices
   * (`privacy.fullNumberDays` after `createdAt`): from then on nobody sees them in full.
   */
  numbersMaskedAt?: number
}

/**
 * One sight of a full callback number through the API (PIPL: who saw which record, when).
 * Kept in the ticket store, listed for admins (GET /api/privacy/number-views).
 */
export interface NumberView {
  at: number
  /** Who: `admin`, `department:<id>` (as in a ticket's history). */
  by: string
  ticketId: string
  /** The ticket's department. */
  departmentId: string
}

/** What the call side hands over to raise a ticket. */
export interface TicketRequest {
  kind: TicketKind
  callId: string
  matterId?: string
  departmentId: string
  callbackNumber: string
  choices: Record<string, string>
  failure?: TransferFailure
  /** When the ticket is raised; the due time is computed from it by the calendar. */
  at: number
}
