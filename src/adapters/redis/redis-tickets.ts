// Tickets and their delivery outbox in Redis (ioredis), shared by several controllers and kept
// across restarts: a controller that dies between writing a ticket and delivering it leaves
// the job in the outbox, and whichever controller polls next delivers it.
//
// Every step two controllers could race on is one Lua script (ticket-scripts.ts): the ticket
// with its job (the outbox write), a status compare-and-set, a claim under a lease, and the
// worker's report (complete, retry, park), which only counts while the lease is still its own.
// Follows the memory ticket store's rules exactly (test/adapters/ticket-store-contract.ts);
// failures of Redis reject with HC_STORE (HTTP 503), as in redis-store.ts. See docs/tickets.md.

import { randomUUID } from 'node:crypto'
import type { Redis, RedisOptions } from 'ioredis'
import { readRecord, stamped } from '../../domain/record-version.js'
import { HotlineError } from '../../errors.js'
import { type TicketChange, UNCONTACTED, applyChange, maskTicketNumbers, numberView } from '../../domain/tickets.js'
import type {
  ClaimedJob, CreateResult, DeliveryJob, NewDeliveryJob, TicketCounts, TicketQuery, TicketStore
} from '../../ports/ticket-store.js'
import { type NumberView, TICKET_STATUSES, type Ticket, type TicketKind, type TicketStatus } from '../../domain/ticket-record.js'
import { type Durability, RedisConnection } from './redis-connection.js'
import { TICKET_SCRIPTS, type TicketScriptName } from './ticket-scripts.js'

export interface RedisTicketStoreOptions {
  /** `redis://[:password@]host:port[/db]`; without it, ioredis's default 127.0.0.1:6379. */
  url?: string
  /** Put before every key; the same prefix as the RedisStore is fine (the key names differ). */
  keyPrefix?: string
  /** More ioredis options; they override the defaults (redis-connection.ts). */
  redis?: RedisOptions
  /** Connection errors between operations (the client keeps reconnecting meanwhile). */
  onError?: (err: Error) => void
  /** A ticket is acknowledged once this many replicas have it (WAIT). */
  durability?: Durability
}

export const DEFAULT_TICKET_KEY_PREFIX = 'hotline:'

/** Compare-and-set attempts before giving up on a ticket that keeps changing under us. */
const CAS_ATTEMPTS = 20

/** Tickets walked per script call of the retention sweep: each call holds Redis briefly. */
const SWEEP_PAGE = 200

export class RedisTicketStore implements TicketStore {
  readonly #connection: RedisConnection<TicketScriptName>
  readonly #prefix: string

