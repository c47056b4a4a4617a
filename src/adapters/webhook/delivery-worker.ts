// Delivers tickets to the owning department's webhook from the outbox (docs/tickets.md).
//
// At least once, effectively once: a job leaves the outbox only after the department's
// server answered 2xx (or 409, "already have it"), and every request carries the ticket id as
// its Idempotency-Key, so a repeat after a lost answer or a crash is recognised by the
// receiver. Jobs are taken from the store under a lease, so two controllers never send one
// job at the same time, and a job whose controller died is taken up by another once the lease
// runs out. Failures are retried with exponential backoff and jitter; after `maxAttempts` the
// job is parked as dead, `hotline_tickets_dead` rises and an error is logged. The ticket
// itself stays in the API throughout.

import { createHmac } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Metrics } from '../../metrics.js'
import type { Clock } from '../../ports/clock.js'
import type { ClaimedJob, TicketStore } from '../../ports/ticket-store.js'
import type { Ticket } from '../../domain/ticket-record.js'
import type { TicketService, WebhookDirectory } from '../../tickets/ticket-service.js'

export interface DeliveryWorkerOptions {
  store: TicketStore
  /** Records a delivery on the ticket (open → delivered). */
  tickets: Pick<TicketService, 'markDelivered'>
  directory: WebhookDirectory
  /** Key of the HMAC-SHA256 signature (TICKET_WEBHOOK_SECRET). */
  secret: string
  clock: Clock
  metrics?: Metrics
  logger?: Logger
  /** Failed attempts before the job is parked as dead (default 8). */
  maxAttempts?: number
  /** Wait after the first failure, doubled after each further one (default 30 s). */
  initialBackoffMs?: number
  /** Longest wait between attempts (default 30 min). */
  maxBackoffMs?: number
  /** One request, connection to the last byte of the answer (default 10 s). */
  requestTimeoutMs?: number
  /** How long a claimed job stays this worker's (default 2 × requestTimeoutMs + 5 s). */
  leaseMs?: number
  /** How often the outbox is polled when nothing kicks the worker (default 1 s). */
  pollIntervalMs?: number
  /** Jobs claimed and sent at once (default 10). */
  batchSize?: number
  /** How often the ticket gauges are refreshed from the store (default 15 s). */
  gaugeIntervalMs?: number
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number
}

/** What one attempt came to. `permanent`: retrying cannot help; park at once. */
type Attempt =
  | { ok: true, status: number }
  | { ok: false, error: string, permanent?: boolean }

/** The JSON a department's webhook receives. */
export interface WebhookBody {
  id: string
  kind: Ticket['kind']
  callId: string
  matterId?: string
  departmentId: string
  /** In full: the department calls the business back on it. */
  callbackNumber: string
  choices: Record<string, string>
  /** Transfer-failed tickets: `no-answer` (no number answered) or `switch-lost` (the hotline's switch went away). */
  failure?: Ticket['failure']
  createdAt: string
  dueAt: string
  status: Ticket['status']
  /** 1 for the first attempt. */
  attempt: number
  /** Unix seconds; equal to the X-Hotline-Timestamp header, and covered by the signature. */
  sentAt: number
}

export class DeliveryWorker {
  readonly #store: TicketStore
  readonly #tickets: Pick<TicketService, 'markDelivered'>
  readonly #directory: WebhookDirectory
  readonly #secret: string
  readonly #clock: Clock
  readonly #metrics: Metrics | undefined
  readonly #logger: Logger | undefined
  readonly #maxAttempts: number
  readonly #initialBackoffMs: number
  readonly #maxBackoffMs: number
  readonly #requestTimeoutMs: number
  readonly #leaseMs: number
  readonly #pollIntervalMs: number
  readonly #batchSize: number
  readonly #gaugeIntervalMs: number
  readonly #random: () => number
  /** Aborts requests in flight on destroy(). */
  readonly #abort = new AbortController()
  #loop: Promise<void> | undefined
  #running = false
  #destroyed = false
  #kicked = false
  #wake: AbortController | undefined
  #gaugesAt = -Infinity
  #outboxDown = false

