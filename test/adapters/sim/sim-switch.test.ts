// The call model with scripted callers: park, answer, playback, DTMF, hangups, close.
import t from 'tap'
import { SimSwitch, SIM_CAUSES, reportedQ850 } from '../../../src/adapters/sim/sim-switch.js'
import type { ModelEvent } from '../../../src/adapters/sim/model-types.js'
import { channelOf, fastSwitch, isType, next, record } from './sim-events.js'
import { SHIPPED_INSTALL, promptMedia } from '../../helpers/install.js'

// Prompts the shipped configuration installs, and one it does not.
const WELCOME = promptMedia.esl('welcome')
const A = promptMedia.esl('first-call-menu')
const SHORT = promptMedia.esl('goodbye')
const LONG = promptMedia.esl('priority-menu')
const NEVER = promptMedia.esl('no-input')
const MISSING = promptMedia.esl('no-such-prompt')

const CALLER = { from: '13812345678', to: '12345' }

function typesOf (log: ModelEvent[], channelId: string): string[] {
  return log.filter((event) => channelOf(event) === channelId).map((event) => event.type)
}

void t.test('a call is created and parked for the controller, still ringing', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  t.equal(log.length, 0, 'the INVITE is announced on a later turn, after listeners can attach')
  const parked = await next(sim, isType('channel-parked', call.channel.id))
  t.same(typesOf(log, call.channel.id), ['channel-created', 'channel-parked'])
  t.equal('channel' in parked ? parked.channel : undefined, call.channel)
  t.match(call.channel, {
    name: 'sofia/internal/13812345678@198.51.100.7:5060',
    direction: 'inbound',
    callerIdNumber: '13812345678',
    destination: '12345',
    answerState: 'ringing'
  })
  t.equal(call.channel.variables.get('uuid'), call.channel.id)
  t.equal(call.channel.variables.get('current_application'), 'park')
  t.equal(sim.channel(call.channel.id), call.channel)
  t.same(sim.channels(), [call.channel])
})

void t.test('answer raises channel-answered once and resolves the caller\'s answered promise', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  await call.answered
  t.equal(call.channel.answerState, 'answered')
  t.type(call.channel.answeredAt, 'number')
  await sim.answer(call.channel.id)
  t.same(typesOf(log, call.channel.id), ['channel-created', 'channel-parked', 'channel-answered'], 'second answer is a no-op')
})

void t.test('play runs a medium to its end', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const result = await sim.play(call.channel.id, { media: WELCOME, playbackId: 'pb-1' })
  t.same(result, { status: 'done', playedMs: 1000 })
  const playback = log.filter((event) => event.type.startsWith('playback-'))
  t.match(playback, [
    { type: 'playback-started', playbackId: 'pb-1', media: WELCOME },
    { type: 'playback-finished', playbackId: 'pb-1', status: 'done', playedMs: 1000 }
  ])
  t.same(call.heard, [WELCOME])
})

void t.test('a second play waits for the first, as both switches queue playbacks', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const results = await Promise.all([
    sim.play(call.channel.id, { media: A }),
    sim.play(call.channel.id, { media: 'tone_stream://%(300,100,440)' })
  ])
  t.same(results, [{ status: 'done', playedMs: 1000 }, { status: 'done', playedMs: 800 }])
  t.same(
    log.filter((event) => event.type.startsWith('playback-')).map((event) => `${event.type} ${'media' in event ? event.media : ''}`),
    [`playback-started ${A}`, `playback-finished ${A}`,
      'playback-started tone_stream://%(300,100,440)', 'playback-finished tone_stream://%(300,100,440)']
  )
})

void t.test('a digit stops a playback started with stopOnDtmf, after the dtmf event', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const started = next(sim, isType('playback-started'))
  const playing = sim.play(call.channel.id, { media: 'silence_stream://-1', stopOnDtmf: true })
  await started
  call.sendDtmf('5')
  const result = await playing
  t.equal(result.status, 'stopped')
  t.same(typesOf(log, call.channel.id).slice(-3), ['playback-started', 'dtmf', 'playback-finished'])
  t.match(log.at(-2), { type: 'dtmf', digit: '5', durationMs: 280 })
  t.match(log.at(-1), { type: 'playback-finished', status: 'stopped' })
})

