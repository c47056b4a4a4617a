// The Asterisk adapter through the real ari-client (REST) and a real WebSocket against the
// simulated switch's ARI server: every port operation, every dial outcome, a conference, and an
// events socket that stays down past the 10 retries ari-client would have made.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { AsteriskSwitch, type AsteriskOptions } from '../../../src/adapters/asterisk/asterisk-switch.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { InboundCall, LegEvent, SwitchStatus } from '../../../src/ports/switch.js'
import { type RunningAriSim, startAriSim } from '../../helpers/ari-sim.js'
import { eventually } from '../../helpers/sim.js'

function options (sim: RunningAriSim, overrides: Partial<AsteriskOptions> = {}): AsteriskOptions {
  return {
    url: sim.url,
    user: sim.user,
    password: sim.password,
    app: sim.app,
    requestTimeoutMs: 3000,
    maxRequestsInFlight: 20,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    endpointTemplate: 'PJSIP/{number}@department',
    agentEndpointTemplate: 'PJSIP/{number}',
    lineNumbers: ['12345'],
    promptUri: (p) => `sound:hotline12345/${p}`, promptLanguage: 'zh',
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    ...overrides
  }
}

async function adapterFor (t: Test, sim: RunningAriSim, overrides: Partial<AsteriskOptions> = {}): Promise<AsteriskSwitch> {
  const sw = new AsteriskSwitch(options(sim, overrides))
  t.teardown(() => { sw.destroy() })
  await sw.start()
  return sw
}

function nextInbound (sw: AsteriskSwitch): Promise<InboundCall> {
  return new Promise((resolve) => {
    const stop = sw.onInboundCall((call) => { stop(); resolve(call) })
  })
}

function recordLeg (sw: AsteriskSwitch, legId: string): LegEvent[] {
  const events: LegEvent[] = []
  sw.onLegEvent(legId, (e) => events.push(e))
  return events
}

async function answeredCall (sw: AsteriskSwitch, sim: RunningAriSim, from: string): Promise<{ call: InboundCall, caller: ReturnType<RunningAriSim['model']['placeCall']> }> {
  const offered = nextInbound(sw)
  const caller = sim.model.placeCall({ from, to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  return { call, caller }
}

void t.test('a call to 12345 in Stasis is offered; answer, play, collect, hang up', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  t.equal(sw.status().state, 'ready')
  t.equal(sw.vendor, 'asterisk')
  const offered = nextInbound(sw)
  const caller = sim.model.placeCall({ from: '13812345678', to: '12345' })
  const call = await offered
  t.equal(call.legId, caller.channel.id)
  t.equal(call.from, '13812345678')
  t.equal(call.to, '12345')
  t.equal(caller.channel.answerState, 'ringing', 'in Stasis, not answered, until the controller answers')
  const events = recordLeg(sw, call.legId)

  await sw.answer(call.legId)
  await caller.answered
  t.equal(caller.channel.answerState, 'answered')
  await sw.play(call.legId, 'welcome')
  t.same(caller.heard, ['sound:hotline12345/welcome'])

  const collecting = sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 5000 })
  await eventually(() => caller.heard.includes('sound:hotline12345/priority-menu') ? true : undefined, 'menu prompt')
  caller.sendDtmf('7')
  t.same(await collecting, { digits: '7', reason: 'complete' })
  t.ok(events.some((e) => e.type === 'dtmf' && e.digit === '7'), 'DTMF reached the leg stream')
  t.ok(events.some((e) => e.type === 'answered'))

  await sw.hangup(call.legId, 'normal')
  const ended = await caller.ended
  t.equal(ended.cause, 'NORMAL_CLEARING')
  t.equal(ended.side, 'switch')
  const hangup = await eventually(() => events.find((e) => e.type === 'hangup'), 'hangup event')
  t.match(hangup, { type: 'hangup', cause: 'normal', vendor: { q850: 16 } })
  await sw.hangup(call.legId, 'normal')
  t.pass('hanging up a leg that is gone already is not an error')
})

void t.test('several keys up to a terminator; nobody pressing anything times out empty', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  const { call, caller } = await answeredCall(sw, sim, '13900000000')
  const collecting = sw.collectDigits(call.legId, { prompt: 'callback-enter', minDigits: 2, maxDigits: 6, timeoutMs: 3000, terminators: '#' })
  await eventually(() => caller.heard.includes('sound:hotline12345/callback-enter') ? true : undefined, 'prompt')
  caller.sendDtmf('123#')
  t.same(await collecting, { digits: '123', reason: 'complete' })
  const got = await sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 300 })
  t.same(got, { digits: '', reason: 'timeout' })
})

