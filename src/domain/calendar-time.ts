// Asia/Shanghai local time for the working-day calendar, the day counts and the reports: a
// thin layer over luxon, which reads the zone's rules from the tz database (through Intl).
// Nothing here adds offsets by hand.
//
// Speed: a luxon DateTime in an IANA zone costs microseconds (each offset is an Intl lookup),
// and the calendar is asked on every transfer, IVR time branch, ticket and call end. So the
// days met last are remembered (`localDay`): live traffic nearly always asks about today,
// which then costs a comparison. Figures in docs/bench.md "Local time".
//
// Within a day, time is measured from the day's start as luxon gives it. That equals the
// wall clock because Asia/Shanghai has kept UTC+08:00 without daylight saving since 1991;
// the calendar config refuses earlier years for that reason.

import { DateTime, IANAZone } from 'luxon'

export type Instant = number | Date

export const TIME_ZONE = 'Asia/Shanghai'

/** The zone object, made once: luxon would otherwise look the name up on every DateTime. */
export const SHANGHAI = IANAZone.create(TIME_ZONE)

/** One Asia/Shanghai calendar day, half-open [startMs, endMs). */
export interface LocalDay {
  /** 00:00 of the day in Shanghai. */
  readonly start: DateTime
  /** Epoch ms of 00:00, included. */
  readonly startMs: number
  /** Epoch ms of 00:00 of the next day, excluded. */
  readonly endMs: number
  /** `YYYY-MM-DD`. */
  readonly key: string
}

/** Epoch milliseconds of an instant; an invalid Date or non-finite number is refused. */
export function toEpochMs (instant: Instant): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime()
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid instant: ${String(instant)}`)
  return ms
}

/** An instant as a luxon DateTime in Shanghai. */
export function localTime (ms: number): DateTime {
  return DateTime.fromMillis(ms, { zone: SHANGHAI })
}

// The days met last, newest first. Today and its neighbours are nearly every question asked.
const RECENT_DAYS = 8
const recent: LocalDay[] = []

/** The Shanghai day an instant falls on. */
export function localDay (ms: number): LocalDay {
  for (const day of recent) if (ms >= day.startMs && ms < day.endMs) return day
  const dt = localTime(ms)
  if (!dt.isValid) throw new RangeError(`not a valid instant: ${ms} (${dt.invalidReason ?? 'out of range'})`)
  const start = dt.startOf('day')
  const day: LocalDay = { start, startMs: start.toMillis(), endMs: start.plus({ days: 1 }).toMillis(), key: start.toISODate() ?? '' }
  recent.unshift(day)
  if (recent.length > RECENT_DAYS) recent.pop()
  return day
}

/** The day after `day`. */
export function nextDay (day: LocalDay): LocalDay {
  return localDay(day.endMs)
}

/** Saturday or Sunday (luxon's weekday: 1 = Monday … 7 = Sunday). */
export function isWeekend (date: DateTime): boolean {
  return date.weekday >= 6
}

/** `YYYY-MM-DD` of the Shanghai day an instant falls on. */
export function dateKey (ms: number): string {
  return localDay(ms).key
}

/** 00:00 Shanghai of a `YYYY-MM-DD` date, or undefined when the text is no real calendar date. */
export function parseDateKey (text: string): DateTime | undefined {
  // The pattern first: luxon's ISO parser also takes week dates, ordinals and times.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined
  const date = DateTime.fromISO(text, { zone: SHANGHAI })
  // luxon refuses 2025-02-30 rather than rolling it over to March.
  return date.isValid ? date : undefined
}

/** Milliseconds after midnight of an `HH:MM` wall-clock time, or undefined when malformed. */
export function parseClockTime (text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text)
  if (m === null) return undefined
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000
}

/** A Shanghai calendar month, half-open [00:00 on the 1st, 00:00 on the next 1st). */
export interface LocalMonth {
  /** `YYYY-MM`. */
  key: string
  since: number
  until: number
}

// Months asked for, by `YYYY-M`: the live figures ask for the current one on every refresh.
const MONTHS_KEPT = 64
const months = new Map<string, LocalMonth>()

/** The Shanghai calendar month `month` (1–12) of `year`. */
export function localMonth (year: number, month: number): LocalMonth {
  const kept = months.get(`${year}-${month}`)
  if (kept !== undefined) return kept
  const first = DateTime.fromObject({ year, month, day: 1 }, { zone: SHANGHAI })
  if (!first.isValid) throw new RangeError(`not a calendar month: ${year}-${month}`)
  const span = { key: first.toFormat('yyyy-MM'), since: first.toMillis(), until: first.plus({ months: 1 }).toMillis() }
  if (months.size >= MONTHS_KEPT) months.clear()
  months.set(`${year}-${month}`, span)
  return span
}

/** The Shanghai calendar month an instant falls in. */
export function monthOfInstant (ms: number): LocalMonth {
  const { start } = localDay(ms)
  return localMonth(start.year, start.month)
}
