// Tickets raised from the agent console (登记工单): during a call, or while wrapping it up, the
// agent registers a next-urgent ticket (次紧急工单) for the department owning the matter the
// caller needs — when the specialist could not settle it on the phone, or the caller asked
// for a written follow-up. The department calls the business back before 10:00 of the next
// working day, as for the after-hours tickets the IVR raises (domain/tickets.ts).
//
// The callback number is the caller's full number, taken from the call while it runs on this
// controller (ivr.ts keeps it for exactly that); the agent never sees it, only the ticket's id,
// department and due time. Raising twice for one call gives the first ticket back (TicketSink:
// idempotent per call and kind), so a double click or a retry after a lost answer is harmless.

import type { Directory } from '../../domain/directory.js'
import type { ApiUser } from '../../http/auth.js'
import type { CallRecord } from '../../domain/call-record.js'
import type { TicketSink } from '../../ports/tickets.js'
import type { Ticket } from '../../domain/ticket-record.js'
import type { ConsoleTicket } from './views.js'

export interface ConsoleTicketsDeps {
  directory: Directory
  sink: TicketSink
  getCall: (callId: string) => Promise<CallRecord | undefined>
  /** The caller's full number while the call runs here (Ivr.callerNumber). */
  callerNumber: (callId: string) => string | undefined
  /** The caller's choices as the conversation holds them (before the record has them all). */
  liveChoices: (callId: string) => Readonly<Record<string, string>> | undefined
  /** Whether `agentId` is on (or wrapping up) `callId`. */
  isAgentOf: (agentId: string, callId: string) => Promise<boolean>
  now: () => number
  /** How many raised tickets are remembered for the consoles; default 500. */
  remember?: number
}

export interface RaiseInput {
  callId: string
  matterId: string
  note?: string
  by: ApiUser | undefined
}

export type RaiseResult =
  | { ok: true, created: boolean, ticket: ConsoleTicket }
  | { ok: false, status: 400 | 403 | 404 | 409, reason: string }

export class ConsoleTickets {
  readonly #deps: ConsoleTicketsDeps
  /** The last ticket raised per call, in insertion order (the oldest forgotten first). */
  readonly #byCall = new Map<string, ConsoleTicket>()

  constructor (deps: ConsoleTicketsDeps) {
    this.#deps = deps
  }

  /** The ticket raised from a console for this call, if this controller raised one. */
  of (callId: string): ConsoleTicket | undefined {
    return this.#byCall.get(callId)
  }

  async raise (input: RaiseInput): Promise<RaiseResult> {
    const { directory } = this.#deps
    const { callId, matterId, by } = input
    // An agent token acts on its own call only; whether another call exists is not its business.
    if (by?.role === 'agent' && (by.agentId === undefined || !await this.#deps.isAgentOf(by.agentId, callId))) {
      return { ok: false, status: 403, reason: 'an agent token acts on its own call only' }
    }
    const number = this.#deps.callerNumber(callId)
    const record = await this.#deps.getCall(callId)
    if (number === undefined && record === undefined) return { ok: false, status: 404, reason: `no call ${callId}` }
    const matter = directory.matter(matterId)
    if (matter === undefined) return { ok: false, status: 400, reason: `body/matterId: no matter "${matterId}" in the directory` }
    if (number === undefined) {
      return {
        ok: false,
        status: 409,
        reason: record?.endedAt === undefined
          ? `call ${callId} is not running on this controller: raise the ticket where it runs`
          : `call ${callId} has ended: the caller's number is no longer held, register the ticket by hand`
      }
    }
    const at = this.#deps.now()
    const choices: Record<string, string> = { ...this.#deps.liveChoices(callId), ...record?.choices }
    // What the department reads besides the caller's own choices: who registered it and why.
    choices.raisedBy = by?.role === 'agent' && by.agentId !== undefined ? by.agentId : by?.role ?? 'unknown'
    const note = input.note?.trim()
    if (note !== undefined && note !== '') choices.agentNote = note
    const ticket = await this.#deps.sink.raise({
      kind: 'next-urgent', callId, matterId, departmentId: matter.departmentId, callbackNumber: number, choices, at
    })
    const view = this.#view(ticket)
    this.#remember(callId, view)
    // The sink answers with the first ticket of this call and kind when there was one.
    return { ok: true, created: ticket.createdAt === at && ticket.matterId === matterId, ticket: view }
  }

  #view (ticket: Ticket): ConsoleTicket {
    const { directory } = this.#deps
    const matter = ticket.matterId === undefined ? undefined : directory.matter(ticket.matterId)
    return {
      ticketId: ticket.id,
      kind: ticket.kind,
      ...(ticket.matterId === undefined ? {} : { matterId: ticket.matterId }),
      ...(matter === undefined ? {} : { matterName: matter.name }),
      departmentId: ticket.departmentId,
      departmentName: directory.department(ticket.departmentId)?.name ?? ticket.departmentId,
      dueAt: new Date(ticket.dueAt).toISOString(),
      createdAt: new Date(ticket.createdAt).toISOString()
    }
  }

  #remember (callId: string, view: ConsoleTicket): void {
    this.#byCall.delete(callId)
    this.#byCall.set(callId, view)
    const limit = this.#deps.remember ?? 500
    for (const oldest of this.#byCall.keys()) {
      if (this.#byCall.size <= limit) break
      this.#byCall.delete(oldest)
    }
  }
}
