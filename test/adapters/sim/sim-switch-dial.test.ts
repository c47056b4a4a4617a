// Dialling out (originate): causes, channel variables, and the order of events and result
// copied from test/fixtures/captures/freeswitch-1.11.1/ 04, 05, 06 and 09.
import t from 'tap'
import type { OriginateResult } from '../../../src/adapters/sim/model-types.js'
import { fastSwitch, isType, next, trace } from './sim-events.js'

const DIAL = { callerIdNumber: '12345' }

function failure (result: OriginateResult): { cause: string, q850: number } {
  if (result.ok) throw new Error('expected a failed dial')
  return { cause: result.cause, q850: result.q850 }
}

void t.test('an answering phone: created, ringing, answered, then the result, then parked', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008101', { kind: 'answer', afterMs: 300 })
  const parked = next(sim, isType('channel-parked'))
  const { order, result } = trace(sim, () => sim.originate({ ...DIAL, number: '02150008101', channelId: 'leg-1' }))
  const outcome = await result
  await parked
  t.same(order, ['channel-created', 'channel-ringing', 'channel-answered', 'result', 'channel-parked'])
  t.ok(outcome.ok)
  t.equal(outcome.channel?.id, 'leg-1')
  t.match(outcome.channel, {
    direction: 'outbound', destination: '02150008101', callerIdNumber: '12345', answerState: 'answered', name: 'sofia/internal/02150008101@sim'
  })
  t.equal(outcome.channel?.variables.get('origination_caller_id_number'), '12345')
})

for (const [kind, cause, q850, sip] of [
  ['busy', 'USER_BUSY', 17, '486'],
  ['reject', 'CALL_REJECTED', 21, '603'],
  ['unreachable', 'NORMAL_TEMPORARY_FAILURE', 41, '503']
] as const) {
  void t.test(`a ${kind} phone: the leg hangs up before the result, ${cause} (${q850})`, async (t) => {
    const sim = fastSwitch(t)
    sim.defineEndpoint('02150008201', { kind, afterMs: 50 })
    const { order, result } = trace(sim, () => sim.originate({ ...DIAL, number: '02150008201' }))
    const outcome = await result
    t.same(order, ['channel-created', 'channel-hangup', 'channel-hangup-complete', 'result'], 'no ringing, no answer')
    t.same(failure(outcome), { cause, q850 })
    const vars = outcome.channel?.variables
    t.equal(vars?.get('sip_term_status'), sip)
    t.equal(vars?.get('proto_specific_hangup_cause'), `sip:${sip}`)
    t.equal(vars?.get('sip_hangup_disposition'), 'recv_refuse')
    t.equal(outcome.channel?.hangupSide, 'remote')
    t.same(sim.channels(), [])
  })
}

void t.test('a number without an endpoint ends UNALLOCATED_NUMBER (1)', async (t) => {
  const sim = fastSwitch(t)
  const { order, result } = trace(sim, () => sim.originate({ ...DIAL, number: '9999' }))
  const outcome = await result
  t.same(failure(outcome), { cause: 'UNALLOCATED_NUMBER', q850: 1 })
  t.same(order, ['channel-created', 'channel-hangup', 'channel-hangup-complete', 'result'])
  t.equal(outcome.channel?.variables.get('sip_term_status'), '404')
})

void t.test('a phone that never answers rings out: the result comes before hangup-complete', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008301', { kind: 'no-answer' })
  const complete = next(sim, isType('channel-hangup-complete'))
  const { order, result } = trace(sim, () => sim.originate({ ...DIAL, number: '02150008301', timeoutMs: 5000 }))
  const outcome = await result
  await complete
  t.same(order, ['channel-created', 'channel-ringing', 'channel-hangup', 'result', 'channel-hangup-complete'])
  t.same(failure(outcome), { cause: 'NO_ANSWER', q850: 19 })
  t.equal(outcome.channel?.variables.get('sip_hangup_disposition'), 'send_cancel')
  t.equal(outcome.channel?.variables.get('sip_term_status'), undefined, 'capture 06: no sip_term_status')
  t.equal(sim.pendingTimers, 0)
})

