// The dashboard's snapshot: one JSON document with everything the supervisor page shows. The
// same document answers GET /api/live/snapshot and travels in each `snapshot` event of
// GET /api/live/stream; this schema is both the OpenAPI description and the type the
// builder fills, so the two cannot drift apart. Instants are ISO 8601 (UTC); rates are 0–1
// or null when nothing was counted. Caller numbers are masked (`138****5678`).

import { type Static, Type } from '@sinclair/typebox'
import { CALL_STATES } from '../../domain/call-state.js'
import { CallFiguresSchema } from '../../http/schemas.js'

const Iso = Type.String({ format: 'date-time' })
const Rate = Type.Union([Type.Number(), Type.Null()])

export const CALL_PHASES = ['ivr', 'waiting', 'agent', 'three-way'] as const
export type CallPhase = typeof CALL_PHASES[number]

export const LiveCall = Type.Object({
  callId: Type.String(),
  /** Masked. */
  caller: Type.String(),
  phase: Type.Union(CALL_PHASES.map((p) => Type.Literal(p))),
  /** The call's own state (offered … with-specialist), finer than the phase. */
  state: Type.Optional(Type.Union(CALL_STATES.map((s) => Type.Literal(s)))),
  /** When the call entered its phase (the call's start when not known better). */
  since: Iso,
  startedAt: Iso,
  /** The controller running the call. */
  controllerId: Type.String(),
  matterId: Type.Optional(Type.String()),
  matterName: Type.Optional(Type.String()),
  departmentName: Type.Optional(Type.String()),
  category: Type.Optional(Type.String()),
  agentId: Type.Optional(Type.String()),
  /** The call's transfer: hunting (numbers ringing, agent on the line) or connected (three-way). */
  transfer: Type.Optional(Type.Union([Type.Literal('hunting'), Type.Literal('connected')])),
  /** In a three-way call the agent has left: caller and specialist talk on. */
  agentLeft: Type.Optional(Type.Boolean())
})

export const CallsSection = Type.Object({
  total: Type.Integer(),
  ivr: Type.Integer(),
  waiting: Type.Integer(),
  agent: Type.Integer(),
  /** Three-way calls, those the agent left included. */
  threeWay: Type.Integer(),
  /** Of `threeWay`: the agent has left (caller and specialist only). */
  agentLeft: Type.Integer(),
  /** When the longest-waiting caller joined the queue. */
  longestWaitSince: Type.Optional(Iso),
  /** Oldest first, at most `LIST_LIMIT`; the counts cover every call. */
  list: Type.Array(LiveCall)
})

/**
 * Today's calls by how they ended (domain/call-figures.ts), from the day's counts in the store:
 * every controller's calls offered today (Asia/Shanghai) that have ended so far.
 */
export const CallsTodaySection = Type.Object({
  /** `YYYY-MM-DD`, Asia/Shanghai. */
  day: Type.String(),
  ...CallFiguresSchema.properties
})

export const LiveAgent = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.String(),
  since: Iso,
  reason: Type.Optional(Type.String()),
  callId: Type.Optional(Type.String()),
  groups: Type.Array(Type.String())
})

export const AgentsSection = Type.Object({
  total: Type.Integer(),
  /** Every state of ports/store.ts AGENT_STATES, zero included. */
  byState: Type.Record(Type.String(), Type.Integer()),
  list: Type.Array(LiveAgent)
})

export const TicketsSection = Type.Object({
  /** Not contacted yet: open, delivered or acknowledged. */
  awaitingContact: Type.Integer(),
  /** Not contacted, due within `dueSoonMinutes` and not overdue yet. */
  dueSoon: Type.Integer(),
  dueSoonMinutes: Type.Integer(),
  /** Not contacted and past due. */
  overdue: Type.Integer(),
  byStatus: Type.Record(Type.String(), Type.Integer()),
  /** Deliveries waiting in the outbox, and parked as dead. */
  queued: Type.Integer(),
  dead: Type.Integer()
})

