// Schema and loader for the working-day calendar: config/calendar.yaml (hours, due time,
// warning month) and config/calendar/<year>.yaml (one State Council holiday notice each).
//
// Where the holiday data comes from: the years are config files, not a data package. The
// State Council publishes next year's notice each November, and operators must be able to
// add it (or correct a date) without a code release; a package would need a new version,
// a dependency bump and a deploy. The `chinese-days` package is kept as an independent
// cross-check instead: test/config/calendar-vs-chinese-days.test.ts and
// scripts/check-calendar.ts compare every day of our years with it. Our files are the
// authority; a disagreement is settled against the notice text.

import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Static, Type } from '@sinclair/typebox'
import type { CalendarData, CalendarYear, TimeRange } from '../domain/calendar.js'
import { isWeekend, parseClockTime, parseDateKey } from '../domain/calendar-time.js'
import { CONFIG_MAX_BYTES } from './read-file.js'
import { type ConfigProblem, ConfigError, loadYamlFile } from './validate.js'

const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, Asia/Shanghai' })
const DateText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD, Asia/Shanghai' })

const TimeRangeSchema = Type.Object({ start: ClockTime, end: ClockTime }, { additionalProperties: false })
const HoursSchema = Type.Array(TimeRangeSchema, { minItems: 1 })

export const CalendarSettingsSchema = Type.Object({
  // The domain computes local time in luxon's Asia/Shanghai (see calendar-time.ts) and
  // relies on its having no daylight saving time, so no other zone can be honoured.
  timeZone: Type.Literal('Asia/Shanghai'),
  workingHours: Type.Object({
    default: HoursSchema,
    departments: Type.Optional(Type.Record(Type.String(), HoursSchema))
  }, { additionalProperties: false }),
  dueTime: ClockTime,
  warnMissingFromMonth: Type.Integer({ minimum: 1, maximum: 12 })
}, { additionalProperties: false })

export type CalendarSettings = Static<typeof CalendarSettingsSchema>

export const CalendarYearSchema = Type.Object({
  // No DST in China since 1991: in earlier years time since midnight would not be the wall
  // clock (see calendar-time.ts).
  year: Type.Integer({ minimum: 1992, maximum: 9999 }),
  notice: Type.String({ minLength: 1 }),
  festivals: Type.Array(Type.Object({
    name: Type.Object({
      zh: Type.String({ minLength: 1 }),
      en: Type.String({ minLength: 1 })
    }, { additionalProperties: false }),
    daysOff: Type.Array(DateText, { minItems: 1 }),
    makeUpDays: Type.Optional(Type.Array(DateText))
  }, { additionalProperties: false }))
}, { additionalProperties: false })

export type CalendarYearFile = Static<typeof CalendarYearSchema>

const YEAR_FILE = /^(\d{4})\.yaml$/

/**
 * Reads `<configDir>/calendar.yaml` and every `<configDir>/calendar/<year>.yaml`, validates
 * each against its schema, cross-checks the contents, and returns the data `WorkCalendar`
 * takes. A missing `calendar/` folder means no years (the calendar then reports them
 * missing); any bad file throws a ConfigError naming the file, the path and the reason.
 */
export async function loadCalendar (configDir: string): Promise<CalendarData> {
  const settingsFile = join(configDir, 'calendar.yaml')
  const settings = await loadYamlFile(CalendarSettingsSchema, settingsFile)
  throwIfAny(checkSettings(settings, settingsFile))

  const yearsDir = join(configDir, 'calendar')
  const years: CalendarYear[] = []
  for (const name of await listYearFiles(yearsDir)) {
    const file = join(yearsDir, name)
    // A year file may be a link to a shared one elsewhere in the config folder.
    const data = await loadYamlFile(CalendarYearSchema, file, { maxBytes: CONFIG_MAX_BYTES, root: configDir })
    throwIfAny(checkYear(data, Number(YEAR_FILE.exec(name)?.[1]), file))
    years.push(data)
  }

  return {
    workingHours: settings.workingHours,
    dueTime: settings.dueTime,
    warnMissingFromMonth: settings.warnMissingFromMonth,
    years
  }
}

