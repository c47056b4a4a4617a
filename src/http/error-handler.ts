// Every error answer of the API in one shape with an HC_ code (docs/api.md, Errors): a client
// decides on `code` alone, whether the request failed the schema (Fastify's FST_ERR_VALIDATION),
// had a body Fastify could not read (FST_ERR_CTP_*), was refused by a route (HotlineError),
// hit the rate limit, or asked for a path that does not exist. Errors of the server itself
// answer 500 HC_INTERNAL without their text (it may name files, dial strings, hosts) and are
// logged in full; a 503 keeps its code (the switch, the store, a shutdown) with a fixed text.

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

/** What a client is told of a 503, by code: why now, not the details behind it. */
const UNAVAILABLE: Partial<Record<ErrorCode, string>> = {
  HC_SWITCH_NOT_CONNECTED: 'the switch is not connected; try again once /ready answers 200',
  HC_SHUTTING_DOWN: 'the controller is shutting down',
  HC_STORE: 'the store cannot be read or written now (see the controller log)'
}

const INTERNAL = { statusCode: 500, code: 'HC_INTERNAL', message: 'internal error: the request could not be served (see the controller log)' } as const

/** What an error thrown while serving a request is answered with. */
export function errorAnswer (err: unknown): { statusCode: number, code: ErrorCode, message: string } {
  if (isHotlineError(err)) {
    if (err.statusCode < 500) return { statusCode: err.statusCode, code: err.code, message: err.message }
    const unavailable = UNAVAILABLE[err.code]
    return err.statusCode === 503 && unavailable !== undefined ? { statusCode: 503, code: err.code, message: unavailable } : { ...INTERNAL }
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<FastifyError> & { code?: string }
  const statusCode = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500
  if (statusCode >= 500) return { ...INTERNAL }
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