void t.test('without stopOnDtmf a digit does not stop the playback; stopPlayback does', async (t) => {
  const sim = fastSwitch(t)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const started = next(sim, isType('playback-started'))
  const playing = sim.play(call.channel.id, { media: 'silence_stream://-1' })
  await started
  const digit = next(sim, isType('dtmf'))
  call.sendDtmf('1')
  await digit
  t.equal(sim.stopPlayback(call.channel.id), true)
  t.match(await playing, { status: 'stopped' })
  t.equal(sim.stopPlayback(call.channel.id), false, 'nothing left to stop')
})

void t.test('a hangup stops the playback between channel-hangup and hangup-complete', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const started = next(sim, isType('playback-started'))
  const playing = sim.play(call.channel.id, { media: LONG })
  const queued = sim.play(call.channel.id, { media: NEVER })
  await started
  call.hangup()
  t.match(await playing, { status: 'stopped' })
  t.same(await queued, { status: 'stopped', playedMs: 0 })
  t.same(typesOf(log, call.channel.id).slice(-4), ['playback-started', 'channel-hangup', 'playback-finished', 'channel-hangup-complete'])
  t.notOk(log.some((event) => event.type === 'playback-started' && event.media === NEVER))
})

void t.test('a missing medium fails without playback-started', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const result = await sim.play(call.channel.id, { media: MISSING, playbackId: 'pb-x' })
  t.same(result, { status: 'failed', playedMs: 0 })
  t.same(log.filter((event) => event.type.startsWith('playback-')).map((event) => event.type), ['playback-finished'])
  t.match(log.at(-1), { type: 'playback-finished', playbackId: 'pb-x', status: 'failed' })
  t.same(call.heard, [])
})

void t.test('the media duration option decides how long a medium plays', async (t) => {
  const sim = fastSwitch(t, { mediaDurationMs: (media) => media === SHORT ? 250 : 5000 })
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  t.same(await sim.play(call.channel.id, { media: SHORT }), { status: 'done', playedMs: 250 })
})

void t.test('scripted digits are keyed after the answer, in time order', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall({ ...CALLER, dtmf: [{ afterAnswerMs: 400, digits: '2' }, { afterAnswerMs: 100, digits: '1#' }] })
  await next(sim, isType('channel-parked'))
  const last = next(sim, (event) => event.type === 'dtmf' && event.digit === '2')
  await sim.answer(call.channel.id)
  await last
  const types = typesOf(log, call.channel.id)
  t.ok(types.indexOf('channel-answered') < types.indexOf('dtmf'), 'no digit before the answer')
  t.same(log.flatMap((event) => event.type === 'dtmf' ? [event.digit] : []), ['1', '#', '2'])
})

void t.test('a caller that hangs up after the answer sends BYE: NORMAL_CLEARING, remote', async (t) => {
  const sim = fastSwitch(t)
  const log = record(sim)
  const call = sim.placeCall({ ...CALLER, hangupAfterMs: 500 })
  await next(sim, isType('channel-parked'))
  await sim.answer(call.channel.id)
  const end = await call.ended
  t.same(end, { cause: 'NORMAL_CLEARING', q850: 16, side: 'remote' })
  t.same(typesOf(log, call.channel.id).slice(-2), ['channel-hangup', 'channel-hangup-complete'])
  t.match(log.at(-1), { type: 'channel-hangup-complete', cause: 'NORMAL_CLEARING', q850: 16 })
  const vars = call.channel.variables
  t.equal(vars.get('sip_hangup_disposition'), 'recv_bye')
  t.equal(vars.get('sip_term_status'), '200')
  t.equal(vars.get('hangup_cause'), 'NORMAL_CLEARING')
  t.match(call.channel, { answerState: 'hangup', hangupCause: 'NORMAL_CLEARING', hangupSide: 'remote' })
  t.equal(sim.channel(call.channel.id), undefined, 'gone once the hangup completed')
})

