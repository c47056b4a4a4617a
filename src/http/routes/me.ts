// GET /api/me: who a token belongs to. The pages call it after the user pastes a token, to
// show the role and, for an agent, to open that agent's console.

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { API_ROLES } from '../../config/app-config.js'
import { BEARER, ERROR_RESPONSES } from '../schemas.js'

const Me = Type.Object({
  role: Type.Union(API_ROLES.map((r) => Type.Literal(r))),
  agentId: Type.Optional(Type.String()),
  departmentId: Type.Optional(Type.String())
})

export function registerMeRoute (app: FastifyInstance): Promise<void> {
  app.get('/api/me', {
    onRequest: app.requireRole(API_ROLES),
    schema: {
      summary: 'The role (and agent or department) of the token presented',
      tags: ['auth'],
      security: BEARER,
      response: { 200: Me, 401: ERROR_RESPONSES[401] }
    }
  }, (request) => Promise.resolve({ ...request.apiUser }))
  return Promise.resolve()
}