/** One department or matter: request figures, working time (held to the target) and all. */
export const RateRow = Type.Object({
  id: Type.String(),
  name: Type.String(),
  departmentId: Type.Optional(Type.String()),
  departmentName: Type.Optional(Type.String()),
  /** Working-time request rate: connected / (connected + failed). */
  rate: Rate,
  counted: Type.Integer(),
  connected: Type.Integer(),
  failed: Type.Integer(),
  /** Caller hung up during the hunt: apart from the rate. */
  cancelled: Type.Integer(),
  /** Still hunting: no result yet. */
  hunting: Type.Integer(),
  /** Working time and after hours together. */
  allRate: Rate,
  allCounted: Type.Integer(),
  /** Working-time attempt rate: dials answered / dials. */
  attemptRate: Rate,
  belowTarget: Type.Boolean()
})

/** One transfer number: judged by its dials. */
export const NumberRow = Type.Object({
  number: Type.String(),
  departmentNames: Type.Array(Type.String()),
  /** Dials answered / dials, working time and after hours together. */
  rate: Rate,
  counted: Type.Integer(),
  answered: Type.Integer(),
  busy: Type.Integer(),
  noAnswer: Type.Integer(),
  /** Rejected, unreachable or failed. */
  other: Type.Integer(),
  /** Working-time dials only. */
  workingRate: Rate
})

export const RateWindow = Type.Object({
  name: Type.String(),
  since: Iso,
  until: Iso,
  overall: RateRow,
  byDepartment: Type.Array(RateRow),
  byMatter: Type.Array(RateRow),
  byNumber: Type.Array(NumberRow),
  departmentsBelowTarget: Type.Array(Type.String())
})

export const ConnectionRateSection = Type.Object({
  /** The local working-time target (0.9 in the Shanghai plans). */
  target: Type.Number(),
  /** The national 12345 standard, for reference (0.95). */
  nationalStandard: Type.Number(),
  minAttemptsForAlarm: Type.Integer(),
  lastHour: RateWindow,
  today: RateWindow
})

export const LiveController = Type.Object({
  controllerId: Type.String(),
  alive: Type.Boolean(),
  vendor: Type.String(),
  switchState: Type.String(),
  switchDetail: Type.String(),
  switchSince: Iso,
  callsInProgress: Type.Integer(),
  promptsMissing: Type.Array(Type.String()),
  draining: Type.Boolean(),
  lastSeen: Iso
})

export const ALARM_KINDS = [
  'switch', 'controller-lost', 'prompts-missing', 'below-target', 'tickets-dead', 'tickets-overdue', 'calendar', 'dial-test', 'data'
] as const

export const LiveAlarm = Type.Object({
  /** Stable while the condition lasts (the page keeps its place in the list). */
  key: Type.String(),
  kind: Type.Union(ALARM_KINDS.map((k) => Type.Literal(k))),
  severity: Type.Union([Type.Literal('critical'), Type.Literal('warning')]),
  /** zh-CN, for the page. */
  message: Type.String(),
  since: Type.Optional(Iso)
})

export const LiveSnapshotSchema = Type.Object({
  at: Iso,
  /** The controller that computed it. */
  controllerId: Type.String(),
  calls: Type.Optional(CallsSection),
  callsToday: Type.Optional(CallsTodaySection),
  agents: Type.Optional(AgentsSection),
  tickets: Type.Optional(TicketsSection),
  connectionRate: Type.Optional(ConnectionRateSection),
  controllers: Type.Array(LiveController),
  /** Critical first. A section that could not be read is missing and named here (kind `data`). */
  alarms: Type.Array(LiveAlarm)
})

export type LiveSnapshot = Static<typeof LiveSnapshotSchema>
export type LiveCallT = Static<typeof LiveCall>
export type CallsSectionT = Static<typeof CallsSection>
export type CallsTodaySectionT = Static<typeof CallsTodaySection>
export type AgentsSectionT = Static<typeof AgentsSection>
export type TicketsSectionT = Static<typeof TicketsSection>
export type RateRowT = Static<typeof RateRow>
export type NumberRowT = Static<typeof NumberRow>
export type RateWindowT = Static<typeof RateWindow>
export type ConnectionRateSectionT = Static<typeof ConnectionRateSection>
export type LiveControllerT = Static<typeof LiveController>
export type LiveAlarmT = Static<typeof LiveAlarm>
export type AlarmKind = typeof ALARM_KINDS[number]
