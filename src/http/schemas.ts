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

/** The error answers of a route behind `requireRole`, for its response schema. */
export const ERROR_RESPONSES = { 400: Failure, 401: Failure, 403: Failure, 404: Failure, 409: Failure, 429: Failure } as const

/** OpenAPI: the route needs `Authorization: Bearer <token>` (see http/auth.ts). */
export const BEARER = [{ bearer: [] }]

/** A failure reply with the project's error shape. */
export function failureBody (statusCode: number, code: ErrorCode, message: string): { statusCode: number, error: string, code: ErrorCode, message: string } {
  // The reason phrase of RFC 9110 for the status, as Fastify's own errors carry it.
  const error = STATUS_CODES[statusCode] ?? 'Error'
  return { statusCode, error, code, message }
}
