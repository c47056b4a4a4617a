// Whole calls with a three-way transfer (三方通话直转) and busy fallback (遇忙转接), on both
// switches over the simulated switch: the first number busy and the second answering, the
// three of them in one room, the agent leaving, caller and specialist talking on, the survey
// after the specialist; every number busy (the caller told, a ticket to the owning department,
// the agent told and still on the line); numbers that ring out; a caller who hangs up while a
// number rings. The API is driven as an agent's screen would.
import t, { type Test } from 'tap'
import type { ModelEvent, SimCallHandle, SimChannel } from '../../src/adapters/sim/model-types.js'
import type { TicketSink } from '../../src/ports/tickets.js'
import type { Ticket, TicketRequest } from '../../src/domain/ticket-record.js'
import type { TransferStore } from '../../src/ports/transfers.js'
import type { TransferRecord } from '../../src/domain/transfer-record.js'
import { PROTOCOLS, type Protocol, type TestController, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const WORKING = '2025-03-12T10:00:00+08:00' // a Wednesday
const AGENT_TOKEN = 'agent01-token-0123456789'
const OTHER_AGENT_TOKEN = 'agent02-token-0123456789'
const SUPERVISOR_TOKEN = 'supervisor-token-0123456789'
const API_TOKENS = `${AGENT_TOKEN}:agent:agent01,${OTHER_AGENT_TOKEN}:agent:agent02,${SUPERVISOR_TOKEN}:supervisor`
const CALLER = '13812345678'
// tax-invoice (发票领用, 税务局) in config/directory.yaml: these three, in this order.
const [FIRST, SECOND, THIRD] = ['02155010002', '02155010003', '02155010001'] as const

class FakeTickets implements TicketSink {
  readonly raised: TicketRequest[] = []
  async raise (request: TicketRequest): Promise<Ticket> {
    await Promise.resolve()
    this.raised.push(request)
    return { ...request, id: `T-${this.raised.length}`, createdAt: request.at, dueAt: request.at + 86_400_000, status: 'open', history: [] }
  }
}

class Transfers implements TransferStore {
  readonly #records = new Map<string, TransferRecord>()
  async putTransfer (record: TransferRecord): Promise<void> {
    this.#records.set(record.id, structuredClone(await Promise.resolve(record)))
  }

  async getTransfer (id: string): Promise<TransferRecord | undefined> {
    return await Promise.resolve(this.#records.get(id))
  }

  async listTransfers (q: { since: number, until: number }): Promise<TransferRecord[]> {
    return await Promise.resolve([...this.#records.values()].filter((r) => r.requestedAt >= q.since && r.requestedAt < q.until))
  }

  all (): TransferRecord[] {
    return [...this.#records.values()]
  }
}

interface Call {
  c: TestController
  tickets: FakeTickets
  transfers: Transfers
  caller: SimCallHandle
  callId: string
  agentLeg: SimChannel
}

/** Waits until the caller has heard `prompt` `times` times, then keys `digits` (if any). */
async function at (caller: SimCallHandle, prompt: string, digits?: string, times = 1): Promise<void> {
  await eventually(() => sounds(caller.heard).filter((p) => p === prompt).length >= times ? true : undefined, `${prompt} ×${times}`, 15_000)
  if (digits !== undefined) caller.sendDtmf(digits)
}

const outbound = (c: TestController, number: string): SimChannel | undefined =>
  c.sim.model.channels().find((ch) => ch.direction === 'outbound' && ch.destination === number && ch.answerState === 'answered')

const sameRoom = (...legs: Array<SimChannel | undefined>): boolean => {
  const rooms = legs.map((l) => l?.conference?.room)
  return rooms[0] !== undefined && rooms.every((r) => r === rooms[0])
}

/** A caller who chose 办事 → 税务 → 发票领用 and is talking with agent01. */
async function callWithAgent (
  t: Test, protocol: Protocol, phones: Record<string, 'busy' | 'no-answer' | 'answer'>, timeScale?: number
): Promise<Call> {
  const tickets = new FakeTickets()
  const transfers = new Transfers()
  // A slower simulator where a test must act while a number rings.
  const config = timeScale === undefined
    ? undefined
    : { switch: { kind: 'sim', sim: { protocol, timeScale, traffic: { callsPerHour: 0 } }, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } } }
  const c = await startTestController(t, protocol, { ivr: { at: WORKING }, env: { API_TOKENS }, tickets, transfers, ...(config === undefined ? {} : { config }) })
  c.sim.model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
  for (const [number, kind] of Object.entries(phones)) {
    c.sim.model.defineEndpoint(number, kind === 'answer' ? { kind, afterMs: 200 } : { kind })
  }
  await c.controller.ivr!.agents.login('agent01', { ready: true })
  const caller = c.sim.model.placeCall({ from: CALLER, to: '12345' })
  await at(caller, 'priority-menu', '1') // 办事
  await at(caller, 'category-menu', '1') // 税务
  await at(caller, 'matter-menu-tax', '1') // 发票领用
  const agentLeg = await eventually(() => outbound(c, '8001'), 'agent answered', 15_000)
  await eventually(() => sameRoom(caller.channel, agentLeg) ? true : undefined, 'caller and agent in one room')
  const seen = await api(c, 'GET', '/api/agents/agent01/call', AGENT_TOKEN)
  const callId = seen.json<{ callId: string }>().callId
  // The controller takes the conversation as begun once its own joins are confirmed.
  await eventually(() => c.controller.calls.agentOf(callId) === 'agent01' ? true : undefined, 'conversation begun')
  return { c, tickets, transfers, caller, callId, agentLeg }
}

async function api (c: TestController, method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) {
  return await c.controller.app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> })
  })
}

