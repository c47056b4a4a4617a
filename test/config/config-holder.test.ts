import t, { type Test } from 'tap'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError, ConfigHolder, type LoadedConfig, loadConfig } from '../../src/config/index.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))

/** A copy of the shipped config folder (YAML files only), with `changes` written over it. */
function configCopy (t: Test, changes: Record<string, string> = {}): string {
  const read = (name: string) => readFileSync(join(CONFIG_DIR, name), 'utf8')
  const years = Object.fromEntries(readdirSync(join(CONFIG_DIR, 'calendar'))
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => [n, read(join('calendar', n))]))
  const dir = t.testdir({
    'default.yaml': read('default.yaml'),
    'directory.yaml': read('directory.yaml'),
    'calendar.yaml': read('calendar.yaml'),
    'agents.yaml': read('agents.yaml'),
    calendar: years
  })
  for (const [name, text] of Object.entries(changes)) writeFileSync(join(dir, name), text)
  return dir
}

async function problemsOf (dir: string) {
  const err = await loadConfig(dir, {}).catch((e: unknown) => e)
  if (!(err instanceof ConfigError)) throw new Error('the config was accepted')
  return err.problems.map((p) => ({ ...p, file: p.file.slice(dir.length + 1) }))
}

/** A promise settled from outside, so tests order events without timers. */
function deferred<T> () {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

void t.test('loadConfig loads the shipped folder', async (t) => {
  const c = await loadConfig(CONFIG_DIR, { HTTP_PORT: '0' })
  t.equal(c.app.http.port, 0, 'with the environment applied')
  t.ok(c.directory.matter('tax-invoice'))
  t.equal(c.calendar.isWorkingDay(Date.UTC(2026, 0, 1, 2)), false, 'New Year\'s Day 2026 is a holiday')
})

void t.test('loadConfig reports the problems of every file at once', async (t) => {
  const dir = configCopy(t, {
    'default.yaml': 'http:\n  port: -1\n',
    'directory.yaml': readFileSync(join(CONFIG_DIR, 'directory.yaml'), 'utf8').replace('department: customs', 'department: customz')
  })
  const problems = await problemsOf(dir)
  t.match(problems, [
    { file: 'default.yaml', path: '/http/port', reason: /greater or equal to 0/ },
    { file: 'directory.yaml', path: /^\/matters\/\d+\/department$/, reason: /unknown department "customz"/ }
  ])
  t.equal(problems.length, 2)
})

void t.test('calendar hours for a department the directory lacks', async (t) => {
  const calendar = readFileSync(join(CONFIG_DIR, 'calendar.yaml'), 'utf8').replace(/^ {4}customs:$/m, '    customz:')
  t.not(calendar, readFileSync(join(CONFIG_DIR, 'calendar.yaml'), 'utf8'), 'the fixture was changed')
  const problems = await problemsOf(configCopy(t, { 'calendar.yaml': calendar }))
  t.same(problems, [{
    file: 'calendar.yaml',
    path: '/workingHours/departments/customz',
    reason: 'unknown department "customz": not in directory.yaml'
  }])
})

void t.test('simulator answer chances for a department the directory lacks', async (t) => {
  const yaml = 'switch:\n  sim:\n    traffic:\n      answer:\n        default: 0.9\n        tax: 0.5\n        taxx: 0.4\n'
  const problems = await problemsOf(configCopy(t, { 'default.yaml': yaml }))
  t.same(problems, [{
    file: 'default.yaml',
    path: '/switch/sim/traffic/answer/taxx',
    reason: 'unknown department "taxx": not in directory.yaml (or "default" for every other department)'
  }], 'tax and default are fine; taxx is named')
})

void t.test('a good reload swaps the value and says so', async (t) => {
  const holder = new ConfigHolder({ v: 1 })
  const changes: unknown[] = []
  holder.on('changed', (value, previous) => changes.push([value, previous]))
  const next = await holder.reload(() => Promise.resolve({ v: 2 }))
  t.same(next, { v: 2 })
  t.same(holder.value, { v: 2 })
  t.same(changes, [[{ v: 2 }, { v: 1 }]])
})

void t.test('a bad reload keeps the old value', async (t) => {
  const holder = new ConfigHolder({ v: 1 })
  const rejected: ConfigError[] = []
  holder.on('rejected', (e) => rejected.push(e))
  holder.on('changed', () => t.fail('no change on a failed reload'))
  const bad = new ConfigError([{ file: 'directory.yaml', path: '/matters/0/department', reason: 'unknown department "x"' }])
  await t.rejects(holder.reload(() => Promise.reject(bad)), bad)
  t.same(holder.value, { v: 1 })
  t.same(rejected, [bad])
})

void t.test('an error that is not a ConfigError is wrapped', async (t) => {
  const holder = new ConfigHolder('old')
  const boom = new Error('disk on fire')
  const err = await holder.reload(() => Promise.reject(boom)).catch((e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.equal((err as ConfigError).cause, boom)
  t.match((err as ConfigError).problems, [{ path: '/', reason: 'disk on fire' }])
  t.equal(holder.value, 'old')
})

void t.test('reloads apply in the order they were asked for', async (t) => {
  const holder = new ConfigHolder('v0')
  const first = deferred<string>()
  const second = deferred<string>()
  const started: string[] = []
  const a = holder.reload(() => { started.push('a'); return first.promise })
  const b = holder.reload(() => { started.push('b'); return second.promise })
  second.resolve('v2')
  await Promise.resolve()
  t.same(started, ['a'], 'the second loader waits for the first')
  first.resolve('v1')
  t.equal(await a, 'v1')
  t.equal(await b, 'v2')
  t.equal(holder.value, 'v2', 'the last reload asked for wins')
})

void t.test('a failed reload does not block the next one', async (t) => {
  const holder = new ConfigHolder('v0')
  const failing = holder.reload(() => Promise.reject(new ConfigError([{ file: 'f', path: '/', reason: 'bad' }])))
  const next = holder.reload(() => Promise.resolve('v1'))
  await t.rejects(failing, ConfigError)
  t.equal(await next, 'v1')
  t.equal(holder.value, 'v1')
})

void t.test('reloading the config folder: a broken directory keeps the running one', async (t) => {
  const dir = configCopy(t)
  const holder = new ConfigHolder<LoadedConfig>(await loadConfig(dir, {}))
  const running = holder.value.directory

  writeFileSync(join(dir, 'directory.yaml'), 'categories: []\ndepartments: []\nmatters: []\n')
  const err = await holder.reload(() => loadConfig(dir, {})).catch((e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.match((err as ConfigError).problems, [{ file: join(dir, 'directory.yaml'), path: '/categories', reason: /length/ }])
  t.equal(holder.value.directory, running, 'the old directory is still in force')
  t.ok(holder.value.directory.matter('tax-invoice'))

  const fixed = readFileSync(join(CONFIG_DIR, 'directory.yaml'), 'utf8').replace('name: 发票领用', 'name: 发票申领')
  writeFileSync(join(dir, 'directory.yaml'), fixed)
  await holder.reload(() => loadConfig(dir, {}))
  t.not(holder.value.directory, running)
  t.equal(holder.value.directory.matter('tax-invoice')?.name, '发票申领', 'the fixed file is in force')
})
