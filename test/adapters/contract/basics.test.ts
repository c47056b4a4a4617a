// What every switch adapter must do alike, run once per protocol through the switch factory
// and the real client libraries on the simulator: offer and answer a call, play and collect,
// report the caller's hangup, give one normalised outcome per dial, move legs in and out of a
// room, cancel a ringing dial, hang up. Vendor causes differ; the port's words may not.
import t from 'tap'
import { PROTOCOLS, sounds } from '../../helpers/controller.js'
import { eventually } from '../../helpers/sim.js'
import { answeredCall, portOnSim, recordLeg } from './port.js'

const dial = (number: string, ringTimeoutMs = 5000, signal?: AbortSignal) =>
  ({ target: { number }, callerIdNumber: '12345', ringTimeoutMs, ...(signal === undefined ? {} : { signal }) })

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: a call offered, answered, a prompt, keys, hung up by the controller`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    const { call, caller } = await answeredCall(sw, sim, '13800000041')
    t.match(call, { from: '13800000041', to: '12345' })
    t.equal(caller.channel.answerState, 'answered')
    t.equal(await sw.play(call.legId, 'welcome'), 'played')
    t.same(sounds(caller.heard), ['welcome'])
    const collecting = sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 5000 })
    await eventually(() => sounds(caller.heard).includes('priority-menu') ? true : undefined, 'the menu plays')
    caller.sendDtmf('2')
    t.same(await collecting, { digits: '2', reason: 'complete' })
    const events = recordLeg(sw, call.legId)
    await sw.hangup(call.legId, 'normal')
    t.match(await eventually(() => events.find((e) => e.type === 'hangup'), 'the hangup'), { cause: 'normal' })
    await caller.ended
  })

  void t.test(`${protocol}: the caller hanging up mid-prompt: the prompt fails as the caller gone, the leg ends remote-hangup`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    const { call, caller } = await answeredCall(sw, sim, '13800000042')
    const events = recordLeg(sw, call.legId)
    const playing = sw.play(call.legId, 'ticket-registered')
    await eventually(() => sounds(caller.heard).includes('ticket-registered') ? true : undefined, 'the prompt plays')
    caller.hangup()
    await t.rejects(playing, { code: 'HC_CALL_GONE' })
    t.match(await eventually(() => events.find((e) => e.type === 'hangup'), 'the hangup'), { cause: 'remote-hangup' })
    await t.rejects(sw.play(call.legId, 'welcome'), { code: /^HC_(CALL_GONE|SWITCH_NO_SUCH_CALL)$/ }, 'a gone leg is refused, not played to')
    const next = await answeredCall(sw, sim, '13800000044')
    t.equal(await sw.play(next.call.legId, 'welcome'), 'played', 'the prompt was not taken for missing: the next caller hears it')
    t.same(await sw.missingPrompts(['welcome', 'ticket-registered']), [])
  })

  void t.test(`${protocol}: every far-end behaviour gives the same dial outcome`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    const behaviours = [
      ['02100000041', { kind: 'busy' }, 'busy'],
      ['02100000042', { kind: 'no-answer' }, 'no-answer'],
      ['02100000043', { kind: 'reject' }, 'rejected'],
      ['02100000044', { kind: 'unreachable' }, 'unreachable']
    ] as const
    for (const [number, behaviour, kind] of behaviours) {
      sim.model.defineEndpoint(number, behaviour)
      t.match(await sw.dial(dial(number, 2000)), { kind }, `${behaviour.kind} → ${kind}`)
    }
    sim.model.defineEndpoint('02100000045', { kind: 'answer', afterMs: 200 })
    const answered = await sw.dial(dial('02100000045'))
    t.equal(answered.kind, 'answered')
    if (answered.kind === 'answered') {
      t.equal(sim.model.channel(answered.legId)?.callerIdNumber, '12345', 'the hotline number is shown, never the caller')
    }
    await t.rejects(sw.dial(dial('8101&park()')), { code: 'HC_DIAL_TARGET' }, 'a non-directory string never reaches the switch')
  })

  void t.test(`${protocol}: caller and specialist in one room and out again; a cancelled dial stops ringing`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    const { call } = await answeredCall(sw, sim, '13800000043')
    sim.model.defineEndpoint('02100000046', { kind: 'answer', afterMs: 100 })
    const answered = await sw.dial(dial('02100000046'))
    if (answered.kind !== 'answered') throw new Error(`dial ended ${answered.kind}`)
    await sw.joinConference(call.legId, 'contract-room')
    await sw.joinConference(answered.legId, 'contract-room')
    const roomOf = (legId: string): string | undefined => sim.model.channel(legId)?.conference?.room
    t.same([roomOf(call.legId), roomOf(answered.legId)], ['contract-room', 'contract-room'], 'both in the room')
    await sw.leaveConference(answered.legId, 'contract-room')
    t.same([roomOf(call.legId), roomOf(answered.legId)], ['contract-room', undefined], 'the specialist left; the caller stays')

    sim.model.defineEndpoint('02100000047', { kind: 'no-answer' })
    const abort = new AbortController()
    const ringing = sw.dial(dial('02100000047', 30_000, abort.signal))
    await eventually(() => sim.model.channels().find((c) => c.destination === '02100000047'), 'the number rings')
    abort.abort()
    t.match(await ringing.catch((err: unknown) => err), { kind: 'cancelled' })
    await eventually(() => sim.model.channels().some((c) => c.destination === '02100000047') ? undefined : true, 'the ringing leg is gone')
  })
}
