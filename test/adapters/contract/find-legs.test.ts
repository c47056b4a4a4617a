// Legs found again after a controller dies: each leg carries its controller's and call's ids on
// the switch (LegTag), and a port that connects afterwards lists them (findLegs) with where they
// are, and offers the callers parked while nobody listened. Both adapters, through the real
// client libraries; the first port is destroyed as a killed process would leave it.
import t from 'tap'
import type { InboundCall } from '../../../src/ports/switch.js'
import { PROTOCOLS } from '../../helpers/controller.js'
import { eventually } from '../../helpers/sim.js'
import { portBehindProxy, portTo } from './port.js'

const PASSWORD = 'contract-secret-0123'
const TAG = { controllerId: 'ctl-a', callId: 'call-1' }

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: a dead controller's legs are found with their tags; a caller parked meanwhile is offered`, async (t) => {
    const { sw: first, sim, proxy } = await portBehindProxy(t, protocol)
    const offered = new Promise<InboundCall>((resolve) => { const stop = first.onInboundCall((c) => { stop(); resolve(c) }) })
    const caller = sim.model.placeCall({ from: '13800000071', to: '12345' })
    const call = await offered
    await first.answer(call.legId)
    await first.tagLeg(call.legId, TAG)
    sim.model.defineEndpoint('02100000071', { kind: 'answer', afterMs: 50 })
    const agent = await first.dial({ target: { number: '02100000071' }, callerIdNumber: '12345', ringTimeoutMs: 5000, tag: { ...TAG, role: 'specialist' } })
    if (agent.kind !== 'answered') throw new Error(`dial ended ${agent.kind}`)
    await first.joinConference(call.legId, 'call-call-1')
    await first.joinConference(agent.legId, 'call-call-1')
    await t.rejects(first.tagLeg(call.legId, { controllerId: 'ctl a;x', callId: 'c' }), { code: 'HC_SWITCH_COMMAND' }, 'nothing that could end or split a command')
    await t.rejects(first.tagLeg(call.legId, { ...TAG, role: 'x y' as 'agent' }), { code: 'HC_SWITCH_COMMAND' }, 'a role from the list only')

    first.destroy()
    const parked = sim.model.placeCall({ from: '13800000072', to: '12345' })
    await eventually(() => sim.model.channel(parked.channel.id) !== undefined ? true : undefined, 'a caller comes in with nobody listening')
    t.equal(caller.channel.answerState, 'answered', 'the dead controller\'s caller is still there')

    const second = await portTo(t, protocol, proxy.port, PASSWORD)
    const offeredAgain: InboundCall[] = []
    second.onInboundCall((c) => offeredAgain.push(c))
    const found = await second.findLegs()
    t.same(found.map((l) => l.legId).sort(), [call.legId, agent.legId].sort(), 'the tagged legs, and only those')
    t.match(found.find((l) => l.legId === call.legId), { tag: TAG, direction: 'inbound', answered: true, room: 'call-call-1', from: '13800000071' })
    t.same(found.find((l) => l.legId === call.legId)?.tag, TAG, 'no role on the caller\'s leg')
    t.match(found.find((l) => l.legId === agent.legId), { tag: { ...TAG, role: 'specialist' }, direction: 'outbound', answered: true, room: 'call-call-1' })
    t.equal(found.find((l) => l.legId === agent.legId)?.from, undefined)
    if (protocol === 'esl') {
      t.match(offeredAgain, [{ legId: parked.channel.id, from: '13800000072', to: '12345' }], 'the caller parked meanwhile is offered')
    }
    const again = await second.findLegs()
    t.same(again.map((l) => l.legId).sort(), [call.legId, agent.legId].sort(), 'found again at each look (a peer\'s legs may be a dead one\'s later)')
    t.notOk(offeredAgain.length > 1, 'a parked caller is offered once')

    // Followed: its events reach the new port, and it can be driven.
    const ended = new Promise<string>((resolve) => { second.onLegEvent(agent.legId, (e) => { if (e.type === 'hangup') resolve(e.cause) }) })
    await second.leaveConference(call.legId, 'call-call-1')
    t.equal(await second.play(call.legId, 'goodbye'), 'played')
    await second.hangup(agent.legId, 'normal')
    t.equal(await ended, 'normal')
  })
}
