import t from 'tap'
import { fileURLToPath } from 'node:url'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { type CalendarData, WorkCalendar } from '../../src/domain/calendar.js'
import { at, localText } from './shanghai-time.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))

const shipped = new WorkCalendar(await loadCalendar(CONFIG_DIR))

void t.test('shipped config: working hours on a normal working day are half-open', (t) => {
  // 2025-03-12 is an ordinary Wednesday.
  t.equal(shipped.isWorkingDay(at('2025-03-12T12:00:00')), true)
  const cases: [string, boolean][] = [
    ['00:00:00', false], ['08:59:59', false], ['09:00:00', true],
    ['11:59:59', true], ['11:59:59.999', true], ['12:00:00', false], ['12:30:00', false],
    ['12:59:59', false], ['13:00:00', true], ['17:29:59', true], ['17:30:00', false], ['23:59:59', false]
  ]
  for (const [time, inside] of cases) {
    t.equal(shipped.isWorkingTime(at(`2025-03-12T${time}`)), inside, `2025-03-12 ${time}`)
  }
  // Date objects are accepted as well as epoch ms.
  t.equal(shipped.isWorkingTime(new Date(at('2025-03-12T10:00:00'))), true)
  t.end()
})

void t.test('shipped config: make-up Saturdays and Sundays are working days', (t) => {
  for (const date of ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
    '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']) {
    const noon = at(`${date}T10:00:00`)
    t.equal(shipped.isWorkingDay(noon), true, `${date} is a make-up working day`)
    t.equal(shipped.isWorkingTime(noon), true, `${date} 10:00 is working time`)
    t.equal(shipped.describeDay(noon).kind, 'make-up', date)
  }
  t.equal(shipped.describeDay(at('2026-02-14T10:00:00')).festival?.zh, '春节')
  // An ordinary Saturday next to a make-up one stays off.
  t.equal(shipped.isWorkingDay(at('2025-02-15T10:00:00')), false)
  t.equal(shipped.describeDay(at('2025-02-15T10:00:00')).kind, 'weekend')
  t.end()
})

void t.test('shipped config: a holiday Wednesday is not a working day', (t) => {
  for (const date of ['2025-01-01', '2025-10-01', '2025-10-08', '2026-10-07']) {
    t.equal(shipped.isWorkingDay(at(`${date}T10:00:00`)), false, date)
    t.equal(shipped.isWorkingTime(at(`${date}T10:00:00`)), false, date)
  }
  t.same(shipped.describeDay(at('2025-10-01T10:00:00')).festival, { zh: '国庆节、中秋节', en: 'National Day and Mid-Autumn Festival' })
  t.equal(shipped.describeDay(at('2025-01-01T10:00:00')).kind, 'holiday')
  // The Thursday after New Year's Day 2025 (no make-up) is an ordinary working day.
  t.equal(shipped.isWorkingDay(at('2025-01-02T10:00:00')), true)
  t.end()
})

void t.test('shipped config: Spring Festival', (t) => {
  // 2025: from 除夕 (Tue 01-28) to 正月初七 (Tue 02-04).
  t.equal(shipped.isWorkingDay(at('2025-01-27T10:00:00')), true, '2025-01-27, the Monday before 除夕')
  t.equal(shipped.isWorkingDay(at('2025-01-28T10:00:00')), false, '2025 除夕')
  t.equal(shipped.isWorkingDay(at('2025-02-04T10:00:00')), false, '2025 正月初七')
  t.equal(shipped.isWorkingDay(at('2025-02-05T10:00:00')), true, 'back to work 2025-02-05')
  t.equal(localText(shipped.nextUrgentDue(at('2025-01-27T18:00:00'))), '2025-02-05T10:00:00')
  // 2026: from 腊月二十八 (Sun 02-15) to 正月初七 (Mon 02-23); 除夕 is Mon 02-16.
  t.equal(shipped.isWorkingDay(at('2026-02-13T10:00:00')), true, 'Friday before the break')
  t.equal(shipped.isWorkingDay(at('2026-02-16T10:00:00')), false, '2026 除夕')
  t.equal(shipped.isWorkingDay(at('2026-02-23T10:00:00')), false, '2026 正月初七')
  t.equal(shipped.isWorkingDay(at('2026-02-24T10:00:00')), true)
  // A ticket on Friday evening before the break is due on the make-up Saturday.
  t.equal(localText(shipped.nextUrgentDue(at('2026-02-13T18:00:00'))), '2026-02-14T10:00:00')
  // One raised on the make-up Saturday afternoon waits for the whole break.
  t.equal(localText(shipped.nextUrgentDue(at('2026-02-14T15:00:00'))), '2026-02-24T10:00:00')
  t.end()
})

