// A leg that ends while a command on it is in flight: the command fails with the call gone,
// and nothing surfaces as an unhandled rejection (which ended the whole process once: a
// caller hanging up during a FreeSWITCH conference join, seen 20 times in 20 under load).
// Through the real client libraries on the simulator.
import t from 'tap'
import { PROTOCOLS } from '../../helpers/controller.js'
import { answeredCall, portOnSim } from './port.js'

const ROUNDS = 20

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: the caller hangs up as it joins or leaves a conference, ${ROUNDS} times`, async (t) => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
    process.on('unhandledRejection', onUnhandled)
    t.teardown(() => { process.off('unhandledRejection', onUnhandled) })
    const { sw, sim } = await portOnSim(t, protocol)
    const outcomes: string[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const { call } = await answeredCall(sw, sim, `138000100${String(i).padStart(2, '0')}`)
      const room = `race-${i}`
      // The command leaves now; the hangup's events reach the adapter before its reply.
      const join = sw.joinConference(call.legId, room)
      sim.model.hangup(call.legId, 'NORMAL_CLEARING', 'remote')
      outcomes.push(await join.then(() => 'joined', (err: { code?: string }) => err.code ?? 'error'))
      // And the same for leaving (a second caller, joined first).
      const second = await answeredCall(sw, sim, `139000100${String(i).padStart(2, '0')}`)
      await sw.joinConference(second.call.legId, `${room}-b`)
      const leave = sw.leaveConference(second.call.legId, `${room}-b`)
      sim.model.hangup(second.call.legId, 'NORMAL_CLEARING', 'remote')
      outcomes.push(await leave.then(() => 'left', (err: { code?: string }) => err.code ?? 'error'))
    }
    // Let any stray rejection reach the process hook before counting.
    await new Promise((resolve) => setImmediate(resolve))
    t.same(unhandled, [], 'no unhandled rejection')
    const allowed = new Set(['HC_CALL_GONE', 'joined', 'left'])
    t.same(outcomes.filter((o) => !allowed.has(o)), [], `every command ended cleanly (${[...new Set(outcomes)].join(', ')})`)
  })
}
