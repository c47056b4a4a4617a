// REST API of a call in conversation: the agent on it (or a supervisor) starts a three-way
// transfer to a matter's department, leaves the three-way call, and follows it — every dial of
// the hunt with its outcome and ring time, a failure and its ticket. Thin: the call's owner
// (src/calls/call-session.ts, through the call manager) does it and refuses with HC_ codes,
// which the error handler maps to HTTP; this words what it shows for agents (zh-CN).
//
// The body names a matter id and nothing else (unknown fields are a 400): the numbers dialled
// come from the directory's hunt list for that matter, never from the request.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { CallManager } from '../../calls/call-manager.js'
import type { LiveCallView, Requester } from '../../calls/call-context.js'
import { HotlineError } from '../../errors.js'
import type { Directory } from '../../domain/directory.js'
import { MASKED_KEYS, maskNumber } from '../../logger.js'
import type { Clock } from '../../ports/clock.js'
import type { Store } from '../../ports/store.js'
import type { CallRecord } from '../../domain/call-record.js'
import type { TransferStore } from '../../ports/transfers.js'
import type { TransferRecord } from '../../domain/transfer-record.js'
import { NoQuery } from '../schemas.js'
import { typeboxValidator } from '../validator.js'

export interface CallRoutesDeps {
  /** The calls in progress on this controller: their owners transfer and let the agent leave. */
  calls: Pick<CallManager, 'live' | 'agentOf' | 'transfer' | 'leave'>
  /** Call records. */
  records: Pick<Store, 'getCall'>
  /** Transfer records: of calls that ended, or run on another controller. */
  transfers: Pick<TransferStore, 'listTransfers'>
  directory: Directory
  clock: Clock
}

const Params = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }) }, { additionalProperties: false })
const TransferBody = Type.Object({
  /** A matter of the directory (config/directory.yaml); its hunt list gives the numbers. */
  matterId: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 64 })
}, { additionalProperties: false })
const Empty = Type.Object({}, { additionalProperties: false })

const Iso = Type.String({ format: 'date-time' })
const AttemptView = Type.Object({
  index: Type.Integer(),
  number: Type.String(),
  label: Type.Optional(Type.String()),
  outcome: Type.String(),
  startedAt: Iso,
  ringMs: Type.Integer(),
  cause: Type.Optional(Type.String())
})
const TransferView = Type.Object({
  id: Type.String(),
  matterId: Type.String(),
  matterName: Type.Optional(Type.String()),
  departmentId: Type.String(),
  departmentName: Type.Optional(Type.String()),
  state: Type.String(),
  workingTime: Type.Boolean(),
  requestedAt: Iso,
  attempts: Type.Array(AttemptView),
  ringing: Type.Optional(Type.Object({ index: Type.Integer(), number: Type.String(), label: Type.Optional(Type.String()), since: Iso })),
  answeredNumber: Type.Optional(Type.String()),
  connectedAt: Type.Optional(Iso),
  agentLeftAt: Type.Optional(Iso),
  endedAt: Type.Optional(Iso),
  ticketId: Type.Optional(Type.String()),
  /** What the agent reads (zh-CN). */
  notice: Type.String()
})
const CallView = Type.Object({
  callId: Type.String(),
  /** `in-progress` (IVR, queue, survey, or another controller), a conversation state, or `ended`. */
  state: Type.String(),
  /** Masked (`138****5678`). */
  caller: Type.Optional(Type.String()),
  choices: Type.Record(Type.String(), Type.String()),
  startedAt: Type.Optional(Iso),
  endedAt: Type.Optional(Iso),
  agent: Type.Optional(Type.Object({ id: Type.String(), present: Type.Boolean(), connectedAt: Iso, leftAt: Type.Optional(Iso) })),
  transfers: Type.Array(TransferView)
})
const Accepted = Type.Object({ transferId: Type.String(), callId: Type.String(), matterId: Type.String(), departmentId: Type.String(), state: Type.String() })
const Failure = Type.Object({ statusCode: Type.Integer(), error: Type.String(), code: Type.String(), message: Type.String() })

type CallViewT = Static<typeof CallView>
type IdRequest = FastifyRequest<{ Params: Static<typeof Params> }>