void t.test('a caller that gives up before the answer cancels: ORIGINATOR_CANCEL', async (t) => {
  const sim = fastSwitch(t)
  const call = sim.placeCall({ ...CALLER, hangupAfterMs: 300 })
  const end = await call.ended
  t.same(end, { cause: 'ORIGINATOR_CANCEL', q850: 487, side: 'remote' })
  t.equal(call.channel.variables.get('sip_hangup_disposition'), 'recv_cancel')
  t.equal(call.channel.variables.get('hangup_cause_q850'), '16', 'FreeSWITCH reports its own causes as 16')
  await t.rejects(call.answered, { code: 'HC_CALL_GONE' })
})

void t.test('the switch hanging up refuses an unanswered call and sends BYE to an answered one', async (t) => {
  const sim = fastSwitch(t)
  const ringing = sim.placeCall(CALLER)
  const answered = sim.placeCall({ ...CALLER, from: '13900001111' })
  await next(sim, isType('channel-parked', answered.channel.id))
  await sim.answer(answered.channel.id)
  t.equal(sim.hangup(ringing.channel.id, 'USER_BUSY'), true)
  t.equal(sim.hangup(answered.channel.id), true)
  t.same(await ringing.ended, { cause: 'USER_BUSY', q850: 17, side: 'switch' })
  t.same(await answered.ended, { cause: 'NORMAL_CLEARING', q850: 16, side: 'switch' })
  t.equal(ringing.channel.variables.get('sip_hangup_disposition'), 'send_refuse')
  t.equal(answered.channel.variables.get('sip_hangup_disposition'), 'send_bye')
  t.equal(sim.hangup(answered.channel.id), false, 'already gone')
})

void t.test('a cause the table does not know hangs up as NORMAL_CLEARING', async (t) => {
  const sim = fastSwitch(t)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  sim.hangup(call.channel.id, 'NO_SUCH_CAUSE')
  t.same(await call.ended, { cause: 'NORMAL_CLEARING', q850: 16, side: 'switch' })
})

void t.test('unknown ids are refused and the call in progress carries on', async (t) => {
  const sim = fastSwitch(t)
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  const ghost = '00000000-0000-0000-0000-000000000000'
  await t.rejects(sim.answer(ghost), { code: 'HC_SWITCH_NO_SUCH_CALL' })
  await t.rejects(sim.play(ghost, { media: A }), { code: 'HC_SWITCH_NO_SUCH_CALL' })
  t.throws(() => sim.joinConference(ghost, 'room1'), { code: 'HC_SWITCH_NO_SUCH_CALL' })
  t.equal(sim.hangup(ghost), false)
  t.equal(sim.stopPlayback(ghost), false)
  t.equal(sim.leaveConference(ghost), false)
  t.equal(sim.sendDtmf(ghost, '1'), false)
  t.equal(sim.sendDtmf(call.channel.id, '1'), false, 'no digits before the call has media')
  t.throws(() => sim.sendDtmf(call.channel.id, '1x'), { code: 'HC_BAD_REQUEST' })
  t.throws(() => sim.placeCall({ ...CALLER, dtmf: [{ afterAnswerMs: 1, digits: 'abc!' }] }), { code: 'HC_BAD_REQUEST' })
  await sim.answer(call.channel.id)
  t.same(await sim.play(call.channel.id, { media: A }), { status: 'done', playedMs: 1000 })
})

void t.test('a listener that throws does not break the model', async (t) => {
  const errors: unknown[] = []
  const sim = fastSwitch(t, { onError: (err) => { errors.push(err) } })
  sim.on('event', (event) => {
    if (event.type === 'channel-created') throw new Error('listener bug')
  })
  const call = sim.placeCall(CALLER)
  await next(sim, isType('channel-parked'))
  t.equal(errors.length, 1)
  t.match(errors[0], { message: 'listener bug' })
  await sim.answer(call.channel.id)
  t.equal(call.channel.answerState, 'answered')
})

void t.test('a listener may hang a channel up while it is being announced', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('8301', { kind: 'no-answer' })
  sim.on('event', (event) => {
    if (event.type === 'channel-created') sim.hangup(event.channel.id)
  })
  const log = record(sim)
  const call = sim.placeCall(CALLER)
  t.same(await call.ended, { cause: 'NORMAL_CLEARING', q850: 16, side: 'switch' })
  t.same(typesOf(log, call.channel.id), ['channel-created', 'channel-hangup', 'channel-hangup-complete'])
  const complete = next(sim, isType('channel-hangup-complete'))
  t.match(await sim.originate({ number: '8301', callerIdNumber: '12345' }), { ok: false, cause: 'NORMAL_CLEARING' })
  await complete
  t.same(sim.channels(), [])
  t.equal(sim.pendingTimers, 0)
})

