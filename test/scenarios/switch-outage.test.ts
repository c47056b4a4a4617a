// The switch connection drops in the middle of a call (the ESL socket, or Asterisk's events
// WebSocket). On both switches: the controller reports not ready, reconnects, and the call in
// progress is not orphaned — it either goes on or is ended cleanly with a final state — and
// the next call is handled normally.
import t from 'tap'
import type { SwitchStatus } from '../../src/ports/switch.js'
import { PROTOCOLS, heardPrompt, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: connection dropped mid-call`, async (t) => {
    const { controller, sim } = await startTestController(t, protocol)
    const states: SwitchStatus['state'][] = []
    controller.switch.onStatus((s) => states.push(s.state))
    const caller = sim.model.placeCall({ from: '13800001234', to: '12345' })
    await heardPrompt(caller.heard, 'first-call-menu')

    sim.dropConnections()
    await eventually(() => states.includes('disconnected') && controller.switch.status().state === 'ready' ? true : undefined,
      'disconnected, then ready again')
    caller.sendDtmf('3')
    const ended = await caller.ended
    t.equal(ended.side, 'switch', 'the controller ended the call: nobody is left parked')
    const summary = await eventually(() => controller.calls.recent().find((s) => s.legId === caller.channel.id), 'record')
    if (summary.finalState === 'completed') {
      t.same(sounds(caller.heard).slice(-1), ['goodbye'], 'the call went on after the reconnect')
    } else {
      t.match(summary, { finalState: 'cut', reason: 'switch-lost', endedBy: 'switch' }, 'ended cleanly, saying the switch went away')
    }

    const next = sim.model.placeCall({ from: '13800005678', to: '12345' })
    await heardPrompt(next.heard, 'first-call-menu')
    next.sendDtmf('1')
    await next.ended
    t.same(sounds(next.heard), ['welcome', 'first-call-menu', 'goodbye'], 'the next call is handled normally')
  })
}
