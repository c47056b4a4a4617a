// The JSON shapes of the dial-test API (routes.ts), as TypeBox schemas: validated on the way
// in, and on the way out only the listed fields leave. Instants are ISO strings.

import { type Static, Type } from '@sinclair/typebox'
import type { NumberHealth } from './failures.js'
import type { ScheduleDecision, ScheduleView } from './schedule.js'
import { DIAL_TEST_OUTCOMES, type DialTestResult, type DialTestRunSummary, type DialTestRunView } from './types.js'

const DIGITS = '^[0-9]{3,20}$'
/** ulid: 26 characters of Crockford's base 32. */
export const RUN_ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$'

export const RunParams = Type.Object({ id: Type.String({ pattern: RUN_ID_PATTERN }) }, { additionalProperties: false })
export type RunParamsT = Static<typeof RunParams>

export const StartBody = Type.Object({
  /** Only these directory numbers; default: every transfer number. */
  numbers: Type.Optional(Type.Array(Type.String({ pattern: DIGITS }), { minItems: 1, maxItems: 1000 }))
}, { additionalProperties: false })
export type StartBodyT = Static<typeof StartBody>

export const EmptyBody = Type.Object({}, { additionalProperties: false })

const Iso = Type.String({ format: 'date-time' })
const Outcome = Type.Union(DIAL_TEST_OUTCOMES.map((o) => Type.Literal(o)))
const Counts = Type.Object(Object.fromEntries(DIAL_TEST_OUTCOMES.map((o) => [o, Type.Integer()])))
const MatterRef = Type.Object({ id: Type.String(), name: Type.String() })

const Result = Type.Object({
  number: Type.String(),
  departmentIds: Type.Array(Type.String()),
  departments: Type.Array(Type.String()),
  matters: Type.Array(MatterRef),
  labels: Type.Array(Type.String()),
  state: Type.Union([Type.Literal('pending'), Type.Literal('dialling'), Type.Literal('done')]),
  outcome: Type.Optional(Outcome),
  switchOutcome: Type.Optional(Type.String()),
  cause: Type.Optional(Type.String()),
  ringMs: Type.Optional(Type.Integer()),
  startedAt: Type.Optional(Iso),
  endedAt: Type.Optional(Iso),
  workingTime: Type.Optional(Type.Boolean()),
  failed: Type.Optional(Type.Boolean())
})

const summaryFields = {
  id: Type.String(),
  trigger: Type.Union([Type.Literal('manual'), Type.Literal('schedule')]),
  requestedBy: Type.Optional(Type.String()),
  state: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('cancelled')]),
  startedAt: Iso,
  endedAt: Type.Optional(Iso),
  total: Type.Integer(),
  done: Type.Integer(),
  dialling: Type.Integer(),
  byOutcome: Counts,
  failed: Type.Integer(),
  concurrency: Type.Integer(),
  ringTimeoutSec: Type.Integer()
}
export const RunSummary = Type.Object(summaryFields)
export const RunView = Type.Object({ ...summaryFields, results: Type.Array(Result) })

const Decision = Type.Object({ kind: Type.String(), runId: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) })
const Schedule = Type.Object({
  at: Type.String(),
  nextAt: Iso,
  last: Type.Optional(Type.Object({ dueAt: Iso, decision: Decision }))
})

export const RunList = Type.Object({
  runs: Type.Array(RunSummary),
  runningId: Type.Optional(Type.String()),
  numbers: Type.Integer({ description: 'Transfer numbers in the directory' }),
  concurrency: Type.Integer(),
  ringTimeoutSec: Type.Integer(),
  schedule: Type.Optional(Schedule)
})

const Health = Type.Object({
  number: Type.String(),
  departmentId: Type.String(),
  department: Type.String(),
  matters: Type.Array(MatterRef),
  consecutiveFailures: Type.Integer(),
  lastOutcome: Outcome,
  lastCause: Type.Optional(Type.String()),
  lastTestedAt: Iso,
  failing: Type.Boolean()
})
export const FailingList = Type.Object({
  /** Failed their last two (or more) tests in a row: the alarm. */
  failing: Type.Array(Health),
  /** Failed their last test only. */
  watch: Type.Array(Health),
  threshold: Type.Integer()
})

export const RunningConflict = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String(),
  runId: Type.Optional(Type.String())
})

const iso = (ms: number | undefined): string | undefined => ms === undefined ? undefined : new Date(ms).toISOString()

function resultJson (r: DialTestResult): Static<typeof Result> {
  return { ...r, startedAt: iso(r.startedAt), endedAt: iso(r.endedAt) }
}

export function summaryJson (s: DialTestRunSummary): Static<typeof RunSummary> {
  return { ...s, startedAt: new Date(s.startedAt).toISOString(), endedAt: iso(s.endedAt) }
}

export function runJson (run: DialTestRunView): Static<typeof RunView> {
  return { ...summaryJson(run), results: run.results.map(resultJson) }
}

export function healthJson (h: NumberHealth): Static<typeof Health> {
  return { ...h, lastTestedAt: new Date(h.lastTestedAt).toISOString() }
}

function decisionJson (d: ScheduleDecision): Static<typeof Decision> {
  return d.kind === 'started' ? { kind: d.kind, runId: d.runId } : { kind: d.kind, reason: d.reason }
}

export function scheduleJson (s: ScheduleView): Static<typeof Schedule> {
  return {
    at: s.at,
    nextAt: new Date(s.nextAt).toISOString(),
    ...(s.last === undefined ? {} : { last: { dueAt: new Date(s.last.dueAt).toISOString(), decision: decisionJson(s.last.decision) } })
  }
}
