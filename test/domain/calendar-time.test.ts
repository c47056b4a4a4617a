import t from 'tap'
import { fileURLToPath } from 'node:url'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import { callDay, daysBetween } from '../../src/domain/call-figures.js'
import { dateKey, localDay, localMonth, nextDay, parseDateKey } from '../../src/domain/calendar-time.js'
import { monthOf } from '../../src/domain/monthly-report.js'
import { nextOccurrence } from '../../src/features/dialtest/schedule.js'
import { windowAt } from '../../src/stats/connection-rate-service.js'
import { at, localText } from './shanghai-time.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))

const shipped = new WorkCalendar(await loadCalendar(CONFIG_DIR))

void t.test('a Shanghai day is [00:00, 24:00): 23:59:59.999 is the same day, 00:00 the next', (t) => {
  const day = localDay(at('2026-03-02T12:00:00'))
  t.equal(day.key, '2026-03-02')
  t.equal(day.startMs, at('2026-03-02T00:00:00'))
  t.equal(day.endMs, at('2026-03-03T00:00:00'))
  t.equal(day.startMs, Date.parse('2026-03-01T16:00:00Z'), 'midnight in Shanghai is 16:00 UTC the day before')
  t.equal(dateKey(at('2026-03-02T00:00:00')), '2026-03-02')
  t.equal(dateKey(at('2026-03-02T00:00:00') - 1), '2026-03-01')
  t.equal(dateKey(at('2026-03-02T23:59:59.999')), '2026-03-02')
  t.equal(dateKey(at('2026-03-03T00:00:00')), '2026-03-03')
  // 07:59 on the 2nd in Shanghai is still the 1st in UTC.
  t.equal(callDay(Date.parse('2026-03-01T23:59:00Z')), '2026-03-02')
  t.equal(nextDay(day).key, '2026-03-03')
  t.end()
})

void t.test('the remembered days never change an answer', (t) => {
  // More distinct days than are kept, asked for in an order that evicts and re-adds them.
  const days = Array.from({ length: 40 }, (_, i) => at('2025-12-20T00:00:00') + i * 86_400_000)
  const first = days.map((ms) => dateKey(ms + 43_200_000))
  for (let round = 0; round < 3; round++) {
    for (const ms of [...days].reverse()) {
      t.equal(dateKey(ms), localText(ms).slice(0, 10))
      t.equal(dateKey(ms - 1), localText(ms - 1).slice(0, 10))
    }
  }
  t.same(days.map((ms) => dateKey(ms + 43_200_000)), first)
  t.end()
})

void t.test('a make-up working day is a working day from 00:00 to 23:59:59.999', (t) => {
  // Sunday 2026-01-04 is worked for New Year's Day; Saturday 2026-01-03 is off.
  t.equal(shipped.isWorkingDay(at('2026-01-04T00:00:00')), true)
  t.equal(shipped.isWorkingDay(at('2026-01-04T23:59:59.999')), true)
  t.equal(shipped.isWorkingDay(at('2026-01-04T00:00:00') - 1), false, '23:59:59.999 of the Saturday before')
  t.equal(shipped.isWorkingDay(at('2026-01-05T00:00:00')), true, 'Monday after')
  t.equal(shipped.describeDay(at('2026-01-04T23:59:59.999')).kind, 'make-up')
  t.equal(shipped.isWorkingTime(at('2026-01-04T09:00:00')), true)
  t.equal(shipped.isWorkingTime(at('2026-01-04T08:59:59.999')), false)
  t.end()
})

void t.test('the eve of a holiday: working until 24:00, then the break', (t) => {
  // Tuesday 2025-09-30 is worked; the National Day break runs 10-01 to 10-08.
  t.equal(shipped.isWorkingDay(at('2025-09-30T23:59:59.999')), true)
  t.equal(shipped.isWorkingDay(at('2025-10-01T00:00:00')), false)
  t.equal(shipped.describeDay(at('2025-10-01T00:00:00')).kind, 'holiday')
  t.equal(shipped.isWorkingTime(at('2025-09-30T17:29:59.999')), true)
  t.equal(shipped.isWorkingTime(at('2025-09-30T17:30:00')), false)
  t.equal(localText(shipped.nextUrgentDue(at('2025-09-30T17:30:00'))), '2025-10-09T10:00:00')
  t.equal(localText(shipped.nextUrgentDue(at('2025-09-30T23:59:59.999'))), '2025-10-09T10:00:00')
  t.equal(localText(shipped.nextUrgentDue(at('2025-10-01T00:00:00'))), '2025-10-09T10:00:00')
  // The break ends with the make-up Saturday 10-11 after the Thursday 10-09 back at work.
  t.equal(localText(shipped.nextUrgentDue(at('2025-10-10T18:00:00'))), '2025-10-11T10:00:00')
  t.end()
})

