// The agent console's own API: the live stream of one agent's console, and raising a ticket
// for the call the agent is on. The rest the console uses is the line's API (agents.ts:
// login, ready, not ready, logout; calls.ts: transfer, leave) and the directory search.
//
//   GET  /api/agents/:id/stream   text/event-stream of `agent` events (views.ts AgentSnapshot)
//   POST /api/calls/:id/ticket    { matterId, note? } → the next-urgent ticket (id, department, due)

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ID_PATTERN } from '../../config/agents-schema.js'
import { MAX_TICKET_TEXT } from '../../domain/tickets.js'
import { BEARER, ERROR_RESPONSES, Failure, NoQuery, failureBody } from '../../http/schemas.js'
import { EventStreams } from '../../http/sse.js'
import { typeboxValidator } from '../../http/validator.js'
import type { AgentRecord } from '../../domain/call-record.js'
import type { ConsoleFeeds } from './feed.js'
import type { ConsoleTickets } from './tickets.js'

export interface ConsoleRoutesDeps {
  feeds: ConsoleFeeds
  tickets: ConsoleTickets
  getAgent: (id: string) => Promise<AgentRecord | undefined>
  /** A ticket was raised (counters, live signals). */
  onTicket?: (created: boolean) => void
  /** Heartbeat of the streams; default 15 s. */
  heartbeatMs?: number
}

const AgentParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN, maxLength: 64 }) }, { additionalProperties: false })
const CallParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }) }, { additionalProperties: false })
const TicketBody = Type.Object({
  /** The matter the follow-up is about: its department gets the ticket. */
  matterId: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 64 }),
  /** What the department should know (goes with the ticket as `agentNote`). */
  note: Type.Optional(Type.String({ maxLength: MAX_TICKET_TEXT }))
}, { additionalProperties: false })
const TicketAnswer = Type.Object({
  /** False when the call already had its ticket: that first ticket is returned. */
  created: Type.Boolean(),
  ticketId: Type.String(),
  kind: Type.String(),
  matterId: Type.Optional(Type.String()),
  matterName: Type.Optional(Type.String()),
  departmentId: Type.String(),
  departmentName: Type.String(),
  dueAt: Type.String({ format: 'date-time' }),
  createdAt: Type.String({ format: 'date-time' })
})

function consoleRoutes (app: FastifyInstance, deps: ConsoleRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  // Created here: its preClose hook ends the open streams before the server closes.
  const streams = new EventStreams(app)
  const self = app.requireRole(['agent', 'supervisor', 'admin'], {
    agentOf: (request) => (request.params as { id?: string }).id
  })
  const onCall = app.requireRole(['agent', 'supervisor', 'admin'])

  app.get<{ Params: Static<typeof AgentParams> }>('/api/agents/:id/stream', {
    onRequest: self,
    schema: {
      summary: 'The agent console, live: server-sent `agent` events with the agent, the current call and its transfers',
      description: 'text/event-stream. An event on open, on every change of the agent, call, transfer or ticket, and every 2 s while the agent has a call. Agent tokens: their own agent only.',
      tags: ['console'],
      security: BEARER,
      params: AgentParams,
      querystring: NoQuery,
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'event: agent / data: AgentSnapshot (JSON)' }), ...ERROR_RESPONSES }
    }
  }, async (request, reply) => {
    const { id } = request.params
    if (await deps.getAgent(id) === undefined) return await reply.code(404).send(failureBody(404, 'HC_NOT_FOUND', `no agent ${id}`))
    const stream = streams.open(request, reply, { heartbeatMs: deps.heartbeatMs })
    const stop = deps.feeds.follow(id, (snapshot) => stream.send('agent', snapshot))
    stream.onClose(stop)
    return reply
  })

  app.post<{ Params: Static<typeof CallParams>, Body: Static<typeof TicketBody> }>('/api/calls/:id/ticket', {
    onRequest: onCall,
    schema: {
      summary: 'Raise a next-urgent ticket (次紧急工单) for the call, to the matter\'s department, with the caller\'s number as callback',
      description: 'The agent on the call (also in wrap-up), a supervisor or an admin. Idempotent per call: a second request returns the first ticket (created: false). The callback number never appears in the answer.',
      tags: ['console'],
      security: BEARER,
      params: CallParams,
      querystring: NoQuery,
      body: TicketBody,
      response: { 200: TicketAnswer, 201: TicketAnswer, ...ERROR_RESPONSES, 503: Failure }
    }
  }, async (request, reply) => {
    let result
    try {
      result = await deps.tickets.raise({ callId: request.params.id, matterId: request.body.matterId, note: request.body.note, by: request.apiUser })
    } catch (err) {
      // The store did not take the ticket: nothing was raised, the agent may try again.
      request.log.error({ err, callId: request.params.id }, 'raising a ticket from the console failed')
      return await reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', code: 'HC_STORE', message: 'the ticket could not be stored: try again' })
    }
    if (!result.ok) {
      const code = result.status === 403 ? 'HC_FORBIDDEN' : result.status === 404 ? 'HC_NOT_FOUND' : result.status === 409 ? 'HC_CALL_GONE' : 'HC_BAD_REQUEST'
      return await reply.code(result.status).send(failureBody(result.status, code, result.reason))
    }
    deps.onTicket?.(result.created)
    return await reply.code(result.created ? 201 : 200).send({ created: result.created, ...result.ticket })
  })
  return Promise.resolve()
}

/** Encapsulated (its validator and its streams are its own), after the auth plugin. */
export const consoleRoutesPlugin = fp(consoleRoutes, {
  name: 'hotline-console-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

export async function registerConsoleRoutes (app: FastifyInstance, deps: ConsoleRoutesDeps): Promise<void> {
  await app.register(consoleRoutesPlugin, deps)
}