const iso = (ms: number | undefined): string | undefined => ms === undefined ? undefined : new Date(ms).toISOString()

const ERRORS = {
  400: ['Bad Request', 'HC_BAD_REQUEST'],
  403: ['Forbidden', 'HC_FORBIDDEN'],
  404: ['Not Found', 'HC_NOT_FOUND'],
  409: ['Conflict', 'HC_AGENT_STATE']
} as const

function failure (reply: FastifyReply, status: keyof typeof ERRORS, message: string): FastifyReply {
  const [error, code] = ERRORS[status]
  return reply.code(status).send({ statusCode: status, error, code, message })
}

/** Choices are the caller's input: a number they typed is masked too (as in the agents API). */
function maskChoices (choices: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(choices).map(([key, value]) =>
    [key, MASKED_KEYS.includes(key) || /^\+?[0-9]{7,}$/.test(value) ? maskNumber(value) : value]))
}

/** One line an agent can act on. */
function notice (t: TransferRecord, department: string, ringing: LiveCallView['ringing']): string {
  const total = t.attempts.length + (ringing === undefined ? 0 : 1)
  switch (t.state) {
    case 'hunting':
      return ringing === undefined ? `正在转接${department}…` : `正在转接${department}：第${total}个号码 ${ringing.number} 振铃中`
    case 'connected':
      if (t.endedAt !== undefined) return `${department}（${t.answeredNumber ?? ''}）的通话已结束`
      return t.agentLeftAt === undefined
        ? `${department}已接通（${t.answeredNumber ?? ''}），三方通话中`
        : `${department}已接通（${t.answeredNumber ?? ''}），您已退出，来电者与部门通话中`
    case 'all-failed':
      return t.ticketId === undefined
        ? `${department}的${t.attempts.length}个转接号码均未接通，转接失败工单未能生成，请手工登记`
        : `${department}的${t.attempts.length}个转接号码均未接通，已生成转接失败工单 ${t.ticketId}，部门将于下一个工作日10点前回电`
    case 'cancelled':
      return '来电者已挂机，转接已取消'
    case 'switch-lost':
      return t.ticketId === undefined
        ? `交换机连接中断，转接${department}未能完成（非部门原因），转接失败工单未能生成，请手工登记`
        : `交换机连接中断，转接${department}未能完成（非部门原因），已生成工单 ${t.ticketId}，部门将于下一个工作日10点前回电`
  }
}

function transferView (deps: CallRoutesDeps, t: TransferRecord, ringing?: LiveCallView['ringing']): Static<typeof TransferView> {
  const matter = deps.directory.matter(t.matterId)
  const department = deps.directory.department(t.departmentId)
  const labels = new Map(matter?.hunt.map((h) => [h.number, h.label]) ?? [])
  return {
    id: t.id,
    matterId: t.matterId,
    matterName: matter?.name,
    departmentId: t.departmentId,
    departmentName: department?.name,
    state: t.state,
    workingTime: t.workingTime,
    requestedAt: new Date(t.requestedAt).toISOString(),
    attempts: t.attempts.map((a) => ({
      index: a.index,
      number: a.number,
      label: labels.get(a.number),
      outcome: a.outcome,
      startedAt: new Date(a.startedAt).toISOString(),
      ringMs: a.ringMs,
      cause: a.cause
    })),
    ringing: ringing === undefined || t.state !== 'hunting'
      ? undefined
      : { index: ringing.index, number: ringing.number, label: ringing.label, since: new Date(ringing.startedAt).toISOString() },
    answeredNumber: t.answeredNumber,
    connectedAt: iso(t.connectedAt),
    agentLeftAt: iso(t.agentLeftAt),
    endedAt: iso(t.endedAt),
    ticketId: t.ticketId,
    notice: notice(t, department?.name ?? t.departmentId, ringing)
  }
}

/** The transfers of a call that is not in conversation here, from the shared store. */
async function storedTransfers (deps: CallRoutesDeps, record: CallRecord): Promise<TransferRecord[]> {
  // Requests are made while the call lasts; the margin covers clocks of other controllers.
  const since = record.startedAt - 60_000
  const until = (record.endedAt ?? deps.clock.now()) + 60_000
  return (await deps.transfers.listTransfers({ since, until })).filter((t) => t.callId === record.callId)
}

