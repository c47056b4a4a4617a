// REST API of the connection rate (接通率) for supervisors:
//
//   GET /api/stats/connection-rate?window=last-hour|today|this-month[&by=department|matter|number]
//   GET /api/stats/connection-rate?since=<ISO>&until=<ISO>[&by=…]
//
// Counts and rates, working time and after hours apart, with the configured target and the
// national standard beside them. Thin: the figures come from ConnectionRateService (windows
// over the stored records) and domain/connection-rate.ts (the arithmetic); this maps them to
// JSON. Definitions: docs/connection-rate.md.
//
// The query is checked with TypeBox's compiler (an unknown parameter is a 400 that names it,
// not silently dropped), then the rules between parameters; every 400 says what is wrong.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DateTime } from 'luxon'
import { type AttemptFigures, type Figures, type SplitFigures, belowTarget } from '../../domain/connection-rate.js'
import { isHotlineError } from '../../errors.js'
import {
  type ConnectionRateResult, type ConnectionRateService, type StatsWindow, WINDOW_NAMES, customWindow
} from '../../stats/connection-rate-service.js'
import { typeboxValidator } from '../validator.js'

export interface StatsRoutesDeps {
  stats: ConnectionRateService
}

export const GROUP_BY = ['department', 'matter', 'number'] as const
export type GroupBy = typeof GROUP_BY[number]

const Query = Type.Object({
  window: Type.Optional(Type.String({ pattern: `^(${WINDOW_NAMES.join('|')})$` })),
  by: Type.Optional(Type.String({ pattern: `^(${GROUP_BY.join('|')})$` })),
  since: Type.Optional(Type.String({ maxLength: 40 })),
  until: Type.Optional(Type.String({ maxLength: 40 }))
}, { additionalProperties: false })
type QueryT = Static<typeof Query>

const Rate = Type.Union([Type.Number(), Type.Null()])
const Requests = Type.Object({
  counted: Type.Integer(),
  connected: Type.Integer(),
  failed: Type.Integer(),
  cancelled: Type.Integer(),
  'switch-lost': Type.Integer(),
  hunting: Type.Integer(),
  rate: Rate
})
const Attempts = Type.Object({
  counted: Type.Integer(),
  answered: Type.Integer(),
  outcomes: Type.Record(Type.String(), Type.Integer()),
  rate: Rate
})
const Half = Type.Object({ requests: Type.Optional(Requests), attempts: Attempts })
const Split = { workingTime: Half, afterHours: Half, all: Half }
const Group = Type.Object({
  departmentId: Type.Optional(Type.String()),
  matterId: Type.Optional(Type.String()),
  number: Type.Optional(Type.String()),
  departmentIds: Type.Optional(Type.Array(Type.String())),
  belowTarget: Type.Optional(Type.Boolean()),
  ...Split
})
const Iso = Type.String({ format: 'date-time' })
const Answer = Type.Object({
  window: Type.Object({ name: Type.String(), since: Iso, until: Iso, timeZone: Type.String() }),
  at: Iso,
  target: Type.Number(),
  nationalStandard: Type.Number(),
  minAttemptsForAlarm: Type.Integer(),
  /** The working-time request rate: the figure held to the target. */
  rate: Rate,
  departmentsBelowTarget: Type.Array(Type.String()),
  overall: Type.Object(Split),
  by: Type.Optional(Type.String()),
  groups: Type.Optional(Type.Array(Group))
})
const Failure = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String()
})

type GroupT = Static<typeof Group>

/** An instant with its offset (`Z` or `+08:00`): a bare local time would depend on the server. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

function instant (text: string, name: string): number {
  // The pattern first (luxon's ISO parser also takes bare local times); luxon then refuses
  // 2026-02-30, which Date.parse would roll over into March.
  const ms = ISO_INSTANT.test(text) ? DateTime.fromISO(text, { setZone: true }).toMillis() : NaN
  if (!Number.isFinite(ms)) throw badRequest(`${name}: expected an ISO 8601 instant with its offset, e.g. 2026-01-05T09:00:00+08:00`)
  return ms
}

/** A query that cannot be answered; its message is the 400's reason. */
class BadQuery extends Error {}

