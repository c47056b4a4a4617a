// The working-day calendar needs each year's State Council holiday notice (published in
// November or December for the next year). From December on, a missing next year is a
// warning in the log and a metric an alert can fire on, checked at start and every few hours.

import type { Logger } from 'pino'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'

const CHECK_EVERY_MS = 6 * 60 * 60 * 1000

/** Checks now and periodically; returns the function that stops checking. */
export function watchCalendar (calendar: WorkCalendar, metrics: Metrics, logger: Logger, clock: Clock): () => void {
  const check = (): void => {
    const missing = calendar.missingYears(clock.now())
    metrics.calendarYearMissing.reset()
    for (const year of missing) {
      metrics.calendarYearMissing.set({ year: String(year) }, 1)
      logger.warn({ year }, `working-day calendar has no data for ${year}: add config/calendar/${year}.yaml from the State Council holiday notice (falling back to Monday–Friday)`)
    }
  }
  check()
  const timer = setInterval(check, CHECK_EVERY_MS)
  timer.unref()
  return () => { clearInterval(timer) }
}
