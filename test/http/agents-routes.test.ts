// The agents' REST API through Fastify's inject(): token auth (401/403, an agent acts as
// themself only), state changes and refusals, input checks, and the current call with the
// caller's IVR choices and a masked number.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import type { AgentCall } from '../../src/calls/call-context.js'
import { Agents } from '../../src/calls/agents.js'
import type { ApiToken } from '../../src/config/app-config.js'
import { registerAuth } from '../../src/http/auth.js'
import { registerAgentRoutes } from '../../src/http/routes/agents.js'
import { systemClock } from '../../src/ports/clock.js'

const TOKENS: ApiToken[] = [
  { token: 'agent01-token-0123456789', role: 'agent', agentId: 'agent01' },
  { token: 'agent02-token-0123456789', role: 'agent', agentId: 'agent02' },
  { token: 'supervisor-token-0123456789', role: 'supervisor' },
  { token: 'admin-token-0123456789abc', role: 'admin' }
]
const AGENT01 = { authorization: 'Bearer agent01-token-0123456789' }
const SUPERVISOR = { authorization: 'Bearer supervisor-token-0123456789' }
const ADMIN = { authorization: 'Bearer admin-token-0123456789abc' }

async function setUp (t: Test, localCalls: Map<string, AgentCall> = new Map()) {
  const store = new MemoryStore()
  const agents = new Agents({ store, clock: systemClock, groups: [{ id: 'enterprise-seat', ringTimeoutSec: 20, wrapUpSec: 30, noAnswerState: 'not-ready' }] })
  await agents.sync([
    { id: 'agent01', name: '企业专席坐席01', extension: '8001', groups: ['enterprise-seat'] },
    { id: 'agent02', name: '企业专席坐席02', extension: '8002', groups: ['enterprise-seat'] }
  ])
  const app = Fastify()
  await registerAuth(app, { tokens: TOKENS })
  await registerAgentRoutes(app, { agents, store, calls: { agentCall: (id) => localCalls.get(id) } })
  // A route outside the plugin keeps Fastify's own rules: the plugin's validator stays inside.
  app.get('/health', () => ({ status: 'ok' }))
  await app.ready()
  t.teardown(async () => {
    await app.close()
    agents.close()
    await store.close()
  })
  return { app, store, agents }
}

void t.test('no token: 401 with a Bearer challenge; an unknown token: 401 invalid_token', async (t) => {
  const { app } = await setUp(t)
  const none = await app.inject({ url: '/api/agents' })
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="hotline12345"')
  t.match(none.json(), { code: 'HC_UNAUTHORIZED', message: /Bearer/ })
  const bad = await app.inject({ url: '/api/agents/agent01', headers: { authorization: 'Bearer agent01-token-012345678X' } })
  t.equal(bad.statusCode, 401)
  t.match(bad.headers['www-authenticate'], /error="invalid_token"/)
  const basic = await app.inject({ url: '/api/agents', headers: { authorization: 'Basic YWdlbnQwMTp4' } })
  t.equal(basic.statusCode, 401, 'only bearer tokens')
  // Auth comes before input checks: a stranger learns nothing about the body rules.
  const early = await app.inject({ method: 'POST', url: '/api/agents/agent01/not-ready', payload: { reason: 'NOT OK' } })
  t.equal(early.statusCode, 401)
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'routes without requireRole stay open')
})

