// The China working-day calendar: which days and hours the enterprise seat works, and when
// a next-urgent ticket (次紧急工单) falls due.
//
// Working days follow the State Council General Office's yearly holiday notice
// (国务院办公厅关于<year>年部分节假日安排的通知): a listed day off is off even on a weekday,
// a listed make-up day (调休上班) is a working day even on a Saturday or Sunday, and every
// other day is a working day from Monday to Friday. A year with no notice loaded falls back
// to Monday–Friday and is reported by `missingYears` so the app can warn before it matters.
//
// Pure: instants come in as epoch ms or Date; nothing here reads the clock. Local dates and
// times are luxon's, in Asia/Shanghai (calendar-time.ts); days are keyed by `YYYY-MM-DD`.

import {
  type Instant, type LocalDay, isWeekend, localDay, nextDay, parseClockTime, parseDateKey, toEpochMs
} from './calendar-time.js'

export type { Instant } from './calendar-time.js'

export interface FestivalName {
  zh: string
  en: string
}

/** One paragraph of a notice: a festival's days off and the weekend days worked for it. */
export interface Festival {
  name: FestivalName
  /** `YYYY-MM-DD`, Asia/Shanghai. */
  daysOff: string[]
  /** `YYYY-MM-DD` Saturdays or Sundays that are working days (调休上班). */
  makeUpDays?: string[]
}

export interface CalendarYear {
  year: number
  /** The notice the dates are copied from. */
  notice: string
  festivals: Festival[]
}

/** Half-open wall-clock range `[start, end)`, `HH:MM` Asia/Shanghai. */
export interface TimeRange {
  start: string
  end: string
}

export interface CalendarData {
  workingHours: {
    default: TimeRange[]
    /** Department id → its own hours, replacing the default ones. */
    departments?: Record<string, TimeRange[]>
  }
  /** `HH:MM` by which a next-urgent ticket must be acted on. */
  dueTime: string
  /** From this month (1–12) on, a missing next year is reported too. */
  warnMissingFromMonth: number
  years: CalendarYear[]
}

export type DayKind = 'holiday' | 'make-up' | 'weekday' | 'weekend'

export interface DayInfo {
  /** `YYYY-MM-DD`, Asia/Shanghai. */
  date: string
  working: boolean
  kind: DayKind
  /** Set for holidays and make-up days. */
  festival?: FestivalName
  /** False when the day's year has no notice loaded (Monday–Friday fallback). */
  known: boolean
}

interface Range {
  start: number
  end: number
}

export class WorkCalendar {
  /** `YYYY-MM-DD` → festival. */
  #daysOff = new Map<string, FestivalName>()
  #makeUpDays = new Map<string, FestivalName>()
  #years = new Set<number>()
  #defaultHours: Range[]
  #departmentHours = new Map<string, Range[]>()
  #dueMs: number
  #warnFromMonth: number

  /**
   * Takes data already checked by the config loader; malformed times or dates here are a
   * programming error and throw a RangeError.
   */
  constructor (data: CalendarData) {
    for (const y of data.years) {
      this.#years.add(y.year)
      for (const f of y.festivals) {
        for (const d of f.daysOff) this.#daysOff.set(dayOf(d), f.name)
        for (const d of f.makeUpDays ?? []) this.#makeUpDays.set(dayOf(d), f.name)
      }
    }
    this.#defaultHours = rangesOf(data.workingHours.default)
    for (const [id, hours] of Object.entries(data.workingHours.departments ?? {})) {
      this.#departmentHours.set(id, rangesOf(hours))
    }
    this.#dueMs = clockOf(data.dueTime)
    this.#warnFromMonth = data.warnMissingFromMonth
  }

