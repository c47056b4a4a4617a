import t from 'tap'
import { playStep } from '../../../src/flows/steps/play.js'
import { hangupStep } from '../../../src/flows/steps/hangup.js'
import { fakeStepContext } from '../fake-call.js'

void t.test('play: the prompt, then next', async (t) => {
  const f = fakeStepContext([])
  t.same(await playStep.run({ kind: 'play', prompt: 'welcome', next: 'menu' }, f.ctx, f.signal), { next: 'menu' })
  t.same(f.caller.heard, ['play:welcome'])
})

void t.test('hangup: optional prompt, then the end with its reason (default "hangup")', async (t) => {
  const f = fakeStepContext([])
  t.same(await hangupStep.run({ kind: 'hangup', prompt: 'goodbye', reason: 'served' }, f.ctx, f.signal), { end: 'served' })
  t.same(f.caller.heard, ['play:goodbye'])
  const g = fakeStepContext([])
  t.same(await hangupStep.run({ kind: 'hangup' }, g.ctx, g.signal), { end: 'hangup' })
  t.same(g.caller.heard, [])
  t.same(hangupStep.references({ kind: 'hangup' }).next, [], 'a hangup continues nowhere: it ends the call')
})

void t.test('an aborted call plays nothing', async (t) => {
  const f = fakeStepContext([])
  f.abort.abort()
  await t.rejects(playStep.run({ kind: 'play', prompt: 'welcome', next: 'menu' }, f.ctx, f.signal), { code: 'HC_ABORTED' })
  await t.rejects(hangupStep.run({ kind: 'hangup', prompt: 'goodbye' }, f.ctx, f.signal), { code: 'HC_ABORTED' })
  t.same(f.caller.heard, [])
})