void t.test('roles: agents may not list everyone; an agent acts as themself only', async (t) => {
  const { app } = await setUp(t)
  const list = await app.inject({ url: '/api/agents', headers: AGENT01 })
  t.equal(list.statusCode, 403)
  t.match(list.json(), { code: 'HC_FORBIDDEN', message: /agent role may not/ })
  for (const [method, url] of [['GET', '/api/agents/agent02'], ['GET', '/api/agents/agent02/call'], ['POST', '/api/agents/agent02/login'],
    ['POST', '/api/agents/agent02/logout']] as const) {
    const res = await app.inject({ method, url, headers: AGENT01 })
    t.equal(res.statusCode, 403, `${method} ${url} with agent01's token`)
    t.match(res.json(), { message: /own agent only/ })
  }
  t.equal((await app.inject({ url: '/api/agents/agent01', headers: AGENT01 })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/agents/agent02', headers: SUPERVISOR })).statusCode, 200)
  t.equal((await app.inject({ url: '/api/agents', headers: ADMIN })).statusCode, 200)
})

void t.test('an agent\'s day: login, ready, not ready with a reason, logout', async (t) => {
  const { app, store } = await setUp(t)
  const post = (what: string, payload?: object) => app.inject({ method: 'POST', url: `/api/agents/agent01/${what}`, headers: AGENT01, ...(payload === undefined ? {} : { payload }) })
  const login = await post('login')
  t.equal(login.statusCode, 200)
  t.match(login.json(), { id: 'agent01', state: 'not-ready', reason: 'login', extension: '8001' })
  t.match((await post('ready')).json(), { state: 'ready' })
  t.equal((await store.getAgent('agent01'))?.state, 'ready', 'written to the store')
  t.match((await post('not-ready', { reason: 'break' })).json(), { state: 'not-ready', reason: 'break' })
  t.match((await post('not-ready', {})).json(), { state: 'not-ready', reason: 'manual' })
  t.match((await post('logout')).json(), { state: 'logged-out' })
  t.match((await post('login', { ready: true })).json(), { state: 'ready' }, 'straight to ready when asked')
  const since = (await app.inject({ url: '/api/agents/agent01', headers: AGENT01 })).json<{ since: string }>().since
  t.match(since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'times are ISO 8601')
})

void t.test('refused changes: 409 with the reason and the state', async (t) => {
  const { app, store } = await setUp(t)
  const twice = await app.inject({ method: 'POST', url: '/api/agents/agent02/ready', headers: SUPERVISOR })
  t.equal(twice.statusCode, 409)
  t.match(twice.json(), { code: 'HC_AGENT_STATE', state: 'logged-out', message: /log in first/ })
  await store.setAgentState('agent01', { to: 'on-call', callId: 'call-1', at: Date.now() })
  for (const what of ['logout', 'not-ready', 'ready', 'login']) {
    const res = await app.inject({ method: 'POST', url: `/api/agents/agent01/${what}`, headers: AGENT01 })
    t.equal(res.statusCode, 409, `${what} while on a call`)
    t.match(res.json(), { state: 'on-call', message: /on a call/ })
  }
  t.equal((await store.getAgent('agent01'))?.state, 'on-call', 'nothing changed')
})

void t.test('bad input: 400 saying what is wrong; unknown agents 404', async (t) => {
  const { app } = await setUp(t)
  const reason = await app.inject({ method: 'POST', url: '/api/agents/agent01/not-ready', headers: AGENT01, payload: { reason: 'NOT OK' } })
  t.equal(reason.statusCode, 400)
  t.match(reason.json(), { message: /body\/reason: .*match/ })
  const extra = await app.inject({ method: 'POST', url: '/api/agents/agent01/ready', headers: AGENT01, payload: { force: true } })
  t.equal(extra.statusCode, 400, 'an unknown field is refused, not ignored')
  t.match(extra.json(), { message: /Unexpected property/ })
  const type = await app.inject({ method: 'POST', url: '/api/agents/agent01/login', headers: AGENT01, payload: { ready: 'yes' } })
  t.equal(type.statusCode, 400)
  t.match(type.json(), { message: /body\/ready: Expected boolean/ })
  const id = await app.inject({ url: '/api/agents/Agent%2001', headers: SUPERVISOR })
  t.equal(id.statusCode, 400)
  t.match(id.json(), { message: /params\/id/ })
  const unknown = await app.inject({ url: '/api/agents/agent99', headers: SUPERVISOR })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'HC_NOT_FOUND', message: 'no agent agent99' })
  t.equal((await app.inject({ method: 'POST', url: '/api/agents/agent99/login', headers: ADMIN })).statusCode, 404)
})