  constructor (options: DeliveryWorkerOptions) {
    if (options.secret.length < 16) throw new RangeError('the webhook secret must be at least 16 characters')
    this.#store = options.store
    this.#tickets = options.tickets
    this.#directory = options.directory
    this.#secret = options.secret
    this.#clock = options.clock
    this.#metrics = options.metrics
    this.#logger = options.logger
    this.#maxAttempts = positive(options.maxAttempts ?? 8, 'maxAttempts')
    this.#initialBackoffMs = positive(options.initialBackoffMs ?? 30_000, 'initialBackoffMs')
    this.#maxBackoffMs = Math.max(this.#initialBackoffMs, positive(options.maxBackoffMs ?? 1_800_000, 'maxBackoffMs'))
    this.#requestTimeoutMs = positive(options.requestTimeoutMs ?? 10_000, 'requestTimeoutMs')
    this.#leaseMs = positive(options.leaseMs ?? 2 * this.#requestTimeoutMs + 5000, 'leaseMs')
    this.#pollIntervalMs = positive(options.pollIntervalMs ?? 1000, 'pollIntervalMs')
    this.#batchSize = positive(options.batchSize ?? 10, 'batchSize')
    this.#gaugeIntervalMs = positive(options.gaugeIntervalMs ?? 15_000, 'gaugeIntervalMs')
    this.#random = options.random ?? Math.random
  }

