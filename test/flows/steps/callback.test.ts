import t from 'tap'
import { type CallbackStep, callbackStep } from '../../../src/flows/steps/callback.js'
import { HANGUP, fakeStepContext } from '../fake-call.js'

const step: CallbackStep = {
  kind: 'callback',
  callerIdPrompt: 'callback-caller-id',
  keyedPrompt: 'callback-keyed',
  confirmPrompt: 'callback-confirm',
  enterPrompt: 'callback-enter',
  invalidPrompt: 'invalid-input',
  retries: 1,
  next: 'ticket',
  onFail: 'ticket-anyway'
}

void t.test('the caller ID, read back by its last four digits, confirmed with 1', async (t) => {
  const f = fakeStepContext(['1'])
  t.same(await callbackStep.run(step, f.ctx, f.signal), { next: 'ticket' })
  t.same(f.caller.heard, ['play:callback-caller-id', 'play:digit-5', 'play:digit-6', 'play:digit-7', 'play:digit-8', 'ask:callback-confirm'])
  t.equal(f.ctx.callbackNumber(), '13812345678')
  t.same(f.ctx.vars(), { callback: 'caller-id' }, 'how it was confirmed; the number itself is not a variable')
})

void t.test('2: another number, keyed, read back in full, confirmed', async (t) => {
  const f = fakeStepContext(['2', '02155550123', '1'])
  t.same(await callbackStep.run(step, f.ctx, f.signal), { next: 'ticket' })
  t.same(f.caller.heard.slice(5), ['ask:callback-confirm', 'ask:callback-enter', 'play:callback-keyed',
    ...'02155550123'.split('').map((d) => `play:digit-${d}`), 'ask:callback-confirm'])
  t.equal(f.ctx.callbackNumber(), '02155550123')
  t.same(f.ctx.vars(), { callback: 'keyed' })
  t.match(f.caller.asked[1], { minDigits: 7, maxDigits: 12, terminators: '#' })
})

void t.test('a number too short is refused and asked again', async (t) => {
  const f = fakeStepContext(['2', '12345', '13900001111', '1'])
  t.same(await callbackStep.run(step, f.ctx, f.signal), { next: 'ticket' })
  t.ok(f.caller.heard.includes('play:invalid-input'))
  t.equal(f.ctx.callbackNumber(), '13900001111')
})

void t.test('a withheld caller ID goes straight to keying a number', async (t) => {
  const f = fakeStepContext(['13900002222', '1'])
  const ctx = { ...f.ctx, callerNumber: 'anonymous' }
  t.same(await callbackStep.run(step, ctx, f.signal), { next: 'ticket' })
  t.equal(f.caller.heard[0], 'ask:callback-enter')
  t.equal(f.ctx.callbackNumber(), '13900002222')
})

void t.test('nothing confirmed within the tries: onFail, no number', async (t) => {
  const f = fakeStepContext(['', ''])
  t.same(await callbackStep.run(step, f.ctx, f.signal), { next: 'ticket-anyway' })
  t.equal(f.ctx.callbackNumber(), undefined)
  t.same(f.ctx.vars(), {})
})

void t.test('the caller hanging up cancels the step', async (t) => {
  const f = fakeStepContext([HANGUP])
  await t.rejects(callbackStep.run(step, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
})

void t.test('references: every prompt, digits included, and both exits', async (t) => {
  const refs = callbackStep.references(step)
  t.same(refs.next.map((r) => r.id), ['ticket', 'ticket-anyway'])
  t.ok(['digit-0', 'digit-9', 'callback-confirm', 'callback-enter'].every((p) => refs.prompts.some((r) => r.id === p)))
})
