// A switch installed without some prompts (a file deleted, a prompt added to the catalogue and
// not built yet): the controller finds out at connect, shows it on /ready, in the metrics and
// on the dashboard, and its callers go through the menus as if the prompts had been played.
import t from 'tap'
import { withoutMedia } from '../../src/adapters/sim/sim-install.js'
import { PROTOCOLS, SCRAPE, sounds, startTestController } from '../helpers/controller.js'
import { SHIPPED_INSTALL } from '../helpers/install.js'
import { eventually } from '../helpers/sim.js'

const WORKING = '2025-03-12T10:00:00+08:00'
const GONE = ['welcome', 'priority-menu']
const TOKENS = 'supervisor-token-0123456789:supervisor'
const install = withoutMedia(SHIPPED_INSTALL, (media) => GONE.some((id) => media.endsWith(`/${id}`) || media.endsWith(`/${id}.wav`)))

const metric = (text: string, name: string): string | undefined =>
  text.split('\n').find((line) => line.startsWith(name))?.split(' ').at(-1)

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: missing prompts are known before a call, and a call goes on without them`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: WORKING }, install, env: { API_TOKENS: TOKENS } })
    const ready = await eventually(async () => {
      const res = await c.controller.app.inject({ url: '/ready' })
      const body = res.json<{ prompts?: { missing: string[], checkedAt?: string } }>()
      return body.prompts?.checkedAt === undefined ? undefined : { status: res.statusCode, body }
    }, 'the prompt check')
    t.equal(ready.status, 200, 'missing prompts do not make the controller unready')
    t.same(ready.body.prompts?.missing, ['priority-menu', 'welcome'], 'sorted')
    const metrics = (await c.controller.app.inject({ url: '/metrics', headers: SCRAPE })).body
    t.equal(metric(metrics, 'hotline_prompts_missing'), '2')
    const alarms = await eventually(async () => {
      const res = await c.controller.app.inject({ url: '/api/live/snapshot', headers: { authorization: 'Bearer supervisor-token-0123456789' } })
      const found = res.json<{ alarms: Array<{ kind: string, message: string }> }>().alarms.filter((a) => a.kind === 'prompts-missing')
      return found.length > 0 ? found : undefined
    }, 'the dashboard alarm')
    t.match(alarms[0]?.message, /缺少 2 个提示音（priority-menu、welcome）/)

    const caller = c.sim.model.placeCall({ from: '13812340099', to: '12345' })
    await eventually(() => caller.channel.answerState === 'answered' ? true : undefined, 'answered')
    // No welcome and no priority menu to hear: once the menu waits, the caller keys into the
    // silence where it would be (ARI keeps no key pressed before the question).
    await eventually(() => c.lines.some((l) => l.msg === 'waiting for keys' && l.prompt === 'priority-menu') ? true : undefined, 'the menu waits')
    // FreeSWITCH drops a key pressed while the channel is parked between two commands: the
    // caller keys once the short silence standing in for the menu has begun.
    if (protocol === 'esl') await eventually(() => caller.heard.includes('silence_stream://250') ? true : undefined, 'the silence in its place')
    caller.sendDtmf('4')
    await eventually(() => sounds(caller.heard).includes('to-ordinary') ? true : undefined, 'the other-enquiries branch')
    t.notOk(sounds(caller.heard).includes('welcome'))
    t.notOk(sounds(caller.heard).includes('no-input'), 'the key was taken at the first asking')
    t.equal(caller.channel.answerState, 'answered', 'the call was not ended by the missing prompts')
    const skipped = (await c.controller.app.inject({ url: '/metrics', headers: SCRAPE })).body
    t.match(skipped, /hotline_prompts_skipped_total\{prompt="welcome"\} 1/)
    t.match(skipped, /hotline_prompts_skipped_total\{prompt="priority-menu"\} 1/)
    t.ok(c.lines.some((l) => l.msg.startsWith('prompt missing on the switch') && l.prompt === 'welcome'), 'logged')
  })
}
