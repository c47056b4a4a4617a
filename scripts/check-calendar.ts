// Cross-checks our calendar years (config/calendar/<year>.yaml) against the `chinese-days`
// package, day by day, and prints every disagreement. Our files are the authority; a
// disagreement means one side mis-copied a State Council notice, and the notice decides.
//
//   npm run calendar:check -- [configDir]   (default: the folder `npm start` uses, HOTLINE_CONFIG_DIR
//                                            else config/; exit 1 on disagreement, 2 on bad input)
//
// `chinese-days` builds its tables and reads dates in the process's local time zone: it
// parses 'YYYY-MM-DD' as UTC midnight and formats with local getters, so west of UTC every
// date shifts by one day. Its answers are only meaningful with the process in Asia/Shanghai,
// which is why TZ is set before the package is loaded.

import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadCalendar } from '../src/config/calendar-schema.js'
import { configDirOf } from '../src/config/index.js'
import { type DayInfo, WorkCalendar } from '../src/domain/calendar.js'

export interface Disagreement {
  /** `YYYY-MM-DD`, or the year when the package has no data for it. */
  date: string
  ours: string
  theirs: string
}

type ChineseDays = typeof import('chinese-days').default

/** Loads `chinese-days` with the process in Asia/Shanghai (see the note at the top). */
export async function loadChineseDays (): Promise<ChineseDays> {
  process.env.TZ = 'Asia/Shanghai'
  if (new Date(2025, 0, 1).getTimezoneOffset() !== -480) {
    throw new Error('cannot switch the process to Asia/Shanghai; run with TZ=Asia/Shanghai')
  }
  const mod = await import('chinese-days')
  return mod.default
}

/** Every day of `years` on which our calendar and `chinese-days` disagree. */
export function compareWithChineseDays (calendar: WorkCalendar, years: number[], cd: ChineseDays): Disagreement[] {
  const out: Disagreement[] = []
  for (const year of years) {
    // With TZ=Asia/Shanghai, local-time Date objects are Shanghai dates.
    const theirHolidays = new Set(cd.getHolidaysInRange(new Date(year, 0, 1, 12), new Date(year, 11, 31, 12), false))
    if (theirHolidays.size === 0) {
      out.push({ date: String(year), ours: describeYear(calendar, year), theirs: 'no holiday data for this year' })
      continue
    }
    for (let d = new Date(year, 0, 1, 12); d.getFullYear() === year; d = new Date(year, d.getMonth(), d.getDate() + 1, 12)) {
      const ours = calendar.describeDay(d.getTime())
      const theirs = cd.getDayDetail(d)
      const theirWork = cd.isWorkday(d)
      const theirHoliday = theirHolidays.has(theirs.date)
      if (ours.date !== theirs.date) {
        throw new Error(`date mismatch ${ours.date} vs ${theirs.date}: time zone not Asia/Shanghai`)
      }
      if (ours.working !== theirWork || (ours.kind === 'holiday') !== theirHoliday) {
        out.push({
          date: ours.date,
          ours: describeOurs(ours),
          theirs: `${theirWork ? 'working day' : 'day off'} (${theirHoliday ? 'holiday' : 'not a holiday'}: ${theirs.name})`
        })
      }
    }
  }
  return out
}

function describeOurs (day: DayInfo): string {
  const why = day.festival === undefined ? day.kind : `${day.kind}: ${day.festival.zh}`
  return `${day.working ? 'working day' : 'day off'} (${why}${day.known ? '' : ', year not in config'})`
}

function describeYear (calendar: WorkCalendar, year: number): string {
  return calendar.years.includes(year) ? 'year in config' : 'year not in config'
}

const USAGE = 'usage: npm run calendar:check -- [configDir]   (default: HOTLINE_CONFIG_DIR, else config/)'

async function main (): Promise<number> {
  const arg = process.argv[2]
  if (arg === '--help' || arg === '-h') {
    console.log(USAGE)
    return 0
  }
  if (arg?.startsWith('-') === true) {
    console.error(`calendar:check: unknown option ${arg}\n${USAGE}`)
    return 2
  }
  const configDir = arg ?? configDirOf(process.env, resolve(import.meta.dirname, '..'))
  const data = await loadCalendar(configDir)
  const calendar = new WorkCalendar(data)
  const cd = await loadChineseDays()
  const years = calendar.years
  const disagreements = compareWithChineseDays(calendar, years, cd)
  for (const d of disagreements) console.log(`${d.date}  ours: ${d.ours}  chinese-days: ${d.theirs}`)
  console.log(`checked ${years.join(', ') || 'no years'} against chinese-days: ${disagreements.length} disagreement(s)`)
  return disagreements.length === 0 ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => { process.exitCode = code }, (err: unknown) => {
    // A ConfigError's message already lists file: path: reason, one per line.
    console.error(err instanceof Error ? err.message : err)
    process.exitCode = 2
  })
}
