// The switch going away under the calls (a shutdown, a restart), for both adapters through the
// real client libraries on the simulator, which copies what the real switches did (FreeSWITCH:
// every channel SYSTEM_SHUTDOWN; Asterisk 22.10.1, capture 14: ChannelHangupRequest 4 soft on
// every channel, the ringing leg Dial NOANSWER and ChannelDestroyed 0 "Unknown"). A dial it
// cuts is `lost` and a leg it ends has cause `lost`: never the number's or the caller's doing.
import t from 'tap'
import { hunt } from '../../../src/calls/hunt.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { TransferAttempt } from '../../../src/domain/transfer-record.js'
import { PROTOCOLS } from '../../helpers/controller.js'
import { eventually } from '../../helpers/sim.js'
import { answeredCall, portOnSim, recordLeg, reconnected } from './port.js'
import { pino } from 'pino'

const silent = pino({ level: 'silent' })

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: a restart while a number rings ends the dial lost, not no-answer`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    sim.model.defineEndpoint('02100000031', { kind: 'no-answer' })
    const dialling = sw.dial({ target: { number: '02100000031' }, callerIdNumber: '12345', ringTimeoutMs: 60_000 })
    await eventually(() => sim.model.channels().find((c) => c.destination === '02100000031'), 'the number rings')
    const back = reconnected(sw)
    const up = sim.model.restart({ downMs: 1500 })
    t.match(await dialling, { kind: 'lost' })
    t.equal(await up, true)
    await back
    sim.model.defineEndpoint('02100000032', { kind: 'answer', afterMs: 100 })
    t.match(await sw.dial({ target: { number: '02100000032' }, callerIdNumber: '12345', ringTimeoutMs: 5000 }), { kind: 'answered' },
      'back up: dials work again')
  })

  void t.test(`${protocol}: the switch shutting down ends the caller's and an answered dialled leg with cause lost`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    const { call } = await answeredCall(sw, sim, '13800000031')
    sim.model.defineEndpoint('02100000033', { kind: 'answer', afterMs: 100 })
    const dialled = await sw.dial({ target: { number: '02100000033' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
    if (dialled.kind !== 'answered') throw new Error(`dial ended ${dialled.kind}`)
    await sw.joinConference(call.legId, 'shutdown-room')
    await sw.joinConference(dialled.legId, 'shutdown-room')
    const caller = recordLeg(sw, call.legId)
    const specialist = recordLeg(sw, dialled.legId)
    const up = sim.model.restart({ downMs: 1500 })
    const callerEnd = await eventually(() => caller.find((e) => e.type === 'hangup'), 'the caller leg ends')
    const specialistEnd = await eventually(() => specialist.find((e) => e.type === 'hangup'), 'the dialled leg ends')
    t.match(callerEnd, { type: 'hangup', cause: 'lost' }, `the caller: lost (${JSON.stringify(callerEnd)})`)
    t.match(specialistEnd, { type: 'hangup', cause: 'lost' }, `the dialled leg: lost (${JSON.stringify(specialistEnd)})`)
    t.equal(await up, true)
  })

  void t.test(`${protocol}: a leg the controller hangs up as it drains is not lost`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    const { call } = await answeredCall(sw, sim, '13800000032')
    const events = recordLeg(sw, call.legId)
    await sw.hangup(call.legId, 'shutdown')
    const end = await eventually(() => events.find((e) => e.type === 'hangup'), 'the leg ends')
    t.match(end, { type: 'hangup', cause: 'normal' }, 'our own hangup, whatever cause it carried')
  })

  void t.test(`${protocol}: a hunt through a restart dials the same number again once the switch is back`, async (t) => {
    const { sw, sim } = await portOnSim(t, protocol)
    // Answers 3 s (script time) after it starts ringing: the restart comes first.
    sim.model.defineEndpoint('02100000034', { kind: 'answer', afterMs: 3000 })
    let restarted = false
    const attempts: TransferAttempt[] = []
    const result = await hunt({ switch: sw, clock: systemClock, callerIdNumber: '12345', isDirectoryNumber: () => true }, {
      matterId: 'm', departmentId: 'd', entries: [{ number: '02100000034', ringTimeoutSec: 30 }],
      signal: new AbortController().signal,
      log: silent,
      onDialStart: () => {
        if (restarted) return
        restarted = true
        void eventually(() => sim.model.channels().find((c) => c.destination === '02100000034'), 'ringing')
          .then(async () => await sim.model.restart({ downMs: 1500 }))
      },
      onAttempt: (attempt) => { attempts.push(attempt) }
    })
    t.same(attempts.map((a) => a.outcome), ['lost', 'answered'], 'lost to the restart, then answered')
    t.equal(result.kind, 'answered')
    if (result.kind === 'answered') {
      t.equal(sim.model.channel(result.legId)?.answerState, 'answered')
      await sw.hangup(result.legId)
    }
  })
}
