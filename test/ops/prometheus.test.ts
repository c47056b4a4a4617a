// The Prometheus files in ops/prometheus/: the alert rules pass promtool and their unit tests,
// every alert is tested both ways and speaks Chinese and English, and the example
// configuration is valid with its bearer-token block (a token file present) and without it.

import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { ALERTS_FILE, ALERT_TESTS_FILE, PROMETHEUS_CONFIG, PROMETHEUS_DIR, alertRules, promtool } from './ops-files.js'

const SEVERITIES = ['critical', 'warning']
const CJK = /[\u4e00-\u9fff]/
// English in brackets at the end: no Chinese inside, at least two English words.
const ENGLISH = /\([^()\u4e00-\u9fff]*[A-Za-z]+ [a-z]+[^()\u4e00-\u9fff]*\)$/

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hotline-prom-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

void t.test('promtool check rules accepts alerts.yml', async (t) => {
  const run = await promtool(['check', 'rules', ALERTS_FILE])
  t.equal(run.code, 0, run.stdout + run.stderr)
  const rules = await alertRules()
  t.match(run.stdout, `SUCCESS: ${rules.length} rules found`)
})

void t.test('promtool test rules: alerts.test.yml passes', async (t) => {
  const run = await promtool(['test', 'rules', 'alerts.test.yml'], PROMETHEUS_DIR)
  t.equal(run.code, 0, run.stdout + run.stderr)
  t.match(run.stdout, 'SUCCESS')
})

void t.test('promtool test rules fails when an alert is broken (the unit tests can fail)', async (t) => {
  const dir = await tempDir(t)
  // Summing the shared ticket gauge over two controllers doubles it: the test must notice.
  const alerts = (await readFile(ALERTS_FILE, 'utf8')).replace('max(hotline_tickets_overdue)', 'sum(hotline_tickets_overdue)')
  t.not(alerts, await readFile(ALERTS_FILE, 'utf8'), 'the rule was changed')
  await writeFile(join(dir, 'alerts.yml'), alerts)
  await copyFile(ALERT_TESTS_FILE, join(dir, 'alerts.test.yml'))
  const run = await promtool(['test', 'rules', 'alerts.test.yml'], dir)
  t.not(run.code, 0)
  t.match(run.stdout + run.stderr, 'HotlineTicketsOverdue')
})

void t.test('every alert is unit-tested firing and not firing', async (t) => {
  const rules = await alertRules()
  const doc = parse(await readFile(ALERT_TESTS_FILE, 'utf8')) as {
    tests: Array<{ alert_rule_test?: Array<{ alertname: string, exp_alerts?: unknown[] }> }>
  }
  const cases = doc.tests.flatMap((test) => test.alert_rule_test ?? [])
  const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname))
  const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname))
  const names = rules.map((rule) => rule.alert)
  t.ok(names.length >= 10, 'the rules were read')
  t.same(names.filter((name) => !fires.has(name)), [], 'alerts without a firing case')
  t.same(names.filter((name) => !quiet.has(name)), [], 'alerts without a not-firing case')
  t.same([...new Set(cases.map((c) => c.alertname))].filter((name) => !names.includes(name)), [], 'cases of alerts that do not exist')
})

void t.test('every alert has a severity, bilingual summary and description, and a runbook', async (t) => {
  const rules = await alertRules()
  const expected = [
    'HotlineSwitchDisconnected', 'HotlineControllerDown', 'HotlineControllerTargetMissing', 'HotlineNoControllerReady',
    'HotlineShedding', 'HotlineConnectionRateBelowTarget', 'HotlineConnectionRateLowLastHour',
    'HotlineCallEndsUnstored', 'HotlineTicketsOverdue', 'HotlineTicketsDead', 'HotlineTicketDeliveryFailing',
    'HotlineCalendarYearMissing', 'HotlineDialTestFailing'
  ]
  t.same(rules.map((rule) => rule.alert).sort(), [...expected].sort(), 'the alerts docs/operations.md lists')
  for (const rule of rules) {
    t.ok(SEVERITIES.includes(rule.labels?.severity ?? ''), `${rule.alert}: severity is one of ${SEVERITIES.join(', ')}`)
    for (const key of ['summary', 'description', 'runbook']) {
      const text = rule.annotations?.[key] ?? ''
      t.match(text, CJK, `${rule.alert}: ${key} in Chinese`)
      t.match(text, ENGLISH, `${rule.alert}: ${key} with English in brackets`)
    }
  }
})

