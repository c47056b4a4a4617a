// Micro-benchmark of the local-time functions called per call event: the calendar's working-time
// check (every transfer, every IVR time branch), the next-urgent due time (every ticket) and the
// day a call counts on (every call end), plus the month and window spans the reports use.
// Prints nanoseconds per call; nothing is asserted (docs/bench.md "Local time").
//
//   npx tsx scripts/bench/local-time.ts [iterations]
//
// "same day" feeds instants one second apart, as live traffic does; "spread" feeds instants
// scattered over 2025–2026, so each call meets a new day.

import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import { callDay, daysBetween } from '../../src/domain/call-figures.js'
import { monthOf } from '../../src/domain/monthly-report.js'
import { nextOccurrence } from '../../src/features/dialtest/schedule.js'
import { windowAt } from '../../src/stats/connection-rate-service.js'

const iterations = Number(process.argv[2] ?? 200_000)
if (!Number.isInteger(iterations) || iterations < 1_000) {
  process.stderr.write('usage: tsx scripts/bench/local-time.ts [iterations ≥ 1000]\n')
  process.exit(2)
}

const calendar = new WorkCalendar(await loadCalendar(fileURLToPath(new URL('../../config', import.meta.url))))

const START = Date.parse('2026-03-02T09:30:00+08:00')
const SPAN = Date.parse('2027-01-01T00:00:00+08:00') - Date.parse('2025-01-01T00:00:00+08:00')
// A fixed pseudo-random walk (LCG), so every run meets the same instants.
let seed = 1
const spread = Array.from({ length: 4096 }, () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return Date.parse('2025-01-01T00:00:00+08:00') + Math.floor((seed / 2 ** 31) * SPAN)
})

const cases: [string, (ms: number) => unknown][] = [
  ['isWorkingTime', (ms) => calendar.isWorkingTime(ms)],
  ['isWorkingTime (department)', (ms) => calendar.isWorkingTime(ms, 'customs')],
  ['nextUrgentDue', (ms) => calendar.nextUrgentDue(ms)],
  ['describeDay', (ms) => calendar.describeDay(ms)],
  ['callDay', (ms) => callDay(ms)],
  ['monthOf', (ms) => monthOf(ms)],
  ["windowAt('today')", (ms) => windowAt('today', ms)],
  ['nextOccurrence', (ms) => nextOccurrence(2 * 3_600_000, ms)],
  ['daysBetween (31 days)', (ms) => daysBetween(ms, ms + 31 * 86_400_000)]
]

function measure (fn: (ms: number) => unknown, instant: (i: number) => number, n: number): number {
  let sink = 0
  const t0 = performance.now()
  for (let i = 0; i < n; i++) if (fn(instant(i)) !== undefined) sink++
  const ns = ((performance.now() - t0) * 1e6) / n
  if (sink < 0) process.stdout.write('')
  return ns
}

const sameDay = (i: number): number => START + (i % 28_800) * 1_000
const scattered = (i: number): number => spread[i % spread.length] ?? START

process.stdout.write(`node ${process.version}, ${iterations} iterations per case\n`)
process.stdout.write(`${'function'.padEnd(28)} ${'same day ns'.padStart(12)} ${'spread ns'.padStart(12)}\n`)
for (const [name, fn] of cases) {
  const n = name.startsWith('daysBetween') ? Math.ceil(iterations / 31) : iterations
  measure(fn, sameDay, Math.ceil(n / 10)) // warm-up
  measure(fn, scattered, Math.ceil(n / 10))
  const a = measure(fn, sameDay, n)
  const b = measure(fn, scattered, n)
  process.stdout.write(`${name.padEnd(28)} ${a.toFixed(0).padStart(12)} ${b.toFixed(0).padStart(12)}\n`)
}
