// Connection-rate (接通率) figures for windows of time, computed from the transfer records in
// the store — not from this process's counters — so the figures of several controllers sharing
// one Redis add up and a restart loses nothing. The arithmetic is domain/connection-rate.ts;
// this file picks the records of a window and keeps the below-target alarm.
//
// Windows follow the Asia/Shanghai calendar (luxon, see domain/calendar-time.ts): `today` is
// the local calendar day, `this-month` the local calendar
// month, `last-hour` the 60 minutes before now. Every window is half-open, [since, until),
// by the instant the transfer was requested.
//
// The alarm: every `refreshSec` the service computes today's working-time figures per
// department and sets `hotline_connection_rate_below_target{department}` to 1 for a department
// whose request rate is under the target over at least `minAttemptsForAlarm` counted requests
// (fewer say nothing: one failed call at 09:01 is not a failing department), else 0. A change
// is logged: a warning when a department falls under, a note when it is back.

import type { Logger } from 'pino'
import {
  type ConnectionRateReport, type TargetRule, NATIONAL_STANDARD, belowTarget, connectionRate, emptyAttempts, emptyRequests
} from '../domain/connection-rate.js'
import { localDay, monthOfInstant } from '../domain/calendar-time.js'
import { HotlineError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { TransferStore } from '../ports/transfers.js'

export type WindowName = 'last-hour' | 'today' | 'this-month'

export const WINDOW_NAMES: readonly WindowName[] = ['last-hour', 'today', 'this-month']

export const HOUR_MS = 3_600_000

/** The longest explicit window: a year of records is as much as one answer should read. */
export const MAX_WINDOW_MS = 366 * 24 * HOUR_MS

export interface StatsWindow {
  /** `custom` for an explicit since/until. */
  name: WindowName | 'custom'
  /** Epoch ms, included. */
  since: number
  /** Epoch ms, excluded. */
  until: number
}

export interface ConnectionRateSettings {
  /** 0–1; the Shanghai plans' 0.9 by default. */
  target: number
  /** Counted transfer requests (connected + failed) a department needs before it is flagged. */
  minAttemptsForAlarm: number
  /** Seconds between alarm refreshes. */
  refreshSec: number
}

export interface ConnectionRateServiceOptions {
  store: TransferStore
  clock: Clock
  settings: ConnectionRateSettings
  /** Where the below-target gauge lives; without it the alarm is kept and logged only. */
  metrics?: Pick<Metrics, 'connectionRateBelowTarget'>
  logger?: Logger
  /**
   * Departments that always have a gauge series (0 while not flagged), usually the
   * directory's; departments met in the records are added to them.
   */
  departments?: () => readonly string[]
}

export interface ConnectionRateResult extends ConnectionRateReport {
  window: StatsWindow
  /** When the figures were computed. */
  at: number
  target: number
  nationalStandard: number
  minAttemptsForAlarm: number
  /** Departments under the target in this window's working time (by the alarm's rule). */
  departmentsBelowTarget: string[]
}

export interface DepartmentAlarm {
  departmentId: string
  below: boolean
  rate: number | null
  counted: number
}

/** The window `name` as of `now`. */
export function windowAt (name: WindowName, now: number): StatsWindow {
  if (name === 'last-hour') return { name, since: now - HOUR_MS, until: now }
  if (name === 'today') {
    const today = localDay(now)
    return { name, since: today.startMs, until: today.endMs }
  }
  const { since, until } = monthOfInstant(now)
  return { name, since, until }
}

/** An explicit window; HC_BAD_REQUEST (400) when it is not a forward span of at most a year. */
export function customWindow (since: number, until: number): StatsWindow {
  if (!Number.isFinite(since) || !Number.isFinite(until)) throw new HotlineError('HC_BAD_REQUEST', 'since and until must be instants')
  if (!(since < until)) throw new HotlineError('HC_BAD_REQUEST', 'until must be after since')
  if (until - since > MAX_WINDOW_MS) throw new HotlineError('HC_BAD_REQUEST', 'a window spans at most 366 days')
  return { name: 'custom', since, until }
}

export class ConnectionRateService {
  readonly #store: TransferStore
  readonly #clock: Clock
  readonly #settings: ConnectionRateSettings
  readonly #metrics: Pick<Metrics, 'connectionRateBelowTarget'> | undefined
  readonly #logger: Logger | undefined
  readonly #departments: () => readonly string[]
  /** Department → flagged, as of the last refresh. */
  #below = new Map<string, boolean>()
  #timer: NodeJS.Timeout | undefined
  #refreshing: Promise<DepartmentAlarm[]> | undefined

  constructor (options: ConnectionRateServiceOptions) {
    const { target, minAttemptsForAlarm, refreshSec } = options.settings
    if (!(target > 0 && target <= 1)) throw new RangeError(`target must be in (0, 1], got ${target}`)
    if (!Number.isSafeInteger(minAttemptsForAlarm) || minAttemptsForAlarm < 1) {
      throw new RangeError(`minAttemptsForAlarm must be a positive integer, got ${minAttemptsForAlarm}`)
    }
    if (!(refreshSec > 0)) throw new RangeError(`refreshSec must be positive, got ${refreshSec}`)
    this.#store = options.store
    this.#clock = options.clock
    this.#settings = { ...options.settings }
    this.#metrics = options.metrics
    this.#logger = options.logger
    this.#departments = options.departments ?? (() => [])
  }

  get settings (): Readonly<ConnectionRateSettings> {
    return this.#settings
  }

  get #rule (): TargetRule {
    return { target: this.#settings.target, minCounted: this.#settings.minAttemptsForAlarm }
  }

  /** A named window as of now. */
  window (name: WindowName): StatsWindow {
    return windowAt(name, this.#clock.now())
  }

  /** The figures of a named window (as of now) or of an explicit one. */
  async figures (window: WindowName | StatsWindow): Promise<ConnectionRateResult> {
    const at = this.#clock.now()
    const span = typeof window === 'string' ? windowAt(window, at) : window
    const records = await this.#store.listTransfers({ since: span.since, until: span.until })
    const report = connectionRate(records)
    return {
      ...report,
      window: span,
      at,
      target: this.#settings.target,
      nationalStandard: NATIONAL_STANDARD,
      minAttemptsForAlarm: this.#settings.minAttemptsForAlarm,
      departmentsBelowTarget: report.byDepartment.filter((d) => belowTarget(d.workingTime, this.#rule)).map((d) => d.departmentId)
    }
  }

  /**
   * Recomputes the alarm from today's working-time figures: sets the gauge for every known
   * department and logs the changes. One refresh at a time; a call during one shares it.
   */
  refresh (): Promise<DepartmentAlarm[]> {
    this.#refreshing ??= this.#refresh().finally(() => { this.#refreshing = undefined })
    return this.#refreshing
  }

  /** Departments flagged at the last refresh, sorted. */
  departmentsBelowTarget (): string[] {
    return [...this.#below].filter(([, below]) => below).map(([id]) => id).sort()
  }

  /** Refreshes now and every `refreshSec`; a failed refresh is logged and the alarm kept. */
  start (): void {
    if (this.#timer !== undefined) return
    const run = (): void => {
      this.refresh().catch((err: unknown) => {
        this.#logger?.warn({ err }, 'connection-rate alarm not refreshed: the transfer records could not be read; the previous state is kept')
      })
    }
    run()
    this.#timer = setInterval(run, this.#settings.refreshSec * 1000)
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #refresh (): Promise<DepartmentAlarm[]> {
    const report = await this.figures('today')
    const figures = new Map(report.byDepartment.map((d) => [d.departmentId, d.workingTime]))
    const ids = [...new Set([...this.#departments(), ...figures.keys()])].sort()
    const alarms = ids.map((departmentId): DepartmentAlarm => {
      const wt = figures.get(departmentId) ?? { requests: emptyRequests(), attempts: emptyAttempts() }
      return { departmentId, below: belowTarget(wt, this.#rule), rate: wt.requests.rate, counted: wt.requests.counted }
    })
    const gauge = this.#metrics?.connectionRateBelowTarget
    // Reset first so a department gone from the directory and from today's records drops out.
    gauge?.reset()
    const next = new Map<string, boolean>()
    for (const alarm of alarms) {
      gauge?.set({ department: alarm.departmentId }, alarm.below ? 1 : 0)
      next.set(alarm.departmentId, alarm.below)
      this.#logChange(alarm, this.#below.get(alarm.departmentId) ?? false)
    }
    for (const [departmentId, was] of this.#below) {
      if (was && !next.has(departmentId)) this.#logChange({ departmentId, below: false, rate: null, counted: 0 }, true)
    }
    this.#below = next
    return alarms
  }

  #logChange (alarm: DepartmentAlarm, was: boolean): void {
    if (alarm.below === was) return
    const { target, minAttemptsForAlarm } = this.#settings
    const fields = { department: alarm.departmentId, rate: alarm.rate, counted: alarm.counted, target }
    if (alarm.below) {
      this.#logger?.warn(fields, `connection rate of ${alarm.departmentId} in working time today is ${percent(alarm.rate)} over ${alarm.counted} transfer requests, below the ${percent(target)} target`)
    } else {
      const why = alarm.counted < minAttemptsForAlarm
        ? `fewer than ${minAttemptsForAlarm} transfer requests counted today`
        : `${percent(alarm.rate)} over ${alarm.counted} transfer requests`
      this.#logger?.info(fields, `connection rate of ${alarm.departmentId} no longer below the ${percent(target)} target: ${why}`)
    }
  }
}

function percent (rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)} %`
}
