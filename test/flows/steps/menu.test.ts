import t from 'tap'
import { type MenuStep, menuStep } from '../../../src/flows/steps/menu.js'
import { HANGUP, fakeStepContext } from '../fake-call.js'

const menu: MenuStep = {
  kind: 'menu',
  prompt: 'priority-menu',
  options: {
    1: { next: 'category', set: { priority: 'handling' } },
    4: { next: 'ordinary', set: { priority: 'second' } },
    '*': { next: 'back' }
  },
  timeoutMs: 6000,
  retries: 2,
  invalidPrompt: 'invalid-input',
  noInputPrompt: 'no-input',
  onFail: 'fallback'
}

void t.test('a listed key leads to its step and sets its variables', async (t) => {
  const f = fakeStepContext(['4'])
  t.same(await menuStep.run(menu, f.ctx, f.signal), { next: 'ordinary' })
  t.same(f.ctx.vars(), { priority: 'second' })
  t.same(f.caller.asked, [{ prompt: 'priority-menu', minDigits: 1, maxDigits: 1, timeoutMs: 6000 }])
  const star = fakeStepContext(['*'])
  t.same(await menuStep.run(menu, star.ctx, star.signal), { next: 'back' })
  t.same(star.ctx.vars(), {}, 'an option without set sets nothing')
})

void t.test('a key not among the options is invalid: invalid prompt, menu again', async (t) => {
  const f = fakeStepContext(['7', '#', '1'])
  t.same(await menuStep.run(menu, f.ctx, f.signal), { next: 'category' })
  t.same(f.caller.heard, [
    'ask:priority-menu', 'play:invalid-input',
    'ask:priority-menu', 'play:invalid-input',
    'ask:priority-menu'
  ])
  t.same(f.ctx.vars(), { priority: 'handling' })
})

void t.test('retries + 1 invalid keys leave by onFail', async (t) => {
  const f = fakeStepContext(['7', '8', '9'])
  t.same(await menuStep.run(menu, f.ctx, f.signal), { next: 'fallback' })
  t.equal(f.caller.heard.filter((h) => h === 'ask:priority-menu').length, 3)
  t.equal(f.caller.heard.at(-1), 'play:invalid-input', 'the caller hears why before leaving')
  t.same(f.ctx.vars(), {})
})

void t.test('retries + 1 silences leave by onFail, with the no-input prompt each time', async (t) => {
  const f = fakeStepContext(['', '', ''])
  t.same(await menuStep.run(menu, f.ctx, f.signal), { next: 'fallback' })
  t.same(f.caller.heard, [
    'ask:priority-menu', 'play:no-input', 'ask:priority-menu', 'play:no-input', 'ask:priority-menu', 'play:no-input'
  ])
})

void t.test('invalid keys and silences are counted apart', async (t) => {
  // Two of each stays within retries: 2 for both counts; the fifth try succeeds.
  const f = fakeStepContext(['9', '', '9', '', '1'])
  t.same(await menuStep.run(menu, f.ctx, f.signal), { next: 'category' })
  t.equal(f.caller.unused, 0)
  // A third silence after two invalid keys fails on the silence count alone.
  const g = fakeStepContext(['9', '', '9', '', ''])
  t.same(await menuStep.run(menu, g.ctx, g.signal), { next: 'fallback' })
})

void t.test('retries 0: one failure is enough; no prompts configured: silence between tries', async (t) => {
  const bare: MenuStep = { kind: 'menu', prompt: 'priority-menu', options: { 1: { next: 'a' } }, retries: 0, onFail: 'fallback' }
  const f = fakeStepContext(['5'])
  t.same(await menuStep.run(bare, f.ctx, f.signal), { next: 'fallback' })
  t.same(f.caller.heard, ['ask:priority-menu'])
  t.equal(f.caller.asked[0]?.timeoutMs, 5000, 'default timeout')
  const g = fakeStepContext(['', '', '1'])
  t.same(await menuStep.run({ ...bare, retries: undefined }, g.ctx, g.signal), { next: 'a' }, 'default retries: 2')
})

void t.test('a hang-up during the menu rejects with the abort, never onFail', async (t) => {
  const f = fakeStepContext(['9', HANGUP])
  await t.rejects(menuStep.run(menu, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
  t.same(f.ctx.vars(), {})
})

void t.test('references name every target and prompt with its path', async (t) => {
  const refs = menuStep.references(menu)
  t.same(refs.next, [
    { path: '/options/1/next', id: 'category' },
    { path: '/options/4/next', id: 'ordinary' },
    { path: '/options/*/next', id: 'back' },
    { path: '/onFail', id: 'fallback' }
  ])
  t.same(refs.prompts.map((p) => p.id), ['priority-menu', 'invalid-input', 'no-input'])
  t.same(refs.variables, [
    { path: '/options/1/set/priority', variable: 'priority', access: 'write', value: 'handling' },
    { path: '/options/4/set/priority', variable: 'priority', access: 'write', value: 'second' }
  ])
})
