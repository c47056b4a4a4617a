// REST API of the enterprise-seat agents: supervisors list everyone; an agent logs in, says
// ready or not ready, logs out, and sees the call they are on with the caller's IVR choices.
// Thin: the state machine is src/calls/agents.ts; this maps its answers to HTTP.
//
// Input is checked against TypeBox schemas with TypeBox's own compiler in this plugin: an
// unknown field or a wrong type is a 400 that says which, instead of being dropped silently
// (Fastify's default Ajv setup removes unknown properties). Responses have schemas too, so
// only the listed fields ever leave: a full caller number cannot slip out with a record.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { AgentCall } from '../../calls/call-context.js'
import type { AgentResult, Agents } from '../../calls/agents.js'
import { ID_PATTERN } from '../../config/agents-schema.js'
import { MASKED_KEYS, maskNumber } from '../../logger.js'
import type { Store } from '../../ports/store.js'
import type { AgentRecord } from '../../domain/call-record.js'
import { NoQuery } from '../schemas.js'
import { typeboxValidator } from '../validator.js'

export interface AgentRoutesDeps {
  agents: Agents
  store: Store
  /** This controller's calls: the call an agent is on here, as its owner knows it (before the record has it). */
  calls?: { agentCall: (agentId: string) => AgentCall | undefined }
}

const Params = Type.Object({ id: Type.String({ pattern: ID_PATTERN, maxLength: 64 }) }, { additionalProperties: false })
const LoginBody = Type.Object({
  /** Take calls at once instead of starting not ready. */
  ready: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
const NotReadyBody = Type.Object({
  /** A short code supervisors' screens turn into words, e.g. `break`, `training`. */
  reason: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }))
}, { additionalProperties: false })
const Empty = Type.Object({}, { additionalProperties: false })

const Iso = Type.String({ format: 'date-time' })
const AgentView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  extension: Type.String(),
  groups: Type.Array(Type.String()),
  state: Type.String(),
  since: Iso,
  idleSince: Type.Optional(Iso),
  reason: Type.Optional(Type.String()),
  callId: Type.Optional(Type.String())
})
const CallView = Type.Object({
  callId: Type.String(),
  agentId: Type.String(),
  agentState: Type.String(),
  group: Type.Optional(Type.String()),
  /** Masked (`138****5678`): agents never see the full number. */
  caller: Type.Optional(Type.String()),
  /** What the caller chose in the IVR: priority, category, matter, … */
  choices: Type.Record(Type.String(), Type.String()),
  startedAt: Type.Optional(Iso),
  enqueuedAt: Type.Optional(Iso),
  answeredAt: Type.Optional(Iso)
})
const Failure = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  code: Type.String(),
  message: Type.String(),
  state: Type.Optional(Type.String())
})

type AgentViewT = Static<typeof AgentView>
type CallViewT = Static<typeof CallView>
type IdRequest = FastifyRequest<{ Params: Static<typeof Params> }>

const iso = (ms: number | undefined): string | undefined => ms === undefined ? undefined : new Date(ms).toISOString()

function agentView (a: AgentRecord): AgentViewT {
  return {
    id: a.id,
    name: a.name,
    extension: a.extension,
    groups: a.groups,
    state: a.state,
    since: new Date(a.since).toISOString(),
    idleSince: iso(a.idleSince),
    reason: a.reason,
    callId: a.callId
  }
}

/** Choices are the caller's input: a number they typed (a callback number) is masked too. */
function maskChoices (choices: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(choices).map(([key, value]) =>
    [key, MASKED_KEYS.includes(key) || /^\+?[0-9]{7,}$/.test(value) ? maskNumber(value) : value]))
}