void t.test('calls to other numbers are not ours', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  let offered = 0
  sw.onInboundCall(() => { offered++ })
  const other = sim.model.placeCall({ from: '13900000001', to: '12366' })
  const ours = nextInbound(sw)
  sim.model.placeCall({ from: '13900000002', to: '12345' })
  await ours
  t.equal(offered, 1)
  t.equal(other.channel.answerState, 'ringing', 'the other call is left alone')
})

void t.test('a throwing listener does not stop calls from being offered', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  sw.onInboundCall(() => { throw new Error('a bad listener') })
  sw.onStatus(() => { throw new Error('another bad listener') })
  const offered: string[] = []
  sw.onInboundCall((call) => { offered.push(call.from) })
  sim.model.placeCall({ from: '13900000011', to: '12345' })
  sim.model.placeCall({ from: '13900000012', to: '12345' })
  await eventually(() => offered.length === 2 ? true : undefined, 'both calls offered')
  t.same(offered, ['13900000011', '13900000012'])
})

void t.test('the caller hanging up mid-playback fails the playback and reaches the leg stream', async (t) => {
  const sim = await startAriSim(t, { mediaDurationMs: (m) => m.endsWith('ticket-registered') ? 500_000 : 1000 })
  const sw = await adapterFor(t, sim)
  const { call, caller } = await answeredCall(sw, sim, '13800000003')
  const events = recordLeg(sw, call.legId)
  const playing = sw.play(call.legId, 'ticket-registered')
  await eventually(() => caller.heard.includes('sound:hotline12345/ticket-registered') ? true : undefined, 'playback running')
  caller.hangup()
  await t.rejects(playing, { code: 'HC_CALL_GONE' }, 'the playback in progress fails with the leg')
  const hangup = await eventually(() => events.find((e) => e.type === 'hangup'), 'hangup event')
  t.match(hangup, { cause: 'remote-hangup', vendor: { q850: 16 } })
  await t.rejects(sw.play(call.legId, 'welcome'), { code: 'HC_CALL_GONE' }, 'a gone leg plays nothing')
})

void t.test('every endpoint behaviour gives its normalised dial outcome', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  sim.model.defineEndpoint('02100000001', { kind: 'answer', afterMs: 300 })
  sim.model.defineEndpoint('02100000002', { kind: 'busy' })
  sim.model.defineEndpoint('02100000003', { kind: 'no-answer' })
  sim.model.defineEndpoint('02100000004', { kind: 'reject' })
  sim.model.defineEndpoint('02100000005', { kind: 'unreachable' })
  const dial = (number: string, ringTimeoutMs = 5000): ReturnType<AsteriskSwitch['dial']> =>
    sw.dial({ target: { number }, callerIdNumber: '12345', ringTimeoutMs })

  const answered = await dial('02100000001')
  t.equal(answered.kind, 'answered')
  if (answered.kind === 'answered') {
    const leg = sim.model.channel(answered.legId)
    t.equal(leg?.answerState, 'answered', 'the leg we were given is the answered one')
    t.equal(leg?.callerIdNumber, '12345', 'the hotline number is shown, never the caller')
    const events = recordLeg(sw, answered.legId)
    await sw.play(answered.legId, 'connecting')
    await sw.hangup(answered.legId, 'normal')
    const hangup = await eventually(() => events.find((e) => e.type === 'hangup'), 'dialled leg hangup')
    t.match(hangup, { cause: 'normal', vendor: { text: 'Normal Clearing', q850: 16 } }, 'from ChannelDestroyed')
  }
  t.match(await dial('02100000002'), { kind: 'busy', cause: { text: 'User busy', q850: 17 } })
  t.match(await dial('02100000003', 1000), { kind: 'no-answer', cause: { text: 'User alerting, no answer', q850: 19 } })
  t.match(await dial('02100000004'), { kind: 'rejected', cause: { q850: 21 } })
  t.match(await dial('02100000005'), { kind: 'unreachable' })
  t.match(await dial('02199999999'), { kind: 'unreachable', cause: { q850: 1 } }, 'a number nobody has')
  await t.rejects(dial('8101&park()'), { code: 'HC_DIAL_TARGET' }, 'a non-directory string never reaches the switch')
  t.equal(sim.model.channels().filter((c) => c.direction === 'outbound' && c.hangupAt === undefined).length, 0,
    'no dialled leg is left behind')
})