void t.test('shipped config: next-urgent due times', (t) => {
  const due = (local: string, dept?: string): string => localText(shipped.nextUrgentDue(at(local), dept))
  // Year end: 2026-01-01..03 are off and Sunday 01-04 is a make-up working day.
  t.equal(due('2025-12-31T18:00:00'), '2026-01-04T10:00:00')
  // Friday evening → Monday morning.
  t.equal(due('2025-03-14T18:00:00'), '2025-03-17T10:00:00')
  t.equal(due('2025-03-15T11:00:00'), '2025-03-17T10:00:00', 'Saturday')
  // Before working hours on a working day: the same day.
  t.equal(due('2025-03-12T00:00:00'), '2025-03-12T10:00:00')
  t.equal(due('2025-03-12T07:30:00'), '2025-03-12T10:00:00')
  t.equal(due('2025-03-12T08:59:59'), '2025-03-12T10:00:00')
  // From the opening of working hours on: the next working day.
  t.equal(due('2025-03-12T09:00:00'), '2025-03-13T10:00:00')
  t.equal(due('2025-03-12T12:30:00'), '2025-03-13T10:00:00', 'lunch break')
  t.equal(due('2025-03-12T17:30:00'), '2025-03-13T10:00:00')
  // Early morning of a holiday: the first working day after the break.
  t.equal(due('2025-10-01T07:00:00'), '2025-10-09T10:00:00')
  // Early morning of a make-up Saturday: that Saturday.
  t.equal(due('2025-02-08T07:00:00'), '2025-02-08T10:00:00')
  // The customs office opens at 08:30, so 08:45 is already inside its hours.
  t.equal(due('2025-03-12T08:45:00', 'customs'), '2025-03-13T10:00:00')
  t.equal(due('2025-03-12T08:29:59', 'customs'), '2025-03-12T10:00:00')
  t.equal(due('2025-03-12T08:45:00', 'no-such-department'), '2025-03-12T10:00:00')
  // Date input gives the same answer as epoch ms.
  t.equal(shipped.nextUrgentDue(new Date(at('2025-03-14T18:00:00'))), shipped.nextUrgentDue(at('2025-03-14T18:00:00')))
  t.end()
})

void t.test('shipped config: lunch break', (t) => {
  t.equal(shipped.isWorkingTime(at('2025-03-12T12:00:00')), false)
  t.equal(shipped.isWorkingTime(at('2025-03-12T12:59:59.999')), false)
  t.equal(shipped.isWorkingTime(at('2025-03-12T12:00:00'), 'customs'), false)
  t.equal(shipped.isWorkingTime(at('2025-03-12T13:00:00'), 'customs'), true)
  t.end()
})

void t.test('shipped config: department override', (t) => {
  const d = '2025-03-12'
  t.equal(shipped.isWorkingTime(at(`${d}T08:29:59`), 'customs'), false)
  t.equal(shipped.isWorkingTime(at(`${d}T08:30:00`), 'customs'), true)
  t.equal(shipped.isWorkingTime(at(`${d}T08:30:00`)), false, 'default hours open at 09:00')
  t.equal(shipped.isWorkingTime(at(`${d}T16:59:59`), 'customs'), true)
  t.equal(shipped.isWorkingTime(at(`${d}T17:00:00`), 'customs'), false)
  t.equal(shipped.isWorkingTime(at(`${d}T17:00:00`)), true, 'default hours close at 17:30')
  t.equal(shipped.isWorkingTime(at(`${d}T17:00:00`), 'unknown-dept'), true, 'an unknown department uses the default')
  // The override changes hours, never days.
  t.equal(shipped.isWorkingTime(at('2025-10-01T10:00:00'), 'customs'), false)
  t.end()
})

