// REST API of the tickets (工单): supervisors and admins list and read them; department staff,
// through a token bound to their department, see their own department's tickets and
// acknowledge, record the contact with the business and close them; admins see dead
// deliveries and send them again. Thin: the rules are src/domain/tickets.ts and the service.
//
// Personal data: the callback number is the one thing a department needs to call the business
// back, so it appears in full to that department (and to admins); supervisors watch the
// figures and see it masked (`138****5678`), as everywhere else (docs/architecture). Each
// sight of a full number is recorded before the answer leaves (who, which ticket, when;
// admins list them, privacy.ts), and past `privacy.fullNumberDays` the number is masked for
// everyone.
//
// Input is checked with TypeBox's compiler inside this plugin (as in agents.ts): an unknown
// field or a wrong type is a 400 naming the field; responses have schemas, so only the
// listed fields leave.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { MAX_TICKET_TEXT, isOverdue } from '../../domain/tickets.js'
import { MASKED_KEYS, maskNumber } from '../../logger.js'
import { type Clock, systemClock } from '../../ports/clock.js'
import type { DeliveryJob } from '../../ports/ticket-store.js'
import { TICKET_STATUSES, type Ticket, type TicketStatus } from '../../domain/ticket-record.js'
import type { TicketActor, TicketResult, TicketService } from '../../tickets/ticket-service.js'
import type { ApiUser } from '../auth.js'
import { NoQuery } from '../schemas.js'
import { typeboxValidator } from '../validator.js'

export interface TicketRoutesDeps {
  tickets: TicketService
  /** For the `overdue` flag of each ticket shown (default: the system clock). */
  clock?: Clock
}

/** The code of a refused status change (HTTP 409). */
export const TICKET_STATE_CODE = 'HC_TICKET_STATE'

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 500
const ID = '^[0-9A-Za-z_-]{1,64}$'
const DEPARTMENT = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$'

const Params = Type.Object({ id: Type.String({ pattern: ID }) }, { additionalProperties: false })
const ListQuery = Type.Object({
  department: Type.Optional(Type.String({ pattern: DEPARTMENT, maxLength: 64 })),
  status: Type.Optional(Type.String({ pattern: `^(${TICKET_STATUSES.join('|')})$` })),
  overdue: Type.Optional(Type.String({ pattern: '^(true|false)$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' }))
}, { additionalProperties: false })
const Text = Type.String({ minLength: 1, maxLength: MAX_TICKET_TEXT })
const AcknowledgeBody = Type.Object({ note: Type.Optional(Text) }, { additionalProperties: false })
const ContactBody = Type.Object({ note: Text }, { additionalProperties: false })
const CloseBody = Type.Object({ resolution: Text, resolved: Type.Boolean() }, { additionalProperties: false })
const Empty = Type.Object({}, { additionalProperties: false })

const Iso = Type.String({ format: 'date-time' })
const TicketView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  callId: Type.String(),
  matterId: Type.Optional(Type.String()),
  departmentId: Type.String(),
  /** In full for the ticket's department and admins; masked for supervisors. */
  callbackNumber: Type.String(),
  choices: Type.Record(Type.String(), Type.String()),
  /** Transfer-failed tickets: `no-answer` or `switch-lost` (the hotline's switch went away, not the department). */
  failure: Type.Optional(Type.String()),
  status: Type.String(),
  overdue: Type.Boolean(),
  createdAt: Iso,
  dueAt: Iso,
  deliveredAt: Type.Optional(Iso),
  acknowledgedAt: Type.Optional(Iso),
  contactedAt: Type.Optional(Iso),
  closedAt: Type.Optional(Iso),
  resolution: Type.Optional(Type.String()),
  resolved: Type.Optional(Type.Boolean()),
  /** When the retention sweep masked its numbers: from then on masked for everyone. */
  numbersMaskedAt: Type.Optional(Iso),
  history: Type.Array(Type.Object({
    at: Iso, status: Type.String(), by: Type.String(), note: Type.Optional(Type.String())
  }))
})
const DeadView = Type.Object({
  ticketId: Type.String(),
  departmentId: Type.String(),
  attempts: Type.Integer(),
  lastError: Type.Optional(Type.String()),
  createdAt: Iso,
  deadAt: Type.Optional(Iso)
})
const Failure = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String(),
  status: Type.Optional(Type.String())
})

