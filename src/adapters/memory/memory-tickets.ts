// Tickets and their outbox in this process's memory: the embedded default for one controller.
// Nothing survives a restart, so a controller that must resume deliveries after a restart (or
// share tickets with others) needs the Redis ticket store.
//
// Atomicity as in memory-store.ts: every method works in one synchronous block and then hands
// back a settled promise, so a create, a compare-and-set or a claim cannot be interleaved with
// another call. It follows the Redis ticket store's rules to the letter (orders, tie-breaks,
// what a record keeps), and both pass one contract suite.

import { readRecord, stamped } from '../../domain/record-version.js'
import { randomUUID } from 'node:crypto'
import { HotlineError } from '../../errors.js'
import { type TicketChange, UNCONTACTED, applyChange, maskTicketNumbers, numberView } from '../../domain/tickets.js'
import type {
  ClaimedJob, CreateResult, DeliveryJob, NewDeliveryJob, TicketCounts, TicketQuery, TicketStore
} from '../../ports/ticket-store.js'
import { type NumberView, TICKET_STATUSES, type Ticket, type TicketKind, type TicketStatus } from '../../domain/ticket-record.js'

interface StoredJob {
  job: DeliveryJob
  lease?: string
}

export class MemoryTicketStore implements TicketStore {
  /** Tickets as JSON, as in Redis: what comes back is what JSON round-trips. */
  readonly #tickets = new Map<string, string>()
  readonly #byCall = new Map<string, string>()
  readonly #jobs = new Map<string, StoredJob>()
  /** Job id → score (next attempt, or lease expiry while leased). */
  readonly #outbox = new Map<string, number>()
  /** Job id → when it was parked. */
  readonly #dead = new Map<string, number>()
  /** Sights of full numbers: JSON → when (one entry per distinct view, as Redis's sorted set). */
  readonly #views = new Map<string, number>()
  #closed = false