void t.test('close hangs everything up with SYSTEM_SHUTDOWN and leaves no timers', async (t) => {
  const sim = new SimSwitch({ timeScale: 0.01, install: SHIPPED_INSTALL })
  sim.defineEndpoint('8301', { kind: 'no-answer' })
  const log = record(sim)
  const answered = sim.placeCall({ ...CALLER, hangupAfterMs: 60_000, dtmf: [{ afterAnswerMs: 60_000, digits: '1' }] })
  const unannounced = sim.placeCall({ ...CALLER, from: '13900002222' })
  await next(sim, isType('channel-parked', answered.channel.id))
  await sim.answer(answered.channel.id)
  const playing = sim.play(answered.channel.id, { media: 'silence_stream://-1' })
  sim.joinConference(answered.channel.id, 'room1')
  const dial = sim.originate({ number: '8301', callerIdNumber: '12345' })
  t.ok(sim.pendingTimers > 0)

  sim.close()

  t.same(sim.channels(), [])
  t.equal(sim.pendingTimers, 0)
  t.equal(sim.conference('room1'), undefined)
  t.match(await dial, { ok: false, cause: 'SYSTEM_SHUTDOWN', q850: SIM_CAUSES.SYSTEM_SHUTDOWN })
  t.match(await playing, { status: 'stopped' })
  t.same(await answered.ended, { cause: 'SYSTEM_SHUTDOWN', q850: SIM_CAUSES.SYSTEM_SHUTDOWN, side: 'switch' })
  t.match(await unannounced.ended, { cause: 'SYSTEM_SHUTDOWN' })
  t.same(typesOf(log, unannounced.channel.id), ['channel-created', 'channel-parked', 'channel-hangup', 'channel-hangup-complete'])
  t.ok(log.some((event) => event.type === 'conference-destroyed'))
  t.throws(() => sim.placeCall(CALLER), { code: 'HC_SHUTTING_DOWN' })
  await t.rejects(sim.originate({ number: '8301', callerIdNumber: '12345' }), { code: 'HC_SHUTTING_DOWN' })
})

void t.test('scaled() multiplies by the time scale, at least 1 ms', (t) => {
  const sim = fastSwitch(t)
  t.equal(sim.scaled(60_000), 600)
  t.equal(sim.scaled(20), 1)
  t.equal(new SimSwitch({ timeScale: 2, install: SHIPPED_INSTALL }).scaled(20), 40)
  t.throws(() => new SimSwitch({ timeScale: 0, install: SHIPPED_INSTALL }), { code: 'HC_CONFIG_INVALID' })
  t.match(sim.coreId, /^[0-9a-f-]{36}$/)
  t.end()
})

void t.test('the cause table carries FreeSWITCH\'s codes', (t) => {
  // switch_types.h / Hangup Cause Code Table; PROTOCOLS.md lists the same.
  t.same(SIM_CAUSES, {
    UNALLOCATED_NUMBER: 1,
    NORMAL_CLEARING: 16,
    USER_BUSY: 17,
    NO_USER_RESPONSE: 18,
    NO_ANSWER: 19,
    CALL_REJECTED: 21,
    NORMAL_TEMPORARY_FAILURE: 41,
    RECOVERY_ON_TIMER_EXPIRE: 102,
    ORIGINATOR_CANCEL: 487,
    SYSTEM_SHUTDOWN: 701,
    LOSE_RACE: 702,
    MANAGER_REQUEST: 703
  })
  t.equal(reportedQ850('USER_BUSY'), 17)
  t.equal(reportedQ850('RECOVERY_ON_TIMER_EXPIRE'), 102)
  t.equal(reportedQ850('ORIGINATOR_CANCEL'), 16)
  t.equal(reportedQ850('LOSE_RACE'), 16)
  t.end()
})