type TicketViewT = Static<typeof TicketView>
type IdRequest<Body = unknown> = FastifyRequest<{ Params: Static<typeof Params>, Body: Body }>

const iso = (ms: number | undefined): string | undefined => ms === undefined ? undefined : new Date(ms).toISOString()

/** Who may see a callback number in full: the ticket's own department, and admins. */
function seesNumbers (user: ApiUser | undefined, ticket: Ticket): boolean {
  return user?.role === 'admin' || (user?.role === 'department' && user.departmentId === ticket.departmentId)
}

/** Choices are the caller's input: a number they keyed in is masked like the callback number. */
function maskChoices (choices: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(choices).map(([key, value]) =>
    [key, MASKED_KEYS.includes(key) || /^\+?[0-9]{7,}$/.test(value) ? maskNumber(value) : value]))
}

function ticketView (ticket: Ticket, user: ApiUser | undefined, now: number): TicketViewT {
  const full = seesNumbers(user, ticket)
  return {
    id: ticket.id,
    kind: ticket.kind,
    callId: ticket.callId,
    matterId: ticket.matterId,
    departmentId: ticket.departmentId,
    callbackNumber: full ? ticket.callbackNumber : maskNumber(ticket.callbackNumber),
    choices: full ? ticket.choices : maskChoices(ticket.choices),
    failure: ticket.failure,
    status: ticket.status,
    overdue: isOverdue(ticket, now),
    createdAt: new Date(ticket.createdAt).toISOString(),
    dueAt: new Date(ticket.dueAt).toISOString(),
    deliveredAt: iso(ticket.deliveredAt),
    acknowledgedAt: iso(ticket.acknowledgedAt),
    contactedAt: iso(ticket.contactedAt),
    closedAt: iso(ticket.closedAt),
    resolution: ticket.resolution,
    resolved: ticket.resolved,
    numbersMaskedAt: iso(ticket.numbersMaskedAt),
    history: ticket.history.map((h) => ({ at: new Date(h.at).toISOString(), status: h.status, by: h.by, note: h.note }))
  }
}

function deadView (job: DeliveryJob): Static<typeof DeadView> {
  return {
    ticketId: job.ticketId,
    departmentId: job.departmentId,
    attempts: job.attempts,
    lastError: job.lastError,
    createdAt: new Date(job.createdAt).toISOString(),
    deadAt: iso(job.deadAt)
  }
}

function actorOf (user: ApiUser | undefined): TicketActor {
  if (user?.role === 'department' && user.departmentId !== undefined) {
    return { by: `department:${user.departmentId}`, departmentId: user.departmentId }
  }
  return { by: user?.role ?? 'unknown' }
}

const FAILURES = {
  'unknown-ticket': [404, 'Not Found', 'HC_NOT_FOUND'],
  forbidden: [403, 'Forbidden', 'HC_FORBIDDEN'],
  'invalid-state': [409, 'Conflict', TICKET_STATE_CODE],
  'not-dead': [409, 'Conflict', TICKET_STATE_CODE],
  'invalid-input': [400, 'Bad Request', 'HC_BAD_REQUEST']
} as const

/** Records the sights of full numbers among `tickets` (HC_STORE, no answer, when it cannot). */
async function recordViews (tickets: TicketService, shown: readonly Ticket[], user: ApiUser | undefined): Promise<void> {
  const full = shown.filter((ticket) => seesNumbers(user, ticket))
  if (full.length > 0) await tickets.recordNumberViews(full, actorOf(user).by)
}

async function answer (reply: FastifyReply, request: FastifyRequest, tickets: TicketService, result: TicketResult, now: number): Promise<FastifyReply> {
  if (result.ok) {
    await recordViews(tickets, [result.ticket], request.apiUser)
    return reply.send(ticketView(result.ticket, request.apiUser, now))
  }
  const [statusCode, error, code] = FAILURES[result.error]
  // A forbidden ticket's status is none of the asker's business.
  const status = result.error === 'forbidden' ? undefined : result.ticket?.status
  return reply.code(statusCode).send({ statusCode, error, code, message: result.reason, status })
}


