// Ticket rules (工单): when a ticket falls due, how its status moves, and when it is overdue.
// Pure: instants are handed in, nothing here reads the clock or touches a store.
//
// One rule for the due time of both kinds. The Shanghai enterprise-seat plan (2022-11) has
// the owning unit contact the business "before 10:00 of the next working day" for a
// next-urgent ticket (次紧急工单); a transfer-failed ticket is the same promise made to a
// caller the department could not be reached for, so it gets the same deadline.
//
// The status machine is one table of edges and one transition function:
//
//   open ──deliver──▶ delivered ──acknowledge──▶ acknowledged ──contact──▶ contacted ──close──▶ closed
//     └───────────────acknowledge──────────────────▲                         ▲  └contact┘
//
// - A department may acknowledge before the webhook delivery is confirmed (open →
//   acknowledged): a department without a webhook only ever sees its tickets through the API,
//   and one whose webhook is down may find them there first. Holding the department back
//   until a machine confirms what a person has already read would only delay the call-back.
// - A delivery confirmed after the department moved on records `deliveredAt` and leaves the
//   status where it is: delivery is about the department's system, the status about the work.
// - Contact may be recorded again (the business did not answer the first time); the first
//   contact is the one that ends the overdue clock.
// - Closing needs a contact first, a resolution text and whether the matter was resolved —
//   the figures the plans report (resolution rate, return visits).

import { maskChoices, maskNumber } from '../logger.js'
import type { NumberView, Ticket, TicketHistoryEntry, TicketRequest, TicketStatus } from './ticket-record.js'

export type TicketAction = 'deliver' | 'acknowledge' | 'contact' | 'close'

export const TICKET_ACTIONS: readonly TicketAction[] = ['deliver', 'acknowledge', 'contact', 'close']

/** The due-time rule the calendar implements (WorkCalendar.nextUrgentDue). */
export interface DueRule {
  nextUrgentDue(instant: number, departmentId?: string): number
}

/** Longest resolution or note text kept, in characters. */
export const MAX_TICKET_TEXT = 2000

/**
 * Every allowed edge: [from, action, to]. An action not listed from a status is refused,
 * except `deliver`, which from a later status only records the delivery (see above).
 */
export const TICKET_TRANSITIONS: ReadonlyArray<readonly [TicketStatus, TicketAction, TicketStatus]> = [
  ['open', 'deliver', 'delivered'],
  ['open', 'acknowledge', 'acknowledged'],
  ['delivered', 'acknowledge', 'acknowledged'],
  ['acknowledged', 'contact', 'contacted'],
  ['contacted', 'contact', 'contacted'],
  ['contacted', 'close', 'closed']
]

/** Statuses in which the department has not yet contacted the business. */
export const UNCONTACTED: readonly TicketStatus[] = ['open', 'delivered', 'acknowledged']

/** What an action brings with it. */
export interface TicketActionInput {
  action: TicketAction
  at: number
  /** Who acts (`worker`, `admin`, `department:<id>`). */
  by: string
  note?: string
  /** Close: what was done. */
  resolution?: string
  /** Close: whether the matter was resolved. */
  resolved?: boolean
}

/** The fields an action changes, and the history entries it appends. */
export interface TicketChange {
  status?: TicketStatus
  deliveredAt?: number
  acknowledgedAt?: number
  contactedAt?: number
  closedAt?: number
  resolution?: string
  resolved?: boolean
  /** Appended to the ticket's history, in order. */
  history?: TicketHistoryEntry[]
}

export type TransitionResult =
  | { ok: true, change: TicketChange, ticket: Ticket }
  /** `unchanged`: nothing to do (a delivery confirmed twice). */
  | { ok: true, unchanged: true, ticket: Ticket }
  /** `state`: not allowed from the ticket's status; `input`: a text or flag is missing or bad. */
  | { ok: false, problem: 'state' | 'input', reason: string }

/** Due instant of a ticket raised at `createdAt` for the department (both kinds alike). */
export function ticketDueAt (rule: DueRule, createdAt: number, departmentId: string): number {
  return rule.nextUrgentDue(createdAt, departmentId)
}

/** A new ticket, open, with its first history entry. */
export function newTicket (request: TicketRequest, id: string, dueAt: number): Ticket {
  const ticket: Ticket = {
    id,
    kind: request.kind,
    callId: request.callId,
    departmentId: request.departmentId,
    callbackNumber: request.callbackNumber,
    choices: { ...request.choices },
    createdAt: request.at,
    dueAt,
    status: 'open',
    history: [{ at: request.at, status: 'open', by: 'controller', note: request.kind }]
  }
  if (request.matterId !== undefined) ticket.matterId = request.matterId
  if (request.failure !== undefined) ticket.failure = request.failure
  return ticket
}

