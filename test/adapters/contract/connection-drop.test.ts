// The connection to the switch dropping for 5 s (script time, scaled) under calls in progress,
// for both adapters through the real client libraries: a TCP proxy between the port and the
// simulator is cut (the ESL socket; ARI's REST and events WebSocket), the switch goes on with
// its calls meanwhile. A dial in flight is not the number's failure; a leg that lives on keeps
// going; a leg that ended meanwhile is reported, `lost` only if the switch restarted.
import t from 'tap'
import { pino } from 'pino'
import { hunt } from '../../../src/calls/hunt.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { TransferAttempt } from '../../../src/domain/transfer-record.js'
import { PROTOCOLS } from '../../helpers/controller.js'
import { eventually } from '../../helpers/sim.js'
import { answeredCall, portBehindProxy, recordLeg, reconnected } from './port.js'

/** Slow enough that a 5 s drop lasts 500 ms: answers and ends can be placed inside or after it. */
const TIME_SCALE = 0.1
const DROP_MS = 5000
const silent = pino({ level: 'silent' })

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: a 5 s drop while the number rings; it answers after: answered, and the leg joins a conference`, async (t) => {
    const { sw, sim, proxy } = await portBehindProxy(t, protocol, { timeScale: TIME_SCALE })
    const { call } = await answeredCall(sw, sim, '13800000041')
    // Answers 9 s (script time) after it starts ringing: well after the drop.
    sim.model.defineEndpoint('02100000041', { kind: 'answer', afterMs: 9000 })
    const dialling = sw.dial({ target: { number: '02100000041' }, callerIdNumber: '12345', ringTimeoutMs: 30_000 })
    const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000041'), 'the number rings')
    const back = reconnected(sw)
    await proxy.cutFor(sim.model.scaled(DROP_MS))
    await back
    t.not(leg.answerState, 'answered', 'still ringing when the connection came back')
    const outcome = await dialling
    t.match(outcome, { kind: 'answered', legId: leg.id })
    if (outcome.kind !== 'answered') return
    await sw.joinConference(call.legId, 'drop-room-1')
    await sw.joinConference(outcome.legId, 'drop-room-1')
    t.same([...(sim.model.conference('drop-room-1')?.members.keys() ?? [])].sort(), [call.legId, outcome.legId].sort(), 'caller and number in one room')
  })

  void t.test(`${protocol}: the number answers during a 5 s drop: the hunt still reaches it, and it joins a conference`, async (t) => {
    const { sw, sim, proxy } = await portBehindProxy(t, protocol, { timeScale: TIME_SCALE })
    const { call } = await answeredCall(sw, sim, '13800000042')
    // Answers 2 s (script time) after it starts ringing: inside the drop.
    sim.model.defineEndpoint('02100000042', { kind: 'answer', afterMs: 2000 })
    let cut: Promise<{ from: number, to: number }> | undefined
    const attempts: TransferAttempt[] = []
    const result = await hunt({ switch: sw, clock: systemClock, callerIdNumber: '12345', isDirectoryNumber: () => true }, {
      matterId: 'm', departmentId: 'd', entries: [{ number: '02100000042', ringTimeoutSec: 30 }],
      signal: new AbortController().signal,
      log: silent,
      onDialStart: () => {
        cut ??= eventually(() => sim.model.channels().find((c) => c.destination === '02100000042'), 'ringing')
          .then(async () => await proxy.cutFor(sim.model.scaled(DROP_MS)))
      },
      onAttempt: (attempt) => { attempts.push(attempt) }
    })
    const drop = await cut
    t.equal(result.kind, 'answered', 'the number that answered is reached')
    if (result.kind !== 'answered') return
    const answeredAt = sim.model.channel(result.legId)?.answeredAt ?? 0
    if (protocol === 'esl') {
      // FreeSWITCH keeps the originate, and the parked answered leg, while nobody listens.
      t.same(attempts.map((a) => a.outcome), ['answered'], 'one dial, answered')
      t.ok(drop !== undefined && answeredAt >= drop.from && answeredAt <= drop.to, 'it answered during the drop')
    } else {
      // Asterisk hangs up a leg that answers while its Stasis app is inactive (res_stasis:
      // "not active"): that dial is lost, and the number is dialled again.
      t.same(attempts.map((a) => a.outcome), ['lost', 'answered'], 'lost with the drop, then answered on the redial')
    }
    await sw.joinConference(call.legId, 'drop-room-2')
    await sw.joinConference(result.legId, 'drop-room-2')
    t.same([...(sim.model.conference('drop-room-2')?.members.keys() ?? [])].sort(), [call.legId, result.legId].sort(), 'caller and number in one room')
    t.equal(sim.model.channels().filter((c) => c.destination === '02100000042' && c.answerState !== 'hangup').length, 1,
      'no other leg to the number is left up')
  })

  void t.test(`${protocol}: a caller's leg survives a 5 s drop: no hangup invented, the call goes on`, async (t) => {
    const { sw, sim, proxy } = await portBehindProxy(t, protocol, { timeScale: TIME_SCALE })
    const { call, caller } = await answeredCall(sw, sim, '13800000043')
    const events = recordLeg(sw, call.legId)
    const back = reconnected(sw)
    await proxy.cutFor(sim.model.scaled(DROP_MS))
    await back
    t.same(events.filter((e) => e.type === 'hangup'), [], 'no hangup reported')
    t.equal(await sw.play(call.legId, 'welcome'), 'played', 'prompts play again')
    t.ok(caller.heard.some((m) => m.includes('welcome')))
    await sw.hangup(call.legId)
    t.match(await eventually(() => events.find((e) => e.type === 'hangup'), 'hung up'), { cause: 'normal' })
  })

  void t.test(`${protocol}: a caller who hangs up during the drop is reported ended, not lost`, async (t) => {
    const { sw, sim, proxy } = await portBehindProxy(t, protocol, { timeScale: TIME_SCALE })
    const { call, caller } = await answeredCall(sw, sim, '13800000044')
    const events = recordLeg(sw, call.legId)
    const back = reconnected(sw)
    const drop = proxy.cutFor(sim.model.scaled(DROP_MS))
    caller.hangup()
    await caller.ended
    await drop
    await back
    const end = await eventually(() => events.find((e) => e.type === 'hangup'), 'reported ended')
    t.match(end, { type: 'hangup', cause: 'failed' }, `who ended it is not known: failed (${JSON.stringify(end)})`)
  })

  void t.test(`${protocol}: a dial whose number is busy during the drop ends lost, not busy`, async (t) => {
    const { sw, sim, proxy } = await portBehindProxy(t, protocol, { timeScale: TIME_SCALE })
    sim.model.defineEndpoint('02100000045', { kind: 'busy', afterMs: 1500 })
    const dialling = sw.dial({ target: { number: '02100000045' }, callerIdNumber: '12345', ringTimeoutMs: 30_000 })
    const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000045'), 'the number rings')
    const back = reconnected(sw)
    await proxy.cutFor(sim.model.scaled(DROP_MS))
    t.equal(leg.hangupCause, 'USER_BUSY', 'busy while nobody heard it')
    await back
    t.match(await dialling, { kind: 'lost' }, 'its outcome went with the connection')
  })

  void t.test(`${protocol}: the switch restarting during the drop: the legs it took are lost`, async (t) => {
    const { sw, sim, proxy } = await portBehindProxy(t, protocol, { timeScale: TIME_SCALE })
    const { call } = await answeredCall(sw, sim, '13800000046')
    sim.model.defineEndpoint('02100000046', { kind: 'no-answer' })
    const dialling = sw.dial({ target: { number: '02100000046' }, callerIdNumber: '12345', ringTimeoutMs: 30_000 })
    await eventually(() => sim.model.channels().find((c) => c.destination === '02100000046'), 'the number rings')
    const events = recordLeg(sw, call.legId)
    const back = reconnected(sw)
    proxy.cut()
    t.equal(await sim.model.restart({ downMs: 1500 }), true, 'restarted while nobody listened')
    proxy.restore()
    await back
    t.match(await eventually(() => events.find((e) => e.type === 'hangup'), 'reported ended'), { type: 'hangup', cause: 'lost' })
    t.match(await dialling, { kind: 'lost' })
  })
}
