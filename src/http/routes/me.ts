// GET /api/me: who a token belongs to. The pages call it after the user pastes a token, to
// show the role and, for an agent, to open that agent's console.

import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { API_ROLES } from '../../config/app-config.js'
import { BEARER, ERROR_RESPONSES, NoQuery } from '../schemas.js'
import { typeboxValidator } from '../validator.js'

const Me = Type.Object({
  role: Type.Union(API_ROLES.map((r) => Type.Literal(r))),
  agentId: Type.Optional(Type.String()),
  departmentId: Type.Optional(Type.String())
})

export async function registerMeRoute (app: FastifyInstance): Promise<void> {
  // A scope of its own for the strict validator: Fastify's default would drop an unknown
  // query parameter silently instead of refusing it.
  await app.register((scope) => {
    scope.setValidatorCompiler(typeboxValidator)
    scope.get('/api/me', {
      onRequest: scope.requireRole(API_ROLES),
      schema: {
        summary: 'The role (and agent or department) of the token presented',
        tags: ['auth'],
        security: BEARER,
        querystring: NoQuery,
        response: { 200: Me, 400: ERROR_RESPONSES[400], 401: ERROR_RESPONSES[401] }
      }
    }, (request) => Promise.resolve({ ...request.apiUser }))
    return Promise.resolve()
  })
}