  /** Starts polling the outbox; jobs left by an earlier run (or another controller) included. */
  start (): void {
    if (this.#loop !== undefined || this.#destroyed) return
    this.#running = true
    this.#loop = this.#run()
  }

  /** Looks at the outbox now instead of at the next poll (after a ticket was raised). */
  kick (): void {
    this.#kicked = true
    this.#wake?.abort()
  }

  /** Stops polling and waits for the deliveries in flight to finish and be recorded. */
  async stop (): Promise<void> {
    this.#running = false
    this.#wake?.abort()
    await this.#loop
  }

  /**
   * Stops at once: requests in flight are aborted and nothing more is written to the store.
   * Their jobs stay leased until the lease runs out, then any worker takes them again.
   */
  async destroy (): Promise<void> {
    this.#destroyed = true
    this.#running = false
    this.#abort.abort()
    this.#wake?.abort()
    await this.#loop
  }

  /** Sets the ticket gauges from the store's counts (dead, overdue, not closed). */
  async refreshGauges (): Promise<void> {
    const now = this.#clock.now()
    this.#gaugesAt = now
    if (this.#metrics !== undefined) await refreshTicketGauges(this.#store, this.#metrics, now)
  }

  async #run (): Promise<void> {
    while (this.#running) {
      let claimed: ClaimedJob[] = []
      try {
        if (this.#clock.now() - this.#gaugesAt >= this.#gaugeIntervalMs) await this.refreshGauges()
        claimed = await this.#store.claimDue(this.#clock.now(), this.#leaseMs, this.#batchSize)
        if (this.#outboxDown) this.#logger?.info('ticket outbox reachable again')
        this.#outboxDown = false
      } catch (err) {
        // The store is away: the jobs are safe in it; poll again, and say so once per outage.
        if (!this.#outboxDown) this.#logger?.warn({ err }, 'ticket outbox unreachable; polling on')
        this.#outboxDown = true
      }
      await Promise.all(claimed.map((job) => this.#deliver(job)))
      if (!this.#running) break
      // A full batch: more may be due right now.
      if (claimed.length < this.#batchSize) await this.#pause()
    }
  }

  async #pause (): Promise<void> {
    if (this.#kicked) {
      this.#kicked = false
      return
    }
    this.#wake = new AbortController()
    try {
      await sleep(this.#pollIntervalMs, undefined, { signal: this.#wake.signal })
    } catch {
      // Woken by kick() or stop().
    }
    this.#wake = undefined
    this.#kicked = false
  }

  /** One job, start to end; never throws (a failure to record is left to the lease). */
  async #deliver (job: ClaimedJob): Promise<void> {
    const log = this.#logger?.child({ ticketId: job.ticketId, departmentId: job.departmentId, attempt: job.attempts })
    try {
      const attempt = await this.#attempt(job)
      if (this.#destroyed) return
      const now = this.#clock.now()
      if (attempt.ok) {
        await this.#tickets.markDelivered(job.ticketId, now)
        if (await this.#store.complete(job.id, job.lease)) this.#metrics?.ticketsDelivered.inc()
        log?.info({ status: attempt.status }, 'ticket delivered to the department webhook')
        return
      }
      this.#metrics?.ticketDeliveryFailures.inc()
      if (attempt.permanent === true || job.attempts >= this.#maxAttempts) {
        await this.#store.park(job.id, job.lease, now, attempt.error)
        log?.error({ error: attempt.error, attempts: job.attempts }, 'ticket delivery failed for good: parked as dead, the department must be told another way')
        await this.refreshGauges()
        return
      }
      const nextAt = now + backoffDelay(job.attempts, this.#initialBackoffMs, this.#maxBackoffMs, this.#random)
      await this.#store.retry(job.id, job.lease, nextAt, attempt.error)
      log?.warn({ error: attempt.error, nextAt: new Date(nextAt).toISOString() }, 'ticket delivery failed; will retry')
    } catch (err) {
      if (this.#destroyed) return
      log?.error({ err }, 'ticket delivery could not be recorded; the job is tried again when its lease runs out')
    }
  }

  async #attempt (job: ClaimedJob): Promise<Attempt> {
    const ticket = await this.#store.get(job.ticketId)
    if (ticket === undefined) return { ok: false, error: `ticket ${job.ticketId} is not in the store`, permanent: true }
    const url = this.#directory.department(job.departmentId)?.ticketWebhookUrl
    if (url === undefined) return { ok: false, error: `department ${job.departmentId} has no ticketWebhookUrl in the directory`, permanent: true }
    const sentAt = Math.floor(this.#clock.now() / 1000)
    const body = JSON.stringify(webhookBody(ticket, job.attempts, sentAt))
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'idempotency-key': ticket.id,
          'x-hotline-signature': signature(this.#secret, body),
          'x-hotline-timestamp': String(sentAt),
          'user-agent': 'hotline12345-controller'
        },
        body,
        // A redirect is an answer we do not follow: the signed request goes where configured.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.#requestTimeoutMs), this.#abort.signal])
      })
      await response.body?.cancel()
      // 409 Conflict: the department already has this idempotency key, i.e. the ticket.
      if ((response.status >= 200 && response.status < 300) || response.status === 409) return { ok: true, status: response.status }
      return { ok: false, error: `HTTP ${response.status}` }
    } catch (err) {
      return { ok: false, error: describeFailure(err, this.#requestTimeoutMs) }
    }
  }
}

/** Sets the ticket gauges (dead, overdue, not closed) from the store's counts at `now`. */
export async function refreshTicketGauges (store: TicketStore, metrics: Metrics, now: number): Promise<void> {
  const counts = await store.counts(now)
  const total = Object.values(counts.byStatus).reduce((sum, n) => sum + n, 0)
  metrics.ticketsDead.set(counts.dead)
  metrics.ticketsOverdue.set(counts.overdue)
  metrics.ticketsOpen.set(total - counts.byStatus.closed)
}

/** `sha256=<hex HMAC-SHA256 of the body>`: what X-Hotline-Signature carries. */
export function signature (secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`
}

/** The ticket as the department's webhook receives it. */
export function webhookBody (ticket: Ticket, attempt: number, sentAt: number): WebhookBody {
  const body: WebhookBody = {
    id: ticket.id,
    kind: ticket.kind,
    callId: ticket.callId,
    departmentId: ticket.departmentId,
    callbackNumber: ticket.callbackNumber,
    choices: ticket.choices,
    createdAt: new Date(ticket.createdAt).toISOString(),
    dueAt: new Date(ticket.dueAt).toISOString(),
    status: ticket.status,
    attempt,
    sentAt
  }
  if (ticket.matterId !== undefined) body.matterId = ticket.matterId
  if (ticket.failure !== undefined) body.failure = ticket.failure
  return body
}

/**
 * Wait before the next attempt after `failures` failed ones: `initialMs` doubled per failure,
 * at most `maxMs`, with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter", 2015): half of it fixed, half random, so controllers that failed together against
 * one department do not all come back in the same instant.
 */
export function backoffDelay (failures: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1))
  return Math.round(base / 2 + random() * (base / 2))
}

function describeFailure (err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`
  if (err instanceof Error && err.name === 'AbortError') return 'aborted (controller stopping)'
  const cause = err instanceof Error ? err.cause : undefined
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined
  const message = err instanceof Error ? err.message : String(err)
  return code === undefined ? `network error: ${message}` : `network error: ${code}`
}

function positive (value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be positive, got ${value}`)
  return value
}
