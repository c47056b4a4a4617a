import t from 'tap'
import { pino } from 'pino'
import { watchCalendar } from '../src/wiring/calendar-watch.js'
import { WorkCalendar } from '../src/domain/calendar.js'
import { loadCalendar } from '../src/config/calendar-schema.js'
import { Metrics } from '../src/metrics.js'
import { ManualClock } from '../src/ports/clock.js'

const configDir = new URL('../config/', import.meta.url).pathname

void t.test('December without next year: warning in the log and the metric set', async (t) => {
  const calendar = new WorkCalendar(await loadCalendar(configDir))
  const lines: string[] = []
  const logger = pino({ level: 'warn' }, { write: (s: string) => { lines.push(s) } })
  const metrics = new Metrics()
  const stop = watchCalendar(calendar, metrics, logger, new ManualClock(new Date('2026-12-01T02:00:00Z')))
  t.teardown(stop)
  const text = await metrics.registry.metrics()
  t.match(text, /hotline_calendar_year_missing\{year="2027"\} 1/)
  t.equal(lines.length, 1)
  t.match(JSON.parse(lines[0] ?? '{}'), { year: 2027, level: 40 })
})

void t.test('November: nothing missing yet', async (t) => {
  const calendar = new WorkCalendar(await loadCalendar(configDir))
  const lines: string[] = []
  const logger = pino({ level: 'warn' }, { write: (s: string) => { lines.push(s) } })
  const metrics = new Metrics()
  const stop = watchCalendar(calendar, metrics, logger, new ManualClock(new Date('2026-11-20T02:00:00Z')))
  t.teardown(stop)
  t.notMatch(await metrics.registry.metrics(), /hotline_calendar_year_missing\{/)
  t.equal(lines.length, 0)
})
