// The first call, end to end, on both switches: a simulated caller dials 12345; the
// controller, speaking ESL (FreeSWITCH) or ARI (Asterisk) through its adapter to the simulated
// switch, answers, plays the greeting, takes a key, says goodbye and hangs up. The log tells
// the story and /metrics counts the call.
import t from 'tap'
import { PROTOCOLS, SCRAPE, VENDOR, heardPrompt, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: greeting, a key, goodbye, hang up — told by the log and counted by /metrics`, async (t) => {
    const { controller, sim, lines, raw } = await startTestController(t, protocol)
    const caller = sim.model.placeCall({ from: '13812345678', to: '12345' })
    await heardPrompt(caller.heard, 'first-call-menu')
    caller.sendDtmf('5')
    const ended = await caller.ended
    t.equal(ended.side, 'switch', 'the controller hung up, not the caller')
    t.equal(ended.cause, 'NORMAL_CLEARING')
    t.same(sounds(caller.heard), ['welcome', 'first-call-menu', 'goodbye'])

    const summary = await controller.calls.whenEnded(caller.channel.id)
    t.match(summary, { finalState: 'completed', reason: 'goodbye', choices: { firstKey: '5' }, caller: '138****5678' })

    // The story, in order, all on one call id.
    const story = lines.filter((l) => l.leg === caller.channel.id)
    const messages = story.map((l) => l.msg)
    const expected = ['call offered', 'answered', 'playing prompt', 'waiting for keys', 'caller pressed keys',
      'playing prompt', 'hung up by the controller', 'call ended']
    let at = -1
    for (const m of expected) {
      const next = messages.indexOf(m, at + 1)
      t.ok(next > at, `log tells "${m}" in order`)
      at = next
    }
    t.equal(new Set(story.map((l) => l.callId)).size, 1, 'one child logger per call')
    t.ok(story.some((l) => l.from === '138****5678'), 'caller number masked')
    t.ok(story.some((l) => l.msg === 'caller pressed keys' && l.digits === '5'), 'a menu key stays readable in the log')
    t.notOk(raw.join('').includes('13812345678'), 'the full number is nowhere in the log')

    const metrics = await controller.app.inject({ url: '/metrics', headers: SCRAPE })
    t.equal(metrics.statusCode, 200)
    t.match(metrics.body, /hotline_calls_offered_total 1\b/)
    t.match(metrics.body, /hotline_calls_ended_total\{final_state="completed",reason="goodbye",ended_by="controller"\} 1\b/)
    t.match(metrics.body, new RegExp(`hotline_switch_up\\{vendor="${VENDOR[protocol]}"\\} 1\\b`))
    t.match(metrics.body, /process_cpu_user_seconds_total/, 'default Node metrics included')
  })

  void t.test(`${protocol}: a caller who hangs up in the IVR is an abandoned call`, async (t) => {
    const { controller, sim } = await startTestController(t, protocol)
    const caller = sim.model.placeCall({ from: '13900001111', to: '12345' })
    await heardPrompt(caller.heard, 'welcome')
    caller.hangup()
    const summary = await eventually(() => controller.calls.recent().find((s) => s.legId === caller.channel.id), 'call end')
    t.equal(summary.finalState, 'abandoned')
  })

  void t.test(`${protocol}: health, and ready only while the switch is connected`, async (t) => {
    const { controller, sim } = await startTestController(t, protocol)
    t.equal((await controller.app.inject({ url: '/health' })).statusCode, 200)
    const ready = await controller.app.inject({ url: '/ready' })
    t.equal(ready.statusCode, 200)
    t.match(ready.json(), { ready: true, switch: { vendor: VENDOR[protocol], state: 'ready' } })
    await sim.close()
    await eventually(() => controller.switch.status().state === 'disconnected' ? true : undefined, 'disconnect seen')
    const notReady = await controller.app.inject({ url: '/ready' })
    t.equal(notReady.statusCode, 503)
    t.match(notReady.json(), { ready: false, switch: { state: 'disconnected' } })
  })

  void t.test(`${protocol}: shutdown: new calls refused, the call in progress finishes, then close`, async (t) => {
    const { controller, sim } = await startTestController(t, protocol)
    const first = sim.model.placeCall({ from: '13700000001', to: '12345' })
    await heardPrompt(first.heard, 'first-call-menu')
    const stopping = controller.shutdown(10_000)
    await eventually(() => controller.calls.draining ? true : undefined, 'draining')
    t.equal((await controller.app.inject({ url: '/ready' })).statusCode, 503, 'not ready while draining')
    const late = sim.model.placeCall({ from: '13700000002', to: '12345' })
    t.match(await late.ended, { cause: 'USER_BUSY' }, 'a new call is refused busy')
    first.sendDtmf('1')
    await stopping
    t.same(sounds(first.heard), ['welcome', 'first-call-menu', 'goodbye'], 'the call in progress finished normally')
    t.match(await first.ended, { cause: 'NORMAL_CLEARING' })
  })

  void t.test(`${protocol}: shutdown deadline: a call still in progress is cut`, async (t) => {
    const { controller, sim, lines } = await startTestController(t, protocol)
    const caller = sim.model.placeCall({ from: '13700000003', to: '12345' })
    await heardPrompt(caller.heard, 'first-call-menu')
    await controller.shutdown(50)
    t.match(await caller.ended, { side: 'switch' })
    const summary = controller.calls.recent().find((s) => s.legId === caller.channel.id)
    t.match(summary, { finalState: 'cut', reason: 'drain-deadline', endedBy: 'controller' }, 'cut by the controller, not a failure')
    t.notOk(lines.some((l) => /caller (leg )?hung up/.test(l.msg)), 'the log does not blame the caller')
    t.ok(lines.some((l) => l.msg === 'call ended' && l.finalState === 'cut' && l.reason === 'drain-deadline'))
  })
}
