// Our calendar years against the `chinese-days` package, every day of 2025 and 2026. The
// config files are the authority (copied from the State Council notices); the package is an
// independent transcription of the same notices, so any difference means one side is wrong.

import t from 'tap'
import { fileURLToPath } from 'node:url'
import { compareWithChineseDays, loadChineseDays } from '../../scripts/check-calendar.js'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))

const cd = await loadChineseDays()
const data = await loadCalendar(CONFIG_DIR)

void t.test('2025 and 2026 agree with chinese-days on every day', (t) => {
  const calendar = new WorkCalendar(data)
  t.ok(calendar.years.includes(2025) && calendar.years.includes(2026), 'both years are configured')
  t.same(compareWithChineseDays(calendar, [2025, 2026], cd), [])
  t.end()
})

void t.test('the comparison reports days that differ and years the package lacks', (t) => {
  const changed = structuredClone(data)
  const y2025 = changed.years.find((y) => y.year === 2025)
  const spring = y2025?.festivals.find((f) => f.name.zh === '春节')
  if (spring === undefined) throw new Error('春节 2025 missing from config')
  spring.makeUpDays = ['2025-01-26', '2025-02-15'] // 02-08 dropped, 02-15 invented
  spring.daysOff = spring.daysOff.filter((d) => d !== '2025-01-29')
  changed.years.push({ year: 2199, notice: 'x', festivals: [{ name: { zh: 'x', en: 'x' }, daysOff: ['2199-01-01'] }] })

  const found = compareWithChineseDays(new WorkCalendar(changed), [2025, 2199], cd)
  t.same(found.map((d) => d.date), ['2025-01-29', '2025-02-08', '2025-02-15', '2199'])
  t.match(found[0], { ours: /^working day \(weekday/, theirs: /^day off \(holiday: Spring Festival/ })
  t.match(found[1], { ours: /^day off \(weekend/, theirs: /^working day/ })
  t.match(found[2], { ours: /^working day \(make-up: 春节/, theirs: /^day off/ })
  t.match(found[3], { theirs: 'no holiday data for this year' })
  t.end()
})
