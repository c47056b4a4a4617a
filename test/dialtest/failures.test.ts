// The two-in-a-row alarm, result by result: failures add up, an answer clears them, and
// busy or no answer outside working time (not failures) leave the count as it was.
import t from 'tap'
import { Registry } from 'prom-client'
import { FailureTracker, registerDialTestMetrics } from '../../src/features/dialtest/failures.js'
import { type DialTestOutcome, type DialTestResult, type DialTestTarget, isFailure } from '../../src/features/dialtest/types.js'

const TARGET: DialTestTarget = { number: '02155010002', departmentIds: ['tax'], departments: ['税务局'], matters: [{ id: 'tax-invoice', name: '发票领用' }], labels: ['发票管理科'] }

function setUp () {
  const registry = new Registry()
  const failures = new FailureTracker(registerDialTestMetrics(registry), [TARGET])
  let at = 0
  const test = (outcome: DialTestOutcome, workingTime: boolean): boolean => failures.record({
    ...TARGET, state: 'done', outcome, workingTime, failed: isFailure(outcome, workingTime), startedAt: ++at, endedAt: at
  } satisfies DialTestResult)
  const count = (): number => failures.health(TARGET.number)?.consecutiveFailures ?? 0
  const gauge = async (): Promise<number | undefined> =>
    (await registry.getSingleMetric('hotline_dial_test_failing')?.get())?.values.find((v) => v.labels.number === TARGET.number)?.value
  return { failures, test, count, gauge }
}

void t.test('two failures in a row raise the alarm; an answer clears it', async (t) => {
  const s = setUp()
  t.equal(await s.gauge(), 0, 'the series exists before any test')
  t.equal(s.test('busy', true), false, 'one failure: no change of alarm')
  t.equal(s.count(), 1)
  t.equal(s.test('unreachable', false), true, 'the second: the alarm')
  t.equal(await s.gauge(), 1)
  t.same(s.failures.failing().map((h) => h.number), [TARGET.number])
  t.equal(s.test('answered', true), true, 'an answer ends it')
  t.equal(s.count(), 0)
  t.equal(await s.gauge(), 0)
})

void t.test('busy or no answer at night neither counts nor clears', async (t) => {
  const s = setUp()
  s.test('no-answer', true)
  t.equal(s.test('busy', false), false, 'a night-time busy: nothing changes')
  t.equal(s.count(), 1, 'the working-time failure is still counted')
  t.equal(s.test('no-answer', false), false)
  t.equal(s.count(), 1)
  t.equal(s.test('busy', true), true, 'the next working-time failure is the second in a row')
  t.equal(s.count(), 2)
  t.equal(s.test('no-answer', false), false, 'and a night-time no answer does not end the alarm')
  t.equal(await s.gauge(), 1)
  t.equal(s.failures.health(TARGET.number)?.lastOutcome, 'no-answer', 'the last outcome is still shown')
})

void t.test('cancelled results change nothing', async (t) => {
  const s = setUp()
  s.test('unreachable', false)
  t.equal(s.test('cancelled', true), false)
  t.equal(s.count(), 1)
  t.equal(s.failures.health(TARGET.number)?.lastOutcome, 'unreachable')
})
