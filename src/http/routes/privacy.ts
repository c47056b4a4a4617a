// REST API of personal-data accountability (PIPL): admins list who saw a caller's full
// callback number, on which ticket, and when. The sights are recorded by the ticket routes
// before their answer leaves; see docs/api.md and docs/tickets.md.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { TicketService } from '../../tickets/ticket-service.js'
import { typeboxValidator } from '../validator.js'

export interface PrivacyRoutesDeps {
  tickets: Pick<TicketService, 'numberViews'>
}

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 1000

const ViewsQuery = Type.Object({
  /** Only sights at or after this instant (ISO 8601 with its offset: `2026-12-01T00:00:00+08:00`). */
  since: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2})$' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' }))
}, { additionalProperties: false })

const NumberViewT = Type.Object({
  at: Type.String({ format: 'date-time' }),
  /** `admin`, `department:<id>`. */
  by: Type.String(),
  ticketId: Type.String(),
  departmentId: Type.String()
})

const Failure = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String()
})

function privacyRoutes (app: FastifyInstance, deps: PrivacyRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const admins = app.requireRole(['admin'])
  const errors = { 400: Failure, 401: Failure, 403: Failure }

  app.get('/api/privacy/number-views', {
    onRequest: admins,
    schema: { querystring: ViewsQuery, response: { 200: Type.Object({ views: Type.Array(NumberViewT) }), ...errors } }
  }, async (request: FastifyRequest<{ Querystring: Static<typeof ViewsQuery> }>, reply) => {
    const q = request.query
    const since = q.since === undefined ? undefined : Date.parse(q.since)
    if (since !== undefined && !Number.isFinite(since)) {
      return await reply.code(400).send({ statusCode: 400, error: 'Bad Request', code: 'HC_BAD_REQUEST', message: `querystring/since: not a date and time: ${q.since ?? ''}` })
    }
    const limit = Math.min(MAX_LIMIT, Math.max(1, q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit)))
    const views = await deps.tickets.numberViews({ limit, ...(since === undefined ? {} : { since }) })
    return { views: views.map((v) => ({ ...v, at: new Date(v.at).toISOString() })) }
  })
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const privacyRoutesPlugin = fp(privacyRoutes, {
  name: 'hotline-privacy-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

/** What the wiring calls, after `registerAuth`. */
export async function registerPrivacyRoutes (app: FastifyInstance, deps: PrivacyRoutesDeps): Promise<void> {
  await app.register(privacyRoutesPlugin, deps)
}