function ticketRoutes (app: FastifyInstance, deps: TicketRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const clock = deps.clock ?? systemClock
  const readers = app.requireRole(['supervisor', 'admin', 'department'])
  const actors = app.requireRole(['admin', 'department'])
  const admins = app.requireRole(['admin'])
  const errors = { 400: Failure, 401: Failure, 403: Failure, 404: Failure, 409: Failure }
  const one = { params: Params, querystring: NoQuery, response: { 200: TicketView, ...errors } }

  app.get('/api/tickets', {
    onRequest: readers,
    schema: { querystring: ListQuery, response: { 200: Type.Object({ tickets: Type.Array(TicketView) }), ...errors } }
  }, async (request: FastifyRequest<{ Querystring: Static<typeof ListQuery> }>, reply) => {
    const q = request.query
    const limit = Math.min(MAX_LIMIT, Math.max(1, q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit)))
    const result = await deps.tickets.list({
      limit,
      ...(q.department === undefined ? {} : { departmentId: q.department }),
      ...(q.status === undefined ? {} : { status: q.status as TicketStatus }),
      overdue: q.overdue === 'true'
    }, actorOf(request.apiUser))
    if (!result.ok) return reply.code(403).send({ statusCode: 403, error: 'Forbidden', code: 'HC_FORBIDDEN', message: result.reason })
    await recordViews(deps.tickets, result.tickets, request.apiUser)
    const now = clock.now()
    return { tickets: result.tickets.map((t) => ticketView(t, request.apiUser, now)) }
  })

  // Registered before /:id; Fastify's router prefers the static path anyway.
  app.get('/api/tickets/dead', {
    onRequest: admins,
    schema: { querystring: NoQuery, response: { 200: Type.Object({ dead: Type.Array(DeadView) }), ...errors } }
  }, async () => ({ dead: (await deps.tickets.deadDeliveries(MAX_LIMIT)).map(deadView) }))

  app.get('/api/tickets/:id', { onRequest: readers, schema: one }, async (request: IdRequest, reply) =>
    await answer(reply, request, deps.tickets, await deps.tickets.get(request.params.id, actorOf(request.apiUser)), clock.now()))

  app.post('/api/tickets/:id/acknowledge', {
    onRequest: actors, schema: { ...one, body: AcknowledgeBody }
  }, async (request: IdRequest<Static<typeof AcknowledgeBody>>, reply) =>
    await answer(reply, request, deps.tickets, await deps.tickets.acknowledge(request.params.id, actorOf(request.apiUser), request.body.note), clock.now()))

  app.post('/api/tickets/:id/contact', {
    onRequest: actors, schema: { ...one, body: ContactBody }
  }, async (request: IdRequest<Static<typeof ContactBody>>, reply) =>
    await answer(reply, request, deps.tickets, await deps.tickets.recordContact(request.params.id, actorOf(request.apiUser), request.body.note), clock.now()))

  app.post('/api/tickets/:id/close', {
    onRequest: actors, schema: { ...one, body: CloseBody }
  }, async (request: IdRequest<Static<typeof CloseBody>>, reply) =>
    await answer(reply, request, deps.tickets, await deps.tickets.close(request.params.id, actorOf(request.apiUser), request.body), clock.now()))

  app.post('/api/tickets/:id/redeliver', {
    onRequest: admins, schema: { ...one, body: Empty }
  }, async (request: IdRequest, reply) =>
    await answer(reply, request, deps.tickets, await deps.tickets.redeliver(request.params.id), clock.now()))
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const ticketRoutesPlugin = fp(ticketRoutes, {
  name: 'hotline-ticket-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

/** What the wiring calls, after `registerAuth`. */
export async function registerTicketRoutes (app: FastifyInstance, deps: TicketRoutesDeps): Promise<void> {
  await app.register(ticketRoutesPlugin, deps)
}
