import t, { type Test } from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { ConfigError, type ConfigProblem } from '../../src/config/validate.js'
import { isHotlineError } from '../../src/errors.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))

const SETTINGS = `timeZone: Asia/Shanghai
workingHours:
  default:
    - { start: '09:00', end: '12:00' }
    - { start: '13:00', end: '17:30' }
dueTime: '10:00'
warnMissingFromMonth: 12
`

const YEAR_2030 = `year: 2030
notice: fixture
festivals:
  - name: { zh: 元旦, en: "New Year's Day" }
    daysOff: ['2030-01-01']
    makeUpDays: ['2030-01-05']
`

/** Loads a config folder made of the given files and returns the problems it was refused for. */
async function problemsOf (t: Test, files: Record<string, string>): Promise<ConfigProblem[]> {
  const dir = t.testdir({ 'calendar.yaml': SETTINGS, ...nest(files) })
  try {
    await loadCalendar(dir)
  } catch (err) {
    t.ok(err instanceof ConfigError, 'a ConfigError')
    t.ok(isHotlineError(err, 'HC_CONFIG_INVALID'))
    return (err as ConfigError).problems.map((p) => ({ ...p, file: p.file.slice(dir.length + 1) }))
  }
  t.fail('the config was accepted')
  return []
}

/** `{'calendar/2030.yaml': x}` → `{calendar: {'2030.yaml': x}}` for t.testdir. */
function nest (files: Record<string, string>): Record<string, string | Record<string, string>> {
  const out: Record<string, string | Record<string, string>> = {}
  for (const [path, text] of Object.entries(files)) {
    const [head, tail] = path.split('/', 2)
    if (head === undefined) continue
    if (tail === undefined) { out[head] = text; continue }
    const sub = out[head]
    out[head] = { ...(typeof sub === 'object' ? sub : {}), [tail]: text }
  }
  return out
}

