import t from 'tap'
import { stringify } from 'yaml'
import { DEFAULT_MAX_STEPS, runFlow } from '../../src/flows/engine.js'
import { type LoadedFlow, checkFlowText } from '../../src/flows/loader.js'
import { HANGUP, fakeCall, services, shippedDirectory } from './fake-call.js'

const flowOf = (doc: object): LoadedFlow => {
  const r = checkFlowText(stringify(doc), 'engine-test.yaml', {
    prompts: new Set(['welcome', 'menu', 'goodbye']),
    directory: shippedDirectory,
    groups: new Set(['enterprise-seat'])
  })
  if (r.flow === undefined) throw new Error(JSON.stringify(r.errors))
  return r.flow
}

const flow = flowOf({
  id: 'engine-test',
  name: 'engine test',
  start: 'welcome',
  steps: {
    welcome: { kind: 'play', prompt: 'welcome', next: 'menu' },
    menu: {
      kind: 'menu',
      prompt: 'menu',
      options: { 1: { next: 'queue', set: { priority: 'handling', category: '税务' } }, 9: { next: 'menu' } },
      onFail: 'bye'
    },
    queue: { kind: 'queue', group: 'enterprise-seat', maxWaitSec: 60, next: 'bye', overflow: 'bye' },
    bye: { kind: 'hangup', prompt: 'goodbye', reason: 'done' }
  }
})

void t.test('walks from start to the end, recording the path and the choices with the call', async (t) => {
  const f = fakeCall(['1'])
  const seen: string[] = []
  const end = await runFlow(flow, services(), { onStep: (id) => seen.push(id) })(f.call, f.signal)
  t.same(end, { reason: 'done' })
  t.same(f.path, ['welcome', 'menu', 'queue', 'bye'])
  t.same(seen, f.path, 'onStep sees every step too')
  t.same(f.choices, { priority: 'handling', category: '税务' })
  t.same(f.queue.asks, [{ group: 'enterprise-seat', maxWaitMs: 60_000, announceEveryMs: 30_000, choices: { priority: 'handling', category: '税务' } }],
    'the queue is asked once, the choices already made')
  t.same(f.caller.heard, ['play:welcome', 'ask:menu', 'play:goodbye'])
})

void t.test('each call starts with no variables', async (t) => {
  const script = runFlow(flow, services())
  const first = fakeCall(['1'])
  await script(first.call, first.signal)
  const second = fakeCall(['', '', ''])
  t.same(await script(second.call, second.signal), { reason: 'done' })
  t.same(second.choices, {})
  t.same(second.path, ['welcome', 'menu', 'bye'])
})

void t.test('the step limit stops a caller going round for ever', async (t) => {
  const f = fakeCall(Array.from({ length: 20 }, () => '9'))
  await t.rejects(runFlow(flow, services(), { maxSteps: 5 })(f.call, f.signal), { code: 'HC_FLOW_LOOP' })
  t.same(f.path, ['welcome', 'menu', 'menu', 'menu', 'menu'])
  t.ok(DEFAULT_MAX_STEPS >= 50, 'the default leaves room for real calls')
})

void t.test('a hang-up ends the walk with the abort', async (t) => {
  const f = fakeCall(['9', HANGUP])
  await t.rejects(runFlow(flow, services())(f.call, f.signal), { code: 'HC_CALL_GONE' })
  t.same(f.path, ['welcome', 'menu', 'menu'])
})
