import t from 'tap'
import { HotlineError, abortError } from '../../../src/errors.js'
import { type QueueStep, queueStep } from '../../../src/flows/steps/queue.js'
import { FakeQueue, at, fakeStepContext, overflow, served, services } from '../fake-call.js'

const queue: QueueStep = { kind: 'queue', group: 'enterprise-seat', maxWaitSec: 180, announceEverySec: 30, next: 'survey', overflow: 'ticket' }
const choices = { priority: 'handling', category: '税务', matter: 'tax-invoice' }
const start = at('2025-03-12T10:00:00')

void t.test('served: the call owner is asked for the group, wait and announcements; after the conversation, next', async (t) => {
  const f = fakeStepContext([], services({ now: start }), choices, new FakeQueue(served))
  t.same(await queueStep.run(queue, f.ctx, f.signal), { next: 'survey' })
  t.same(f.queue.asks, [{ group: 'enterprise-seat', maxWaitMs: 180_000, announceEveryMs: 30_000, choices }],
    'asked once, with the choices made so far')
  t.same(f.caller.heard, [], 'the step itself plays nothing: the owner announces while waiting')
})

void t.test('overflow: no agent within the maximum wait leads to the overflow step', async (t) => {
  const f = fakeStepContext([], services({ now: start }), choices, new FakeQueue(overflow))
  t.same(await queueStep.run(queue, f.ctx, f.signal), { next: 'ticket' })
})

void t.test('default announcement interval is 30 s', async (t) => {
  const { announceEverySec: _every, ...plain } = queue
  const f = fakeStepContext([], services())
  await queueStep.run(plain, f.ctx, f.signal)
  t.equal(f.queue.asks[0]?.announceEveryMs, 30_000)
})

void t.test('the caller hangs up while waiting: the abort comes through, no next step', async (t) => {
  const waiting = new FakeQueue(async (_ask, signal) => await new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => { reject(abortError(signal)) })
    queueMicrotask(() => { f.abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up')) })
  }))
  const f = fakeStepContext([], services({ now: start }), choices, waiting)
  await t.rejects(queueStep.run(queue, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
})

void t.test('the queue resolves served just as the caller goes: the step still stops', async (t) => {
  const late = new FakeQueue(async () => {
    f.abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
    return served
  })
  const f = fakeStepContext([], services({ now: start }), choices, late)
  await t.rejects(queueStep.run(queue, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
})

void t.test('check: an announcement interval not below the maximum wait is a warning', async (t) => {
  t.same(queueStep.check?.(queue), [])
  t.match(queueStep.check?.({ ...queue, announceEverySec: 200 }), [{ path: '/announceEverySec', severity: 'warning' }])
  t.same(queueStep.references(queue).groups, [{ path: '/group', id: 'enterprise-seat' }])
})

void t.test('overflow plays the overflow prompt before leaving', async (t) => {
  const f = fakeStepContext([], services({ now: start }), {}, new FakeQueue(overflow))
  t.same(await queueStep.run({ ...queue, overflowPrompt: 'queue-overflow' }, f.ctx, f.signal), { next: 'ticket' })
  t.same(f.caller.heard, ['play:queue-overflow'])
  const g = fakeStepContext([], services({ now: start }), {}, new FakeQueue(served))
  await queueStep.run({ ...queue, overflowPrompt: 'queue-overflow' }, g.ctx, g.signal)
  t.same(g.caller.heard, [], 'not when served')
  t.same(queueStep.references({ ...queue, overflowPrompt: 'queue-overflow' }).prompts, [{ path: '/overflowPrompt', id: 'queue-overflow' }])
})
