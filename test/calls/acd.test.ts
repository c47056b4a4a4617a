// The queue to enterprise-seat agents over the simulated switch, through the real FreeSWITCH
// (ESL) and Asterisk (ARI) adapters: callers wait, hear their position, reach the
// longest-idle ready agent, go back to the head when an agent does not answer, overflow, and
// hang up at every stage — and no agent leg is ever left behind.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { AsteriskSwitch } from '../../src/adapters/asterisk/asterisk-switch.js'
import { FreeswitchSwitch } from '../../src/adapters/freeswitch/freeswitch-switch.js'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import type { ModelEvent } from '../../src/adapters/sim/model-types.js'
import type { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import { QueueAcd } from '../../src/calls/acd.js'
import { Agents } from '../../src/calls/agents.js'
import { positionPrompt } from '../../src/calls/queue-announcer.js'
import { HotlineError } from '../../src/errors.js'
import type { QueueVisit } from '../../src/ports/store.js'
import type { QueueOutcome, QueueRequest } from '../../src/ports/acd.js'
import { systemClock } from '../../src/ports/clock.js'
import type { InboundCall, SwitchPort } from '../../src/ports/switch.js'
import { startAriSim } from '../helpers/ari-sim.js'
import { eventually, startSim } from '../helpers/sim.js'
import { promptMedia } from '../helpers/install.js'
import { promptHealth } from '../helpers/prompt-health.js'

const PROTOCOLS = ['esl', 'ari'] as const
type Protocol = typeof PROTOCOLS[number]
const GROUP = 'enterprise-seat'
const silent = pino({ level: 'silent' })

async function switchFor (t: Test, protocol: Protocol): Promise<{ model: SimSwitch, sw: SwitchPort }> {
  const common = {
    requestTimeoutMs: 3000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    lineNumbers: ['12345'],
    clock: systemClock,
    logger: silent
  }
  let sw: SwitchPort
  let model: SimSwitch
  if (protocol === 'esl') {
    const sim = await startSim(t)
    model = sim.model
    sw = new FreeswitchSwitch({
      ...common,
      host: sim.host,
      port: sim.port,
      password: sim.password,
      dialTemplate: 'sofia/gateway/department/{number}',
      agentDialTemplate: 'user/{number}',
      conferenceProfile: 'hotline',
      promptPath: promptMedia.esl
    })
  } else {
    const sim = await startAriSim(t)
    model = sim.model
    sw = new AsteriskSwitch({
      ...common,
      url: sim.url,
      user: sim.user,
      password: sim.password,
      app: sim.app,
      maxRequestsInFlight: 20,
      endpointTemplate: 'PJSIP/{number}@department',
      agentEndpointTemplate: 'PJSIP/{number}',
      promptUri: (p) => `sound:hotline12345/${p}`, promptLanguage: 'zh'
    })
  }
  t.teardown(() => { sw.destroy() })
  await sw.start()
  return { model, sw }
}

/** Like `eventually`, for polls that ask the store (asynchronous). */
async function until<T> (poll: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    const value = await poll()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const heardIds = (heard: readonly string[]): string[] => heard.map((h) => h.replace(/^.*[/:]/, '').replace(/\.wav$/, ''))

interface Options { pollMs?: number, wrapUpSec?: number, ringTimeoutSec?: number }

async function setUp (t: Test, protocol: Protocol, options: Options = {}) {
  const { model, sw } = await switchFor(t, protocol)
  const store = new MemoryStore()
  const agents = new Agents({
    store,
    clock: systemClock,
    groups: [{ id: GROUP, ringTimeoutSec: options.ringTimeoutSec ?? 10, wrapUpSec: options.wrapUpSec ?? 3600, noAnswerState: 'not-ready' }]
  })
  await agents.sync(['01', '02', '03', '04'].map((n) => ({ id: `agent${n}`, name: `坐席${n}`, extension: `80${n}`, groups: [GROUP] })))
  // A long poll: a caller served quickly was woken by the agent-ready notification.
  const acd = new QueueAcd({ switch: sw, store, agents, clock: systemClock, callerIdNumber: '12345', pollMs: options.pollMs ?? 60_000, prompts: promptHealth(sw) })
  t.teardown(async () => {
    acd.close()
    agents.close()
    await store.close()
  })
  // Every leg the switch dials, in order, by number.
  const dialled: string[] = []
  model.on('event', (e: ModelEvent) => {
    if (e.type === 'channel-created' && e.channel.direction === 'outbound') dialled.push(e.channel.destination)
  })
  const agentLeg = (number: string) => model.channels().find((c) => c.direction === 'outbound' && c.destination === number && c.answerState !== 'hangup')

  const inbound: InboundCall[] = []
  sw.onInboundCall((call) => inbound.push(call))

  /** A caller who dialled 12345, was answered, and now queues; hangs up → the signal aborts. */
  async function queueCaller (from: string, overrides: Partial<QueueRequest> = {}) {
    const caller = model.placeCall({ from, to: '12345' })
    const call = await eventually(() => inbound.find((c) => c.legId === caller.channel.id), 'call offered')
    await sw.answer(call.legId)
    const abort = new AbortController()
    const stop = sw.onLegEvent(call.legId, (e) => {
      if (e.type === 'hangup') abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
    })
    t.teardown(stop)
    const callId = `call-${from}`
    // What the ACD reports of the visit, merged as the call's owner would record it.
    const visit: Partial<QueueVisit> = {}
    const outcome: Promise<QueueOutcome> = acd.queue({
      callId,
      legId: call.legId,
      group: GROUP,
      choices: { priority: 'handling', category: '税务', matter: 'tax-invoice' },
      maxWaitMs: 30_000,
      announceEveryMs: 100,
      signal: abort.signal,
      log: silent,
      onVisit: (change) => { Object.assign(visit, change) },
      ...overrides
    })
    // Observed by each test; marked handled so an early rejection is not reported meanwhile.
    outcome.catch(() => undefined)
    return { caller, callId, legId: call.legId, outcome, visit }
  }
  const state = async (id: string) => (await store.getAgent(id))?.state
  const waitState = (id: string, wanted: string) => until(async () => await state(id) === wanted ? true : undefined, `${id} ${wanted}`)
  /** No agent leg is left on the switch. */
  const noAgentLegs = () => eventually(() => model.channels().every((c) => c.direction !== 'outbound' || c.answerState === 'hangup') ? true : undefined, 'no agent leg left')
  return { model, sw, store, agents, acd, dialled, agentLeg, queueCaller, state, waitState, noAgentLegs }
}

void t.test('position prompts: 1–9 have their own, then "many"', async (t) => {
  t.equal(positionPrompt(1), 'queue-position-1')
  t.equal(positionPrompt(9), 'queue-position-9')
  t.equal(positionPrompt(10), 'queue-position-many')
  t.equal(positionPrompt(0), 'queue-position-many')
})

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: no ready agent, then one becomes ready: talk, served, wrap-up, ready again`, async (t) => {
    const s = await setUp(t, protocol, { wrapUpSec: 0.3 })
    s.model.registerPhone('8001', { kind: 'answer', afterMs: 500 })
    const { caller, callId, legId, outcome, visit } = await s.queueCaller('13812345678')
    await eventually(() => heardIds(caller.heard).includes('queue-position-1') ? true : undefined, 'position announced')
    t.equal(await s.store.queuePosition(GROUP, callId, Date.now()), 1, 'waiting in the store\'s queue')
    t.match(await s.agents.login('agent01', { ready: true }), { ok: true })

    const leg = await eventually(() => { const l = s.agentLeg('8001'); return l?.answerState === 'answered' ? l : undefined }, 'agent answered')
    t.equal(leg.callerIdNumber, '12345', 'the agent\'s phone shows the hotline, not the caller')
    await eventually(() => leg.conference !== undefined && caller.channel.conference !== undefined ? true : undefined, 'both in the room')
    t.equal(leg.conference?.room, `call-${callId}`, 'one room named after the call')
    t.equal(caller.channel.conference?.room, `call-${callId}`)
    t.equal(await s.state('agent01'), 'on-call')
    t.match(s.acd.currentCall('agent01'), { callId, legId, group: GROUP, choices: { matter: 'tax-invoice' } })
    await eventually(() => visit.servedAt === undefined ? undefined : true, 'served reported')
    t.match(visit, { group: GROUP, agentId: 'agent01' }, 'the visit tells who served the caller')

    s.model.hangup(leg.id, 'NORMAL_CLEARING', 'remote')
    const served = await outcome
    t.match(served, { kind: 'served', agentId: 'agent01' })
    if (served.kind === 'served') t.ok(served.waitedMs >= 0 && served.talkedMs >= 0)
    t.equal(caller.channel.answerState, 'answered', 'the caller stays up for the rest of the flow')
    await eventually(() => caller.channel.conference === undefined ? true : undefined, 'caller out of the room')
    t.equal(await s.state('agent01'), 'wrap-up', 'the agent wraps up')
    await s.waitState('agent01', 'ready')
    t.equal(s.acd.currentCall('agent01'), undefined, 'the call is no longer the agent\'s once wrap-up is over')
    t.same(s.dialled, ['8001'])
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: the longest-idle ready agent is chosen`, async (t) => {
    const s = await setUp(t, protocol)
    for (const n of ['01', '02', '03']) s.model.registerPhone(`80${n}`, { kind: 'answer', afterMs: 200 })
    for (const id of ['agent02', 'agent03', 'agent01']) {
      await s.agents.login(id, { ready: true })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const { outcome } = await s.queueCaller('13900000001')
    const leg = await eventually(() => s.agentLeg('8002')?.conference === undefined ? undefined : s.agentLeg('8002'), 'agent02 in the room')
    s.model.hangup(leg.id, 'NORMAL_CLEARING', 'remote')
    t.match(await outcome, { kind: 'served', agentId: 'agent02' })
    t.same(s.dialled, ['8002'], 'only the longest idle was rung')
    t.equal(await s.state('agent01'), 'ready')
    t.equal(await s.state('agent03'), 'ready')
  })

  void t.test(`${protocol}: busy, rejecting and unanswered agents go not ready and the next is tried`, async (t) => {
    const s = await setUp(t, protocol, { ringTimeoutSec: 5 })
    s.model.registerPhone('8001', { kind: 'busy' })
    s.model.registerPhone('8002', { kind: 'no-answer' })
    s.model.registerPhone('8003', { kind: 'reject' })
    // Delays are simulated time (× 0.02): a 20 s conversation.
    s.model.registerPhone('8004', { kind: 'answer', afterMs: 100, hangupAfterMs: 20_000 })
    for (const id of ['agent01', 'agent02', 'agent03', 'agent04']) {
      await s.agents.login(id, { ready: true })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const { outcome } = await s.queueCaller('13900000002')
    t.match(await outcome, { kind: 'served', agentId: 'agent04' })
    t.same(s.dialled, ['8001', '8002', '8003', '8004'], 'longest idle first, then the next')
    for (const id of ['agent01', 'agent02', 'agent03']) {
      t.match(await s.store.getAgent(id), { state: 'not-ready', reason: 'no-answer' }, `${id} not ready: no answer`)
    }
    t.equal(await s.state('agent04'), 'wrap-up')
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: an agent who hangs up as soon as they answer: the caller goes on to the next agent`, async (t) => {
    const s = await setUp(t, protocol)
    s.model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
    s.model.registerPhone('8002', { kind: 'answer', afterMs: 100 })
    s.model.on('event', (e: ModelEvent) => {
      if (e.type === 'channel-answered' && e.channel.destination === '8001') setImmediate(() => { s.model.hangup(e.channel.id, 'NORMAL_CLEARING', 'remote') })
    })
    await s.agents.login('agent01', { ready: true })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await s.agents.login('agent02', { ready: true })
    const { caller, outcome } = await s.queueCaller('13900000014')
    const leg = await eventually(() => s.agentLeg('8002')?.conference === undefined ? undefined : s.agentLeg('8002'), 'agent02 talking')
    t.equal(caller.channel.conference?.room, leg.conference?.room, 'the caller is with agent02')
    s.model.hangup(leg.id, 'NORMAL_CLEARING', 'remote')
    t.match(await outcome, { kind: 'served', agentId: 'agent02' })
    t.same(s.dialled, ['8001', '8002'])
    t.not(await s.state('agent01'), 'on-call', 'agent01 is not left on the call')
    t.not(await s.state('agent01'), 'ringing')
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: a caller whose agent did not answer goes back to the head of the queue`, async (t) => {
    const s = await setUp(t, protocol, { ringTimeoutSec: 20 })
    s.model.registerPhone('8001', { kind: 'no-answer' })
    s.model.registerPhone('8002', { kind: 'answer', afterMs: 100 })
    await s.agents.login('agent01', { ready: true })
    const first = await s.queueCaller('13900000003')
    await s.waitState('agent01', 'ringing')
    const second = await s.queueCaller('13900000004')
    await eventually(() => heardIds(second.caller.heard).includes('queue-position-1') ? true : undefined, 'second caller first in line meanwhile')
    await s.waitState('agent01', 'not-ready')
    await until(async () => await s.store.queuePosition(GROUP, first.callId, Date.now()) === 1 ? true : undefined, 'first back at the head')
    t.equal(await s.store.queuePosition(GROUP, second.callId, Date.now()), 2, 'the later caller is behind again')
    await eventually(() => heardIds(second.caller.heard).includes('queue-position-2') ? true : undefined, 'second caller hears they are second')

    await s.agents.login('agent02', { ready: true })
    const leg = await eventually(() => s.agentLeg('8002')?.conference === undefined ? undefined : s.agentLeg('8002'), 'agent02 talking')
    t.equal(leg.conference?.room, `call-${first.callId}`, 'the first caller got the next agent')
    s.model.hangup(leg.id, 'NORMAL_CLEARING', 'remote')
    t.match(await first.outcome, { kind: 'served', agentId: 'agent02' })
    second.caller.hangup()
    await t.rejects(second.outcome, { code: 'HC_CALL_GONE' })
  })

  void t.test(`${protocol}: a caller who hangs up in the queue leaves it`, async (t) => {
    const s = await setUp(t, protocol)
    const { caller, callId, outcome, visit } = await s.queueCaller('13900000005')
    await eventually(() => heardIds(caller.heard).includes('queue-hold') ? true : undefined, 'hold prompt')
    caller.hangup()
    await t.rejects(outcome, { code: 'HC_CALL_GONE' })
    t.equal(await s.store.queueLength(GROUP, Date.now()), 0, 'the queue is empty')
    t.equal(await s.store.queuePosition(GROUP, callId, Date.now()), undefined)
    t.ok(visit.abandonedAt !== undefined, 'the visit says the caller abandoned')
    t.same(s.dialled, [])
  })

  void t.test(`${protocol}: a caller who hangs up while the agent rings: dial cancelled, agent ready again`, async (t) => {
    const s = await setUp(t, protocol, { ringTimeoutSec: 60 })
    s.model.registerPhone('8001', { kind: 'no-answer' })
    await s.agents.login('agent01', { ready: true })
    const { caller, outcome } = await s.queueCaller('13900000006')
    await s.waitState('agent01', 'ringing')
    const leg = await eventually(() => s.agentLeg('8001'), 'agent phone ringing')
    caller.hangup()
    await t.rejects(outcome, { code: 'HC_CALL_GONE' })
    await eventually(() => leg.answerState === 'hangup' ? true : undefined, 'agent leg gone')
    t.equal(leg.answeredAt, undefined, 'never answered')
    t.equal(leg.hangupSide, 'switch', 'the ringing dial was cancelled by the controller')
    // FreeSWITCH: uuid_kill … ORIGINATOR_CANCEL; Asterisk: DELETE /channels/{id} (reason normal).
    t.equal(leg.hangupCause, protocol === 'esl' ? 'ORIGINATOR_CANCEL' : 'NORMAL_CLEARING')
    t.equal(await s.state('agent01'), 'ready', 'the agent did nothing wrong: ready again')
    t.equal(s.acd.currentCall('agent01'), undefined)
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: a caller who hangs up while talking: agent leg hung up, agent wraps up`, async (t) => {
    const s = await setUp(t, protocol)
    s.model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
    await s.agents.login('agent01', { ready: true })
    const { caller, outcome } = await s.queueCaller('13900000007')
    const leg = await eventually(() => s.agentLeg('8001')?.conference === undefined ? undefined : s.agentLeg('8001'), 'talking')
    caller.hangup()
    await t.rejects(outcome, { code: 'HC_CALL_GONE' })
    await eventually(() => leg.answerState === 'hangup' ? true : undefined, 'agent leg hung up')
    t.equal(leg.hangupSide, 'switch', 'the controller hung the agent up')
    t.equal(await s.state('agent01'), 'wrap-up')
  })

  void t.test(`${protocol}: an agent who leaves the room ends the conversation; their leg is not left behind`, async (t) => {
    const s = await setUp(t, protocol)
    s.model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
    await s.agents.login('agent01', { ready: true })
    const { caller, outcome } = await s.queueCaller('13900000008')
    const leg = await eventually(() => s.agentLeg('8001')?.conference === undefined ? undefined : s.agentLeg('8001'), 'talking')
    s.model.leaveConference(leg.id)
    t.match(await outcome, { kind: 'served', agentId: 'agent01' })
    await eventually(() => leg.answerState === 'hangup' ? true : undefined, 'agent leg hung up')
    t.equal(caller.channel.answerState, 'answered', 'the caller is still there')
    t.equal(await s.state('agent01'), 'wrap-up')
  })

  void t.test(`${protocol}: positions and hold prompts repeat while waiting; overflow after the maximum wait`, async (t) => {
    const s = await setUp(t, protocol)
    const first = await s.queueCaller('13900000009', { maxWaitMs: 60_000 })
    const second = await s.queueCaller('13900000010', { maxWaitMs: 600 })
    const overflow = await second.outcome
    t.match(overflow, { kind: 'overflow' })
    if (overflow.kind === 'overflow') t.ok(overflow.waitedMs >= 600, 'not before the maximum wait')
    const heard = heardIds(second.caller.heard)
    t.same(heard.slice(0, 2), ['queue-position-2', 'queue-hold'], 'position first, then the hold prompt')
    t.ok(heard.filter((h) => h === 'queue-position-2').length >= 2, 'announced again every announceEveryMs')
    t.equal(second.caller.channel.answerState, 'answered', 'the overflow branch takes the caller on')
    t.equal(await s.store.queuePosition(GROUP, second.callId, Date.now()), undefined, 'out of the queue')
    t.ok(second.visit.overflowAt !== undefined, 'the visit says overflow')
    t.equal(await s.store.queuePosition(GROUP, first.callId, Date.now()), 1)
    first.caller.hangup()
    await t.rejects(first.outcome, { code: 'HC_CALL_GONE' })
  })

  void t.test(`${protocol}: ten callers ahead: "many"`, async (t) => {
    const s = await setUp(t, protocol)
    for (let i = 0; i < 10; i++) await s.store.enqueue(GROUP, `ahead-${i}`, Date.now() - 1000, 60_000)
    const { caller, outcome } = await s.queueCaller('13900000011')
    await eventually(() => heardIds(caller.heard).includes('queue-position-many') ? true : undefined, 'many ahead')
    caller.hangup()
    await t.rejects(outcome, { code: 'HC_CALL_GONE' })
  })
}

void t.test('closing the queue sends waiting callers on; an unknown group is refused', async (t) => {
  const s = await setUp(t, 'esl')
  const { outcome } = await s.queueCaller('13900000012')
  await until(async () => await s.store.queueLength(GROUP, Date.now()) === 1 ? true : undefined, 'queued')
  s.acd.close()
  await t.rejects(outcome, { code: 'HC_SHUTTING_DOWN' })
  t.equal(await s.store.queueLength(GROUP, Date.now()), 0)
  const other = await s.queueCaller('13900000013', { group: 'nope' })
  await t.rejects(other.outcome, { code: 'HC_CONFIG_INVALID' })
})