void t.test('docs/operations.md explains every alert', async (t) => {
  const doc = await readFile(join(PROMETHEUS_DIR, '../../docs/operations.md'), 'utf8')
  for (const rule of await alertRules()) t.match(doc, `### ${rule.alert}`, `${rule.alert} has a section`)
})

const TOKEN_FILE = /^( {6}credentials_file: )\S+$/m

void t.test('promtool check config accepts the example prometheus.yml and finds alerts.yml beside it', async (t) => {
  const dir = await tempDir(t)
  const text = await readFile(PROMETHEUS_CONFIG, 'utf8')
  const token = join(dir, 'hotline-metrics.token')
  const config = text.replace(TOKEN_FILE, `$1${token}`)
  t.not(config, text, 'the scrape sends a bearer token from a file (/metrics needs one)')
  t.match(text, /^ {4}authorization:\n {6}type: Bearer\n {6}credentials_file: /m)
  await writeFile(join(dir, 'prometheus.yml'), config)

  // Alone, without alerts.yml next to it, the relative rule_files path does not resolve.
  await writeFile(token, 'a-long-random-metrics-token\n', { mode: 0o600 })
  const alone = await promtool(['check', 'config', join(dir, 'prometheus.yml')])
  t.not(alone.code, 0, 'a missing rule file is refused')

  await copyFile(ALERTS_FILE, join(dir, 'alerts.yml'))
  await rm(token)
  const missing = await promtool(['check', 'config', join(dir, 'prometheus.yml')])
  t.not(missing.code, 0, 'promtool reads the block: a missing token file is refused')
  t.match(missing.stdout + missing.stderr, 'hotline-metrics.token')

  await writeFile(token, 'a-long-random-metrics-token\n', { mode: 0o600 })
  const run = await promtool(['check', 'config', join(dir, 'prometheus.yml')])
  t.equal(run.code, 0, run.stdout + run.stderr)
  t.match(run.stdout, 'SUCCESS: 1 rule files found')
  t.match(run.stdout, 'alerts.yml')
})

void t.test('without its bearer-token block (api.metricsPublic) prometheus.yml is valid too', async (t) => {
  const dir = await tempDir(t)
  const text = await readFile(PROMETHEUS_CONFIG, 'utf8')
  const without = text.replace(/^ {4}authorization:\n {6}type: Bearer\n {6}credentials_file: \S+\n/m, '')
  t.not(without, text, 'the block was found')
  await copyFile(ALERTS_FILE, join(dir, 'alerts.yml'))
  await writeFile(join(dir, 'prometheus.yml'), without)
  const run = await promtool(['check', 'config', join(dir, 'prometheus.yml')])
  t.equal(run.code, 0, run.stdout + run.stderr)
})

void t.test('the alerts select the scrape job the example configuration defines', async (t) => {
  const config = parse(await readFile(PROMETHEUS_CONFIG, 'utf8')) as { scrape_configs: Array<{ job_name: string }> }
  const jobs = config.scrape_configs.map((c) => c.job_name)
  const selected = (await alertRules()).flatMap((rule) => [...rule.expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1]))
  t.ok(selected.length > 0, 'some alert selects a job')
  for (const job of selected) t.ok(jobs.includes(job ?? ''), `job ${job} is scraped`)
})