void t.test('a phone slower than the ring timeout ends NO_ANSWER and never answers', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008102', { kind: 'answer', afterMs: 10_000 })
  const complete = next(sim, isType('channel-hangup-complete'))
  const { order, result } = trace(sim, () => sim.originate({ ...DIAL, number: '02150008102', timeoutMs: 2000 }))
  t.same(failure(await result), { cause: 'NO_ANSWER', q850: 19 })
  await complete
  t.notOk(order.includes('channel-answered'))
  t.equal(sim.pendingTimers, 0, 'the answer timer went with the leg')
})

void t.test('cancelling a ringing dial resolves ORIGINATOR_CANCEL (487)', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008301', { kind: 'no-answer' })
  const ringing = next(sim, isType('channel-ringing'))
  const complete = next(sim, isType('channel-hangup-complete'))
  const { order, result } = trace(sim, () => sim.originate({ ...DIAL, number: '02150008301', channelId: 'leg-c' }))
  await ringing
  t.equal(sim.hangup('leg-c', 'ORIGINATOR_CANCEL'), true)
  const outcome = await result
  await complete
  t.match(outcome, { ok: false, cause: 'ORIGINATOR_CANCEL', q850: 487 })
  t.same(order, ['channel-created', 'channel-ringing', 'channel-hangup', 'result', 'channel-hangup-complete'])
  t.equal(outcome.channel?.variables.get('sip_hangup_disposition'), 'send_cancel')
  t.equal(sim.hangup('leg-c'), false, 'a leg being torn down is no longer live')
})

void t.test('an answered phone can hang up by itself and key digits', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008103', { kind: 'answer', afterMs: 100, hangupAfterMs: 3000 })
  const parked = next(sim, isType('channel-parked'))
  const outcome = await sim.originate({ ...DIAL, number: '02150008103' })
  if (!outcome.ok) throw new Error('expected an answer')
  const leg = outcome.channel
  await parked
  const digit = next(sim, isType('dtmf', leg.id))
  t.equal(sim.sendDtmf(leg.id, '9'), true)
  t.match(await digit, { digit: '9' })
  const end = await next(sim, isType('channel-hangup-complete', leg.id))
  t.match(end, { cause: 'NORMAL_CLEARING', q850: 16 })
  t.equal(leg.hangupSide, 'remote')
  t.equal(leg.variables.get('sip_hangup_disposition'), 'recv_bye')
})

void t.test('a dialling leg cannot be answered from the switch side', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008301', { kind: 'no-answer' })
  const dial = sim.originate({ ...DIAL, number: '02150008301', channelId: 'leg-d' })
  await t.rejects(sim.answer('leg-d'), { code: 'HC_SWITCH_COMMAND' })
  t.throws(() => sim.joinConference('leg-d', 'room1'), { code: 'HC_SWITCH_COMMAND' })
  sim.hangup('leg-d', 'ORIGINATOR_CANCEL')
  t.match(await dial, { ok: false, cause: 'ORIGINATOR_CANCEL' })
})

void t.test('a channel id already in use is refused', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008301', { kind: 'no-answer' })
  const first = sim.originate({ ...DIAL, number: '02150008301', channelId: 'same' })
  await t.rejects(sim.originate({ ...DIAL, number: '02150008301', channelId: 'same' }), { code: 'HC_SWITCH_COMMAND' })
  t.equal(sim.channels().length, 1)
  sim.hangup('same', 'ORIGINATOR_CANCEL')
  await first
})

void t.test('removeEndpoint makes the number unallocated again', async (t) => {
  const sim = fastSwitch(t)
  sim.defineEndpoint('02150008104', { kind: 'answer', afterMs: 10 })
  t.same(sim.endpoint('02150008104'), { kind: 'answer', afterMs: 10 })
  t.equal(sim.removeEndpoint('02150008104'), true)
  t.equal(sim.endpoint('02150008104'), undefined)
  t.equal(sim.removeEndpoint('02150008104'), false)
  t.match(await sim.originate({ ...DIAL, number: '02150008104' }), { ok: false, cause: 'UNALLOCATED_NUMBER' })
})
