// The delivery worker against a real HTTP server (node:http on 127.0.0.1, port 0) playing the
// department's webhook: it checks every signature, and counts deliveries by idempotency key
// (the ticket id), so a repeat shows up as a duplicate. Redis-backed cases use a real
// redis-server, as controllers in production would.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import { RedisTicketStore } from '../../src/adapters/redis/redis-tickets.js'
import { createLogger } from '../../src/logger.js'
import { Metrics } from '../../src/metrics.js'
import { systemClock } from '../../src/ports/clock.js'
import type { TicketStore } from '../../src/ports/ticket-store.js'
import type { TicketRequest } from '../../src/domain/ticket-record.js'
import { DeliveryWorker, type DeliveryWorkerOptions, type WebhookBody, backoffDelay } from '../../src/adapters/webhook/delivery-worker.js'
import { TicketService } from '../../src/tickets/ticket-service.js'
import { freePort, withRedis } from '../helpers/redis.js'

const SECRET = 'test-webhook-secret-0123456789'
const redis = await withRedis(t)

/** What the department's server does with a request: a status, or hold it until told. */
type Answer = number | 'hold'

interface Received {
  key: string
  body: WebhookBody
  signatureOk: boolean
  timestampOk: boolean
  arrivedAt: number
  answered?: number
}

