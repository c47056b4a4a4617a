// The ticket store: tickets and their delivery outbox, shared by every controller. An
// in-memory adapter (one controller) and a Redis adapter (several) implement it and pass one
// contract suite (test/adapters/ticket-store-contract.ts).
//
// The outbox pattern: a ticket and the job that delivers it are written in one atomic step,
// so a ticket is never stored without its delivery queued, nor a delivery queued for a ticket
// that was not stored. Workers then take due jobs under a lease: a claimed job is invisible to
// other workers until the lease runs out, so two controllers never send one job at the same
// time, and a job whose worker died is taken up again once its lease expires.

import type { TicketChange } from '../domain/tickets.js'
import type { NumberView, Ticket, TicketKind, TicketStatus } from '../domain/ticket-record.js'

/** A job to deliver one ticket to its department's webhook (one job per ticket, same id). */
export interface DeliveryJob {
  id: string
  ticketId: string
  departmentId: string
  createdAt: number
  /** Delivery attempts started so far (counted when a worker claims the job). */
  attempts: number
  /** When the next attempt is due (a queued job). */
  nextAt?: number
  /** Why the last attempt failed. */
  lastError?: string
  /** When it was parked as dead (after too many failures). */
  deadAt?: number
  /** While leased: until when. */
  leaseUntil?: number
}

/** A job handed to one worker: `lease` proves it still holds it when it reports back. */
export interface ClaimedJob extends DeliveryJob {
  lease: string
  leaseUntil: number
}

export interface NewDeliveryJob {
  id: string
  ticketId: string
  departmentId: string
  createdAt: number
  /** When the first attempt is due. */
  nextAt: number
}

export interface TicketQuery {
  departmentId?: string
  status?: TicketStatus
  /** Only tickets overdue at this instant (not contacted and past `dueAt`). */
  overdueAt?: number
  /** At most this many (newest first). */
  limit: number
}

export interface TicketCounts {
  byStatus: Record<TicketStatus, number>
  /** Overdue at the instant asked. */
  overdue: number
  /** Jobs waiting or leased in the outbox. */
  queued: number
  /** Jobs parked as dead. */
  dead: number
}

export interface CreateResult {
  ticket: Ticket
  /** False when a ticket for the same call and kind existed: that one is returned. */
  created: boolean
}

export interface TicketStore {
  /**
   * Writes the ticket and its delivery job (none for a department without a webhook) in one
   * atomic step. Idempotent per (callId, kind): a second create returns the first ticket and
   * writes nothing.
   */
  create(ticket: Ticket, job: NewDeliveryJob | undefined): Promise<CreateResult>
  get(id: string): Promise<Ticket | undefined>
  /** The ticket of a call and kind, if one was raised. */
  findByCall(callId: string, kind: TicketKind): Promise<Ticket | undefined>
  /** Newest first (`createdAt` descending, ties by id descending). */
  list(query: TicketQuery): Promise<Ticket[]>
  /**
   * Compare-and-set: applies the change (fields set, history entries appended) only while the
   * ticket's status is `expectStatus`. Undefined when the ticket is unknown or its status is
   * another; the updated ticket otherwise.
   */
  update(id: string, expectStatus: TicketStatus, change: TicketChange): Promise<Ticket | undefined>

  /**
   * Leases up to `limit` jobs whose next attempt is due at `now` (earliest first, ties by id)
   * until `now + leaseMs`, counting one more attempt for each. A leased job is not handed out
   * again before its lease expires.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<ClaimedJob[]>
  /** Delivered: the job leaves the outbox. False when the lease was lost (nothing changed). */
  complete(jobId: string, lease: string): Promise<boolean>
  /** Failed, try again at `nextAt`. False when the lease was lost. */
  retry(jobId: string, lease: string, nextAt: number, error: string): Promise<boolean>
  /** Failed for good: the job is parked as dead. False when the lease was lost. */
  park(jobId: string, lease: string, at: number, error: string): Promise<boolean>
  /** Dead jobs, most recently parked first. */
  listDead(limit: number): Promise<DeliveryJob[]>
  /** A dead job back in the outbox, due at `at`, its attempts counted from zero again. */
  requeue(jobId: string, at: number): Promise<DeliveryJob | undefined>
  getJob(jobId: string): Promise<DeliveryJob | undefined>
  counts(at: number): Promise<TicketCounts>

  /**
   * The retention sweep (PIPL): masks the callback number and the numbers among the choices of
   * every ticket created before `createdBefore` that still holds them, marked masked at `at`
   * (domain/tickets.ts maskTicketNumbers). Returns how many it masked. Idempotent and safe on
   * several controllers at once: a ticket is masked once, counted by whoever did it, and a
   * status change racing the sweep is applied to the masked ticket.
   */
  maskNumbers(createdBefore: number, at: number): Promise<number>
  /** Records sights of full numbers, all in one write; the same view twice is kept once. */
  recordNumberViews(views: readonly NumberView[]): Promise<void>
  /** Sights of full numbers at or after `since`, newest first. */
  listNumberViews(query: { since?: number, limit: number }): Promise<NumberView[]>

  close(): Promise<void>
}
