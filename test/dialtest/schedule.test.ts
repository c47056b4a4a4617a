// The daily dial test, driven by a hand-stepped clock: it runs at the configured local time
// on days off and outside working hours (the State Council calendar, department hours
// included), is skipped in working time, when missed, when another controller claimed the
// day, or while a run goes on.
import t, { type Test } from 'tap'
import pino from 'pino'
import { loadConfig } from '../../src/config/index.js'
import type { StartAnswer } from '../../src/features/dialtest/dial-tester.js'
import { DialTestSchedule, type ScheduleDecision, anyoneAtWork, nextOccurrence } from '../../src/features/dialtest/schedule.js'
import type { DialTestRunView } from '../../src/features/dialtest/types.js'
import { ManualClock } from '../../src/ports/clock.js'
import { CONFIG_DIR } from '../helpers/controller.js'

const { calendar, directory } = await loadConfig(CONFIG_DIR, {})
const departments = directory.departments().map((d) => d.id)
const ms = (iso: string): number => new Date(iso).getTime()

interface Setup {
  clock: ManualClock
  schedule: DialTestSchedule
  starts: number[]
  claims: string[]
}

function setup (t: Test, at: string, start: string, options: { claim?: boolean, answer?: StartAnswer, switchReady?: () => boolean } = {}): Setup {
  const clock = new ManualClock(new Date(start))
  const starts: number[] = []
  const claims: string[] = []
  const schedule = new DialTestSchedule({
    at,
    clock,
    log: pino({ level: 'silent' }),
    inWorkingTime: anyoneAtWork(calendar, departments),
    switchReady: options.switchReady ?? (() => true),
    claim: async (key) => { claims.push(key); return options.claim ?? true },
    start: () => {
      starts.push(clock.now())
      return options.answer ?? { ok: true, run: { id: `run-${starts.length}` } as DialTestRunView }
    }
  })
  t.teardown(() => { schedule.stop() })
  return { clock, schedule, starts, claims }
}

void t.test('the next instant at a local time is later the same day or on the next one', async (t) => {
  const twoAm = 2 * 3_600_000
  t.equal(nextOccurrence(twoAm, ms('2026-03-02T01:00:00+08:00')), ms('2026-03-02T02:00:00+08:00'))
  t.equal(nextOccurrence(twoAm, ms('2026-03-02T02:00:00+08:00')), ms('2026-03-03T02:00:00+08:00'), 'strictly after')
  t.equal(nextOccurrence(twoAm, ms('2026-03-01T18:30:00Z')), ms('2026-03-03T02:00:00+08:00'), 'local day, not UTC day')
})

void t.test('due at night: started once, then waits for the next day', async (t) => {
  const s = setup(t, '02:00', '2026-03-02T01:00:00+08:00')
  t.equal(await s.schedule.poll(), undefined, 'not due yet')
  s.clock.set(new Date('2026-03-02T02:00:00+08:00'))
  t.same(await s.schedule.poll(), { kind: 'started', runId: 'run-1' })
  t.same(s.starts, [ms('2026-03-02T02:00:00+08:00')])
  t.same(s.claims, ['dial-test:2026-03-01T18:00:00.000Z'], 'the day\'s instant claimed in the store')
  t.equal(s.schedule.view().nextAt, ms('2026-03-03T02:00:00+08:00'))
  s.clock.advance(60_000)
  t.equal(await s.schedule.poll(), undefined, 'once a day')
  t.equal(s.starts.length, 1)
  t.match(s.schedule.view().last, { dueAt: ms('2026-03-02T02:00:00+08:00'), decision: { kind: 'started' } })
})

void t.test('at 10:00 each day: skipped on working days (make-up Saturday too), run on holidays and Sundays', async (t) => {
  const s = setup(t, '10:00', '2026-04-30T09:00:00+08:00')
  const decisions: Array<[string, ScheduleDecision['kind'] | 'nothing due']> = []
  for (let day = 0; day < 11; day++) {
    const at = ms('2026-04-30T10:00:00+08:00') + day * 86_400_000
    s.clock.set(at)
    const decision = await s.schedule.poll()
    decisions.push([new Date(at + 8 * 3_600_000).toISOString().slice(0, 10), decision?.kind ?? 'nothing due'])
  }
  t.same(decisions, [
    ['2026-04-30', 'skipped'], // Thursday, working day
    ['2026-05-01', 'started'], // 劳动节 off days
    ['2026-05-02', 'started'],
    ['2026-05-03', 'started'],
    ['2026-05-04', 'started'],
    ['2026-05-05', 'started'],
    ['2026-05-06', 'skipped'], // Wednesday to Friday: working days
    ['2026-05-07', 'skipped'],
    ['2026-05-08', 'skipped'],
    ['2026-05-09', 'skipped'], // Saturday, make-up working day (调休上班)
    ['2026-05-10', 'started'] // Sunday
  ])
  t.match(s.schedule.view().last?.decision, { kind: 'started' })
})