  constructor (options: RedisTicketStoreOptions = {}) {
    this.#prefix = options.keyPrefix ?? DEFAULT_TICKET_KEY_PREFIX
    this.#connection = new RedisConnection<TicketScriptName>({
      url: options.url,
      redis: options.redis,
      onError: options.onError,
      durability: options.durability,
      keyPrefix: this.#prefix,
      connectionName: 'hotline-tickets',
      label: 'redis ticket store',
      commandPrefix: 'hotlineTickets_',
      scripts: TICKET_SCRIPTS
    })
  }

  get keyPrefix (): string {
    return this.#prefix
  }

  async create (ticket: Ticket, job: NewDeliveryJob | undefined): Promise<CreateResult> {
    if (job !== undefined && job.id !== ticket.id) throw new HotlineError('HC_STORE', 'redis ticket store: a job has its ticket\'s id')
    const reply = await this.#script('createTicket', [
      this.#key('ticket:', ticket.id), this.#key('ticket-call:', `${ticket.kind}:${ticket.callId}`), this.#key('tickets'),
      this.#statusKey(ticket.status), this.#key('tickets:department:', ticket.departmentId), this.#key('tickets:uncontacted'),
      this.#key('ticket-job:', ticket.id), this.#key('ticket-outbox')
    ], [
      this.#prefix, ticket.id, JSON.stringify(stamped(ticket)), ticket.status, ticket.departmentId, ticket.createdAt, ticket.dueAt,
      UNCONTACTED.includes(ticket.status) ? '1' : '0',
      ...(job === undefined ? ['0', '', '', '', '', ''] : ['1', job.id, job.ticketId, job.departmentId, job.createdAt, job.nextAt])
    ])
    if (!Array.isArray(reply) || typeof reply[1] !== 'string') throw corrupt('create reply', JSON.stringify(reply))
    // Asked again after a failed wait, the ticket is found (one per call and kind) and waited for again.
    await this.#connection.replicated('the ticket')
    return { ticket: parseTicket(reply[1]), created: reply[0] === 1 }
  }

  async get (id: string): Promise<Ticket | undefined> {
    const json = await this.#do('get', () => this.#redis.hget(this.#key('ticket:', id), 'json'))
    return json === null ? undefined : parseTicket(json)
  }

  async findByCall (callId: string, kind: TicketKind): Promise<Ticket | undefined> {
    const id = await this.#do('findByCall', () => this.#redis.get(this.#key('ticket-call:', `${kind}:${callId}`)))
    return id === null ? undefined : await this.get(id)
  }

  async list (query: TicketQuery): Promise<Ticket[]> {
    const limit = Math.floor(query.limit)
    if (!(limit > 0)) return []
    const status = query.status ?? ''
    const department = query.departmentId ?? ''
    if (query.overdueAt !== undefined) {
      const rows = stringArray(await this.#script('listOverdue', [this.#key('tickets:uncontacted')],
        [this.#prefix, status, department, query.overdueAt]), 'listOverdue')
      const found: Array<{ createdAt: number, id: string, json: string }> = []
      for (let i = 0; i + 2 < rows.length; i += 3) {
        found.push({ createdAt: Number(rows[i]), id: rows[i + 1] as string, json: rows[i + 2] as string })
      }
      // Newest first, ties by id descending: the order of a ZREVRANGE, as for every list.
      found.sort((a, b) => a.createdAt !== b.createdAt ? b.createdAt - a.createdAt : a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
      return found.slice(0, limit).map((row) => parseTicket(row.json))
    }
    // Walk the narrowest index the query names; the script filters by the rest.
    const index = query.departmentId !== undefined
      ? this.#key('tickets:department:', query.departmentId)
      : query.status !== undefined ? this.#statusKey(query.status) : this.#key('tickets')
    const found = await this.#script('listTickets', [index], [this.#prefix, status, department, limit])
    return stringArray(found, 'listTickets').map(parseTicket)
  }

  async update (id: string, expectStatus: TicketStatus, change: TicketChange): Promise<Ticket | undefined> {
    const key = this.#key('ticket:', id)
    // Optimistic: read the ticket and its revision, apply the change in TypeScript (Lua never
    // re-encodes JSON), and write only if the revision is still the one read.
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const [json, rev] = await this.#do('update', () => this.#redis.hmget(key, 'json', 'rev'))
      if (json === null || json === undefined || rev === null || rev === undefined) return undefined
      const ticket = parseTicket(json)
      if (ticket.status !== expectStatus) return undefined
      const next = applyChange(ticket, change)
      const written = await this.#script('updateTicket', [
        key, this.#statusKey(ticket.status), this.#statusKey(next.status), this.#key('tickets:uncontacted')
      ], [id, rev, String(Number(rev) + 1), JSON.stringify(stamped(next)), next.status, next.createdAt, next.dueAt,
        UNCONTACTED.includes(next.status) ? '1' : '0'])
      if (written === 1) {
        await this.#connection.replicated('the ticket\'s change')
        return next
      }
      if (written === -1) return undefined
    }
    throw new HotlineError('HC_STORE', `redis ticket store: ticket ${id} kept changing; update given up`)
  }

  async claimDue (now: number, leaseMs: number, limit: number): Promise<ClaimedJob[]> {
    const count = Math.floor(limit)
    if (!(count > 0)) return []
    const lease = randomUUID()
    const reply = await this.#script('claimDue', [this.#key('ticket-outbox')], [this.#prefix, now, now + leaseMs, count, lease])
    if (!Array.isArray(reply)) throw corrupt('claimDue reply', typeof reply)
    return reply.map((fields) => {
      const job = parseJob(fields)
      return { ...job, lease, leaseUntil: job.leaseUntil ?? now + leaseMs }
    })
  }

  async complete (jobId: string, lease: string): Promise<boolean> {
    return await this.#script('completeJob', this.#jobKeys(jobId), [jobId, lease]) === 1
  }

  async retry (jobId: string, lease: string, nextAt: number, error: string): Promise<boolean> {
    return await this.#script('retryJob', this.#jobKeys(jobId), [jobId, lease, nextAt, error]) === 1
  }

  async park (jobId: string, lease: string, at: number, error: string): Promise<boolean> {
    return await this.#script('parkJob', [...this.#jobKeys(jobId), this.#key('ticket-dead')], [jobId, lease, at, error]) === 1
  }

  async listDead (limit: number): Promise<DeliveryJob[]> {
    const count = Math.floor(limit)
    if (!(count > 0)) return []
    const reply = await this.#script('listDead', [this.#key('ticket-dead')], [this.#prefix, count - 1])
    if (!Array.isArray(reply)) throw corrupt('listDead reply', typeof reply)
    return reply.map(parseJob)
  }

  async requeue (jobId: string, at: number): Promise<DeliveryJob | undefined> {
    const reply = await this.#script('requeueJob', [...this.#jobKeys(jobId), this.#key('ticket-dead')], [jobId, at])
    return reply === null ? undefined : parseJob(reply)
  }

  async getJob (jobId: string): Promise<DeliveryJob | undefined> {
    const fields = await this.#do('getJob', () => this.#redis.hgetall(this.#key('ticket-job:', jobId)))
    return Object.keys(fields).length === 0 ? undefined : jobFromFields(fields)
  }

  async counts (at: number): Promise<TicketCounts> {
    const replies = await this.#do('counts', async () => {
      const multi = this.#redis.multi()
      for (const status of TICKET_STATUSES) multi.zcard(this.#statusKey(status))
      multi.zcount(this.#key('tickets:uncontacted'), '-inf', `(${at}`)
      multi.zcard(this.#key('ticket-outbox'))
      multi.zcard(this.#key('ticket-dead'))
      return (await multi.exec()) ?? []
    })
    const numbers = replies.map(([err, value]) => {
      if (err !== null) throw new HotlineError('HC_STORE', `redis ticket store: counts failed: ${err.message}`, { cause: err })
      if (typeof value !== 'number') throw corrupt('counts reply', String(value))
      return value
    })
    const byStatus = Object.fromEntries(TICKET_STATUSES.map((s, i) => [s, numbers[i] ?? 0])) as Record<TicketStatus, number>
    const n = TICKET_STATUSES.length
    return { byStatus, overdue: numbers[n] ?? 0, queued: numbers[n + 1] ?? 0, dead: numbers[n + 2] ?? 0 }
  }

  async maskNumbers (createdBefore: number, at: number): Promise<number> {
    let masked = 0
    for (let offset = 0; ; offset += SWEEP_PAGE) {
      const reply = await this.#script('ticketsToMask', [this.#key('tickets')], [this.#prefix, createdBefore, offset, SWEEP_PAGE])
      if (!Array.isArray(reply) || typeof reply[0] !== 'number') throw corrupt('ticketsToMask reply', JSON.stringify(reply))
      for (const id of stringArray(reply[1], 'ticketsToMask')) if (await this.#maskOne(id, at)) masked++
      if (reply[0] < SWEEP_PAGE) break
    }
    if (masked > 0) await this.#connection.replicated('the masked tickets')
    return masked
  }

  async recordNumberViews (views: readonly NumberView[]): Promise<void> {
    if (views.length === 0) return
    const members = views.flatMap((view) => [view.at, JSON.stringify(numberView(view))])
    await this.#do('recordNumberViews', () => this.#redis.zadd(this.#key('number-views'), ...members))
  }

  async listNumberViews (query: { since?: number, limit: number }): Promise<NumberView[]> {
    const limit = Math.floor(query.limit)
    if (!(limit > 0)) return []
    const found = await this.#do('listNumberViews', () =>
      this.#redis.zrevrangebyscore(this.#key('number-views'), '+inf', query.since ?? '-inf', 'LIMIT', 0, limit))
    return found.map((json) => JSON.parse(json) as NumberView)
  }

  /** Masks one ticket by compare-and-set; true when this call masked it (not another sweep). */
  async #maskOne (id: string, at: number): Promise<boolean> {
    const key = this.#key('ticket:', id)
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const [json, rev, done] = await this.#do('maskNumbers', () => this.#redis.hmget(key, 'json', 'rev', 'masked'))
      if (json === null || json === undefined || rev === null || rev === undefined || done === '1') return false
      const ticket = parseTicket(json)
      const next = maskTicketNumbers(ticket, at)
      const written = await this.#script('maskTicket', [key], [rev, String(Number(rev) + 1), JSON.stringify(stamped(next))])
      if (written === 1) return next !== ticket
      if (written === -1) return false
    }
    throw new HotlineError('HC_STORE', `redis ticket store: ticket ${id} kept changing; masking given up until the next sweep`)
  }

  /** Quits after the replies still due; safe to call twice; later operations fail with HC_STORE. */
  close (): Promise<void> {
    return this.#connection.close()
  }

  #key (kind: string, id = ''): string {
    return this.#connection.key(kind, id)
  }

  #statusKey (status: TicketStatus): string {
    return this.#key('tickets:status:', status)
  }

  #jobKeys (jobId: string): [string, string] {
    return [this.#key('ticket-job:', jobId), this.#key('ticket-outbox')]
  }

  #script (name: TicketScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.#connection.script(name, keys, args)
  }

  #do<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return this.#connection.do(operation, run)
  }

  get #redis (): Redis {
    return this.#connection.redis
  }
}