const badRequest = (message: string): BadQuery => new BadQuery(message)

/** The window the query asks for: a named one (default `today`) or since/until. */
function windowOf (query: QueryT): 'last-hour' | 'today' | 'this-month' | StatsWindow {
  const explicit = query.since !== undefined || query.until !== undefined
  if (explicit && query.window !== undefined) throw badRequest('give either window or since/until, not both')
  if (!explicit) return (query.window ?? 'today') as 'last-hour' | 'today' | 'this-month'
  if (query.since === undefined || query.until === undefined) throw badRequest('since and until go together')
  try {
    return customWindow(instant(query.since, 'since'), instant(query.until, 'until'))
  } catch (err) {
    if (isHotlineError(err, 'HC_BAD_REQUEST')) throw badRequest(err.message)
    throw err
  }
}

const attemptsOnly = (f: AttemptFigures) => ({ attempts: f })
const split = (s: SplitFigures) => ({ workingTime: s.workingTime, afterHours: s.afterHours, all: s.all })

function groupsOf (result: ConnectionRateResult, by: GroupBy): GroupT[] {
  const rule = { target: result.target, minCounted: result.minAttemptsForAlarm }
  const flagged = (wt: Figures) => belowTarget(wt, rule)
  if (by === 'department') {
    return result.byDepartment.map((d) => ({ departmentId: d.departmentId, belowTarget: flagged(d.workingTime), ...split(d) }))
  }
  if (by === 'matter') {
    return result.byMatter.map((m) => ({ matterId: m.matterId, departmentId: m.departmentId, belowTarget: flagged(m.workingTime), ...split(m) }))
  }
  return result.byNumber.map((n) => ({
    number: n.number,
    departmentIds: n.departmentIds,
    workingTime: attemptsOnly(n.workingTime),
    afterHours: attemptsOnly(n.afterHours),
    all: attemptsOnly(n.all)
  }))
}

function answer (result: ConnectionRateResult, by: GroupBy | undefined): Static<typeof Answer> {
  const iso = (ms: number) => new Date(ms).toISOString()
  return {
    window: { name: result.window.name, since: iso(result.window.since), until: iso(result.window.until), timeZone: 'Asia/Shanghai' },
    at: iso(result.at),
    target: result.target,
    nationalStandard: result.nationalStandard,
    minAttemptsForAlarm: result.minAttemptsForAlarm,
    rate: result.rate,
    departmentsBelowTarget: result.departmentsBelowTarget,
    overall: split(result.overall),
    ...(by === undefined ? {} : { by, groups: groupsOf(result, by) })
  }
}


function statsRoutes (app: FastifyInstance, deps: StatsRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const supervisors = app.requireRole(['supervisor', 'admin'])
  const errors = { 400: Failure, 401: Failure, 403: Failure }

  app.get<{ Querystring: QueryT }>('/api/stats/connection-rate', {
    onRequest: supervisors,
    schema: { querystring: Query, response: { 200: Answer, ...errors } }
  }, async (request, reply) => {
    let window: ReturnType<typeof windowOf>
    try {
      window = windowOf(request.query)
    } catch (err) {
      if (!(err instanceof BadQuery)) throw err
      return await reply.code(400).send({ statusCode: 400, error: 'Bad Request', code: 'HC_BAD_REQUEST', message: err.message })
    }
    const result = await deps.stats.figures(window)
    return answer(result, request.query.by as GroupBy | undefined)
  })
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const statsRoutesPlugin = fp(statsRoutes, {
  name: 'hotline-stats-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

/** What the wiring calls, after `registerAuth`. */
export async function registerStatsRoutes (app: FastifyInstance, deps: StatsRoutesDeps): Promise<void> {
  await app.register(statsRoutesPlugin, deps)
}