void t.test('an endpoint Asterisk cannot create: 500 Allocation failed is unreachable', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim, { endpointTemplate: 'PJSIP/{number}@no-such-trunk' })
  t.match(await sw.dial({ target: { number: '02100000001' }, callerIdNumber: '12345', ringTimeoutMs: 5000 }),
    { kind: 'unreachable', cause: { text: 'Allocation failed' } })
})

void t.test('aborting a ringing dial cancels it on the switch', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  sim.model.defineEndpoint('02100000003', { kind: 'no-answer' })
  const controller = new AbortController()
  const result = sw.dial({ target: { number: '02100000003' }, callerIdNumber: '12345', ringTimeoutMs: 60_000, signal: controller.signal })
  const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000003'), 'ringing leg')
  controller.abort()
  t.match(await result, { kind: 'cancelled' })
  await eventually(() => leg.hangupAt !== undefined ? true : undefined, 'leg hung up')
  t.equal(leg.answerState, 'hangup')
})

void t.test('conference join and leave are confirmed by bridge events; the empty bridge goes', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  sim.model.defineEndpoint('02100000001', { kind: 'answer', afterMs: 100 })
  const { call } = await answeredCall(sw, sim, '13800000004')
  const dialled = await sw.dial({ target: { number: '02100000001' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  if (dialled.kind !== 'answered') throw new Error(`dial ended ${dialled.kind}`)
  const callerEvents = recordLeg(sw, call.legId)
  await sw.joinConference(call.legId, 'room-a')
  await sw.joinConference(dialled.legId, 'room-a')
  t.same([...(sim.model.conference('room-a')?.members.keys() ?? [])].sort(), [call.legId, dialled.legId].sort())
  t.ok(callerEvents.some((e) => e.type === 'conference-joined' && e.room === 'room-a'))
  await sw.leaveConference(dialled.legId, 'room-a')
  t.same([...(sim.model.conference('room-a')?.members.keys() ?? [])], [call.legId], 'the caller stays, the other left')
  t.equal(sim.model.channel(dialled.legId)?.answerState, 'answered', 'leaving is not hanging up')
  await sw.leaveConference(call.legId, 'room-a')
  t.ok(callerEvents.some((e) => e.type === 'conference-left' && e.room === 'room-a'))
  await eventually(() => sim.model.conference('room-a') === undefined ? true : undefined, 'empty bridge deleted')
  await sw.joinConference(call.legId, 'room-a')
  t.same([...(sim.model.conference('room-a')?.members.keys() ?? [])], [call.legId], 'the room can be used again')
})

void t.test('the events socket down past ari-client\'s 10 retries: not ready meanwhile, then it all works again', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim, { reconnect: { initialDelayMs: 10, maxDelayMs: 40 } })
  const statuses: SwitchStatus[] = []
  sw.onStatus((s) => statuses.push(s))
  const { call, caller } = await answeredCall(sw, sim, '13800000005')
  const { call: other, caller: otherCaller } = await answeredCall(sw, sim, '13800000006')
  const otherEvents = recordLeg(sw, other.legId)
  const playing = sw.play(call.legId, 'welcome')

  sim.ari.refuseWebSockets(true)
  sim.ari.dropWebSockets()
  await t.rejects(playing, { code: 'HC_SWITCH_NOT_CONNECTED' }, 'what waited on an event fails at once')
  // ari-client would have given up after 10 failed reconnects (WebSocketMaxRetries).
  await eventually(() => statuses.filter((s) => s.state === 'disconnected').length > 12 ? true : undefined, 'more than 10 retries')
  t.equal(sw.status().state, 'disconnected')
  await t.rejects(sw.play(call.legId, 'welcome'), { code: 'HC_SWITCH_NOT_CONNECTED' }, 'no events: fails fast')
  otherCaller.hangup()
  await otherCaller.ended
  t.equal(otherEvents.filter((e) => e.type === 'hangup').length, 0, 'unheard while the socket is down')

  sim.ari.refuseWebSockets(false)
  await eventually(() => sw.status().state === 'ready' ? true : undefined, 'reconnected', 10_000)
  t.match(await eventually(() => otherEvents.find((e) => e.type === 'hangup'), 'ended leg reported'),
    { type: 'hangup', cause: 'failed' }, 'the leg that ended during the outage is reported ended')
  await sw.play(call.legId, 'goodbye')
  t.ok(caller.heard.includes('sound:hotline12345/goodbye'), 'the call in progress still works')
  const again = nextInbound(sw)
  sim.model.placeCall({ from: '13800000007', to: '12345' })
  t.equal((await again).from, '13800000007', 'new calls are offered again')
})