/** A department webhook that verifies signatures and counts deliveries per idempotency key. */
class Department {
  readonly server: Server = createServer((req, res) => { void this.#handle(req, res) })
  readonly received: Received[] = []
  /** Keys answered 2xx: the department has the ticket. */
  readonly accepted = new Map<string, number>()
  answer: (r: Received) => Answer = () => 200
  delayMs = 0
  #inFlight = new Map<string, number>()
  maxConcurrentPerKey = 0
  readonly #held: Array<() => void> = []
  port = 0

  async listen (port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => resolve())
    })
    const address = this.server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    this.port = address.port
  }

  get url (): string {
    return `http://127.0.0.1:${this.port}/tickets`
  }

  /** Lets every held request go on (they are answered 200 or 409 as usual). */
  release (): void {
    for (const go of this.#held.splice(0)) go()
  }

  duplicates (): number {
    return this.received.filter((r) => r.answered === 409).length
  }

  async close (): Promise<void> {
    this.release()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const body = JSON.parse(raw) as WebhookBody
    // The receiving side of docs/tickets.md: recompute the HMAC over the raw body.
    const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`)
    const presented = Buffer.from(String(req.headers['x-hotline-signature']))
    const received: Received = {
      key: String(req.headers['idempotency-key']),
      body,
      signatureOk: expected.length === presented.length && timingSafeEqual(expected, presented),
      timestampOk: req.headers['x-hotline-timestamp'] === String(body.sentAt),
      arrivedAt: Date.now()
    }
    this.received.push(received)
    const key = received.key
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1)
    this.maxConcurrentPerKey = Math.max(this.maxConcurrentPerKey, this.#inFlight.get(key) ?? 0)
    try {
      let answer = received.signatureOk ? this.answer(received) : 401
      if (answer === 'hold') {
        await new Promise<void>((resolve) => this.#held.push(resolve))
        answer = 200
      }
      if (this.delayMs > 0) await sleep(this.delayMs)
      if (answer >= 200 && answer < 300) {
        // An idempotent receiver: a key it already has is answered 409.
        if (this.accepted.has(key)) answer = 409
        else this.accepted.set(key, Date.now())
      }
      received.answered = answer
      if (!res.destroyed) res.writeHead(answer, { 'content-type': 'application/json' }).end('{}')
    } finally {
      this.#inFlight.set(key, (this.#inFlight.get(key) ?? 1) - 1)
    }
  }
}

async function department (t: Test, port?: number): Promise<Department> {
  const d = new Department()
  await d.listen(port)
  t.teardown(() => d.close())
  return d
}

/** Waits for a condition the system under test must reach (a guard, not a timing assertion). */
async function until (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await sleep(10)
  }
}

function redisStore (t: Test, prefix: string): RedisTicketStore {
  const store = new RedisTicketStore({ url: redis.url, keyPrefix: prefix })
  t.teardown(() => store.close())
  return store
}

interface Rig {
  store: TicketStore
  service: TicketService
  worker: DeliveryWorker
  metrics: Metrics
  logs: string[]
}

/** One controller's tickets: service + worker over `store`, the webhook at `url`. */
function controller (t: Test, store: TicketStore, url: () => string | undefined, options: Partial<DeliveryWorkerOptions> = {}): Rig {
  const metrics = new Metrics()
  const logs: string[] = []
  const logger = createLogger({ level: 'info', destination: new Writable({ write (chunk: Buffer, _enc, done) { logs.push(chunk.toString()); done() } }) })
  const directory = {
    department: (id: string) => {
      const ticketWebhookUrl = url()
      return id === 'tax' && ticketWebhookUrl !== undefined ? { ticketWebhookUrl } : id === 'tax' ? {} : undefined
    }
  }
  // The service kicks the worker made just below, as the wiring does.
  const service: TicketService = new TicketService({
    store, calendar: { nextUrgentDue: (instant) => instant + 86_400_000 }, directory, clock: systemClock, metrics, onQueued: () => { worker.kick() }
  })
  const worker = new DeliveryWorker({
    store, tickets: service, directory, secret: SECRET, clock: systemClock, metrics, logger,
    pollIntervalMs: 10, initialBackoffMs: 20, maxBackoffMs: 80, requestTimeoutMs: 5000, leaseMs: 10_000, ...options
  })
  t.teardown(() => worker.stop())
  return { store, service, worker, metrics, logs }
}

let calls = 0
const request = (extra: Partial<TicketRequest> = {}): TicketRequest => ({
  kind: 'next-urgent',
  callId: `call-${++calls}`,
  matterId: 'vat-invoice',
  departmentId: 'tax',
  callbackNumber: '13812345678',
  choices: { priority: 'handling' },
  at: Date.now(),
  ...extra
})

const gauge = async (g: Metrics['ticketsDead']): Promise<number> => (await g.get()).values[0]?.value ?? 0
const counter = async (c: Metrics['ticketsDelivered']): Promise<number> => (await c.get()).values[0]?.value ?? 0

void t.test('a delivery: signed, idempotency key = ticket id, the ticket in full; then delivered', async (t) => {
  const dept = await department(t)
  const rig = controller(t, new MemoryTicketStore(), () => dept.url)
  rig.worker.start()
  const ticket = await rig.service.raise(request())
  await until('delivered', async () => (await rig.store.get(ticket.id))?.status === 'delivered')
  t.equal(dept.received.length, 1)
  const [got] = dept.received
  t.match(got, { key: ticket.id, signatureOk: true, timestampOk: true, answered: 200 })
  t.match(got?.body, {
    id: ticket.id, kind: 'next-urgent', callId: ticket.callId, matterId: 'vat-invoice', departmentId: 'tax',
    callbackNumber: '13812345678', choices: { priority: 'handling' }, status: 'open', attempt: 1,
    createdAt: new Date(ticket.createdAt).toISOString(), dueAt: new Date(ticket.dueAt).toISOString()
  })
  t.equal(await rig.store.getJob(ticket.id), undefined, 'the job left the outbox')
  t.equal(await counter(rig.metrics.ticketsDelivered), 1)
  t.notOk(rig.logs.join('').includes('13812345678'), 'the callback number is never logged')
})

void t.test('webhook down then back: delivered exactly once', async (t) => {
  const port = await freePort()
  const rig = controller(t, redisStore(t, `down:${randomUUID()}:`), () => `http://127.0.0.1:${port}/tickets`, { maxAttempts: 100 })
  rig.worker.start()
  const ticket = await rig.service.raise(request())
  // Down: nothing listens on the port, connections are refused.
  await until('two refused attempts', async () => ((await rig.store.getJob(ticket.id))?.attempts ?? 0) >= 2)
  t.match(await rig.store.getJob(ticket.id), { lastError: /network error: ECONNREFUSED/ })
  t.equal((await rig.store.get(ticket.id))?.status, 'open', 'still open while the department is down')
  // Back, but failing twice more before it answers.
  const dept = await department(t, port)
  let failures = 2
  dept.answer = () => failures-- > 0 ? 503 : 200
  await until('delivered', async () => (await rig.store.get(ticket.id))?.status === 'delivered')
  await rig.worker.stop()
  t.same(dept.received.map((r) => r.answered), [503, 503, 200])
  t.equal(dept.accepted.size, 1, 'one ticket received')
  t.equal(dept.duplicates(), 0, 'and never twice')
  t.ok(dept.received.every((r) => r.key === ticket.id && r.signatureOk))
  const attempts = dept.received.map((r) => r.body.attempt)
  t.ok(attempts.every((a, i) => i === 0 || a > (attempts[i - 1] ?? 0)), `attempt numbers grow: ${attempts.join(', ')}`)
  t.equal(await rig.store.getJob(ticket.id), undefined)
  t.ok(await counter(rig.metrics.ticketDeliveryFailures) >= 4, 'every failed attempt counted')
})

