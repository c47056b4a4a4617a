// The FreeSWITCH adapter through drachtio-modesl over a real socket against the simulated
// switch: every port operation, every dial outcome, and a dropped connection.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { FreeswitchSwitch, type FreeswitchOptions } from '../../../src/adapters/freeswitch/freeswitch-switch.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { InboundCall, LegEvent, SwitchStatus } from '../../../src/ports/switch.js'
import { type RunningSim, eventually, startSim } from '../../helpers/sim.js'
import { promptMedia } from '../../helpers/install.js'

async function adapterFor (t: Test, sim: RunningSim, overrides: Partial<FreeswitchOptions> = {}): Promise<FreeswitchSwitch> {
  const sw = new FreeswitchSwitch({
    host: sim.host,
    port: sim.port,
    password: sim.password,
    requestTimeoutMs: 3000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    dialTemplate: 'sofia/gateway/department/{number}',
    agentDialTemplate: 'user/{number}',
    conferenceProfile: 'hotline',
    lineNumbers: ['12345'],
    promptPath: promptMedia.esl,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    ...overrides
  })
  t.teardown(() => { sw.destroy() })
  await sw.start()
  return sw
}

function nextInbound (sw: FreeswitchSwitch): Promise<InboundCall> {
  return new Promise((resolve) => {
    const stop = sw.onInboundCall((call) => { stop(); resolve(call) })
  })
}

function recordLeg (sw: FreeswitchSwitch, legId: string): LegEvent[] {
  const events: LegEvent[] = []
  sw.onLegEvent(legId, (e) => events.push(e))
  return events
}

void t.test('a parked call to 12345 is offered; answer, play, collect, hang up', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  t.equal(sw.status().state, 'ready')
  const offered = nextInbound(sw)
  const caller = sim.model.placeCall({ from: '13812345678', to: '12345' })
  const call = await offered
  t.equal(call.legId, caller.channel.id)
  t.equal(call.from, '13812345678')
  t.equal(call.to, '12345')
  t.equal(caller.channel.answerState, 'ringing', 'parked, not answered, until the controller answers')
  const events = recordLeg(sw, call.legId)

  await sw.answer(call.legId)
  await caller.answered
  t.equal(caller.channel.answerState, 'answered')
  await sw.play(call.legId, 'welcome')
  t.same(caller.heard, [promptMedia.esl('welcome')])

  const collecting = sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 5000 })
  await eventually(() => caller.heard.includes(promptMedia.esl('priority-menu')) ? true : undefined, 'menu prompt')
  caller.sendDtmf('7')
  t.same(await collecting, { digits: '7', reason: 'complete' })
  t.ok(events.some((e) => e.type === 'dtmf' && e.digit === '7'), 'DTMF reached the leg stream')
  t.ok(events.some((e) => e.type === 'answered'))

  await sw.hangup(call.legId, 'normal')
  const ended = await caller.ended
  t.equal(ended.cause, 'NORMAL_CLEARING')
  const hangup = await eventually(() => events.find((e) => e.type === 'hangup'), 'hangup event')
  t.match(hangup, { type: 'hangup', cause: 'normal', vendor: { text: 'NORMAL_CLEARING', q850: 16 } })
})

void t.test('collecting with nobody pressing anything times out empty', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  const offered = nextInbound(sw)
  sim.model.placeCall({ from: '13900000000', to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  const got = await sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 3000 })
  t.same(got, { digits: '', reason: 'timeout' })
})

void t.test('calls to other numbers are not ours', async (t) => {
  const sim = await startSim(t)
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

void t.test('the caller hanging up reaches the leg stream as a remote hangup', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  const offered = nextInbound(sw)
  const caller = sim.model.placeCall({ from: '13800000003', to: '12345' })
  const call = await offered
  const events = recordLeg(sw, call.legId)
  await sw.answer(call.legId)
  const playing = sw.play(call.legId, 'ticket-registered')
  caller.hangup()
  await t.rejects(playing, { code: 'HC_CALL_GONE' }, 'the playback in progress fails with the leg')
  const hangup = await eventually(() => events.find((e) => e.type === 'hangup'), 'hangup event')
  t.match(hangup, { cause: 'remote-hangup', vendor: { text: 'NORMAL_CLEARING' } })
})

void t.test('a prompt or a menu cut by the caller\'s BYE fails as the caller gone, not a switch error', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  for (const [prompt, run] of [
    ['ticket-registered', async (legId: string) => { await sw.play(legId, 'ticket-registered') }],
    ['priority-menu', async (legId: string) => {
      await sw.collectDigits(legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 5000 })
    }]
  ] as const) {
    const offered = nextInbound(sw)
    const caller = sim.model.placeCall({ from: '13800000013', to: '12345' })
    const call = await offered
    await sw.answer(call.legId)
    const running = run(call.legId)
    await eventually(() => caller.heard.includes(promptMedia.esl(prompt)) ? true : undefined, `${prompt} playing`)
    caller.hangup()
    // CHANNEL_EXECUTE_COMPLETE (`PLAYBACK ERROR`, Answer-State hangup) comes before the hangup.
    await t.rejects(running, { code: 'HC_CALL_GONE' }, `${prompt}: the caller is gone`)
  }
})