void t.test('a dial in progress survives a socket drop and ends with its real outcome', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim, { reconnect: { initialDelayMs: 10, maxDelayMs: 40 } })
  const states: string[] = []
  sw.onStatus((s) => states.push(s.state))
  sim.model.defineEndpoint('02100000001', { kind: 'answer', afterMs: 25_000 })
  const answering = sw.dial({ target: { number: '02100000001' }, callerIdNumber: '12345', ringTimeoutMs: 60_000 })
  const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000001'), 'ringing leg')
  sim.ari.dropWebSockets()
  await eventually(() => states.includes('disconnected') && sw.status().state === 'ready' ? true : undefined, 'reconnected')
  t.equal(leg.answerState === 'answered', false, 'still ringing when the socket came back')
  t.match(await answering, { kind: 'answered', legId: leg.id })
})

void t.test('dials whose legs ended while the socket was down end too', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim, { reconnect: { initialDelayMs: 10, maxDelayMs: 40 } })
  sim.model.defineEndpoint('02100000001', { kind: 'answer', afterMs: 5000 })
  sim.model.defineEndpoint('02100000002', { kind: 'busy', afterMs: 5000 })
  const answering = sw.dial({ target: { number: '02100000001' }, callerIdNumber: '12345', ringTimeoutMs: 30_000 })
  const refusing = sw.dial({ target: { number: '02100000002' }, callerIdNumber: '12345', ringTimeoutMs: 30_000 })
  const answeredLeg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000001'), 'ringing leg')
  const busyLeg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000002'), 'ringing leg')
  sim.ari.refuseWebSockets(true)
  sim.ari.dropWebSockets()
  // With no socket the app is inactive: an answered leg cannot enter Stasis and is hung up.
  await eventually(() => answeredLeg.hangupAt !== undefined && busyLeg.hangupAt !== undefined ? true : undefined, 'both ended on the switch')
  sim.ari.refuseWebSockets(false)
  // Their outcome went with the socket: not the number's doing (an answer Asterisk itself hung
  // up, a busy nobody heard), so `lost`, never counted against the department.
  const unheard = { kind: 'lost', cause: { text: 'ended while the ARI events socket was down' } }
  t.match(await answering, unheard, 'its outcome is lost, and the dial still ends')
  t.match(await refusing, unheard)
})

void t.test('a wrong password keeps the adapter not ready and retrying, and does not crash the process', async (t) => {
  // ari-client's own connect() would throw the 401 out of swagger-client's response handler:
  // an uncaught exception, which tap reports as a failure of this file.
  const sim = await startAriSim(t)
  const sw = new AsteriskSwitch(options(sim, { password: 'wrong', reconnect: { initialDelayMs: 20, maxDelayMs: 50 } }))
  t.teardown(() => { sw.destroy() })
  const statuses: SwitchStatus[] = []
  sw.onStatus((s) => statuses.push(s))
  void sw.start()
  const refused = await eventually(() => statuses.find((s) => s.state === 'disconnected'), 'refusal')
  t.match(refused.detail, /refused the ARI user/)
  t.not(sw.status().state, 'ready')
})

void t.test('close: not ready, operations fail, the app is given up', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim)
  const { call } = await answeredCall(sw, sim, '13800000008')
  await sw.close()
  t.equal(sw.status().state, 'closed')
  await t.rejects(sw.play(call.legId, 'welcome'), { code: 'HC_SWITCH_NOT_CONNECTED' })
  const late = sim.model.placeCall({ from: '13800000009', to: '12345' })
  t.match(await late.ended, { cause: 'NORMAL_CLEARING' }, 'with no app active, the dialplan hangs new calls up')
})

void t.test('agents are dialled through the agent endpoint template', async (t) => {
  const sim = await startAriSim(t)
  const sw = await adapterFor(t, sim, { endpointTemplate: 'PJSIP/{number}@department', agentEndpointTemplate: 'PJSIP/{number}' })
  sim.model.registerPhone('8001', { kind: 'answer', afterMs: 50 })
  const outcome = await sw.dial({ target: { number: '8001', trunk: 'agent' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  t.equal(outcome.kind, 'answered')
  // Without a trunk the simulated Asterisk, like a real one, needs an endpoint of that name:
  // an unknown one is refused, so the answer above came through the agent template.
  const refused = await sw.dial({ target: { number: '8099', trunk: 'agent' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  t.match(refused, { kind: 'unreachable', cause: { text: 'Allocation failed' } })
})