/** Where `action` leads from `status`, if anywhere. */
export function nextStatus (status: TicketStatus, action: TicketAction): TicketStatus | undefined {
  return TICKET_TRANSITIONS.find(([from, a]) => from === status && a === action)?.[2]
}

/**
 * Applies one action: the change to write (for a compare-and-set on the current status) and
 * the ticket as it will be, or why the action is refused.
 */
export function transition (ticket: Ticket, input: TicketActionInput): TransitionResult {
  const { action, at, by } = input
  const note = cleanText(input.note)
  if (input.note !== undefined && note === undefined) return bad('the note is empty')
  if (note !== undefined && note.length > MAX_TICKET_TEXT) return bad(`the note is longer than ${MAX_TICKET_TEXT} characters`)

  const to = nextStatus(ticket.status, action)
  if (action === 'deliver' && to === undefined) {
    // Delivered after the department already acted through the API: record when, keep the status.
    if (ticket.deliveredAt !== undefined) return { ok: true, unchanged: true, ticket }
    return apply(ticket, { deliveredAt: at, history: [{ at, status: ticket.status, by, note: note ?? 'delivered to the department webhook' }] })
  }
  if (to === undefined) return { ok: false, problem: 'state', reason: refusal(ticket.status, action) }

  const entry: TicketHistoryEntry = note === undefined ? { at, status: to, by } : { at, status: to, by, note }
  const change: TicketChange = { status: to, history: [entry] }
  switch (action) {
    case 'deliver':
      change.deliveredAt = at
      break
    case 'acknowledge':
      change.acknowledgedAt = at
      break
    case 'contact':
      if (note === undefined) return bad('recording a contact needs a note saying what happened')
      // The first contact ends the overdue clock; later ones only add to the history.
      if (ticket.contactedAt === undefined) change.contactedAt = at
      break
    case 'close': {
      const resolution = cleanText(input.resolution)
      if (resolution === undefined) return bad('closing needs a resolution text')
      if (resolution.length > MAX_TICKET_TEXT) return bad(`the resolution is longer than ${MAX_TICKET_TEXT} characters`)
      if (typeof input.resolved !== 'boolean') return bad('closing needs resolved: true or false')
      change.closedAt = at
      change.resolution = resolution
      change.resolved = input.resolved
      break
    }
  }
  return apply(ticket, change)
}

/** The ticket with a change applied (history appended): what the stores do too. */
export function applyChange (ticket: Ticket, change: TicketChange): Ticket {
  const { history, ...fields } = change
  return { ...ticket, ...fields, history: [...ticket.history, ...(history ?? [])] }
}

/** Overdue at `at`: past its due time and the business not yet contacted. */
export function isOverdue (ticket: Pick<Ticket, 'status' | 'dueAt'>, at: number): boolean {
  return UNCONTACTED.includes(ticket.status) && at > ticket.dueAt
}

function apply (ticket: Ticket, change: TicketChange): TransitionResult {
  return { ok: true, change, ticket: applyChange(ticket, change) }
}

function bad (reason: string): TransitionResult {
  return { ok: false, problem: 'input', reason }
}

function cleanText (text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function refusal (status: TicketStatus, action: TicketAction): string {
  const allowedFrom = TICKET_TRANSITIONS.filter(([, a]) => a === action).map(([from]) => from)
  const hint: Partial<Record<TicketAction, string>> = {
    contact: 'acknowledge it first',
    close: 'record the contact with the business first'
  }
  const why = status === 'closed' ? 'the ticket is closed' : `the ticket is ${status}`
  const extra = hint[action] !== undefined && status !== 'closed' ? `: ${hint[action]}` : ''
  return `cannot ${action}: ${why} (allowed from ${allowedFrom.join(', ')})${extra}`
}

/**
 * The ticket with its callback number and the numbers among its choices masked, as the
 * retention sweep leaves it; unchanged when it was masked already (so a sweep run twice, or
 * by two controllers at once, changes nothing the second time).
 */
export function maskTicketNumbers (ticket: Ticket, at: number): Ticket {
  if (ticket.numbersMaskedAt !== undefined) return ticket
  return { ...ticket, callbackNumber: maskNumber(ticket.callbackNumber), choices: maskChoices(ticket.choices), numbersMaskedAt: at }
}

/** A view's fields in one order: the same view is one entry in a store. */
export function numberView (view: NumberView): NumberView {
  return { at: view.at, by: view.by, ticketId: view.ticketId, departmentId: view.departmentId }
}