void t.test('supervisors see every agent with state, since and current call', async (t) => {
  const { app, agents, store } = await setUp(t)
  await agents.login('agent02', { ready: true })
  await store.setAgentState('agent01', { to: 'on-call', callId: 'call-7', at: Date.now() })
  const res = await app.inject({ url: '/api/agents', headers: SUPERVISOR })
  t.equal(res.statusCode, 200)
  t.match(res.json(), {
    agents: [
      { id: 'agent01', name: '企业专席坐席01', state: 'on-call', callId: 'call-7', groups: ['enterprise-seat'] },
      { id: 'agent02', state: 'ready', since: String, idleSince: String }
    ]
  })
})

void t.test('the current call: the caller\'s choices and a masked number; 404 when none', async (t) => {
  const { app, store } = await setUp(t)
  const none = await app.inject({ url: '/api/agents/agent01/call', headers: AGENT01 })
  t.equal(none.statusCode, 404)
  t.match(none.json(), { message: /not on a call/ })

  await store.putCall({
    callId: 'call-1',
    legId: 'leg-1',
    controllerId: 'c1',
    caller: '13812345678',
    startedAt: Date.parse('2025-03-03T02:00:00Z'),
    choices: { priority: 'handling', category: '税务', matter: 'tax-invoice', callbackNumber: '13987654321' },
    path: ['welcome', 'priority'],
    queue: { group: 'enterprise-seat', enqueuedAt: Date.parse('2025-03-03T02:01:00Z'), servedAt: Date.parse('2025-03-03T02:01:30Z'), agentId: 'agent01' }
  })
  await store.setAgentState('agent01', { to: 'on-call', callId: 'call-1', at: Date.now() })
  const res = await app.inject({ url: '/api/agents/agent01/call', headers: AGENT01 })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    callId: 'call-1',
    agentId: 'agent01',
    agentState: 'on-call',
    group: 'enterprise-seat',
    caller: '138****5678',
    choices: { priority: 'handling', category: '税务', matter: 'tax-invoice', callbackNumber: '139****4321' },
    startedAt: '2025-03-03T02:00:00.000Z',
    enqueuedAt: '2025-03-03T02:01:00.000Z',
    answeredAt: '2025-03-03T02:01:30.000Z'
  })
  t.notOk(res.body.includes('13812345678') || res.body.includes('13987654321'), 'no full number anywhere in the answer')
  t.equal((await app.inject({ url: '/api/agents/agent01/call', headers: SUPERVISOR })).statusCode, 200, 'supervisors see it too')
})

void t.test('the current call before the record has the choices: from this controller\'s ACD', async (t) => {
  const local = new Map<string, AgentCall>()
  const { app, store } = await setUp(t, local)
  local.set('agent02', {
    agentId: 'agent02', callId: 'call-2', group: 'enterprise-seat',
    choices: { priority: 'help', matter: 'hrss-registration' }, enqueuedAt: Date.parse('2025-03-03T02:00:00Z'), offeredAt: Date.now()
  })
  await store.setAgentState('agent02', { to: 'ringing', callId: 'call-2', at: Date.now() })
  const res = await app.inject({ url: '/api/agents/agent02/call', headers: ADMIN })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { callId: 'call-2', agentState: 'ringing', group: 'enterprise-seat', choices: { priority: 'help', matter: 'hrss-registration' } })
  t.notOk('caller' in res.json<object>(), 'no record, no number')
  // A stale local entry for another call is not shown as the agent's.
  await store.setAgentState('agent02', { to: 'on-call', callId: 'call-3', at: Date.now() })
  t.same((await app.inject({ url: '/api/agents/agent02/call', headers: ADMIN })).json<{ choices: object }>().choices, {})
})

void t.test('the routes need the auth plugin first', async (t) => {
  const store = new MemoryStore()
  const agents = new Agents({ store, clock: systemClock, groups: [] })
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  await t.rejects(registerAgentRoutes(app, { agents, store }), /hotline-auth/)
})