  /** Years with a notice loaded, ascending. */
  get years (): number[] {
    return [...this.#years].sort((a, b) => a - b)
  }

  /** What the Asia/Shanghai date of `instant` is, and why it is (not) a working day. */
  describeDay (instant: Instant): DayInfo {
    return this.#describe(localDay(toEpochMs(instant)))
  }

  isWorkingDay (instant: Instant): boolean {
    return this.#isWorkingDay(localDay(toEpochMs(instant)))
  }

  /** A working day and inside one of the department's (else the default) working-hour ranges. */
  isWorkingTime (instant: Instant, departmentId?: string): boolean {
    const ms = toEpochMs(instant)
    const day = localDay(ms)
    if (!this.#isWorkingDay(day)) return false
    const t = ms - day.startMs
    return this.#hoursFor(departmentId).some((r) => t >= r.start && t < r.end)
  }

  /**
   * Due instant (epoch ms) of a next-urgent ticket raised at `instant`: `dueTime` (10:00)
   * Asia/Shanghai on the next working day — the Shanghai enterprise-seat plan (2022-11)
   * has the owning unit contact the business "before 10:00 of the next working day".
   *
   * Which day is "next": a ticket raised on a working day before that day's working hours
   * open (and before the due time itself) is due the same day, as the unit opens that
   * morning before the due time; any other ticket — during working hours, over lunch, after hours, on a
   * day off — is due on the first working day strictly after the instant's date. The result
   * is always strictly after `instant`.
   */
  nextUrgentDue (instant: Instant, departmentId?: string): number {
    const ms = toEpochMs(instant)
    const today = localDay(ms)
    const t = ms - today.startMs
    const opens = Math.min(...this.#hoursFor(departmentId).map((r) => r.start))
    if (this.#isWorkingDay(today) && t < opens && t < this.#dueMs) {
      return today.startMs + this.#dueMs
    }
    // Terminates: beyond the loaded years every Monday is a working day.
    let day = nextDay(today)
    while (!this.#isWorkingDay(day)) day = nextDay(day)
    return day.startMs + this.#dueMs
  }

  /**
   * Years the calendar needs at `instant` but has no notice for: the instant's own year,
   * and from `warnMissingFromMonth` on, the next year (the State Council usually publishes
   * it in November, so December without it deserves a warning).
   */
  missingYears (instant: Instant): number[] {
    const { year, month } = localDay(toEpochMs(instant)).start
    const missing: number[] = []
    if (!this.#years.has(year)) missing.push(year)
    if (month >= this.#warnFromMonth && !this.#years.has(year + 1)) missing.push(year + 1)
    return missing
  }

  #isWorkingDay (day: LocalDay): boolean {
    if (this.#daysOff.has(day.key)) return false
    return this.#makeUpDays.has(day.key) || !isWeekend(day.start)
  }

  #describe (day: LocalDay): DayInfo {
    const date = day.key
    const known = this.#years.has(day.start.year)
    const off = this.#daysOff.get(date)
    if (off !== undefined) return { date, working: false, kind: 'holiday', festival: off, known }
    const makeUp = this.#makeUpDays.get(date)
    if (makeUp !== undefined) return { date, working: true, kind: 'make-up', festival: makeUp, known }
    return isWeekend(day.start)
      ? { date, working: false, kind: 'weekend', known }
      : { date, working: true, kind: 'weekday', known }
  }

  #hoursFor (departmentId: string | undefined): Range[] {
    return (departmentId === undefined ? undefined : this.#departmentHours.get(departmentId)) ??
      this.#defaultHours
  }
}

function dayOf (text: string): string {
  if (parseDateKey(text) === undefined) throw new RangeError(`not a YYYY-MM-DD date: ${text}`)
  return text
}

function clockOf (text: string): number {
  const ms = parseClockTime(text)
  if (ms === undefined) throw new RangeError(`not an HH:MM time: ${text}`)
  return ms
}

function rangesOf (hours: TimeRange[]): Range[] {
  if (hours.length === 0) throw new RangeError('working hours need at least one range')
  return hours.map((r) => {
    const range = { start: clockOf(r.start), end: clockOf(r.end) }
    if (range.end <= range.start) throw new RangeError(`working-hour range ${r.start}–${r.end} ends before it starts`)
    return range
  })
}
