// The scheduled dial test: every day at `dialTest.scheduleAt` (HH:MM, Asia/Shanghai), a run
// of every transfer number — but never in working time, when a test call would ring a
// specialist who is serving a business owner. The day's instant is skipped, with a log line,
// when it falls in the working time of the hotline (the calendar's default hours on a State
// Council working day) or of any department with hours of its own (calendar.yaml
// `workingHours.departments`): the run dials every department, so one open desk is enough to
// stay away. On weekends, holidays and outside the hours the run goes ahead.
//
// Time comes from the clock port; the timer only says when to look again. It fires at the
// scheduled instant, or within a minute if the clock jumps (a ShiftedClock, NTP), and is
// unref'd so it never keeps the process alive. Several controllers on one store each have
// this timer; the store's claim (`claimCall` on a key of its own, `dial-test:<instant>`) lets
// exactly one of them run the day's test. A controller whose switch connection is down does
// not claim the day (its test would find every number unreachable), so one that is up can.

import type { Logger } from 'pino'
import { localDay, nextDay, parseClockTime } from '../../domain/calendar-time.js'
import type { WorkCalendar } from '../../domain/calendar.js'
import type { Clock } from '../../ports/clock.js'
import type { StartAnswer } from './dial-tester.js'

/** A scheduled instant found this much later than due (the process slept) is skipped, not run. */
export const MISSED_AFTER_MS = 15 * 60_000
/** The longest the timer sleeps before looking at the clock again. */
const MAX_SLEEP_MS = 60_000

export type ScheduleDecision =
  | { kind: 'started', runId: string }
  | { kind: 'skipped', reason: 'working-time' | 'switch-down' | 'running' | 'missed' | 'claimed-elsewhere' | 'closed' | 'not-started' }

export interface ScheduleDeps {
  /** `HH:MM`, Asia/Shanghai. */
  at: string
  clock: Clock
  log: Logger
  /** Working time of the hotline or of any department at `instant`. */
  inWorkingTime: (instant: number) => boolean
  /** Whether this controller's switch connection is up: a controller without it leaves the day to another. */
  switchReady: () => boolean
  /** True for the first controller to claim `key` (the store's atomic claim). */
  claim: (key: string, at: number) => Promise<boolean>
  start: () => StartAnswer
}

export interface ScheduleView {
  at: string
  nextAt: number
  last?: { dueAt: number, decision: ScheduleDecision }
}

/**
 * The working-time rule of the schedule: the hotline's own hours (the calendar's default), or
 * those of any of the departments (calendar.yaml may give some hours of their own).
 */
export function anyoneAtWork (calendar: WorkCalendar, departmentIds: readonly string[]): (instant: number) => boolean {
  return (instant) => calendar.isWorkingTime(instant) || departmentIds.some((d) => calendar.isWorkingTime(instant, d))
}

/** The first instant at local time `clockMs` strictly after `after`. */
export function nextOccurrence (clockMs: number, after: number): number {
  const today = localDay(after)
  const at = today.startMs + clockMs
  return at > after ? at : nextDay(today).startMs + clockMs
}

export class DialTestSchedule {
  readonly #deps: ScheduleDeps
  readonly #clockMs: number
  #nextAt: number
  #timer: NodeJS.Timeout | undefined
  #last: ScheduleView['last']
  #stopped = false
  #polling: Promise<ScheduleDecision | undefined> = Promise.resolve(undefined)

  constructor (deps: ScheduleDeps) {
    const clockMs = parseClockTime(deps.at)
    if (clockMs === undefined) throw new RangeError(`dialTest.scheduleAt is not HH:MM: ${deps.at}`)
    this.#deps = deps
    this.#clockMs = clockMs
    this.#nextAt = nextOccurrence(clockMs, deps.clock.now())
  }

  view (): ScheduleView {
    return { at: this.#deps.at, nextAt: this.#nextAt, ...(this.#last === undefined ? {} : { last: this.#last }) }
  }

  /** Arms the timer. */
  start (): void {
    this.#deps.log.info({ at: this.#deps.at, nextAt: new Date(this.#nextAt).toISOString() }, 'dial test scheduled daily')
    this.#arm()
  }

  stop (): void {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /**
   * Looks at the clock: when the next instant is due, decides about it and moves on to the
   * following day. What the timer calls; tests call it after moving a ManualClock. Resolves
   * with the decision, or undefined when nothing was due.
   */
  async poll (): Promise<ScheduleDecision | undefined> {
    // One look at a time: a timer firing while a test polls must not decide twice.
    this.#polling = this.#polling.then(async () => await this.#poll())
    return await this.#polling
  }

  async #poll (): Promise<ScheduleDecision | undefined> {
    const now = this.#deps.clock.now()
    if (now < this.#nextAt) return undefined
    const dueAt = this.#nextAt
    this.#nextAt = nextOccurrence(this.#clockMs, now)
    const decision = await this.#decide(dueAt, now)
    this.#last = { dueAt, decision }
    return decision
  }

  async #decide (dueAt: number, now: number): Promise<ScheduleDecision> {
    const { log } = this.#deps
    const due = new Date(dueAt).toISOString()
    if (this.#stopped) return { kind: 'skipped', reason: 'closed' }
    if (now - dueAt > MISSED_AFTER_MS) {
      log.warn({ due, lateMs: now - dueAt }, 'scheduled dial test missed (the controller was not running at the time): skipped')
      return { kind: 'skipped', reason: 'missed' }
    }
    if (this.#deps.inWorkingTime(dueAt)) {
      log.info({ due }, 'scheduled dial test skipped: working time (test calls would ring specialists at work)')
      return { kind: 'skipped', reason: 'working-time' }
    }
    // Before the claim: another controller whose switch is up may still take the day.
    if (!this.#deps.switchReady()) {
      log.warn({ due }, 'scheduled dial test skipped: the switch is not connected (every number would come out unreachable)')
      return { kind: 'skipped', reason: 'switch-down' }
    }
    let claimed: boolean
    try {
      claimed = await this.#deps.claim(`dial-test:${due}`, now)
    } catch (err) {
      // Without the store one controller cannot know about the others; testing twice is
      // better than not testing.
      log.warn({ err, due }, 'scheduled dial test: claim failed; running anyway')
      claimed = true
    }
    if (!claimed) {
      log.info({ due }, 'scheduled dial test skipped: another controller runs it')
      return { kind: 'skipped', reason: 'claimed-elsewhere' }
    }
    const answer = this.#deps.start()
    if (answer.ok) return { kind: 'started', runId: answer.run.id }
    if (answer.reason === 'running') {
      log.info({ due, runningId: answer.runningId }, 'scheduled dial test skipped: a run is in progress')
      return { kind: 'skipped', reason: 'running' }
    }
    log.warn({ due, reason: answer.reason }, 'scheduled dial test not started')
    return { kind: 'skipped', reason: answer.reason === 'closed' ? 'closed' : 'not-started' }
  }

  #arm (): void {
    if (this.#stopped) return
    const wait = Math.min(Math.max(this.#nextAt - this.#deps.clock.now(), 0), MAX_SLEEP_MS)
    this.#timer = setTimeout(() => {
      this.poll()
        .catch((err: unknown) => { this.#deps.log.error({ err }, 'scheduled dial test failed') })
        .finally(() => { this.#arm() })
    }, Math.max(wait, 1_000))
    this.#timer.unref()
  }
}