void t.test('the shipped config loads', async (t) => {
  const data = await loadCalendar(CONFIG_DIR)
  t.same(data.years.map((y) => y.year), [2025, 2026])
  t.same(data.workingHours.default, [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:30' }])
  t.same(data.workingHours.departments?.customs, [{ start: '08:30', end: '12:00' }, { start: '13:00', end: '17:00' }])
  t.equal(data.dueTime, '10:00')
  t.equal(data.warnMissingFromMonth, 12)
  const y2025 = data.years.find((y) => y.year === 2025)
  t.match(y2025?.notice, /国办发明电〔2024〕12号/)
  const spring = y2025?.festivals.find((f) => f.name.zh === '春节')
  t.same(spring?.name, { zh: '春节', en: 'Spring Festival' })
  t.equal(spring?.daysOff[0], '2025-01-28', 'the break starts on 除夕')
  t.same(spring?.makeUpDays, ['2025-01-26', '2025-02-08'])
})

void t.test('a good fixture loads; a folder without year files gives no years', async (t) => {
  const dir = t.testdir({ 'calendar.yaml': SETTINGS, calendar: { '2030.yaml': YEAR_2030, 'README.md': 'notes' } })
  const data = await loadCalendar(dir)
  t.same(data.years, [{
    year: 2030, notice: 'fixture',
    festivals: [{ name: { zh: '元旦', en: "New Year's Day" }, daysOff: ['2030-01-01'], makeUpDays: ['2030-01-05'] }]
  }])
  const empty = t.testdir({ 'calendar.yaml': SETTINGS })
  t.same((await loadCalendar(empty)).years, [])
})

void t.test('a missing calendar.yaml is refused', async (t) => {
  const dir = t.testdir({})
  await t.rejects(loadCalendar(dir), { code: 'HC_CONFIG_INVALID', problems: [{ file: join(dir, 'calendar.yaml'), path: '/' }] })
})

void t.test('settings: schema errors name the path', async (t) => {
  const dir = t.testdir({ 'calendar.yaml': SETTINGS.replace("dueTime: '10:00'", "dueTime: '25:00'").replace('Asia/Shanghai', 'Asia/Tokyo') })
  const err = await loadCalendar(dir).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ConfigError)
  const paths = (err as ConfigError).problems.map((p) => p.path)
  t.ok(paths.includes('/timeZone'), 'timeZone reported')
  t.ok(paths.includes('/dueTime'), 'dueTime reported')
  t.ok((err as ConfigError).problems.every((p) => p.file === join(dir, 'calendar.yaml')))
})

void t.test('settings: a range that ends before it starts', async (t) => {
  const problems = await problemsOf(t, {
    'calendar.yaml': SETTINGS.replace("{ start: '13:00', end: '17:30' }", "{ start: '13:00', end: '13:00' }")
  })
  t.match(problems, [{ file: 'calendar.yaml', path: '/workingHours/default/1', reason: /end 13:00 is not after start 13:00/ }])
})

void t.test('settings: overlapping ranges, also in a department override', async (t) => {
  const text = SETTINGS.replace("{ start: '13:00', end: '17:30' }", "{ start: '11:30', end: '17:30' }")
  const withDept = text.replace('dueTime:', `  departments:
    customs:
      - { start: '13:00', end: '17:00' }
      - { start: '08:30', end: '13:01' }
dueTime:`)
  const dir = t.testdir({ 'calendar.yaml': withDept })
  const err = await loadCalendar(dir).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.match((err as ConfigError).problems, [
    { path: '/workingHours/default/1', reason: /overlaps \/workingHours\/default\/0 \(09:00–12:00\)/ },
    { path: '/workingHours/departments/customs/0', reason: /overlaps \/workingHours\/departments\/customs\/1/ }
  ])
  t.equal((err as ConfigError).problems.length, 2)
  // Touching ranges (half-open) are fine.
  const ok = t.testdir({ 'calendar.yaml': SETTINGS.replace("start: '13:00'", "start: '12:00'") })
  t.equal((await loadCalendar(ok)).workingHours.default[1]?.start, '12:00')
})

void t.test('year: a date listed both as a day off and as a make-up day', async (t) => {
  const problems = await problemsOf(t, {
    'calendar/2030.yaml': YEAR_2030 + `  - name: { zh: 春节, en: Spring Festival }
    daysOff: ['2030-01-05']
`
  })
  t.match(problems, [{
    file: join('calendar', '2030.yaml'),
    path: '/festivals/1/daysOff/0',
    reason: /2030-01-05 is listed both as a day off and as a make-up working day \(also at \/festivals\/0\/makeUpDays\/0\)/
  }])
  t.equal(problems.length, 1)
})

void t.test('year: a date listed twice', async (t) => {
  const problems = await problemsOf(t, { 'calendar/2030.yaml': YEAR_2030.replace("['2030-01-01']", "['2030-01-01', '2030-01-01']") })
  t.match(problems, [{ path: '/festivals/0/daysOff/1', reason: /listed twice/ }])
})

void t.test('year: a date outside the file\'s year', async (t) => {
  const problems = await problemsOf(t, { 'calendar/2030.yaml': YEAR_2030.replace("['2030-01-01']", "['2029-12-31']") })
  t.match(problems, [{ file: join('calendar', '2030.yaml'), path: '/festivals/0/daysOff/0', reason: /not in 2030; it belongs in 2029\.yaml/ }])
})

void t.test('year: a make-up day that is not a Saturday or Sunday', async (t) => {
  // 2030-01-04 is a Friday.
  const problems = await problemsOf(t, { 'calendar/2030.yaml': YEAR_2030.replace("['2030-01-05']", "['2030-01-04']") })
  t.match(problems, [{ path: '/festivals/0/makeUpDays/0', reason: /2030-01-04 is a Friday/ }])
})

void t.test('year: malformed dates', async (t) => {
  const impossible = await problemsOf(t, { 'calendar/2030.yaml': YEAR_2030.replace("['2030-01-01']", "['2030-02-30']") })
  t.match(impossible, [{ path: '/festivals/0/daysOff/0', reason: /2030-02-30 is not a valid calendar date/ }])
  const shape = await problemsOf(t, { 'calendar/2030.yaml': YEAR_2030.replace("['2030-01-01']", "['2030-1-1']") })
  t.match(shape, [{ path: '/festivals/0/daysOff/0' }])
})

void t.test('year: the year field must match the file name', async (t) => {
  const problems = await problemsOf(t, { 'calendar/2031.yaml': YEAR_2030.replace(/2030-/g, '2031-') })
  t.match(problems, [{ file: join('calendar', '2031.yaml'), path: '/year', reason: /year 2030 does not match the file name \(2031\.yaml\)/ }])
})

void t.test('year: a misnamed YAML file is refused rather than ignored', async (t) => {
  const problems = await problemsOf(t, { 'calendar/2030.yml': YEAR_2030 })
  t.match(problems, [{ file: join('calendar', '2030.yml'), path: '/', reason: /<year>\.yaml/ }])
})

void t.test('year: schema and syntax errors', async (t) => {
  const schema = await problemsOf(t, { 'calendar/2030.yaml': YEAR_2030.replace('notice: fixture\n', '') })
  t.match(schema, [{ path: '/notice' }])
  const syntax = await problemsOf(t, { 'calendar/2030.yaml': 'year: [2030\n' })
  t.match(syntax, [{ path: '/', reason: /YAML syntax/ }])
  const early = await problemsOf(t, { 'calendar/1991.yaml': YEAR_2030.replace(/2030/g, '1991') })
  t.match(early, [{ path: '/year' }], 'years before 1992 had DST and are refused')
})
