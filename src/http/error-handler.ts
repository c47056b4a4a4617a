// Every error answer of the API in one shape with an HC_ code (docs/api.md, Errors): a client
// decides on `code` alone, whether the request failed the schema (Fastify's FST_ERR_VALIDATION),
// had a body Fastify could not read (FST_ERR_CTP_*), was refused by a route (HotlineError),
// hit the rate limit, or asked for a path that does not exist. Errors of the server itself
// answer 500 without their text (it may name files or internals) and are logged in full.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isHotlineError } from '../errors.js'
import { failureBody } from './schemas.js'

/** The code a client error of Fastify or a plugin gets, by status. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  401: 'HC_UNAUTHORIZED',
  403: 'HC_FORBIDDEN',
  404: 'HC_NOT_FOUND',
  429: 'HC_RATE_LIMITED'
}

export interface ErrorAnswer { statusCode: number, code: ErrorCode, message: string }

/** What an error thrown while serving a request is answered with. */
export function errorAnswer (err: unknown): ErrorAnswer {
  if (isHotlineError(err)) return { statusCode: err.statusCode, code: err.code, message: err.message }
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<FastifyError> & { code?: string }
  const statusCode = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500
  if (statusCode >= 500) return { statusCode: 500, code: 'HC_INTERNAL', message: 'internal error: the request could not be served (see the controller log)' }
  // A body already in our shape (the rate limiter's errorResponseBuilder) keeps its code.
  const code = typeof e.code === 'string' && e.code.startsWith('HC_') ? e.code as ErrorCode : CODE_BY_STATUS[statusCode] ?? 'HC_BAD_REQUEST'
  return { statusCode, code, message: typeof e.message === 'string' && e.message !== '' ? e.message : 'bad request' }
}

/** Installs the handler on the root instance, before any plugin, so every route inherits it. */
export function installErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const answer = errorAnswer(err)
    if (answer.statusCode >= 500) request.log.error({ err, url: request.url }, 'request failed')
    return await reply.code(answer.statusCode).send(failureBody(answer.statusCode, answer.code, answer.message))
  })
  app.setNotFoundHandler(async (request, reply) =>
    await reply.code(404).send(failureBody(404, 'HC_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)))
}
