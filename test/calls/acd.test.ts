// The queue to enterprise-seat agents over the simulated switch, through the real FreeSWITCH
// (ESL) and Asterisk (ARI) adapters: callers wait, hear their position (through the owner's
// `announce`), reach the longest-idle ready agent, go back to the head when an agent does not
// answer, overflow, and hang up at every stage — and no agent leg is left behind. The agent's
// answered leg goes back to the call's owner; the conversation is tested with the owner
// (test/calls/call-session.test.ts).
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
import { playPrompt } from '../../src/flows/prompt-health.js'
import type { QueueVisit } from '../../src/domain/call-record.js'
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
  const acd = new QueueAcd({ switch: sw, store, agents, clock: systemClock, callerIdNumber: '12345', pollMs: options.pollMs ?? 60_000 })
  const health = promptHealth(sw)
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
      group: GROUP,
      choices: { priority: 'handling', category: '税务', matter: 'tax-invoice' },
      maxWaitMs: 30_000,
      announceEveryMs: 100,
      signal: abort.signal,
      log: silent,
      announce: async (prompt, signal) => await playPrompt(sw, call.legId, prompt, { signal, health, log: silent }),
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
  void t.test(`${protocol}: no ready agent, then one becomes ready: their answered leg goes back to the owner`, async (t) => {
    const s = await setUp(t, protocol)
    s.model.registerPhone('8001', { kind: 'answer', afterMs: 500 })
    const { caller, callId, outcome, visit } = await s.queueCaller('13812345678')
    await eventually(() => heardIds(caller.heard).includes('queue-position-1') ? true : undefined, 'position announced')
    t.equal(await s.store.queuePosition(GROUP, callId, Date.now()), 1, 'waiting in the store\'s queue')
    t.match(await s.agents.login('agent01', { ready: true }), { ok: true })

    const got = await outcome
    t.match(got, { kind: 'agent', agentId: 'agent01', group: GROUP })
    if (got.kind !== 'agent') return
    const leg = s.model.channels().find((c) => c.id === got.legId)
    t.equal(leg?.answerState, 'answered', 'the leg handed back is the agent\'s, answered')
    t.equal(leg?.destination, '8001')
    t.equal(leg?.callerIdNumber, '12345', 'the agent\'s phone shows the hotline, not the caller')
    t.equal(leg?.conference, undefined, 'the queue puts nobody in a room: that is the owner\'s part')
    t.equal(caller.channel.conference, undefined)
    t.equal(caller.channel.answerState, 'answered')
    t.equal(await s.state('agent01'), 'on-call')
    t.match(visit, { group: GROUP, agentId: 'agent01', servedAt: got.answeredAt }, 'the visit tells who served the caller, and when')
    t.ok(got.waitedMs >= 0 && got.answeredAt - got.waitedMs === visit.enqueuedAt, 'waited from the enqueue to the answer')
    t.equal(await s.store.queuePosition(GROUP, callId, Date.now()), undefined, 'out of the queue')
    t.same(s.dialled, ['8001'])
    await s.sw.hangup(got.legId, 'normal')
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
    const got = await outcome
    t.match(got, { kind: 'agent', agentId: 'agent02' })
    t.same(s.dialled, ['8002'], 'only the longest idle was rung')
    t.equal(await s.state('agent01'), 'ready')
    t.equal(await s.state('agent03'), 'ready')
    if (got.kind === 'agent') await s.sw.hangup(got.legId, 'normal')
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: busy, rejecting and unanswered agents go not ready and the next is tried`, async (t) => {
    const s = await setUp(t, protocol, { ringTimeoutSec: 5 })
    s.model.registerPhone('8001', { kind: 'busy' })
    s.model.registerPhone('8002', { kind: 'no-answer' })
    s.model.registerPhone('8003', { kind: 'reject' })
    s.model.registerPhone('8004', { kind: 'answer', afterMs: 100 })
    for (const id of ['agent01', 'agent02', 'agent03', 'agent04']) {
      await s.agents.login(id, { ready: true })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const { outcome } = await s.queueCaller('13900000002')
    const got = await outcome
    t.match(got, { kind: 'agent', agentId: 'agent04' })
    t.same(s.dialled, ['8001', '8002', '8003', '8004'], 'longest idle first, then the next')
    for (const id of ['agent01', 'agent02', 'agent03']) {
      t.match(await s.store.getAgent(id), { state: 'not-ready', reason: 'no-answer' }, `${id} not ready: no answer`)
    }
    t.equal(await s.state('agent04'), 'on-call')
    if (got.kind === 'agent') await s.sw.hangup(got.legId, 'normal')
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: an agent whose phone is not registered goes not ready, saying so; the next is tried`, async (t) => {
    const s = await setUp(t, protocol)
    s.model.registerPhone('8002', { kind: 'answer', afterMs: 100 })
    await s.agents.login('agent01', { ready: true })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await s.agents.login('agent02', { ready: true })
    const got = await s.queueCaller('13900000015').then(async (q) => await q.outcome)
    t.match(got, { kind: 'agent', agentId: 'agent02' })
    t.same(s.dialled.filter((n) => n === '8002'), ['8002'])
    t.match(await s.store.getAgent('agent01'), { state: 'not-ready', reason: 'unreachable' }, 'an absent phone is not a no-answer')
    if (got.kind === 'agent') await s.sw.hangup(got.legId, 'normal')
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
    const got = await first.outcome
    t.match(got, { kind: 'agent', agentId: 'agent02' }, 'the first caller got the next agent')
    t.equal(await s.store.queuePosition(GROUP, second.callId, Date.now()), 1, 'the second caller is first now')
    second.caller.hangup()
    await t.rejects(second.outcome, { code: 'HC_CALL_GONE' })
    if (got.kind === 'agent') await s.sw.hangup(got.legId, 'normal')
    await s.noAgentLegs()
  })

  void t.test(`${protocol}: a caller coming back keeps their first place and deadline`, async (t) => {
    const s = await setUp(t, protocol)
    const early = Date.now() - 5_000
    const later = await s.queueCaller('13900000016')
    await until(async () => await s.store.queuePosition(GROUP, later.callId, Date.now()) === 1 ? true : undefined, 'later caller queued')
    const back = await s.queueCaller('13900000017', { enqueuedAt: early, maxWaitMs: 5_400 })
    await until(async () => await s.store.queuePosition(GROUP, back.callId, Date.now()) === 1 ? true : undefined, 'back at the head')
    t.equal(await s.store.queuePosition(GROUP, later.callId, Date.now()), 2)
    const overflow = await back.outcome
    t.match(overflow, { kind: 'overflow' })
    if (overflow.kind === 'overflow') t.ok(overflow.waitedMs >= 5_400 && overflow.waitedMs < 7_000, 'the wait counts from the first enqueue')
    t.equal(back.visit.enqueuedAt, early)
    later.caller.hangup()
    await t.rejects(later.outcome, { code: 'HC_CALL_GONE' })
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
    await s.noAgentLegs()
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
