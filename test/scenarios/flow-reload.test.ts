// A flow file changed while calls are in it: the call in progress finishes on the version it
// started with, new calls take the new version, and a broken edit is refused while the good
// version stays in force. On both switches.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { FLOWS_DIR, PROTOCOLS, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const WORKING = '2025-03-12T10:00:00+08:00'

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: reloaded while a call is in the flow`, async (t) => {
    const dir = t.testdir({})
    cpSync(FLOWS_DIR, dir, { recursive: true })
    const file = join(dir, 'enterprise-seat.yaml')
    const c = await startTestController(t, protocol, { ivr: { at: WORKING, flowsDir: dir } })
    const flows = c.controller.ivr!.flows
    const before = flows.current('enterprise-seat').version

    const first = c.sim.model.placeCall({ from: '13812340010', to: '12345' })
    await eventually(() => sounds(first.heard).includes('priority-menu') ? true : undefined, 'first call at the menu')

    // The edit: the greeting step now plays the "connecting" prompt first.
    const original = readFileSync(file, 'utf8')
    const edited = original.replace(/(\n {2}welcome:\n {4}kind: play\n {4}prompt: )welcome\n/, '$1connecting\n')
    t.not(edited, original, 'the edit applies')
    writeFileSync(file, edited)
    const report = await flows.reload()
    t.equal(report.rejected.length, 0)
    const after = flows.current('enterprise-seat').version
    t.not(after, before, 'a new version is in force')

    const second = c.sim.model.placeCall({ from: '13812340011', to: '12345' })
    await eventually(() => sounds(second.heard).includes('priority-menu') ? true : undefined, 'second call at the menu')
    t.equal(sounds(second.heard)[0], 'connecting', 'a new call runs the new version')

    // A broken edit is refused; the good version stays.
    writeFileSync(file, edited.replace('next: priority-menu', 'next: no-such-step'))
    const refused = await flows.reload()
    t.equal(refused.rejected.length, 1)
    t.match(refused.rejected[0]?.problems, [{ file, path: '/steps/welcome/next', reason: /no-such-step/ }])
    t.equal(flows.current('enterprise-seat').version, after, 'the good version stays in force')

    // The first call goes on, on the version it started with.
    first.sendDtmf('4')
    second.sendDtmf('4')
    for (const caller of [first, second]) {
      await eventually(() => sounds(caller.heard).includes('to-ordinary') ? true : undefined, 'ordinary queue')
      caller.hangup()
    }
    const records = await eventually(() => {
      const ended = c.controller.calls.recent()
      return ended.length === 2 ? ended : undefined
    }, 'both calls ended')
    const byLeg = new Map(records.map((r) => [r.legId, r]))
    t.equal(byLeg.get(first.channel.id)?.flowVersion, before, 'the first call kept its version')
    t.equal(byLeg.get(second.channel.id)?.flowVersion, after)
    t.equal(sounds(first.heard)[0], 'welcome', 'the first call heard the old greeting')
  })
}