async function callView (deps: CallRoutesDeps, callId: string): Promise<CallViewT | undefined> {
  const record = await deps.records.getCall(callId)
  const live = deps.calls.live(callId)
  if (record === undefined && live === undefined) return undefined
  const transfers = live?.transfers ?? (record === undefined ? [] : await storedTransfers(deps, record))
  return {
    callId,
    state: record?.endedAt !== undefined ? 'ended' : live?.state ?? 'in-progress',
    // Records hold the masked number already; masking again costs nothing and is sure.
    caller: record === undefined ? undefined : maskNumber(record.caller),
    choices: maskChoices({ ...live?.choices, ...record?.choices }),
    startedAt: iso(record?.startedAt),
    endedAt: iso(record?.endedAt),
    agent: live === undefined
      ? undefined
      : { id: live.agentId, present: live.agentPresent, connectedAt: new Date(live.connectedAt).toISOString(), leftAt: iso(live.agentLeftAt) },
    transfers: transfers.map((t) => transferView(deps, t, live?.ringing))
  }
}

/** A call with no conversation here: unknown (HC_NOT_FOUND), or not with an agent (HC_TRANSFER_STATE). */
async function notInConversation (deps: CallRoutesDeps, callId: string): Promise<never> {
  const record = await deps.records.getCall(callId)
  if (record === undefined) throw new HotlineError('HC_NOT_FOUND', `no call ${callId}`)
  if (record.endedAt !== undefined) throw new HotlineError('HC_TRANSFER_STATE', `call ${callId} has ended`)
  throw new HotlineError('HC_TRANSFER_STATE', `call ${callId} is not with an agent (in the IVR, the queue, the survey, or on another controller)`)
}

function callRoutes (app: FastifyInstance, deps: CallRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  // An agent token acts on the call its agent is on; supervisors and admins on any call.
  const onCall = app.requireRole(['agent', 'supervisor', 'admin'], {
    agentOf: (request) => deps.calls.agentOf((request.params as { id?: string }).id ?? '')
  })
  const who = (request: FastifyRequest): Requester => request.apiUser?.role === 'agent' ? { agentId: request.apiUser.agentId } : {}
  const errors = { 400: Failure, 401: Failure, 403: Failure, 404: Failure, 409: Failure }

  app.get('/api/calls/:id', {
    onRequest: onCall,
    schema: { params: Params, querystring: NoQuery, response: { 200: CallView, ...errors } }
  }, async (request: IdRequest, reply) => {
    const view = await callView(deps, request.params.id)
    return view ?? failure(reply, 404, `no call ${request.params.id}`)
  })

  app.post('/api/calls/:id/transfer', {
    onRequest: onCall,
    schema: { params: Params, querystring: NoQuery, body: TransferBody, response: { 202: Accepted, ...errors } }
  }, async (request: FastifyRequest<{ Params: Static<typeof Params>, Body: Static<typeof TransferBody> }>, reply) => {
    const { id } = request.params
    const { matterId } = request.body
    if (deps.directory.matter(matterId) === undefined) return failure(reply, 400, `body/matterId: no matter "${matterId}" in the directory`)
    if (deps.calls.live(id) === undefined) return await notInConversation(deps, id)
    const t = await deps.calls.transfer(id, matterId, who(request))
    void reply.header('location', `/api/calls/${encodeURIComponent(id)}`)
    return await reply.code(202).send({ transferId: t.id, callId: id, matterId: t.matterId, departmentId: t.departmentId, state: t.state })
  })

  app.post('/api/calls/:id/leave', {
    onRequest: onCall,
    schema: { params: Params, querystring: NoQuery, body: Empty, response: { 200: CallView, ...errors } }
  }, async (request: IdRequest, reply) => {
    const { id } = request.params
    if (deps.calls.live(id) === undefined) return await notInConversation(deps, id)
    await deps.calls.leave(id, who(request))
    return await callView(deps, id) ?? failure(reply, 404, `no call ${id}`)
  })
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const callRoutesPlugin = fp(callRoutes, {
  name: 'hotline-call-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

/** What the wiring calls, after `registerAuth`. */
export async function registerCallRoutes (app: FastifyInstance, deps: CallRoutesDeps): Promise<void> {
  await app.register(callRoutesPlugin, deps)
}
