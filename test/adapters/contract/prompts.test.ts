// Both adapters, through the switch factory, on a simulator that lacks some of the prompts:
// the switch is asked which are missing (FreeSWITCH `file_exists`, ARI GET /sounds), and a
// missing prompt never ends a call — a play resolves `missing`, keys are still collected.
import t, { type Test } from 'tap'
import { withoutMedia } from '../../../src/adapters/sim/sim-install.js'
import { PROTOCOLS, sounds } from '../../helpers/controller.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'
import { type PortOnSim, answeredCall as answered, portOnSim } from './port.js'

const GONE = ['goodbye', 'priority-menu']
const install = withoutMedia(SHIPPED_INSTALL, (media) => GONE.some((id) => media.endsWith(`/${id}`) || media.endsWith(`/${id}.wav`)))
const start = async (t: Test, protocol: 'esl' | 'ari'): Promise<PortOnSim> => await portOnSim(t, protocol, install)

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: the switch says which prompts it lacks`, async (t) => {
    const { sw } = await start(t, protocol)
    t.same(await sw.missingPrompts(['welcome', 'goodbye', 'priority-menu', 'no-input']), ['goodbye', 'priority-menu'])
    t.same(await sw.missingPrompts(['welcome']), [])
  })

  void t.test(`${protocol}: a missing prompt is skipped and the call goes on`, async (t) => {
    const { sw, sim } = await start(t, protocol)
    const { call, caller } = await answered(sw, sim, '13800000021')
    t.equal(await sw.play(call.legId, 'goodbye'), 'missing', 'found missing while playing: not an error')
    t.equal(await sw.play(call.legId, 'welcome'), 'played')
    t.same(sounds(caller.heard), ['welcome'], 'the caller heard the prompt that exists')
    t.equal(caller.channel.answerState, 'answered', 'the call is up')
  })

  void t.test(`${protocol}: a prompt known missing is not sent; keys are still collected without it`, async (t) => {
    const { sw, sim } = await start(t, protocol)
    await sw.missingPrompts(['priority-menu', 'goodbye'])
    const failed: string[] = []
    sim.model.on('event', (e) => { if (e.type === 'playback-finished' && e.status === 'failed') failed.push(e.media) })
    const { call, caller } = await answered(sw, sim, '13800000022')
    t.equal(await sw.play(call.legId, 'goodbye'), 'missing')
    const collecting = sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 10_000 })
    // The keys are waited for with no prompt (ESL: a short silence in its place).
    setTimeout(() => { caller.sendDtmf('2') }, 100)
    t.same(await collecting, { digits: '2', reason: 'complete', promptMissing: true })
    t.same(failed, [], 'the switch was never asked to play them')
    t.notOk(sounds(caller.heard).includes('priority-menu'))
    const quiet = await sw.collectDigits(call.legId, { prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 200 })
    t.same(quiet, { digits: '', reason: 'timeout', promptMissing: true }, 'nobody keys: an ordinary timeout')
  })
}