async function listYearFiles (dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new ConfigError([{ file: dir, path: '/', reason: `cannot read: ${(err as Error).message}` }], err)
  }
  // A YAML file whose name is not a year would be silently ignored otherwise (a typo such
  // as `2027.yml` or `2O27.yaml` would leave the year missing), so it is refused.
  const wrong = names.filter((n) => /\.ya?ml$/.test(n) && !YEAR_FILE.test(n))
  if (wrong.length > 0) {
    throw new ConfigError(wrong.map((n) => ({
      file: join(dir, n), path: '/', reason: 'calendar year files must be named <year>.yaml, e.g. 2026.yaml'
    })))
  }
  return names.filter((n) => YEAR_FILE.test(n)).sort()
}

/** Working-hour ranges must each end after they start and must not overlap. */
export function checkSettings (settings: CalendarSettings, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  problems.push(...checkRanges(settings.workingHours.default, '/workingHours/default', file))
  for (const [id, hours] of Object.entries(settings.workingHours.departments ?? {})) {
    problems.push(...checkRanges(hours, `/workingHours/departments/${pointerEscape(id)}`, file))
  }
  return problems
}

function checkRanges (ranges: TimeRange[], path: string, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const parsed: { start: number, end: number, index: number }[] = []
  ranges.forEach((r, index) => {
    const start = parseClockTime(r.start)
    const end = parseClockTime(r.end)
    if (start === undefined || end === undefined) return // the schema has reported it
    if (end <= start) {
      problems.push({ file, path: `${path}/${index}`, reason: `end ${r.end} is not after start ${r.start}` })
      return
    }
    parsed.push({ start, end, index })
  })
  // Ranges are half-open, so 09:00–12:00 and 12:00–13:00 touch without overlapping.
  parsed.sort((a, b) => a.start - b.start)
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1]
    const cur = parsed[i]
    if (prev === undefined || cur === undefined || cur.start >= prev.end) continue
    const a = ranges[prev.index]
    const b = ranges[cur.index]
    problems.push({
      file,
      path: `${path}/${cur.index}`,
      reason: `range ${b?.start}–${b?.end} overlaps ${path}/${prev.index} (${a?.start}–${a?.end})`
    })
  }
  return problems
}

/**
 * Every date must be a real date of the file's year; no date may be listed twice, or both
 * as a day off and as a make-up day; a make-up day must be a Saturday or Sunday (the notices
 * only ever move work onto weekends — a weekday make-up day is a transcription error).
 */
export function checkYear (data: CalendarYearFile, fileYear: number, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  if (data.year !== fileYear) {
    problems.push({ file, path: '/year', reason: `year ${data.year} does not match the file name (${fileYear}.yaml)` })
  }
  const seen = new Map<string, { path: string, makeUp: boolean }>()
  data.festivals.forEach((f, i) => {
    const lists: [string, string[], boolean][] = [['daysOff', f.daysOff, false], ['makeUpDays', f.makeUpDays ?? [], true]]
    for (const [key, dates, makeUp] of lists) {
      dates.forEach((text, j) => {
        const path = `/festivals/${i}/${key}/${j}`
        const date = parseDateKey(text)
        if (date === undefined) {
          problems.push({ file, path, reason: `${text} is not a valid calendar date` })
          return
        }
        if (date.year !== data.year) {
          problems.push({ file, path, reason: `${text} is not in ${data.year}; it belongs in ${date.year}.yaml` })
          return
        }
        if (makeUp && !isWeekend(date)) {
          problems.push({
            file, path, reason: `make-up working day ${text} is a ${date.setLocale('en').weekdayLong ?? '?'}; make-up days are Saturdays or Sundays`
          })
        }
        const earlier = seen.get(text)
        if (earlier === undefined) {
          seen.set(text, { path, makeUp })
        } else if (earlier.makeUp !== makeUp) {
          problems.push({ file, path, reason: `${text} is listed both as a day off and as a make-up working day (also at ${earlier.path})` })
        } else {
          problems.push({ file, path, reason: `${text} is listed twice (also at ${earlier.path})` })
        }
      })
    }
  })
  return problems
}

function throwIfAny (problems: ConfigProblem[]): void {
  if (problems.length > 0) throw new ConfigError(problems)
}

/** RFC 6901 escaping for a key used in a path. */
function pointerEscape (key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1')
}
