// The dashboard's API, for supervisors and admins:
//
//   GET /api/live/snapshot   the snapshot (schema.ts) as of now, computed on the spot
//   GET /api/live/stream     text/event-stream: event `snapshot` with the same JSON at open
//                            and after every change (coalesced, within a second)

import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { BEARER, ERROR_RESPONSES, NoQuery } from '../../http/schemas.js'
import { EventStreams } from '../../http/sse.js'
import { typeboxValidator } from '../../http/validator.js'
import type { SnapshotHub } from './hub.js'
import { type LiveSnapshot, LiveSnapshotSchema } from './schema.js'

export interface LiveRoutesDeps {
  hub: SnapshotHub<LiveSnapshot>
  /** A snapshot as of now. */
  snapshot: () => Promise<LiveSnapshot>
  /** A stream opened (+1) or closed (-1). */
  onStreams?: (delta: 1 | -1) => void
  heartbeatMs?: number
}

function liveRoutes (app: FastifyInstance, deps: LiveRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  // Created here: its preClose hook ends the open streams before the server closes.
  const streams = new EventStreams(app)
  const supervisors = app.requireRole(['supervisor', 'admin'])

  app.get('/api/live/snapshot', {
    onRequest: supervisors,
    schema: {
      summary: 'The supervisor dashboard as of now: calls by phase, agents, tickets, connection rates, controllers, alarms',
      description: 'Read from the shared store, so it covers every controller on it. Caller numbers are masked.',
      tags: ['live'],
      security: BEARER,
      querystring: NoQuery,
      response: { 200: LiveSnapshotSchema, ...ERROR_RESPONSES }
    }
  }, async () => await deps.snapshot())

  app.get('/api/live/stream', {
    onRequest: supervisors,
    schema: {
      summary: 'The supervisor dashboard, live: server-sent `snapshot` events',
      description: 'text/event-stream. A `snapshot` event (the JSON of GET /api/live/snapshot) when the stream opens and within a second of every change on any controller sharing the store; a comment line every 15 s keeps the connection alive.',
      tags: ['live'],
      security: BEARER,
      querystring: NoQuery,
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'event: snapshot / data: the snapshot (JSON)' }), ...ERROR_RESPONSES }
    }
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const stream = streams.open(request, reply, { heartbeatMs: deps.heartbeatMs })
    deps.onStreams?.(1)
    const stop = deps.hub.follow((snapshot) => { stream.send('snapshot', snapshot) })
    stream.onClose(() => {
      stop()
      deps.onStreams?.(-1)
    })
    return await Promise.resolve(reply)
  })
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const liveRoutesPlugin = fp(liveRoutes, {
  name: 'hotline-live-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

export async function registerLiveRoutes (app: FastifyInstance, deps: LiveRoutesDeps): Promise<void> {
  await app.register(liveRoutesPlugin, deps)
}