async function callView (deps: AgentRoutesDeps, agent: AgentRecord): Promise<CallViewT | undefined> {
  const callId = agent.callId
  if (callId === undefined) return undefined
  const record = await deps.store.getCall(callId)
  const local = deps.calls?.agentCall(agent.id)
  const mine = local?.callId === callId ? local : undefined
  return {
    callId,
    agentId: agent.id,
    agentState: agent.state,
    group: record?.queue?.group ?? mine?.group,
    // Records hold the masked number already; masking again costs nothing and is sure.
    caller: record === undefined ? undefined : maskNumber(record.caller),
    choices: maskChoices({ ...mine?.choices, ...record?.choices }),
    startedAt: iso(record?.startedAt),
    enqueuedAt: iso(record?.queue?.enqueuedAt ?? mine?.enqueuedAt),
    answeredAt: iso(record?.queue?.servedAt ?? mine?.answeredAt)
  }
}

function failure (reply: FastifyReply, status: 404 | 409, message: string, state?: string): FastifyReply {
  const error = status === 404 ? 'Not Found' : 'Conflict'
  const code = status === 404 ? 'HC_NOT_FOUND' : 'HC_AGENT_STATE'
  return reply.code(status).send({ statusCode: status, error, code, message, state })
}

function answer (reply: FastifyReply, result: AgentResult): FastifyReply {
  if (result.ok) return reply.send(agentView(result.agent))
  if (result.error === 'unknown-agent') return failure(reply, 404, result.reason)
  return failure(reply, 409, result.reason, result.agent?.state)
}


function agentRoutes (app: FastifyInstance, deps: AgentRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const supervisors = app.requireRole(['supervisor', 'admin'])
  const self = app.requireRole(['agent', 'supervisor', 'admin'], {
    agentOf: (request) => (request.params as { id?: string }).id
  })
  const errors = { 400: Failure, 401: Failure, 403: Failure, 404: Failure, 409: Failure }

  app.get('/api/agents', {
    onRequest: supervisors,
    schema: { querystring: NoQuery, response: { 200: Type.Object({ agents: Type.Array(AgentView) }), ...errors } }
  }, async () => ({ agents: (await deps.agents.list()).map(agentView) }))

  app.get('/api/agents/:id', {
    onRequest: self,
    schema: { params: Params, querystring: NoQuery, response: { 200: AgentView, ...errors } }
  }, async (request: IdRequest, reply) => {
    const agent = await deps.agents.get(request.params.id)
    return agent === undefined ? failure(reply, 404, `no agent ${request.params.id}`) : agentView(agent)
  })

  app.get('/api/agents/:id/call', {
    onRequest: self,
    schema: { params: Params, querystring: NoQuery, response: { 200: CallView, ...errors } }
  }, async (request: IdRequest, reply) => {
    const agent = await deps.agents.get(request.params.id)
    if (agent === undefined) return failure(reply, 404, `no agent ${request.params.id}`)
    const call = await callView(deps, agent)
    return call ?? failure(reply, 404, `agent ${agent.id} is not on a call`, agent.state)
  })

  const change = { onRequest: self, schema: { params: Params, querystring: NoQuery, body: Empty, response: { 200: AgentView, ...errors } } }

  app.post('/api/agents/:id/login', {
    ...change, schema: { ...change.schema, body: LoginBody }
  }, async (request: FastifyRequest<{ Params: Static<typeof Params>, Body: Static<typeof LoginBody> }>, reply) =>
    answer(reply, await deps.agents.login(request.params.id, { ready: request.body.ready })))

  app.post('/api/agents/:id/ready', change, async (request: IdRequest, reply) =>
    answer(reply, await deps.agents.ready(request.params.id)))

  app.post('/api/agents/:id/not-ready', {
    ...change, schema: { ...change.schema, body: NotReadyBody }
  }, async (request: FastifyRequest<{ Params: Static<typeof Params>, Body: Static<typeof NotReadyBody> }>, reply) =>
    answer(reply, await deps.agents.notReady(request.params.id, request.body.reason)))

  app.post('/api/agents/:id/logout', change, async (request: IdRequest, reply) =>
    answer(reply, await deps.agents.logout(request.params.id)))
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const agentRoutesPlugin = fp(agentRoutes, {
  name: 'hotline-agent-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

/** What the wiring calls, after `registerAuth`. */
export async function registerAgentRoutes (app: FastifyInstance, deps: AgentRoutesDeps): Promise<void> {
  await app.register(agentRoutesPlugin, deps)
}
