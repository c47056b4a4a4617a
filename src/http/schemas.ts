// Schemas every API route shares: the error body (the same shape as Fastify's own errors,
// plus the HC_* code of errors.ts) and the bearer-token security requirement OpenAPI shows.

import { STATUS_CODES } from 'node:http'
import { Type } from '@sinclair/typebox'
import type { ErrorCode } from '../errors.js'

export const Failure = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String()
})

const Count = Type.Integer({ minimum: 0 })
const Ratio = (description: string) => Type.Union([Type.Number(), Type.Null()], { description })

/**
 * How calls ended, from the day counts (domain/call-figures.ts `CallFigures`): the live
 * dashboard's `callsToday` and the monthly report's `calls`. Definitions: docs/operations.md.
 */
export const CallFiguresSchema = Type.Object({
  offered: Type.Integer({ minimum: 0, description: 'calls offered in the period that have ended: completed + abandoned + refused + cut + failed' }),
  completed: Type.Integer({ minimum: 0, description: 'served + completedByDesign' }),
  served: Type.Integer({ minimum: 0, description: 'completed with reason served: the caller reached a person (an agent or a specialist)' }),
  completedByDesign: Type.Integer({ minimum: 0, description: 'completed for another reason: the flow ended the call as designed (a ticket, the ordinary line)' }),
  abandoned: Type.Object({
    total: Count,
    ivr: Count,
    queue: Count,
    ringingAgent: Count
  }, { description: 'the caller hung up before reaching a person, by where: the IVR, the queue, an agent\'s phone ringing' }),
  refused: Type.Integer({ minimum: 0, description: 'never answered: the controller draining, the store unavailable' }),
  cut: Type.Integer({ minimum: 0, description: 'ended by the controller or the switch before a person was reached' }),
  cutReasons: Type.Object({ drainDeadline: Count, switchLost: Count, shutdown: Count, controllerRestarted: Count }),
  failed: Type.Integer({ minimum: 0, description: 'ended by a fault in the controller before a person was reached' }),
  queued: Type.Integer({ minimum: 0, description: 'calls that joined a queue to agents, once per call' }),
  queueAbandonRate: Ratio('(abandoned.queue + abandoned.ringingAgent) / queued; IVR abandons are not in it; null when no call queued'),
  queueAbandonAvgWaitMs: Ratio('average wait (ms, from joining the queue) of the callers who abandoned in the queue or while an agent rang; null when none did'),
  addsUp: Type.Boolean({ description: 'the final states add up to offered' })
})

/** The error answers of a route behind `requireRole`, for its response schema. */
export const ERROR_RESPONSES = { 400: Failure, 401: Failure, 403: Failure, 404: Failure, 409: Failure, 429: Failure } as const

/**
 * The querystring of a route that takes no parameters: an unknown one is a 400 that names it
 * (with the strict validator of http/validator.ts), never silently ignored.
 */
export const NoQuery = Type.Object({}, { additionalProperties: false })

/** OpenAPI: the route needs `Authorization: Bearer <token>` (see http/auth.ts). */
export const BEARER = [{ bearer: [] }]

/** A failure reply with the project's error shape. */
export function failureBody (statusCode: number, code: ErrorCode, message: string): { statusCode: number, error: string, code: ErrorCode, message: string } {
  // The reason phrase of RFC 9110 for the status, as Fastify's own errors carry it.
  const error = STATUS_CODES[statusCode] ?? 'Error'
  return { statusCode, error, code, message }
}