function corrupt (what: string, detail: string): HotlineError {
  return new HotlineError('HC_STORE', `redis ticket store: unexpected ${what}: ${detail}`)
}

function stringArray (reply: unknown, what: string): string[] {
  if (!Array.isArray(reply) || !reply.every((item): item is string => typeof item === 'string')) throw corrupt(`${what} reply`, typeof reply)
  return reply
}

function parseTicket (json: string): Ticket {
  try {
    return readRecord<Ticket>(json)
  } catch (err) {
    throw new HotlineError('HC_STORE', 'redis ticket store: a ticket is not valid JSON', { cause: err })
  }
}

/** A job from a script's HGETALL reply (field, value, …). */
function parseJob (reply: unknown): DeliveryJob {
  const flat = stringArray(reply, 'job')
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string
  return jobFromFields(fields)
}

function jobFromFields (fields: Record<string, string>): DeliveryJob {
  const { id, ticketId, departmentId, createdAt, attempts, nextAt, lastError, deadAt, leaseUntil } = fields
  if (id === undefined || ticketId === undefined || departmentId === undefined || createdAt === undefined || attempts === undefined) {
    throw corrupt('job hash', Object.keys(fields).join(','))
  }
  const job: DeliveryJob = { id, ticketId, departmentId, createdAt: Number(createdAt), attempts: Number(attempts) }
  if (nextAt !== undefined) job.nextAt = Number(nextAt)
  if (lastError !== undefined) job.lastError = lastError
  if (deadAt !== undefined) job.deadAt = Number(deadAt)
  if (leaseUntil !== undefined) job.leaseUntil = Number(leaseUntil)
  return job
}