  create (ticket: Ticket, job: NewDeliveryJob | undefined): Promise<CreateResult> {
    return this.#run(() => {
      if (job !== undefined && job.id !== ticket.id) throw new HotlineError('HC_STORE', 'memory ticket store: a job has its ticket\'s id')
      const key = callKey(ticket.callId, ticket.kind)
      const existing = this.#byCall.get(key)
      if (existing !== undefined) return { ticket: this.#ticket(existing) as Ticket, created: false }
      if (this.#tickets.has(ticket.id)) throw new HotlineError('HC_STORE', `memory ticket store: ticket id ${ticket.id} is taken`)
      this.#tickets.set(ticket.id, JSON.stringify(stamped(ticket)))
      this.#byCall.set(key, ticket.id)
      if (job !== undefined) {
        this.#jobs.set(job.id, {
          job: { id: job.id, ticketId: job.ticketId, departmentId: job.departmentId, createdAt: job.createdAt, attempts: 0, nextAt: job.nextAt }
        })
        this.#outbox.set(job.id, job.nextAt)
      }
      return { ticket: readRecord<Ticket>(JSON.stringify(stamped(ticket))), created: true }
    })
  }

  get (id: string): Promise<Ticket | undefined> {
    return this.#run(() => this.#ticket(id))
  }

  findByCall (callId: string, kind: TicketKind): Promise<Ticket | undefined> {
    return this.#run(() => {
      const id = this.#byCall.get(callKey(callId, kind))
      return id === undefined ? undefined : this.#ticket(id)
    })
  }

  list (query: TicketQuery): Promise<Ticket[]> {
    return this.#run(() => {
      const limit = Math.max(0, Math.floor(query.limit))
      const found: Ticket[] = []
      for (const json of this.#tickets.values()) {
        const ticket = readRecord<Ticket>(json)
        if (query.departmentId !== undefined && ticket.departmentId !== query.departmentId) continue
        if (query.status !== undefined && ticket.status !== query.status) continue
        if (query.overdueAt !== undefined && !(UNCONTACTED.includes(ticket.status) && ticket.dueAt < query.overdueAt)) continue
        found.push(ticket)
      }
      return found.sort(newestFirst).slice(0, limit)
    })
  }

  update (id: string, expectStatus: TicketStatus, change: TicketChange): Promise<Ticket | undefined> {
    return this.#run(() => {
      const ticket = this.#ticket(id)
      if (ticket === undefined || ticket.status !== expectStatus) return undefined
      const next = applyChange(ticket, change)
      this.#tickets.set(id, JSON.stringify(stamped(next)))
      return readRecord<Ticket>(JSON.stringify(stamped(next)))
    })
  }

  claimDue (now: number, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
    return this.#run(() => {
      const due = [...this.#outbox].filter(([, score]) => score <= now)
        .sort(([a, sa], [b, sb]) => sa !== sb ? sa - sb : compareStrings(a, b))
        .slice(0, Math.max(0, Math.floor(limit)))
      const lease = randomUUID()
      const leaseUntil = now + leaseMs
      const claimed: ClaimedJob[] = []
      for (const [id] of due) {
        const stored = this.#jobs.get(id)
        if (stored === undefined) {
          this.#outbox.delete(id)
          continue
        }
        stored.lease = lease
        stored.job = { ...stored.job, attempts: stored.job.attempts + 1, leaseUntil }
        this.#outbox.set(id, leaseUntil)
        claimed.push({ ...stored.job, lease, leaseUntil })
      }
      return claimed
    })
  }

  complete (jobId: string, lease: string): Promise<boolean> {
    return this.#run(() => {
      if (this.#leased(jobId, lease) === undefined) return false
      this.#jobs.delete(jobId)
      this.#outbox.delete(jobId)
      return true
    })
  }

  retry (jobId: string, lease: string, nextAt: number, error: string): Promise<boolean> {
    return this.#run(() => {
      const stored = this.#leased(jobId, lease)
      if (stored === undefined) return false
      const { leaseUntil: _lease, ...job } = stored.job
      this.#jobs.set(jobId, { job: { ...job, nextAt, lastError: error } })
      this.#outbox.set(jobId, nextAt)
      return true
    })
  }

  park (jobId: string, lease: string, at: number, error: string): Promise<boolean> {
    return this.#run(() => {
      const stored = this.#leased(jobId, lease)
      if (stored === undefined) return false
      const { leaseUntil: _lease, nextAt: _next, ...job } = stored.job
      this.#jobs.set(jobId, { job: { ...job, lastError: error, deadAt: at } })
      this.#outbox.delete(jobId)
      this.#dead.set(jobId, at)
      return true
    })
  }

  listDead (limit: number): Promise<DeliveryJob[]> {
    return this.#run(() => [...this.#dead]
      .sort(([a, sa], [b, sb]) => sa !== sb ? sb - sa : compareStrings(b, a))
      .slice(0, Math.max(0, Math.floor(limit)))
      .flatMap(([id]) => {
        const stored = this.#jobs.get(id)
        return stored === undefined ? [] : [{ ...stored.job }]
      }))
  }

  requeue (jobId: string, at: number): Promise<DeliveryJob | undefined> {
    return this.#run(() => {
      const stored = this.#jobs.get(jobId)
      if (stored === undefined || !this.#dead.has(jobId)) return undefined
      const { deadAt: _dead, ...job } = stored.job
      const queued: DeliveryJob = { ...job, attempts: 0, nextAt: at }
      this.#jobs.set(jobId, { job: queued })
      this.#dead.delete(jobId)
      this.#outbox.set(jobId, at)
      return { ...queued }
    })
  }

  getJob (jobId: string): Promise<DeliveryJob | undefined> {
    return this.#run(() => {
      const stored = this.#jobs.get(jobId)
      return stored === undefined ? undefined : { ...stored.job }
    })
  }

  counts (at: number): Promise<TicketCounts> {
    return this.#run(() => {
      const byStatus = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>
      let overdue = 0
      for (const json of this.#tickets.values()) {
        const ticket = readRecord<Ticket>(json)
        byStatus[ticket.status]++
        if (UNCONTACTED.includes(ticket.status) && ticket.dueAt < at) overdue++
      }
      return { byStatus, overdue, queued: this.#outbox.size, dead: this.#dead.size }
    })
  }

  maskNumbers (createdBefore: number, at: number): Promise<number> {
    return this.#run(() => {
      let masked = 0
      for (const [id, json] of this.#tickets) {
        const ticket = readRecord<Ticket>(json)
        if (ticket.createdAt >= createdBefore || ticket.numbersMaskedAt !== undefined) continue
        this.#tickets.set(id, JSON.stringify(stamped(maskTicketNumbers(ticket, at))))
        masked++
      }
      return masked
    })
  }

  recordNumberViews (views: readonly NumberView[]): Promise<void> {
    return this.#run(() => {
      for (const view of views) this.#views.set(JSON.stringify(numberView(view)), view.at)
    })
  }

  listNumberViews (query: { since?: number, limit: number }): Promise<NumberView[]> {
    return this.#run(() => [...this.#views]
      .filter(([, at]) => query.since === undefined || at >= query.since)
      .sort(([a, sa], [b, sb]) => sa !== sb ? sb - sa : compareStrings(b, a))
      .slice(0, Math.max(0, Math.floor(query.limit)))
      .map(([json]) => JSON.parse(json) as NumberView))
  }

  close (): Promise<void> {
    this.#closed = true
    return Promise.resolve()
  }

  #ticket (id: string): Ticket | undefined {
    const json = this.#tickets.get(id)
    return json === undefined ? undefined : readRecord<Ticket>(json)
  }

  /** The job if `lease` is its current lease. */
  #leased (jobId: string, lease: string): StoredJob | undefined {
    const stored = this.#jobs.get(jobId)
    return stored !== undefined && stored.lease === lease && this.#outbox.has(jobId) ? stored : undefined
  }

  #run<T>(operation: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new HotlineError('HC_STORE', 'the memory ticket store is closed'))
    try {
      return Promise.resolve(operation())
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

function callKey (callId: string, kind: TicketKind): string {
  return `${kind}\u0000${callId}`
}

function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function newestFirst (a: Ticket, b: Ticket): number {
  return a.createdAt !== b.createdAt ? b.createdAt - a.createdAt : compareStrings(b.id, a.id)
}
