// Ticket settings (config/default.yaml + TICKET_WEBHOOK_SECRET, department tokens in
// API_TOKENS), the checks against the directory, and the wiring helper end to end: a ticket
// raised through it reaches a real webhook and shows in the API.
import { createServer } from 'node:http'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import Fastify from 'fastify'
import { type Env, resolveAppConfig } from '../../src/config/app-config.js'
import { ConfigError } from '../../src/config/validate.js'
import { registerAuth } from '../../src/http/auth.js'
import { createLogger } from '../../src/logger.js'
import { Metrics } from '../../src/metrics.js'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import { ManualClock, systemClock } from '../../src/ports/clock.js'
import { checkTicketSetup, startTickets } from '../../src/wiring/start-tickets.js'
import { eventually } from '../helpers/sim.js'

const SECRET = 'a-webhook-secret-of-some-length'
const load = (env: Env, raw: unknown = {}) => resolveAppConfig(raw, 'default.yaml', env)
const problems = (env: Env, raw: unknown = {}) => {
  try {
    load(env, raw)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

void t.test('tickets settings: defaults, the secret from the environment only', async (t) => {
  t.same(load({}).tickets, { maxAttempts: 8, initialBackoffMs: 30_000, maxBackoffMs: 1_800_000, requestTimeoutMs: 10_000 })
  t.equal(load({ TICKET_WEBHOOK_SECRET: SECRET }).tickets.webhookSecret, SECRET)
  const inFile = problems({}, { tickets: { webhookSecret: SECRET } })
  t.match(inFile, [{ file: 'default.yaml', path: '/tickets/webhookSecret', reason: /TICKET_WEBHOOK_SECRET/ }])
  const short = problems({ TICKET_WEBHOOK_SECRET: 'short' })
  t.match(short, [{ file: 'environment', path: 'TICKET_WEBHOOK_SECRET' }])
  t.notOk(JSON.stringify(short).includes('"short"'), 'the secret is not echoed')
  t.match(problems({}, { tickets: { initialBackoffMs: 5000, maxBackoffMs: 1000 } }), [{ path: '/tickets/maxBackoffMs', reason: /at least initialBackoffMs/ }])
  t.match(problems({}, { tickets: { maxAttempts: 0 } }), [{ path: '/tickets/maxAttempts' }])
})

void t.test('department tokens: token:department:<department id>', async (t) => {
  const tokens = load({ API_TOKENS: 'd1-0123456789abcdef:department:tax,s1-0123456789abcdef:supervisor' }).api.tokens
  t.same(tokens, [{ token: 'd1-0123456789abcdef', role: 'department', departmentId: 'tax' }, { token: 's1-0123456789abcdef', role: 'supervisor' }])
  t.match(problems({ API_TOKENS: 'd1-0123456789abcdef:department' }), [{ path: 'API_TOKENS', reason: /entry 1: a department token names its department/ }])
  t.match(problems({ API_TOKENS: 'd1-0123456789abcdef:department:Tax Bureau' }), [{ path: 'API_TOKENS', reason: /entry 1, departmentId/ }])
})

const directory = {
  departments: () => [{ id: 'tax', ticketWebhookUrl: 'http://x.example/t' }, { id: 'archive' }],
  department (id: string) { return this.departments().find((d) => d.id === id) }
}

void t.test('checks against the directory: the secret when webhooks exist, departments of tokens', async (t) => {
  const config = load({ API_TOKENS: 'd1-0123456789abcdef:department:customs,d2-0123456789abcdef:department:tax' })
  t.match(checkTicketSetup(config, directory), [
    { file: 'environment', path: 'TICKET_WEBHOOK_SECRET', reason: /1 department\(s\) have a ticketWebhookUrl \(e\.g\. tax\)/ },
    { path: 'API_TOKENS', reason: /entry 1: unknown department "customs"/ }
  ])
  t.same(checkTicketSetup(load({ TICKET_WEBHOOK_SECRET: SECRET }), directory), [])
  t.same(checkTicketSetup(load({}), { departments: () => [{ id: 'archive' }], department: () => ({}) }), [], 'no webhook: no secret needed')
})

void t.test('startTickets: raise → webhook → API, and close stops the worker', async (t) => {
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => { bodies.push(body); res.writeHead(200).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const webhooks = {
    departments: () => [{ id: 'tax', ticketWebhookUrl: `http://127.0.0.1:${port}/hook` }],
    department (id: string) { return this.departments().find((d) => d.id === id) }
  }
  const config = load({ TICKET_WEBHOOK_SECRET: SECRET, API_TOKENS: 'adm-0123456789abcdef:admin' })
  const logger = createLogger({ level: 'silent', destination: new Writable({ write (_c, _e, done) { done() } }) })
  const tickets = startTickets({
    config, directory: webhooks, calendar: { nextUrgentDue: (i) => i + 1000 }, clock: systemClock, logger, metrics: new Metrics()
  })
  t.ok(tickets.worker, 'a worker, since a department has a webhook')
  const app = Fastify()
  await registerAuth(app, { tokens: config.api.tokens })
  await tickets.routes(app)
  await app.ready()
  t.teardown(() => app.close())

  const ticket = await tickets.service.raise({
    kind: 'transfer-failed', callId: 'c-1', departmentId: 'tax', callbackNumber: '13812345678', choices: {}, at: Date.now()
  })
  const deadline = Date.now() + 10_000
  while ((await tickets.store.get(ticket.id))?.status !== 'delivered' && Date.now() < deadline) await sleep(10)
  t.equal(bodies.length, 1)
  t.match(JSON.parse(bodies[0] ?? '{}'), { id: ticket.id, kind: 'transfer-failed' })
  const res = await app.inject({ url: `/api/tickets/${ticket.id}`, headers: { authorization: 'Bearer adm-0123456789abcdef' } })
  t.match(res.json(), { id: ticket.id, status: 'delivered' })
  await tickets.close()
  await t.rejects(tickets.store.get(ticket.id), { code: 'HC_STORE' }, 'the store it made is closed')
})

void t.test('privacy settings: 30 days by default, PRIVACY_FULL_NUMBER_DAYS, bounds', async (t) => {
  t.same(load({}).privacy, { fullNumberDays: 30 })
  t.equal(load({ PRIVACY_FULL_NUMBER_DAYS: '90' }).privacy.fullNumberDays, 90)
  t.equal(load({}, { privacy: { fullNumberDays: 7 } }).privacy.fullNumberDays, 7)
  t.match(problems({ PRIVACY_FULL_NUMBER_DAYS: '0' }), [{ path: 'PRIVACY_FULL_NUMBER_DAYS' }])
  t.match(problems({ PRIVACY_FULL_NUMBER_DAYS: 'a month' }), [{ path: 'PRIVACY_FULL_NUMBER_DAYS' }])
  t.match(problems({}, { privacy: { fullNumberDays: 5000 } }), [{ path: '/privacy/fullNumberDays' }])
})

void t.test('startTickets sweeps at start: numbers past their retention masked, the admin route in place', async (t) => {
  const DAY = 24 * 60 * 60 * 1000
  const now = Date.parse('2025-04-15T10:00:00+08:00')
  const clock = new ManualClock(now)
  const store = new MemoryTicketStore()
  t.teardown(() => store.close())
  const base = { kind: 'next-urgent' as const, departmentId: 'archive', callbackNumber: '13812345678', choices: {}, dueAt: now, status: 'open' as const, history: [] }
  await store.create({ ...base, id: 'OLD', callId: 'c-old', createdAt: now - 8 * DAY }, undefined)
  await store.create({ ...base, id: 'NEW', callId: 'c-new', createdAt: now - 6 * DAY }, undefined)
  const config = load({ PRIVACY_FULL_NUMBER_DAYS: '7', API_TOKENS: 'adm-0123456789abcdef:admin' })
  const logger = createLogger({ level: 'silent', destination: new Writable({ write (_c, _e, done) { done() } }) })
  const tickets = startTickets({ config, directory, calendar: { nextUrgentDue: (i) => i + 1000 }, clock, logger, metrics: new Metrics(), store })
  t.teardown(() => tickets.close())
  await eventually(async () => (await store.get('OLD'))?.numbersMaskedAt, 'the old ticket masked')
  t.match(await store.get('OLD'), { callbackNumber: '138****5678', numbersMaskedAt: now })
  t.match(await store.get('NEW'), { callbackNumber: '13812345678' }, 'a ticket within its retention keeps the number')

  const app = Fastify()
  await registerAuth(app, { tokens: config.api.tokens })
  await tickets.routes(app)
  await app.ready()
  t.teardown(() => app.close())
  const res = await app.inject({ url: '/api/privacy/number-views', headers: { authorization: 'Bearer adm-0123456789abcdef' } })
  t.same(res.json(), { views: [] })
})
