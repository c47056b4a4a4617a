// The ticket service: raises tickets for the call side (TicketSink) and carries out what the
// API asks of them — acknowledge, record a contact, close — each as one compare-and-set on
// the ticket's status with a history entry. The rules are src/domain/tickets.ts; storage and
// the outbox are the TicketStore; delivery is the DeliveryWorker.
//
// Never throws a ticket away: the ticket and its delivery job go to the store in one atomic
// step, and when the store cannot take them the error (HC_STORE) reaches the caller, who
// still holds the request, instead of a ticket that exists only in this process's memory.

import { monotonicFactory } from 'ulidx'
import { type DueRule, type TicketAction, type TicketActionInput, newTicket, ticketDueAt, transition } from '../domain/tickets.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { DeliveryJob, TicketStore } from '../ports/ticket-store.js'
import type { TicketSink } from '../ports/tickets.js'
import type { NumberView, Ticket, TicketRequest, TicketStatus } from '../domain/ticket-record.js'

/** Where a department's tickets are delivered (the directory). */
export interface WebhookDirectory {
  department(id: string): { readonly ticketWebhookUrl?: string } | undefined
}

export interface TicketServiceOptions {
  store: TicketStore
  /** The working-day calendar (WorkCalendar): due times. */
  calendar: DueRule
  /** The directory: which departments have a webhook. */
  directory: WebhookDirectory
  clock: Clock
  metrics?: Metrics
  /** Called when a delivery job was queued (wire it to `DeliveryWorker.kick`). */
  onQueued?: () => void
  /** Ticket ids; a monotonic ULID factory by default (sortable by creation time). */
  newId?: (at: number) => string
}

/** Who acts through the API. */
export interface TicketActor {
  /** Written into the history: `admin`, `department:<id>`. */
  by: string
  /** Set for department staff: only that department's tickets may be seen or changed. */
  departmentId?: string
}

export type TicketFailure = 'unknown-ticket' | 'forbidden' | 'invalid-state' | 'invalid-input' | 'not-dead'

export type TicketResult =
  | { ok: true, ticket: Ticket }
  | { ok: false, error: TicketFailure, reason: string, ticket?: Ticket }

export interface TicketListQuery {
  departmentId?: string
  status?: TicketStatus
  /** Only tickets overdue now. */
  overdue?: boolean
  limit: number
}

export type TicketListResult =
  | { ok: true, tickets: Ticket[] }
  | { ok: false, error: 'forbidden', reason: string }

/** Re-reads before giving up when another controller keeps changing the same ticket. */
const CHANGE_ATTEMPTS = 5

const DAY_MS = 24 * 60 * 60 * 1000

export class TicketService implements TicketSink {
  readonly #store: TicketStore
  readonly #calendar: DueRule
  readonly #directory: WebhookDirectory
  readonly #clock: Clock
  readonly #metrics: Metrics | undefined
  readonly #onQueued: () => void
  readonly #newId: (at: number) => string

  constructor (options: TicketServiceOptions) {
    this.#store = options.store
    this.#calendar = options.calendar
    this.#directory = options.directory
    this.#clock = options.clock
    this.#metrics = options.metrics
    this.#onQueued = options.onQueued ?? (() => undefined)
    if (options.newId === undefined) {
      const ulid = monotonicFactory()
      this.#newId = (at) => ulid(Math.max(0, Math.floor(at)))
    } else {
      this.#newId = options.newId
    }
  }

