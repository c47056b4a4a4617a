// Tickets (工单) to the department that owns a matter: next-urgent tickets outside working
// hours (次紧急工单, due before 10:00 of the next working day) and transfer-failed tickets
// when no number of a matter's hunt list could be reached.
//
// Never lost, never doubled: a ticket and its delivery job are written in one atomic step (an
// outbox). A worker delivers each job to the department's webhook with the ticket id as the
// idempotency key, retries with backoff, and parks it as dead after N failures.

import type { Ticket, TicketRequest } from '../domain/ticket-record.js'

export interface TicketSink {
  /**
   * Raises a ticket and queues its delivery in one atomic step. Raising the same call's
   * ticket of the same kind twice returns the first ticket (idempotent per call and kind).
   */
  raise(request: TicketRequest): Promise<Ticket>
}