void t.test('a ticket just before and just after 10:00', (t) => {
  // Hours opening after the due time, so both sides of 10:00 are before the day's hours.
  const late = new WorkCalendar({
    workingHours: { default: [{ start: '13:00', end: '17:00' }] },
    dueTime: '10:00',
    warnMissingFromMonth: 12,
    years: []
  })
  t.equal(localText(late.nextUrgentDue(at('2026-03-02T09:59:59.999'))), '2026-03-02T10:00:00', 'before 10:00: due today')
  t.equal(localText(late.nextUrgentDue(at('2026-03-02T10:00:00'))), '2026-03-03T10:00:00', 'at 10:00: due the next working day')
  t.equal(localText(late.nextUrgentDue(at('2026-03-02T10:00:00.001'))), '2026-03-03T10:00:00')
  t.equal(localText(late.nextUrgentDue(at('2026-03-06T10:00:00'))), '2026-03-09T10:00:00', 'Friday → Monday')
  // Shipped hours open at 09:00: a ticket at 09:59:59.999 is in working hours, due tomorrow.
  t.equal(localText(shipped.nextUrgentDue(at('2026-03-02T09:59:59.999'))), '2026-03-03T10:00:00')
  t.equal(localText(shipped.nextUrgentDue(at('2026-03-02T08:59:59.999'))), '2026-03-02T10:00:00')
  t.equal(shipped.isWorkingTime(at('2026-03-02T09:59:59.999')), true)
  t.equal(shipped.isWorkingTime(at('2026-03-02T10:00:00')), true)
  t.end()
})

void t.test('year end: days, months and windows roll into the new year', (t) => {
  const last = at('2025-12-31T23:59:59.999')
  const first = at('2026-01-01T00:00:00')
  t.equal(callDay(last), '2025-12-31')
  t.equal(callDay(first), '2026-01-01')
  t.same(monthOf(last), { month: '2025-12', since: at('2025-12-01T00:00:00'), until: first })
  t.same(monthOf(first), { month: '2026-01', since: first, until: at('2026-02-01T00:00:00') })
  t.same(windowAt('today', last), { name: 'today', since: at('2025-12-31T00:00:00'), until: first })
  t.same(windowAt('this-month', last), { name: 'this-month', since: at('2025-12-01T00:00:00'), until: first })
  t.same(daysBetween(at('2025-12-30T12:00:00'), at('2026-01-02T00:00:00')), ['2025-12-30', '2025-12-31', '2026-01-01'])
  t.equal(nextOccurrence(2 * 3_600_000, at('2025-12-31T02:00:00')), at('2026-01-01T02:00:00'))
  // New Year's Day and the weekend are off; Sunday 01-04 is the make-up day.
  t.equal(localText(shipped.nextUrgentDue(last)), '2026-01-04T10:00:00')
  t.equal(shipped.describeDay(first).kind, 'holiday')
  // December in Shanghai warns about the year after; the new year's first instant no longer
  // needs 2026's successor for the warning month (December) is over.
  t.same(shipped.missingYears(last), [])
  t.same(shipped.missingYears(at('2026-12-31T23:59:59.999')), [2027])
  t.same(shipped.missingYears(at('2027-01-01T00:00:00')), [2027])
  t.end()
})

void t.test('dates and months are real ones', (t) => {
  t.equal(parseDateKey('2024-02-29')?.toISODate(), '2024-02-29', 'leap day')
  t.equal(parseDateKey('2025-02-29'), undefined)
  t.equal(parseDateKey('2025-02-30'), undefined, 'not rolled over into March')
  t.equal(parseDateKey('2025-13-01'), undefined)
  t.equal(parseDateKey('2025-W01-1'), undefined, 'no ISO week dates')
  t.equal(parseDateKey('2025-001'), undefined, 'no ordinal dates')
  t.equal(parseDateKey('2025-01-01T00:00'), undefined, 'no times')
  t.equal(parseDateKey('2025-03-01')?.toMillis(), at('2025-03-01T00:00:00'), '00:00 in Shanghai')
  t.same(localMonth(2028, 2), { key: '2028-02', since: at('2028-02-01T00:00:00'), until: at('2028-03-01T00:00:00') })
  t.throws(() => localMonth(2026, 13), RangeError)
  t.throws(() => localDay(8.64e15 + 1), RangeError, 'beyond what a date can hold')
  t.end()
})