void t.test('shipped config: a year without a notice falls back to Monday–Friday', (t) => {
  t.same(shipped.years, [2025, 2026])
  const wed = shipped.describeDay(at('2027-03-03T10:00:00'))
  t.same(wed, { date: '2027-03-03', working: true, kind: 'weekday', known: false })
  t.equal(shipped.isWorkingDay(at('2027-03-06T10:00:00')), false, 'Saturday')
  t.equal(shipped.isWorkingTime(at('2027-03-03T10:00:00')), true)
  // No notice for 2027 yet: 2027-01-01 (a Friday) counts as a working day.
  t.equal(localText(shipped.nextUrgentDue(at('2026-12-31T18:00:00'))), '2027-01-01T10:00:00')
  t.equal(shipped.describeDay(at('2026-06-01T10:00:00')).known, true)
  t.end()
})

void t.test('shipped config: missingYears in November vs December', (t) => {
  t.same(shipped.missingYears(at('2025-12-15T10:00:00')), [], '2026 is present')
  t.same(shipped.missingYears(at('2026-06-01T10:00:00')), [])
  t.same(shipped.missingYears(at('2026-11-30T23:59:59')), [], 'still November in Shanghai')
  t.same(shipped.missingYears(at('2026-12-01T00:00:00')), [2027], 'December in Shanghai (still November in UTC)')
  t.same(shipped.missingYears(at('2027-01-10T10:00:00')), [2027])
  t.same(shipped.missingYears(at('2027-12-10T10:00:00')), [2027, 2028])
  t.same(shipped.missingYears(at('2024-12-10T10:00:00')), [2024], '2025 is present')
  t.end()
})

void t.test('shipped config: every day of 2025 and 2026', (t) => {
  const times = ['00:00:00', '06:00:00', '08:59:59.999', '09:00:00', '09:59:59', '10:00:00',
    '12:30:00', '15:00:00', '17:30:00', '23:59:59.999']
  const failures: string[] = []
  let days = 0
  for (let day = at('2025-01-01T12:00:00'); day < at('2027-01-01T00:00:00'); day += 86_400_000) {
    days++
    const date = localText(day).slice(0, 10)
    // The calendar's local date agrees with Intl's Asia/Shanghai at both ends of the day.
    for (const edge of ['00:00:00', '23:59:59.999']) {
      const got = shipped.describeDay(at(`${date}T${edge}`)).date
      if (got !== date) failures.push(`${date}T${edge}: describeDay says ${got}`)
    }
    for (const time of times) {
      const instant = at(`${date}T${time}`)
      const due = shipped.nextUrgentDue(instant)
      const dueText = localText(due)
      if (!(due > instant)) failures.push(`${date}T${time}: due ${dueText} is not after the instant`)
      if (!dueText.endsWith('T10:00:00')) failures.push(`${date}T${time}: due ${dueText} is not 10:00`)
      if (!shipped.isWorkingDay(due)) failures.push(`${date}T${time}: due ${dueText} is not a working day`)
      // Nothing earlier would have done: no working day lies between the instant and the due
      // day, and the instant's own day is used exactly when it is a working day before 09:00.
      const sameDayAllowed = shipped.isWorkingDay(instant) && time < '09:00'
      if (!sameDayAllowed && dueText.slice(0, 10) <= date) failures.push(`${date}T${time}: due ${dueText} should be a later day`)
      let check = sameDayAllowed ? instant : at(`${date}T12:00:00`) + 86_400_000
      while (localText(check).slice(0, 10) < dueText.slice(0, 10)) {
        if (shipped.isWorkingDay(check)) failures.push(`${date}T${time}: ${localText(check).slice(0, 10)} is an earlier working day than ${dueText}`)
        check += 86_400_000
      }
    }
  }
  t.equal(days, 730)
  t.same(failures, [])
  t.end()
})

// Small fixture data: one invented year, so the rules are checked apart from the real notices.
const fixture: CalendarData = {
  workingHours: {
    default: [{ start: '14:00', end: '18:00' }, { start: '08:00', end: '11:00' }],
    departments: { late: [{ start: '10:30', end: '16:00' }] }
  },
  dueTime: '09:30',
  warnMissingFromMonth: 11,
  years: [{
    year: 2030,
    notice: 'fixture',
    festivals: [{ name: { zh: '测试节', en: 'Test Day' }, daysOff: ['2030-01-02'], makeUpDays: ['2030-01-05'] }]
  }]
}