interface CallViewBody {
  state: string
  caller: string
  choices: Record<string, string>
  agent?: { id: string, present: boolean }
  transfers: Array<{ state: string, ticketId?: string, notice: string, departmentName?: string, attempts: Array<{ number: string, outcome: string, ringMs: number }> }>
}

async function view (call: Call, token = AGENT_TOKEN): Promise<CallViewBody> {
  const res = await api(call.c, 'GET', `/api/calls/${call.callId}`, token)
  if (res.statusCode !== 200) throw new Error(`GET /api/calls: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** Polls the call as the agent's screen does, until it shows `state`. */
async function viewWhen (call: Call, state: string): Promise<CallViewBody> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const seen = await view(call)
    if (seen.state === state) return seen
    if (Date.now() > deadline) throw new Error(`timed out waiting for the call to be ${state} (it is ${seen.state})`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

async function transferTo (call: Call, matterId = 'tax-invoice'): Promise<string> {
  const res = await api(call.c, 'POST', `/api/calls/${call.callId}/transfer`, AGENT_TOKEN, { matterId })
  if (res.statusCode !== 202) throw new Error(`POST transfer: ${res.statusCode} ${res.body}`)
  return res.json<{ transferId: string }>().transferId
}

async function settledRecord (call: Call, id: string, state: TransferRecord['state']): Promise<TransferRecord> {
  return await eventually(() => {
    const r = call.transfers.all().find((x) => x.id === id)
    return r?.state === state ? r : undefined
  }, `transfer ${state}`, 15_000)
}

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: first number busy, second answers, agent leaves, specialist hangs up, survey`, async (t) => {
    const call = await callWithAgent(t, protocol, { [FIRST]: 'busy', [SECOND]: 'answer', [THIRD]: 'answer' })
    const { c, caller } = call

    const bad = await api(c, 'POST', `/api/calls/${call.callId}/transfer`, AGENT_TOKEN, { matterId: 'tax-invoice', number: '13900000000' })
    t.equal(bad.statusCode, 400, 'nothing but a matter id is taken')
    t.equal((await api(c, 'POST', `/api/calls/${call.callId}/transfer`, AGENT_TOKEN, { matterId: 'no-such-matter' })).statusCode, 400)
    t.equal((await api(c, 'POST', `/api/calls/${call.callId}/transfer`, OTHER_AGENT_TOKEN, { matterId: 'tax-invoice' })).statusCode, 403, 'another agent')
    t.equal((await api(c, 'POST', `/api/calls/${call.callId}/transfer`, undefined, { matterId: 'tax-invoice' })).statusCode, 401)

    const id = await transferTo(call)
    const specialist = await eventually(() => outbound(c, SECOND), 'second number answered', 15_000)
    // What the switch saw, in order: the caller must not leave the room before the specialist.
    const order: string[] = []
    c.sim.model.on('event', (e: ModelEvent) => {
      if (e.type === 'channel-hangup' && e.channel.id === call.agentLeg.id) order.push('agent hung up')
      if (e.type === 'channel-hangup' && e.channel.id === specialist.id) order.push('specialist hung up')
      if (e.type === 'conference-member-removed' && e.channel.id === caller.channel.id) order.push('caller left the room')
      if (e.type === 'playback-started' && e.channel.id === caller.channel.id && e.media.includes('survey')) order.push('survey')
    })
    const three = await viewWhen(call, 'three-way')
    t.ok(sameRoom(caller.channel, call.agentLeg, specialist), 'caller, agent and specialist in one room')
    t.notOk(outbound(c, THIRD), 'the hunt stopped at the answer')
    t.match(three, { state: 'three-way', caller: '138****5678', agent: { id: 'agent01', present: true }, choices: { matter: 'tax-invoice' } })
    t.same(three.transfers[0]?.attempts.map((a) => [a.number, a.outcome]), [[FIRST, 'busy'], [SECOND, 'answered']])
    t.notOk(JSON.stringify(three).includes(CALLER), 'never the full caller number')
    t.equal((await api(c, 'POST', `/api/calls/${call.callId}/transfer`, AGENT_TOKEN, { matterId: 'tax-invoice' })).statusCode, 409, 'one transfer at a time')

    const left = await api(c, 'POST', `/api/calls/${call.callId}/leave`, AGENT_TOKEN, {})
    t.equal(left.statusCode, 200)
    await eventually(() => call.agentLeg.answerState === 'hangup' ? true : undefined, 'agent leg hung up')
    await eventually(async () => (await c.controller.store.getAgent('agent01'))?.state === 'wrap-up' ? true : undefined, 'agent wraps up')
    // Caller and specialist talk for a while (15 s of the simulator's time) without the agent.
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.ok(sameRoom(caller.channel, specialist), 'caller and specialist talk on')
    t.equal(specialist.answerState, 'answered')
    t.match(await view(call, SUPERVISOR_TOKEN), { state: 'with-specialist', agent: { present: false } })
    t.notOk(sounds(caller.heard).includes('survey'), 'no survey while the specialist is there')

    c.sim.model.hangup(specialist.id, 'NORMAL_CLEARING', 'remote')
    await at(caller, 'survey', '1')
    await caller.ended
    t.same(order.slice(0, 4), ['agent hung up', 'specialist hung up', 'caller left the room', 'survey'])
    const summary = await eventually(() => c.controller.calls.recent().find((s) => s.legId === caller.channel.id), 'call end')
    const rec = await c.controller.store.getCall(summary.callId)
    t.match(rec, { finalState: 'completed', reason: 'served', choices: { matter: 'tax-invoice', satisfaction: 'satisfied' } })
    const record = await settledRecord(call, id, 'connected')
    t.match(record, { callId: call.callId, matterId: 'tax-invoice', departmentId: 'tax', agentId: 'agent01', answeredNumber: SECOND, workingTime: true })
    t.ok(record.connectedAt !== undefined && record.agentLeftAt !== undefined && record.endedAt !== undefined)
    t.ok(record.connectedAt! <= record.agentLeftAt! && record.agentLeftAt! <= record.endedAt!, 'answered, then the agent left, then the call ended')
    t.same(call.tickets.raised, [])
    const after = await view(call, SUPERVISOR_TOKEN)
    t.match(after, { state: 'ended', transfers: [{ state: 'connected' }] }, 'supervisors still see it from the records')
  })

  void t.test(`${protocol}: every number busy: caller told, ticket to the department, agent told and still there`, async (t) => {
    const call = await callWithAgent(t, protocol, { [FIRST]: 'busy', [SECOND]: 'busy', [THIRD]: 'busy' })
    const { c, caller } = call
    const id = await transferTo(call)
    await at(caller, 'transfer-failed')
    const record = await settledRecord(call, id, 'all-failed')
    t.same(record.attempts.map((a) => a.outcome), ['busy', 'busy', 'busy'])
    t.same(record.attempts.map((a) => a.number), [FIRST, SECOND, THIRD])
    t.match(call.tickets.raised, [{ kind: 'transfer-failed', departmentId: 'tax', matterId: 'tax-invoice', callbackNumber: CALLER, callId: call.callId }])
    t.match(call.tickets.raised[0]?.choices, { priority: 'handling', category: '税务', matter: 'tax-invoice' })
    t.equal(record.ticketId, 'T-1')

    const seen = await viewWhen(call, 'with-agent')
    t.ok(sameRoom(caller.channel, call.agentLeg), 'the caller is back with the agent')
    t.match(seen, { agent: { present: true }, transfers: [{ state: 'all-failed', ticketId: 'T-1', departmentName: '税务局' }] })
    t.match(seen.transfers[0]?.notice, /均未接通.*T-1/)

    c.sim.model.hangup(call.agentLeg.id, 'NORMAL_CLEARING', 'remote')
    await at(caller, 'survey')
    caller.hangup()
  })

  void t.test(`${protocol}: numbers that ring out move on to the next`, async (t) => {
    const call = await callWithAgent(t, protocol, { [FIRST]: 'no-answer', [SECOND]: 'no-answer', [THIRD]: 'answer' })
    const id = await transferTo(call)
    const specialist = await eventually(() => outbound(call.c, THIRD), 'third number answered', 15_000)
    await viewWhen(call, 'three-way')
    t.ok(sameRoom(call.caller.channel, call.agentLeg, specialist), 'three in one room')
    const record = await settledRecord(call, id, 'connected')
    t.same(record.attempts.map((a) => [a.number, a.outcome]), [[FIRST, 'no-answer'], [SECOND, 'no-answer'], [THIRD, 'answered']])
    call.caller.hangup()
    await eventually(() => specialist.answerState === 'hangup' ? true : undefined, 'the specialist is not left on alone')
    await eventually(() => call.transfers.all().find((r) => r.id === id)?.endedAt !== undefined ? true : undefined, 'end recorded')
  })

  void t.test(`${protocol}: the caller hangs up while a number rings: attempt cancelled, no ticket`, async (t) => {
    // The second number rings for 20 s × 0.1 of the simulator's time: hang up while it does.
    const call = await callWithAgent(t, protocol, { [FIRST]: 'busy', [SECOND]: 'no-answer', [THIRD]: 'answer' }, 0.1)
    const { c } = call
    const id = await transferTo(call)
    const ringing = await eventually(() => c.sim.model.channels().find((ch) => ch.destination === SECOND && ch.answerState !== 'hangup'), 'second number ringing')
    const hunting = await view(call)
    t.match(hunting, { state: 'hunting', transfers: [{ state: 'hunting', ringing: { number: SECOND, index: 1 } }] })
    t.same(hunting.transfers[0]?.attempts.map((a) => [a.number, a.outcome]), [[FIRST, 'busy']], 'progress so far')
    call.caller.hangup()
    const record = await settledRecord(call, id, 'cancelled')
    t.same(record.attempts.map((a) => [a.number, a.outcome]), [[FIRST, 'busy'], [SECOND, 'cancelled']])
    t.ok(record.endedAt !== undefined)
    await eventually(() => ringing.answerState === 'hangup' ? true : undefined, 'the ringing dial is cancelled')
    t.notOk(c.sim.model.channels().some((ch) => ch.destination === THIRD), 'the next number is never dialled')
    t.same(call.tickets.raised, [], 'no ticket')
    await eventually(async () => (await c.controller.store.getAgent('agent01'))?.state === 'wrap-up' ? true : undefined, 'agent wraps up')
  })
}
