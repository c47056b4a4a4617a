// Asia/Shanghai local-time arithmetic for the working-day calendar.
//
// China Standard Time is UTC+08:00 with no daylight saving time since 1991: the tz
// database's "PRC" rules (file `asia`, zone Asia/Shanghai) last observe DST in 1991, and the
// State Council has not reintroduced it. Every instant the controller meets is therefore at a
// fixed offset, so local dates and times are plain arithmetic on epoch milliseconds — no
// Intl lookup per call, and no ambiguity around DST transitions. The calendar config refuses
// years before 1992 for the same reason.
//
// Dates are handled as "local day numbers": whole days since 1970-01-01 in Shanghai.

export type Instant = number | Date

export const SHANGHAI_OFFSET_MS = 8 * 3_600_000
export const DAY_MS = 86_400_000

export interface LocalDate {
  year: number
  /** 1–12 */
  month: number
  /** 1–31 */
  day: number
  /** 0 = Sunday … 6 = Saturday, as Date#getUTCDay */
  weekday: number
}

/** Epoch milliseconds of an instant; an invalid Date or non-finite number is refused. */
export function toEpochMs (instant: Instant): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime()
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid instant: ${String(instant)}`)
  return ms
}

/** The Shanghai local day an instant falls on. */
export function localDayNumber (ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS)
}

/** Epoch milliseconds of 00:00 Shanghai time on a local day. */
export function localMidnight (dayNumber: number): number {
  return dayNumber * DAY_MS - SHANGHAI_OFFSET_MS
}

/** Milliseconds since local midnight, 0 ≤ result < DAY_MS. */
export function msIntoLocalDay (ms: number): number {
  return ms - localMidnight(localDayNumber(ms))
}

export function localDate (dayNumber: number): LocalDate {
  const d = new Date(dayNumber * DAY_MS)
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() }
}

export function isWeekend (dayNumber: number): boolean {
  const { weekday } = localDate(dayNumber)
  return weekday === 0 || weekday === 6
}

/** `YYYY-MM-DD` of a local day. */
export function dateKey (dayNumber: number): string {
  const { year, month, day } = localDate(dayNumber)
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** Day number of a `YYYY-MM-DD` date, or undefined when the text is no real calendar date. */
export function parseDateKey (text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const dayNumber = Math.floor(Date.UTC(year, month - 1, day) / DAY_MS)
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  const back = localDate(dayNumber)
  if (back.year !== year || back.month !== month || back.day !== day) return undefined
  return dayNumber
}

/** Milliseconds after midnight of an `HH:MM` wall-clock time, or undefined when malformed. */
export function parseClockTime (text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text)
  if (m === null) return undefined
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000
}