void t.test('a department with earlier hours keeps the hotline from testing before the default opening', async (t) => {
  const monday0845 = ms('2026-03-02T08:45:00+08:00')
  t.notOk(anyoneAtWork(calendar, ['tax'])(monday0845), 'the default hours open at 09:00')
  t.ok(anyoneAtWork(calendar, ['tax', 'customs'])(monday0845), 'customs opens at 08:30 (calendar.yaml)')
  t.notOk(anyoneAtWork(calendar, departments)(ms('2026-03-02T12:30:00+08:00')), 'lunch: nobody')
  const s = setup(t, '08:45', '2026-03-02T08:00:00+08:00')
  s.clock.set(monday0845)
  t.same(await s.schedule.poll(), { kind: 'skipped', reason: 'working-time' })
  t.same(s.starts, [], 'not started')
  t.same(s.claims, [], 'nothing claimed')
})

void t.test('an instant found long after it was due is skipped, and the next one kept', async (t) => {
  const s = setup(t, '02:00', '2026-03-02T01:00:00+08:00')
  s.clock.set(new Date('2026-03-02T03:30:00+08:00'))
  t.same(await s.schedule.poll(), { kind: 'skipped', reason: 'missed' })
  t.same(s.starts, [])
  t.equal(s.schedule.view().nextAt, ms('2026-03-03T02:00:00+08:00'))
  s.clock.set(new Date('2026-03-03T02:05:00+08:00'))
  t.same(await s.schedule.poll(), { kind: 'started', runId: 'run-1' }, 'a few minutes late still runs')
})

void t.test('another controller\'s claim, or a run in progress, skips the day', async (t) => {
  const claimed = setup(t, '02:00', '2026-03-02T01:00:00+08:00', { claim: false })
  claimed.clock.set(new Date('2026-03-02T02:00:00+08:00'))
  t.same(await claimed.schedule.poll(), { kind: 'skipped', reason: 'claimed-elsewhere' })
  t.same(claimed.starts, [])

  const busy = setup(t, '02:00', '2026-03-02T01:00:00+08:00', { answer: { ok: false, reason: 'running', runningId: 'R' } })
  busy.clock.set(new Date('2026-03-02T02:00:00+08:00'))
  t.same(await busy.schedule.poll(), { kind: 'skipped', reason: 'running' })
  t.equal(busy.starts.length, 1, 'it asked')
})

void t.test('a stopped schedule starts nothing', async (t) => {
  const s = setup(t, '02:00', '2026-03-02T01:00:00+08:00')
  s.schedule.start()
  s.schedule.stop()
  s.clock.set(new Date('2026-03-02T02:00:00+08:00'))
  t.same(await s.schedule.poll(), { kind: 'skipped', reason: 'closed' })
  t.same(s.starts, [])
  t.throws(() => setup(t, '2:00', '2026-03-02T01:00:00+08:00'), RangeError, 'a time that is not HH:MM')
})

void t.test('with the switch down the day is skipped before the claim, so a controller with its switch up can run it', async (t) => {
  let ready = false
  const s = setup(t, '02:00', '2026-03-02T01:00:00+08:00', { switchReady: () => ready })
  s.clock.set(new Date('2026-03-02T02:00:00+08:00'))
  t.same(await s.schedule.poll(), { kind: 'skipped', reason: 'switch-down' })
  t.same(s.claims, [], 'not claimed')
  t.same(s.starts, [])
  ready = true
  s.clock.set(new Date('2026-03-03T02:00:00+08:00'))
  t.same(await s.schedule.poll(), { kind: 'started', runId: 'run-1' }, 'the next night, connected: run')
})