void t.test('retries with backoff, then dead after maxAttempts: alarm, error log, ticket kept; redeliver', async (t) => {
  const dept = await department(t)
  dept.answer = () => 500
  const rig = controller(t, new MemoryTicketStore(), () => dept.url, { maxAttempts: 3 })
  rig.worker.start()
  const ticket = await rig.service.raise(request())
  await until('parked', async () => (await rig.store.listDead(10)).length === 1)
  t.equal(dept.received.length, 3, 'exactly maxAttempts requests')
  t.match((await rig.store.listDead(10))[0], { ticketId: ticket.id, attempts: 3, lastError: 'HTTP 500' })
  t.equal(await gauge(rig.metrics.ticketsDead), 1, 'hotline_tickets_dead raised')
  t.match(await rig.metrics.registry.metrics(), /hotline_tickets_dead 1/)
  const errors = rig.logs.map((l) => JSON.parse(l) as { level: number, msg: string, ticketId?: string }).filter((l) => l.level >= 50)
  t.match(errors, [{ msg: /parked as dead/, ticketId: ticket.id }])
  t.equal((await rig.store.get(ticket.id))?.status, 'open', 'the ticket stays, visible in the API')

  dept.answer = () => 200
  t.match(await rig.service.redeliver(ticket.id), { ok: true })
  await until('delivered after redelivery', async () => (await rig.store.get(ticket.id))?.status === 'delivered')
  await rig.worker.refreshGauges()
  t.equal(await gauge(rig.metrics.ticketsDead), 0, 'the alarm clears')
  t.equal(dept.accepted.size, 1)
})

void t.test('backoff: doubles per failure, half fixed and half jitter, capped', async (t) => {
  t.equal(backoffDelay(1, 1000, 60_000, () => 0), 500)
  t.equal(backoffDelay(1, 1000, 60_000, () => 0.999999), 1000)
  t.equal(backoffDelay(3, 1000, 60_000, () => 0), 2000)
  t.equal(backoffDelay(3, 1000, 60_000, () => 0.5), 3000)
  t.equal(backoffDelay(20, 1000, 60_000, () => 0.999999), 60_000, 'never above the cap')
  t.equal(backoffDelay(20, 1000, 60_000, () => 0), 30_000)
})

void t.test('409 from the department means it already has the ticket: delivered', async (t) => {
  const dept = await department(t)
  dept.answer = () => 409
  const rig = controller(t, new MemoryTicketStore(), () => dept.url)
  rig.worker.start()
  const ticket = await rig.service.raise(request())
  await until('delivered', async () => (await rig.store.get(ticket.id))?.status === 'delivered')
  t.equal(dept.received.length, 1)
  t.equal(await rig.store.getJob(ticket.id), undefined)
})

void t.test('a webhook removed from the directory: the job is parked at once with the reason', async (t) => {
  let url: string | undefined = 'http://127.0.0.1:9/never'
  const rig = controller(t, new MemoryTicketStore(), () => url)
  const ticket = await rig.service.raise(request())
  url = undefined
  rig.worker.start()
  await until('parked', async () => (await rig.store.listDead(10)).length === 1)
  t.match((await rig.store.listDead(10))[0], { ticketId: ticket.id, attempts: 1, lastError: /no ticketWebhookUrl/ })
})