void t.test('every endpoint behaviour gives its normalised dial outcome', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  sim.model.defineEndpoint('02100000001', { kind: 'answer', afterMs: 300 })
  sim.model.defineEndpoint('02100000002', { kind: 'busy' })
  sim.model.defineEndpoint('02100000003', { kind: 'no-answer' })
  sim.model.defineEndpoint('02100000004', { kind: 'reject' })
  sim.model.defineEndpoint('02100000005', { kind: 'unreachable' })
  const dial = (number: string) => sw.dial({ target: { number }, callerIdNumber: '12345', ringTimeoutMs: 5000 })

  const answered = await dial('02100000001')
  t.equal(answered.kind, 'answered')
  if (answered.kind === 'answered') {
    const leg = sim.model.channel(answered.legId)
    t.equal(leg?.answerState, 'answered', 'the leg we were given is the answered one')
    t.equal(leg?.callerIdNumber, '12345', 'the hotline number is shown, never the caller')
  }
  t.match(await dial('02100000002'), { kind: 'busy', cause: { text: 'USER_BUSY', q850: 17 } })
  t.match(await dial('02100000003'), { kind: 'no-answer', cause: { text: 'NO_ANSWER', q850: 19 } })
  t.match(await dial('02100000004'), { kind: 'rejected', cause: { text: 'CALL_REJECTED', q850: 21 } })
  t.match(await dial('02100000005'), { kind: 'unreachable', cause: { text: 'NORMAL_TEMPORARY_FAILURE', q850: 41 } })
  t.match(await dial('02199999999'), { kind: 'unreachable', cause: { text: 'UNALLOCATED_NUMBER', q850: 1 } })
  await t.rejects(dial('8101&park()'), { code: 'HC_DIAL_TARGET' }, 'a non-directory string never reaches the switch')
})

void t.test('aborting a ringing dial cancels it on the switch', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  sim.model.defineEndpoint('02100000003', { kind: 'no-answer' })
  const controller = new AbortController()
  const result = sw.dial({ target: { number: '02100000003' }, callerIdNumber: '12345', ringTimeoutMs: 60_000, signal: controller.signal })
  const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000003'), 'ringing leg')
  controller.abort()
  t.match(await result, { kind: 'cancelled', cause: { text: 'ORIGINATOR_CANCEL' } })
  t.equal(leg.hangupCause, 'ORIGINATOR_CANCEL')
})

void t.test('conference join and leave are confirmed by conference events', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  sim.model.defineEndpoint('02100000001', { kind: 'answer', afterMs: 100 })
  const offered = nextInbound(sw)
  sim.model.placeCall({ from: '13800000004', to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  const dialled = await sw.dial({ target: { number: '02100000001' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  if (dialled.kind !== 'answered') throw new Error(`dial ended ${dialled.kind}`)
  const callerEvents = recordLeg(sw, call.legId)
  await sw.joinConference(call.legId, 'room-a')
  await sw.joinConference(dialled.legId, 'room-a')
  t.same([...(sim.model.conference('room-a')?.members.keys() ?? [])].sort(), [call.legId, dialled.legId].sort())
  t.ok(callerEvents.some((e) => e.type === 'conference-joined' && e.room === 'room-a'))
  await sw.leaveConference(dialled.legId, 'room-a')
  t.same([...(sim.model.conference('room-a')?.members.keys() ?? [])], [call.legId], 'the specialist stays, the other left')
  t.equal(sim.model.channel(dialled.legId)?.answerState, 'answered', 'leaving is not hanging up')
})

void t.test('a dropped event socket: not ready, reconnects, re-subscribes, fails what was in flight', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim)
  const states: SwitchStatus['state'][] = []
  sw.onStatus((s) => states.push(s.state))
  const offered = nextInbound(sw)
  sim.model.placeCall({ from: '13800000005', to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  const playing = sw.play(call.legId, 'ticket-registered')
  await eventually(() => sim.model.channel(call.legId)?.variables.get('current_application') === 'playback' ? true : undefined,
    'playback running').catch(() => undefined)
  sim.esl.dropConnections()
  await t.rejects(playing, { code: 'HC_SWITCH_NOT_CONNECTED' })
  await eventually(() => (sw.status().state === 'ready' && states.includes('disconnected')) ? true : undefined, 'reconnected')
  t.ok(states.indexOf('disconnected') < states.lastIndexOf('ready'), 'disconnected, then ready again')
  // The call in progress is still ours after the reconnect, and new calls are offered again.
  await sw.play(call.legId, 'welcome')
  const again = nextInbound(sw)
  sim.model.placeCall({ from: '13800000006', to: '12345' })
  t.equal((await again).from, '13800000006', 're-subscribed: new calls reach the controller')
})

void t.test('a wrong password keeps the adapter not ready and retrying', async (t) => {
  const sim = await startSim(t)
  const sw = new FreeswitchSwitch({
    host: sim.host, port: sim.port, password: 'wrong', requestTimeoutMs: 2000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, dialTemplate: 'x/{number}', agentDialTemplate: 'user/{number}', conferenceProfile: 'hotline',
    lineNumbers: ['12345'], promptPath: promptMedia.esl, clock: systemClock, logger: pino({ level: 'silent' })
  })
  t.teardown(() => { sw.destroy() })
  const statuses: SwitchStatus[] = []
  sw.onStatus((s) => statuses.push(s))
  void sw.start()
  const refused = await eventually(() => statuses.find((s) => s.state === 'disconnected'), 'refusal')
  t.match(refused.detail, /refused the ESL password/)
  t.not(sw.status().state, 'ready')
})

void t.test('agents are dialled through the agent template', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim, { dialTemplate: 'sofia/gateway/department/{number}', agentDialTemplate: 'user/{number}' })
  sim.model.registerPhone('8001', { kind: 'answer', afterMs: 50 })
  const outcome = await sw.dial({ target: { number: '8001', trunk: 'agent' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  t.equal(outcome.kind, 'answered')
  if (outcome.kind === 'answered') t.equal(sim.model.channel(outcome.legId)?.destination, '8001')
})