void t.test('fixture: days, hours and due times follow the data', (t) => {
  const cal = new WorkCalendar(fixture)
  // 2030-01-01 is a Tuesday, 01-02 a Wednesday (off), 01-05 a Saturday (on).
  t.equal(cal.isWorkingDay(at('2030-01-01T12:00:00')), true)
  t.equal(cal.isWorkingDay(at('2030-01-02T12:00:00')), false)
  t.equal(cal.isWorkingDay(at('2030-01-05T12:00:00')), true)
  t.equal(cal.isWorkingDay(at('2030-01-06T12:00:00')), false)
  t.same(cal.describeDay(at('2030-01-02T12:00:00')).festival, { zh: '测试节', en: 'Test Day' })
  // Ranges need not be listed in order.
  t.equal(cal.isWorkingTime(at('2030-01-01T07:59:59')), false)
  t.equal(cal.isWorkingTime(at('2030-01-01T08:00:00')), true)
  t.equal(cal.isWorkingTime(at('2030-01-01T10:59:59')), true)
  t.equal(cal.isWorkingTime(at('2030-01-01T11:00:00')), false)
  t.equal(cal.isWorkingTime(at('2030-01-01T14:00:00')), true)
  t.equal(cal.isWorkingTime(at('2030-01-01T17:59:59')), true)
  t.equal(cal.isWorkingTime(at('2030-01-01T18:00:00')), false)
  t.equal(cal.isWorkingTime(at('2030-01-02T09:00:00')), false, 'holiday')
  t.equal(cal.isWorkingTime(at('2030-01-05T09:00:00')), true, 'make-up Saturday')
  t.equal(cal.isWorkingTime(at('2030-01-01T15:59:59'), 'late'), true)
  t.equal(cal.isWorkingTime(at('2030-01-01T16:00:00'), 'late'), false)

  const due = (local: string, dept?: string): string => localText(cal.nextUrgentDue(at(local), dept))
  t.equal(due('2030-01-01T07:59:59'), '2030-01-01T09:30:00', 'before opening: same day at dueTime')
  t.equal(due('2030-01-01T08:00:00'), '2030-01-03T09:30:00', 'skips the holiday Wednesday')
  t.equal(due('2030-01-04T18:00:00'), '2030-01-05T09:30:00', 'Friday evening → make-up Saturday')
  t.equal(due('2030-01-05T12:00:00'), '2030-01-07T09:30:00', 'make-up Saturday → Monday')
  // The "late" department opens at 10:30, after the 09:30 due time: a ticket at 10:00 is
  // before its hours but past today's due time, so it is due the next working day.
  t.equal(due('2030-01-01T09:00:00', 'late'), '2030-01-01T09:30:00')
  t.equal(due('2030-01-01T10:00:00', 'late'), '2030-01-03T09:30:00')
  t.equal(due('2030-01-01T09:30:00', 'late'), '2030-01-03T09:30:00', 'exactly at the due time')
  t.end()
})

void t.test('fixture: missingYears honours warnMissingFromMonth', (t) => {
  const cal = new WorkCalendar(fixture)
  t.same(cal.missingYears(at('2030-10-31T23:59:59')), [])
  t.same(cal.missingYears(at('2030-11-01T00:00:00')), [2031])
  t.same(cal.missingYears(at('2029-12-31T23:59:59')), [2029])
  t.same(cal.missingYears(at('2029-10-31T23:59:59')), [2029])
  t.same(new WorkCalendar({ ...fixture, years: [] }).missingYears(at('2030-01-01T00:00:00')), [2030])
  t.end()
})

void t.test('fixture: malformed data and instants are refused', (t) => {
  t.throws(() => new WorkCalendar({ ...fixture, dueTime: '9:30' }), RangeError)
  t.throws(() => new WorkCalendar({ ...fixture, workingHours: { default: [] } }), RangeError)
  t.throws(() => new WorkCalendar({ ...fixture, workingHours: { default: [{ start: '12:00', end: '09:00' }] } }), RangeError)
  t.throws(() => new WorkCalendar({
    ...fixture,
    years: [{ year: 2030, notice: 'x', festivals: [{ name: { zh: 'x', en: 'x' }, daysOff: ['2030-02-30'] }] }]
  }), RangeError)
  const cal = new WorkCalendar(fixture)
  t.throws(() => cal.isWorkingDay(new Date('not a date')), RangeError)
  t.throws(() => cal.nextUrgentDue(Number.NaN), RangeError)
  t.end()
})