  /**
   * Raises a ticket and queues its delivery in one step; the same call and kind twice gives
   * the first ticket back. A department without a webhook gets no delivery job: its ticket
   * stays open in the API, where its staff pick it up (directory.yaml says so).
   */
  async raise (request: TicketRequest): Promise<Ticket> {
    const id = this.#newId(request.at)
    const ticket = newTicket(request, id, ticketDueAt(this.#calendar, request.at, request.departmentId))
    const webhook = this.#directory.department(request.departmentId)?.ticketWebhookUrl
    const now = this.#clock.now()
    const job = webhook === undefined
      ? undefined
      : { id, ticketId: id, departmentId: request.departmentId, createdAt: now, nextAt: now }
    const { ticket: stored, created } = await this.#store.create(ticket, job)
    if (created) {
      this.#metrics?.ticketsRaised.inc({ kind: stored.kind })
      if (job !== undefined) this.#onQueued()
    }
    return stored
  }

  async get (id: string, actor?: TicketActor): Promise<TicketResult> {
    const ticket = await this.#store.get(id)
    if (ticket === undefined) return unknown(id)
    return outOfScope(ticket, actor) ?? { ok: true, ticket }
  }

  async list (query: TicketListQuery, actor?: TicketActor): Promise<TicketListResult> {
    let departmentId = query.departmentId
    if (actor?.departmentId !== undefined) {
      if (departmentId !== undefined && departmentId !== actor.departmentId) {
        return { ok: false, error: 'forbidden', reason: `a department token sees its own department's tickets only (${actor.departmentId})` }
      }
      departmentId = actor.departmentId
    }
    const tickets = await this.#store.list({
      limit: query.limit,
      ...(departmentId === undefined ? {} : { departmentId }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.overdue === true ? { overdueAt: this.#clock.now() } : {})
    })
    return { ok: true, tickets }
  }

  acknowledge (id: string, actor: TicketActor, note?: string): Promise<TicketResult> {
    return this.#act(id, actor, { action: 'acknowledge', ...(note === undefined ? {} : { note }) })
  }

  recordContact (id: string, actor: TicketActor, note: string): Promise<TicketResult> {
    return this.#act(id, actor, { action: 'contact', note })
  }

  close (id: string, actor: TicketActor, outcome: { resolution: string, resolved: boolean }): Promise<TicketResult> {
    return this.#act(id, actor, { action: 'close', resolution: outcome.resolution, resolved: outcome.resolved })
  }

  /** The webhook took the ticket (the delivery worker reports it). */
  markDelivered (id: string, at: number): Promise<TicketResult> {
    return this.#act(id, { by: 'worker' }, { action: 'deliver' }, at)
  }

  /** Deliveries parked as dead, most recent first. */
  deadDeliveries (limit: number): Promise<DeliveryJob[]> {
    return this.#store.listDead(limit)
  }

  /** Puts a ticket's dead delivery back in the outbox, attempts counted from zero. */
  async redeliver (id: string): Promise<TicketResult> {
    const ticket = await this.#store.get(id)
    if (ticket === undefined) return unknown(id)
    const job = await this.#store.requeue(id, this.#clock.now())
    if (job === undefined) {
      const queued = await this.#store.getJob(id)
      const why = queued !== undefined
        ? 'its delivery is still queued'
        : ticket.deliveredAt !== undefined ? 'it was delivered' : 'its department has no webhook'
      return { ok: false, error: 'not-dead', reason: `ticket ${id} has no dead delivery: ${why}`, ticket }
    }
    this.#onQueued()
    return { ok: true, ticket }
  }

  /**
   * Records that `by` is about to see these tickets' callback numbers in full (those not
   * masked yet). Called before the answer leaves: a sight that cannot be recorded is not given.
   */
  async recordNumberViews (tickets: readonly Ticket[], by: string): Promise<void> {
    const at = this.#clock.now()
    const views: NumberView[] = tickets.filter((t) => t.numbersMaskedAt === undefined)
      .map((t) => ({ at, by, ticketId: t.id, departmentId: t.departmentId }))
    await this.#store.recordNumberViews(views)
  }

  /** Sights of full numbers, newest first (admins). */
  numberViews (query: { since?: number, limit: number }): Promise<NumberView[]> {
    return this.#store.listNumberViews(query)
  }

  /**
   * The retention sweep: masks the full numbers of tickets raised more than `days` days ago.
   * Idempotent: every controller runs it, and what one masked the others leave.
   */
  maskOldNumbers (days: number): Promise<number> {
    const now = this.#clock.now()
    return this.#store.maskNumbers(now - days * DAY_MS, now)
  }

  async #act (id: string, actor: TicketActor, input: Omit<TicketActionInput, 'at' | 'by'> & { action: TicketAction }, at?: number): Promise<TicketResult> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const ticket = await this.#store.get(id)
      if (ticket === undefined) return unknown(id)
      const refused = outOfScope(ticket, actor)
      if (refused !== undefined) return refused
      const result = transition(ticket, { ...input, at: at ?? this.#clock.now(), by: actor.by })
      if (!result.ok) {
        return { ok: false, error: result.problem === 'state' ? 'invalid-state' : 'invalid-input', reason: result.reason, ticket }
      }
      if ('unchanged' in result) return { ok: true, ticket }
      // Compare-and-set on the status read: if another controller moved the ticket meanwhile,
      // read it again and judge the action against the new status.
      const updated = await this.#store.update(id, ticket.status, result.change)
      if (updated !== undefined) return { ok: true, ticket: updated }
    }
    return { ok: false, error: 'invalid-state', reason: `ticket ${id} kept changing while this was being applied: try again` }
  }
}

function unknown (id: string): TicketResult {
  return { ok: false, error: 'unknown-ticket', reason: `no ticket ${id}` }
}

function outOfScope (ticket: Ticket, actor: TicketActor | undefined): TicketResult | undefined {
  if (actor?.departmentId === undefined || actor.departmentId === ticket.departmentId) return undefined
  return { ok: false, error: 'forbidden', reason: `a department token acts on its own department's tickets only (${actor.departmentId})` }
}
