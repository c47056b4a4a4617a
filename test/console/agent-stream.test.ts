// GET /api/agents/:id/stream over real HTTP: the console's first picture, a push after each
// change of the agent, the call with the caller's choices in words, the hunt as it goes;
// agent tokens see their own agent only.
import t from 'tap'
import { listen } from '../helpers/browser.js'
import { SCRAPE } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'
import { AGENT, CALLER, OTHER_AGENT, SUPERVISOR, TAX_INVOICE, answeredLeg, api, callWithAgent, followAgent, startConsoleController } from './call.js'

void t.test('the stream opens with the agent and pushes after each state change', async (t) => {
  const c = await startConsoleController(t)
  const base = await listen(c.controller.app)
  const feed = await followAgent(t, base, 'agent01', AGENT)
  t.equal(feed.status, 200)
  const first = await eventually(() => feed.events[0], 'first event')
  t.match(first, { agent: { id: 'agent01', state: 'logged-out', extension: '8001' } })
  t.notOk('call' in first, 'no call yet')

  t.equal((await api(c, 'POST', '/api/agents/agent01/login', AGENT, {})).statusCode, 200)
  await eventually(() => feed.events.find((e) => e.agent.state === 'not-ready' && e.agent.reason === 'login'), 'pushed: logged in, not ready')
  t.equal((await api(c, 'POST', '/api/agents/agent01/ready', AGENT, {})).statusCode, 200)
  await eventually(() => feed.events.find((e) => e.agent.state === 'ready'), 'pushed: ready')
  t.equal((await api(c, 'POST', '/api/agents/agent01/not-ready', AGENT, { reason: 'break' })).statusCode, 200)
  await eventually(() => feed.events.find((e) => e.agent.state === 'not-ready' && e.agent.reason === 'break'), 'pushed: not ready, break')
  const metrics = await c.controller.app.inject({ url: '/metrics', headers: SCRAPE })
  t.match(metrics.body, /hotline_console_streams 1/, 'one console open')
})

void t.test('who may follow whom', async (t) => {
  const c = await startConsoleController(t)
  const base = await listen(c.controller.app)
  t.equal((await followAgent(t, base, 'agent02', AGENT)).status, 403, 'an agent token follows its own agent only')
  t.equal((await followAgent(t, base, 'agent01', 'not-a-token-at-all-000')).status, 401)
  t.equal((await followAgent(t, base, 'agent99', SUPERVISOR)).status, 404, 'unknown agent')
  t.equal((await followAgent(t, base, 'Agent 1', SUPERVISOR)).status, 400, 'not an agent id')
  const watched = await followAgent(t, base, 'agent02', SUPERVISOR)
  t.equal(watched.status, 200, 'a supervisor follows anyone')
  await eventually(() => watched.events[0], 'first event')
  t.equal((await followAgent(t, base, 'agent02', OTHER_AGENT)).status, 200)
})

void t.test('the call with the caller\'s choices in words, and the hunt attempt by attempt', async (t) => {
  const c = await startConsoleController(t)
  const base = await listen(c.controller.app)
  c.sim.model.defineEndpoint(TAX_INVOICE[0], { kind: 'busy' })
  c.sim.model.defineEndpoint(TAX_INVOICE[1], { kind: 'answer', afterMs: 200 })
  const feed = await followAgent(t, base, 'agent01', AGENT)
  const { caller, callId } = await callWithAgent(c)
  const onCall = await eventually(() => feed.events.find((e) => e.call?.state === 'with-agent'), 'pushed: the call')
  t.match(onCall, {
    agent: { state: 'on-call', callId },
    call: { callId, caller: '138****5678', priority: '办事', category: '税务', matterId: 'tax-invoice', matterName: '发票领用', agentPresent: true, transfers: [] }
  })

  t.equal((await api(c, 'POST', `/api/calls/${callId}/transfer`, AGENT, { matterId: 'tax-invoice' })).statusCode, 202)
  const three = await eventually(() => feed.events.find((e) => e.call?.state === 'three-way'), 'pushed: three-way', 15_000)
  const transfer = three.call?.transfers[0]
  t.match(transfer, { matterName: '发票领用', departmentName: '税务局', state: 'connected', answeredNumber: TAX_INVOICE[1] })
  t.same(transfer?.attempts.map((a) => [a.number, a.outcome]), [[TAX_INVOICE[0], 'busy'], [TAX_INVOICE[1], 'answered']])

  t.equal((await api(c, 'POST', `/api/calls/${callId}/leave`, AGENT, {})).statusCode, 200)
  await eventually(() => feed.events.find((e) => e.agent.state === 'wrap-up' && e.call?.agentPresent === false), 'pushed: wrap-up, the agent out')
  t.equal((await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, { matterId: 'tax-invoice' })).statusCode, 201)
  const ticketed = await eventually(() => feed.events.find((e) => e.call?.ticket !== undefined), 'pushed: the ticket')
  t.match(ticketed.call?.ticket, { departmentName: '税务局', matterName: '发票领用' })
  t.notOk(feed.events.some((e) => JSON.stringify(e).includes(CALLER)), 'never the full caller number')
  t.ok(answeredLeg(c, TAX_INVOICE[1]), 'the specialist still talks with the caller')
  caller.hangup()
  await caller.ended
})
