// The dial tester on the simulated switch, over both adapters: every outcome of a test call,
// the bound on calls at once, the two-in-a-row alarm, working time and after hours, cancel,
// one run at a time, and only directory numbers.
import t from 'tap'
import { DIAL_TEST_OUTCOMES } from '../../src/features/dialtest/types.js'
import { PROTOCOLS } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'
import { NIGHT, failingGauge, startTester, testsCounter, watchDials } from './helper.js'

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: each number is dialled once and its outcome noted; answered calls are hung up at once`, async (t) => {
    const s = await startTester(t, protocol)
    const [answer, busy, noAnswer, reject, unreachable, unallocated] = s.numbers
    const model = s.c.sim.model
    model.defineEndpoint(answer!, { kind: 'answer', afterMs: 1000 })
    model.defineEndpoint(busy!, { kind: 'busy' })
    model.defineEndpoint(noAnswer!, { kind: 'no-answer' })
    model.defineEndpoint(reject!, { kind: 'reject' })
    model.defineEndpoint(unreachable!, { kind: 'unreachable' })
    const numbers = [answer!, busy!, noAnswer!, reject!, unreachable!, unallocated!]
    const dials = watchDials(s.c, numbers)

    const started = s.tester.start({ trigger: 'manual', numbers: [unallocated!, ...numbers] })
    if (!started.ok) throw new Error('not started')
    t.equal(started.run.total, 6, 'a number named twice is tested once')
    t.same(started.run.results.map((r) => r.number), numbers, 'in directory order')
    const run = await s.tester.finished(started.run.id)
    t.equal(run?.state, 'completed')
    const outcome = (n: string): unknown => run?.results.find((r) => r.number === n)
    t.match(outcome(answer!), { state: 'done', outcome: 'answered', switchOutcome: 'answered', failed: false, workingTime: true })
    t.match(outcome(busy!), { outcome: 'busy', switchOutcome: 'busy', failed: true })
    t.match(outcome(noAnswer!), { outcome: 'no-answer', failed: true })
    t.match(outcome(reject!), { outcome: 'unreachable', switchOutcome: 'rejected', failed: true })
    t.match(outcome(unreachable!), { outcome: 'unreachable', switchOutcome: 'unreachable', failed: true })
    t.match(outcome(unallocated!), { outcome: 'unreachable', switchOutcome: 'unreachable', failed: true })
    t.ok(run?.results.every((r) => typeof r.cause === 'string' || r.outcome === 'answered'), 'the switch cause kept for every failure')
    t.ok(run?.results.every((r) => typeof r.ringMs === 'number' && r.startedAt !== undefined && r.endedAt !== undefined), 'ring time, start and end')
    t.match(outcome(answer!), { departmentIds: ['tax'], departments: ['税务局'] })
    t.ok((run?.results[0]?.matters.length ?? 0) >= 1, 'the matters a number serves')
    t.same(run?.byOutcome, { answered: 1, busy: 1, 'no-answer': 1, unreachable: 3, cancelled: 0 })
    t.equal(run?.failed, 5)
    t.same([...dials.dialled].sort(), [...numbers].sort(), 'each dialled once')
    await eventually(() => dials.live() === 0 ? true : undefined, 'every test leg hung up')
    t.equal(await testsCounter(s.registry, 'unreachable'), 3, 'hotline_dial_tests_total by outcome')
    t.equal(await testsCounter(s.registry, 'answered'), 1)
  })
}

void t.test('never more than `concurrency` numbers ring at once, and the bound is used', async (t) => {
  const s = await startTester(t, 'esl', { concurrency: 3 })
  const numbers = s.numbers.slice(0, 9)
  for (const n of numbers) s.c.sim.model.defineEndpoint(n, { kind: 'no-answer' })
  const dials = watchDials(s.c, numbers)
  const started = s.tester.start({ trigger: 'manual', numbers })
  if (!started.ok) throw new Error('not started')
  const run = await s.tester.finished(started.run.id)
  t.equal(run?.byOutcome['no-answer'], 9)
  t.equal(dials.dialled.length, 9)
  t.equal(dials.max(), 3, 'three at once, not more')
})

void t.test('a number that fails twice in a row raises the alarm gauge, and an answer clears it', async (t) => {
  const s = await startTester(t, 'esl')
  const [bad, good] = s.numbers
  s.c.sim.model.defineEndpoint(good!, { kind: 'answer', afterMs: 500 })
  let alarms = 0
  s.tester.on('alarms', () => { alarms++ })
  const runOnce = async (): Promise<void> => {
    const started = s.tester.start({ trigger: 'manual', numbers: [bad!, good!] })
    if (!started.ok) throw new Error('not started')
    await s.tester.finished(started.run.id)
  }
  t.equal(await failingGauge(s.registry, bad!), 0, 'every number starts at 0')

  await runOnce()
  t.equal(await failingGauge(s.registry, bad!), 0, 'one failure is not an alarm')
  t.same(s.failures.watch().map((h) => h.number), [bad], 'but it is watched')
  t.equal(alarms, 0)

  await runOnce()
  t.equal(await failingGauge(s.registry, bad!), 1, 'two in a row: failing')
  t.equal(await failingGauge(s.registry, good!), 0)
  t.match(s.failures.failing(), [{ number: bad, departmentId: 'tax', consecutiveFailures: 2, lastOutcome: 'unreachable', failing: true }])
  t.equal(alarms, 1, 'the failing set changed once')

  s.c.sim.model.defineEndpoint(bad!, { kind: 'answer', afterMs: 500 })
  await runOnce()
  t.equal(await failingGauge(s.registry, bad!), 0, 'answered again: cleared')
  t.same(s.failures.failing(), [])
  t.equal(alarms, 2)
})

void t.test('after hours busy and no answer are noted but are not failures; unreachable is', async (t) => {
  const s = await startTester(t, 'esl', { at: NIGHT })
  const [busy, noAnswer, unallocated] = s.numbers
  s.c.sim.model.defineEndpoint(busy!, { kind: 'busy' })
  s.c.sim.model.defineEndpoint(noAnswer!, { kind: 'no-answer' })
  const started = s.tester.start({ trigger: 'manual', numbers: [busy!, noAnswer!, unallocated!] })
  if (!started.ok) throw new Error('not started')
  const run = await s.tester.finished(started.run.id)
  const of = (n: string): unknown => run?.results.find((r) => r.number === n)
  t.match(of(busy!), { outcome: 'busy', workingTime: false, failed: false })
  t.match(of(noAnswer!), { outcome: 'no-answer', workingTime: false, failed: false })
  t.match(of(unallocated!), { outcome: 'unreachable', workingTime: false, failed: true })
  t.equal(run?.failed, 1)
})

void t.test('a cancelled run aborts the dials ringing and leaves the rest untested; failures unchanged', async (t) => {
  const s = await startTester(t, 'esl', { concurrency: 2, ringTimeoutSec: 60 })
  const numbers = s.numbers.slice(0, 6)
  for (const n of numbers) s.c.sim.model.defineEndpoint(n, { kind: 'no-answer' })
  const dials = watchDials(s.c, numbers)
  const started = s.tester.start({ trigger: 'manual', numbers })
  if (!started.ok) throw new Error('not started')
  await eventually(() => dials.live() === 2 ? true : undefined, 'two ringing')

  const again = s.tester.start({ trigger: 'manual' })
  t.same(again, { ok: false, reason: 'running', runningId: started.run.id }, 'one run at a time')

  const cancelled = await s.tester.cancel(started.run.id)
  if (!cancelled.ok) throw new Error('not cancelled')
  t.equal(cancelled.run.state, 'cancelled')
  t.equal(cancelled.run.byOutcome.cancelled, 2, 'the two ringing were cancelled')
  t.equal(cancelled.run.results.filter((r) => r.state === 'pending').length, 4, 'the others never dialled')
  t.equal(dials.dialled.length, 2)
  await eventually(() => dials.live() === 0 ? true : undefined, 'the ringing legs hung up')
  t.same(s.failures.watch(), [], 'a cancelled test says nothing about the number')
  t.same(await s.tester.cancel(started.run.id), { ok: false, reason: 'not-running', state: 'cancelled' })
  t.same(await s.tester.cancel('01ARZ3NDEKTSV4RRFFQ69G5FAV'), { ok: false, reason: 'unknown' })

  const next = s.tester.start({ trigger: 'manual', numbers: numbers.slice(0, 1) })
  t.ok(next.ok, 'a new run may start once the cancelled one ended')
  t.equal(s.tester.list().length, 2, 'both runs listed')
  t.equal(s.tester.list()[0]?.id, next.ok ? next.run.id : '', 'newest first')
})

void t.test('only directory numbers: an unknown number refuses the run and is never dialled', async (t) => {
  const s = await startTester(t, 'esl')
  const dials = watchDials(s.c, ['13800000000'])
  const answer = s.tester.start({ trigger: 'manual', numbers: [s.numbers[0]!, '13800000000'] })
  t.same(answer, { ok: false, reason: 'unknown-numbers', numbers: ['13800000000'] })
  t.equal(s.tester.running(), undefined)
  t.same(dials.dialled, [])
  t.equal(s.tester.targets.length, 119, 'the shipped directory: 119 distinct numbers')
  t.same(DIAL_TEST_OUTCOMES.length, 5)
})

void t.test('close cancels the run in progress', async (t) => {
  const s = await startTester(t, 'esl', { ringTimeoutSec: 60 })
  const numbers = s.numbers.slice(0, 2)
  for (const n of numbers) s.c.sim.model.defineEndpoint(n, { kind: 'no-answer' })
  const started = s.tester.start({ trigger: 'manual', numbers })
  if (!started.ok) throw new Error('not started')
  await s.tester.close()
  t.equal(s.tester.get(started.run.id)?.state, 'cancelled')
  t.same(s.tester.start({ trigger: 'manual' }), { ok: false, reason: 'closed' })
})
