import t from 'tap'
import { HotlineError, abortError } from '../../../src/errors.js'
import { type QueueStep, queueStep } from '../../../src/flows/steps/queue.js'
import { FakeAcd, at, fakeStepContext, overflow, served, services } from '../fake-call.js'

const queue: QueueStep = { kind: 'queue', group: 'enterprise-seat', maxWaitSec: 180, announceEverySec: 30, next: 'survey', overflow: 'ticket' }
const choices = { priority: 'handling', category: '税务', matter: 'tax-invoice' }
const start = at('2025-03-12T10:00:00')

void t.test("served: the ACD gets the caller's choices; after the conversation, next", async (t) => {
  const acd = new FakeAcd(served)
  const f = fakeStepContext([], services({ acd, now: start }), choices)
  t.same(await queueStep.run(queue, f.ctx, f.signal), { next: 'survey' })
  t.equal(acd.requests.length, 1)
  const request = acd.requests[0]!
  t.match(request, { callId: 'call-1', legId: 'leg-1', group: 'enterprise-seat', maxWaitMs: 180_000, announceEveryMs: 30_000 })
  t.same(request.choices, choices)
  t.equal(request.signal, f.signal, 'the call signal is passed down')
  t.same(f.visits, [
    { group: 'enterprise-seat', enqueuedAt: start },
    { group: 'enterprise-seat', enqueuedAt: start, servedAt: start + 12_000, agentId: 'agent-07' }
  ])
})

void t.test('overflow: no agent within the maximum wait leads to the overflow step', async (t) => {
  const acd = new FakeAcd(overflow)
  const f = fakeStepContext([], services({ acd, now: start }), choices)
  t.same(await queueStep.run(queue, f.ctx, f.signal), { next: 'ticket' })
  t.same(f.visits.at(-1), { group: 'enterprise-seat', enqueuedAt: start, overflowAt: start + 180_000 })
})

void t.test('default announcement interval is 30 s', async (t) => {
  const acd = new FakeAcd(served)
  const { announceEverySec: _every, ...plain } = queue
  const f = fakeStepContext([], services({ acd }))
  await queueStep.run(plain, f.ctx, f.signal)
  t.equal(acd.requests[0]?.announceEveryMs, 30_000)
})

void t.test('the caller hangs up while waiting: the abort comes through and the visit is abandoned', async (t) => {
  const flowServices = services({ now: start })
  const acd = new FakeAcd(async (request) => await new Promise((_resolve, reject) => {
    request.signal.addEventListener('abort', () => { reject(abortError(request.signal)) })
    flowServices.clock.advance(40_000)
    queueMicrotask(() => { f.abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up')) })
  }), flowServices.clock)
  const f = fakeStepContext([], { ...flowServices, acd })
  await t.rejects(queueStep.run(queue, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
  t.same(f.visits.at(-1), { group: 'enterprise-seat', enqueuedAt: start, abandonedAt: start + 40_000 })
})

void t.test('check: an announcement interval not below the maximum wait is a warning', async (t) => {
  t.same(queueStep.check?.(queue), [])
  t.match(queueStep.check?.({ ...queue, announceEverySec: 200 }), [{ path: '/announceEverySec', severity: 'warning' }])
  t.same(queueStep.references(queue).groups, [{ path: '/group', id: 'enterprise-seat' }])
})

void t.test('overflow plays the overflow prompt before leaving', async (t) => {
  const acd = new FakeAcd(overflow)
  const f = fakeStepContext([], services({ now: start, acd }))
  t.same(await queueStep.run({ ...queue, overflowPrompt: 'queue-overflow' }, f.ctx, f.signal), { next: 'ticket' })
  t.same(f.caller.heard, ['play:queue-overflow'])
  const g = fakeStepContext([], services({ now: start, acd: new FakeAcd(served) }))
  await queueStep.run({ ...queue, overflowPrompt: 'queue-overflow' }, g.ctx, g.signal)
  t.same(g.caller.heard, [], 'not when served')
  t.same(queueStep.references({ ...queue, overflowPrompt: 'queue-overflow' }).prompts, [{ path: '/overflowPrompt', id: 'queue-overflow' }])
})
