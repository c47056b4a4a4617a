import t from 'tap'
import { Directory } from '../../../src/domain/directory.js'
import { type CollectStep, collectStep } from '../../../src/flows/steps/collect.js'
import { HANGUP, fakeStepContext, services } from '../fake-call.js'

const creditCode: CollectStep = {
  kind: 'collect',
  prompt: 'enter-code',
  minDigits: 6,
  maxDigits: 8,
  timeoutMs: 8000,
  terminators: '#',
  retries: 1,
  into: 'enterpriseCode',
  validate: { pattern: '9[0-9]+' },
  invalidPrompt: 'invalid-input',
  next: 'ok',
  onFail: 'fallback'
}

/** A directory whose matters have digit ids, as a directory with matter codes would. */
const coded = new Directory({
  categories: ['税务'],
  departments: [{ id: 'tax', name: '税务局', nameEn: 'Tax Bureau' }],
  matters: [{
    id: '1001', name: '发票领用', nameEn: 'Obtaining invoices', category: '税务', priority: 'handling', department: 'tax',
    hunt: [{ number: '02155010002', ringTimeoutSec: 25 }]
  }]
})

void t.test('digits that pass the rule go into the variable', async (t) => {
  const f = fakeStepContext(['9123456'])
  t.same(await collectStep.run(creditCode, f.ctx, f.signal), { next: 'ok' })
  t.same(f.ctx.vars(), { enterpriseCode: '9123456' })
  t.same(f.caller.asked, [{ prompt: 'enter-code', minDigits: 6, maxDigits: 8, timeoutMs: 8000, terminators: '#' }])
})

void t.test('the pattern must match the whole input', async (t) => {
  // `9[0-9]+` is found inside 1912345 but does not match all of it.
  const f = fakeStepContext(['1912345', '9000000'])
  t.same(await collectStep.run(creditCode, f.ctx, f.signal), { next: 'ok' })
  t.same(f.caller.heard, ['ask:enter-code', 'play:invalid-input', 'ask:enter-code'])
  t.equal(f.ctx.get('enterpriseCode'), '9000000')
})

void t.test('too few digits are invalid even when the pattern would match', async (t) => {
  const f = fakeStepContext(['99', '999'])
  t.same(await collectStep.run(creditCode, f.ctx, f.signal), { next: 'fallback' })
  t.same(f.ctx.vars(), {}, 'nothing stored after failing')
})

void t.test('no input and invalid input share the retries; no input replays the invalid prompt without a no-input one', async (t) => {
  const f = fakeStepContext(['', '12345678'])
  t.same(await collectStep.run(creditCode, f.ctx, f.signal), { next: 'fallback' })
  t.same(f.caller.heard, ['ask:enter-code', 'play:invalid-input', 'ask:enter-code', 'play:invalid-input'])
  const g = fakeStepContext([''])
  t.same(await collectStep.run({ ...creditCode, retries: 0, noInputPrompt: 'no-input' }, g.ctx, g.signal), { next: 'fallback' })
  t.same(g.caller.heard, ['ask:enter-code', 'play:no-input'])
})

void t.test('matterCode: the digits must be a matter id of the directory', async (t) => {
  const step: CollectStep = { ...creditCode, minDigits: 4, maxDigits: 4, into: 'matter', validate: { matterCode: true } }
  const f = fakeStepContext(['1002', '1001'], { ...services(), directory: coded })
  t.same(await collectStep.run(step, f.ctx, f.signal), { next: 'ok' })
  t.same(f.ctx.vars(), { matter: '1001' })
  t.same(f.caller.heard, ['ask:enter-code', 'play:invalid-input', 'ask:enter-code'])
  // The shipped directory's ids are words (tax-invoice): no digits name a matter there.
  const g = fakeStepContext(['1001', '1001'])
  t.same(await collectStep.run(step, g.ctx, g.signal), { next: 'fallback' })
})

void t.test('without a rule any digits within min/max are taken', async (t) => {
  const { validate: _rule, ...free } = creditCode
  const f = fakeStepContext(['123456'])
  t.same(await collectStep.run(free, f.ctx, f.signal), { next: 'ok' })
})

void t.test('a hang-up rejects with the abort', async (t) => {
  const f = fakeStepContext(['1', HANGUP])
  await t.rejects(collectStep.run(creditCode, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
})

void t.test('check: a pattern that is no regular expression, min above max, matter without matterCode', async (t) => {
  t.same(collectStep.check?.(creditCode), [])
  const bad = collectStep.check?.({ ...creditCode, minDigits: 9, validate: { pattern: '9[0-9' } }) ?? []
  t.same(bad.map((f) => [f.path, f.severity]), [['/minDigits', 'error'], ['/validate/pattern', 'error']])
  t.match(bad[1]?.reason, /^not a valid regular expression: /)
  const loose = collectStep.check?.({ ...creditCode, into: 'matter' }) ?? []
  t.same(loose.map((f) => [f.path, f.severity]), [['/validate', 'warning']])
})