void t.test('controller gone between ticket and delivery: delivered after the restart, once', async (t) => {
  const dept = await department(t)
  const prefix = `restart:${randomUUID()}:`
  // The first controller raises the ticket and dies before its worker ever runs.
  const first = new RedisTicketStore({ url: redis.url, keyPrefix: prefix })
  const before = controller(t, first, () => dept.url)
  const ticket = await before.service.raise(request())
  await first.close()
  t.equal(dept.received.length, 0)
  // The restarted controller finds the job in Redis.
  const after = controller(t, redisStore(t, prefix), () => dept.url)
  after.worker.start()
  await until('delivered', async () => (await after.store.get(ticket.id))?.status === 'delivered')
  await after.worker.stop()
  t.equal(dept.accepted.size, 1)
  t.equal(dept.received.length, 1, 'once')
})

void t.test('controller killed mid-delivery: another takes the job when the lease expires, once', async (t) => {
  const dept = await department(t)
  dept.answer = (r) => r.body.attempt === 1 ? 'hold' : 200
  const prefix = `killed:${randomUUID()}:`
  const a = controller(t, redisStore(t, prefix), () => dept.url, { leaseMs: 500 })
  a.worker.start()
  const ticket = await a.service.raise(request())
  await until('the first request arrived', () => dept.received.length === 1)
  const leased = await a.store.getJob(ticket.id)
  const leaseUntil = leased?.leaseUntil ?? Infinity
  // Killed: the request in flight dies with it, nothing more reaches the store.
  await a.worker.destroy()
  const b = controller(t, redisStore(t, prefix), () => dept.url, { leaseMs: 500 })
  b.worker.start()
  await until('delivered by the second controller', async () => (await b.store.get(ticket.id))?.status === 'delivered')
  await b.worker.stop()
  t.equal(dept.received.length, 2, 'the killed attempt and the one after it')
  const second = dept.received[1]
  t.ok((second?.arrivedAt ?? 0) >= leaseUntil, 'the second controller waited for the lease to expire')
  t.match(second, { key: ticket.id, answered: 200, body: { attempt: 2 } })
  t.equal(dept.accepted.size, 1, 'the department has it once')
  t.equal(dept.duplicates(), 0)
  t.equal(await b.store.getJob(ticket.id), undefined)
})

void t.test('two controllers on one Redis never deliver one job twice, nor at the same time', async (t) => {
  const dept = await department(t)
  dept.delayMs = 15
  const prefix = `pair:${randomUUID()}:`
  const a = controller(t, redisStore(t, prefix), () => dept.url, { batchSize: 4 })
  const b = controller(t, redisStore(t, prefix), () => dept.url, { batchSize: 4 })
  const ids: string[] = []
  for (let i = 0; i < 24; i++) ids.push((await (i % 2 === 0 ? a : b).service.raise(request())).id)
  a.worker.start()
  b.worker.start()
  await until('all delivered', () => dept.accepted.size === 24)
  await Promise.all([a.worker.stop(), b.worker.stop()])
  t.equal(dept.maxConcurrentPerKey, 1, 'never one ticket in two requests at once')
  t.equal(dept.received.length, 24, 'no request repeated')
  t.same([...dept.accepted.keys()].sort(), ids.sort())
  const byBoth = (await a.metrics.ticketsDelivered.get()).values[0]?.value ?? 0
  t.ok(byBoth > 0 && byBoth < 24, `both controllers delivered (${byBoth} by the first)`)
})

void t.test('stop() waits for the delivery in flight and records it', async (t) => {
  const dept = await department(t)
  dept.answer = () => 'hold'
  const rig = controller(t, new MemoryTicketStore(), () => dept.url)
  rig.worker.start()
  const ticket = await rig.service.raise(request())
  await until('request in flight', () => dept.received.length === 1)
  let stopped = false
  const stopping = rig.worker.stop().then(() => { stopped = true })
  await sleep(50)
  t.equal(stopped, false, 'still waiting for the answer')
  dept.release()
  await stopping
  t.equal((await rig.store.get(ticket.id))?.status, 'delivered', 'recorded before stop() returned')
  t.equal(await rig.store.getJob(ticket.id), undefined)
})

void t.test('a worker refuses a short secret', async (t) => {
  t.throws(() => new DeliveryWorker({
    store: new MemoryTicketStore(), tickets: { markDelivered: async () => ({ ok: false, error: 'unknown-ticket', reason: '' }) },
    directory: { department: () => undefined }, secret: 'short', clock: systemClock
  }), RangeError)
})
