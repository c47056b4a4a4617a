// The example Alertmanager configuration in ops/alertmanager/: amtool accepts it, every alert
// of alerts.yml is routed by its severity, and the inhibit rule works in a real Alertmanager
// (Debian package prometheus-alertmanager, which also brings amtool): while
// HotlineNoControllerReady fires, the per-controller HotlineSwitchDisconnected and
// HotlineControllerDown are suppressed and nothing else is. docs/operations.md shows the same
// rule.

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { constants } from 'node:fs'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { freePort } from '../helpers/redis.js'
import { ROOT, type Run, alertRules } from './ops-files.js'

const CONFIG = join(ROOT, 'ops/alertmanager/alertmanager.yml')
const OPERATIONS_DOC = join(ROOT, 'docs/operations.md')
const INSTALL_HINT = 'install the Debian package prometheus-alertmanager: sh scripts/ensure-deps.sh --test'

/** Runs amtool; resolves with its exit status and output. */
async function amtool (args: string[]): Promise<Run> {
  return await new Promise((resolve, reject) => {
    execFile('amtool', args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new Error(`amtool could not run (${err.message}); ${INSTALL_HINT}`))
        return
      }
      resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr })
    })
  })
}

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hotline-am-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

interface InhibitRule { source_matchers?: string[], target_matchers?: string[], equal?: string[] }
const inhibitRules = (text: string): InhibitRule[] =>
  (parse(text) as { inhibit_rules?: InhibitRule[] }).inhibit_rules ?? []

void t.test('amtool check-config accepts alertmanager.yml, with its inhibit rule', async (t) => {
  const run = await amtool(['check-config', CONFIG])
  t.equal(run.code, 0, run.stdout + run.stderr)
  t.match(run.stdout, 'SUCCESS')
  t.match(run.stdout, '1 inhibit rules')
})

void t.test('amtool check-config refuses a broken file (the check can fail)', async (t) => {
  const dir = await tempDir(t)
  const text = await readFile(CONFIG, 'utf8')
  const broken = text.replace('receiver: hotline-critical', 'receiver: hotline-pager')
  t.not(broken, text, 'the route was changed')
  await writeFile(join(dir, 'alertmanager.yml'), broken)
  const run = await amtool(['check-config', join(dir, 'alertmanager.yml')])
  t.not(run.code, 0)
  t.match(run.stdout + run.stderr, 'hotline-pager')
})

void t.test('every alert of alerts.yml reaches the receiver of its severity; other alerts do not', async (t) => {
  const rules = await alertRules()
  t.ok(rules.length >= 10, 'the rules were read')
  for (const rule of rules) {
    const severity = rule.labels?.severity ?? ''
    const run = await amtool(['config', 'routes', 'test', `--config.file=${CONFIG}`, `alertname=${rule.alert}`, `severity=${severity}`])
    t.equal(run.code, 0, run.stderr)
    t.equal(run.stdout.trim(), `hotline-${severity}`, `${rule.alert} (${severity})`)
  }
  const other = await amtool(['config', 'routes', 'test', `--config.file=${CONFIG}`, 'alertname=NodeDown', 'severity=critical'])
  t.equal(other.stdout.trim(), 'default', 'an alert of another team stays on the default route')
})

void t.test('docs/operations.md shows the inhibit rule of alertmanager.yml', async (t) => {
  const doc = await readFile(OPERATIONS_DOC, 'utf8')
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '')
  const shown = blocks.filter((block) => block.includes('inhibit_rules:')).flatMap((block) => inhibitRules(block))
  const rules = inhibitRules(await readFile(CONFIG, 'utf8'))
  t.equal(rules.length, 1, 'one inhibit rule in the file')
  t.same(shown, rules, 'the same rule in the doc')
})

// --- a real Alertmanager ---------------------------------------------------------------------


interface AlertStatus { labels: Record<string, string>, status: { state: string, inhibitedBy: string[] } }

/** The Alertmanager program: Debian names it prometheus-alertmanager, upstream alertmanager. */
async function alertmanagerBin (): Promise<string> {
  for (const name of ['prometheus-alertmanager', 'alertmanager']) {
    for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '')) {
      const file = join(dir, name)
      if (await access(file, constants.X_OK).then(() => true, () => false)) return file
    }
  }
  throw new Error(`no alertmanager on PATH; ${INSTALL_HINT}`)
}

interface Alertmanager {
  /** Posts alerts (labels only), firing from now on. */
  post: (alerts: ReadonlyArray<Record<string, string>>) => Promise<void>
  /** Each alert's state (active, suppressed) by `alertname@instance` (`@` alone without one). */
  states: () => Promise<Map<string, string>>
}

/** Starts Alertmanager on a free loopback port with alertmanager.yml, clustering off. */
async function startAlertmanager (t: Test): Promise<Alertmanager> {
  const dir = await tempDir(t)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  let output = ''
  const child: ChildProcess = spawn(await alertmanagerBin(), [
    `--config.file=${CONFIG}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`,
    // An empty address turns the gossip cluster off (it would bind 0.0.0.0:9094).
    '--cluster.listen-address='
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  })
  const deadline = Date.now() + 15_000
  for (;;) {
    const ready = await fetch(`${base}/-/ready`).then((res) => res.ok, () => false)
    if (ready) break
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Alertmanager did not start:\n${output}`)
    await sleep(100)
  }
  return {
    post: async (alerts) => {
      const startsAt = new Date().toISOString()
      const res = await fetch(`${base}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt })))
      })
      if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`)
    },
    states: async () => {
      const res = await fetch(`${base}/api/v2/alerts`)
      const alerts = await res.json() as AlertStatus[]
      return new Map(alerts.map((a) => [`${a.labels.alertname ?? ''}@${a.labels.instance ?? ''}`, a.status.state]))
    }
  }
}

/** Polls until `expected` holds (the inhibitor works asynchronously), then returns the states. */
async function settle (am: Alertmanager, expected: Record<string, string>): Promise<Map<string, string>> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const states = await am.states()
    const done = Object.entries(expected).every(([key, state]) => states.get(key) === state)
    if (done || Date.now() > deadline) return states
    await sleep(100)
  }
}

const controllerAlert = (alertname: string, instance: string): Record<string, string> =>
  ({ alertname, severity: 'critical', instance, job: 'hotline-controller', vendor: 'freeswitch' })

void t.test('a real Alertmanager: HotlineNoControllerReady inhibits the per-controller alerts, and only those', async (t) => {
  const am = await startAlertmanager(t)

  // One controller lost its switch: the line still runs, the alert is delivered.
  await am.post([controllerAlert('HotlineSwitchDisconnected', 'ctl-a:3000')])
  let states = await settle(am, { 'HotlineSwitchDisconnected@ctl-a:3000': 'active' })
  t.equal(states.get('HotlineSwitchDisconnected@ctl-a:3000'), 'active', 'alone, a lost switch is not inhibited')

  // Then the line goes down: the per-controller alerts are suppressed, the line alert and
  // alerts about other things are not.
  await am.post([
    controllerAlert('HotlineSwitchDisconnected', 'ctl-a:3000'),
    controllerAlert('HotlineSwitchDisconnected', 'ctl-b:3000'),
    { alertname: 'HotlineControllerDown', severity: 'critical', instance: 'ctl-c:3000', job: 'hotline-controller' },
    { alertname: 'HotlineNoControllerReady', severity: 'critical' },
    { alertname: 'HotlineControllerTargetMissing', severity: 'critical', job: 'hotline-controller' },
    { alertname: 'HotlineTicketsDead', severity: 'critical' }
  ])
  const expected = {
    'HotlineSwitchDisconnected@ctl-a:3000': 'suppressed',
    'HotlineSwitchDisconnected@ctl-b:3000': 'suppressed',
    'HotlineControllerDown@ctl-c:3000': 'suppressed',
    'HotlineNoControllerReady@': 'active',
    'HotlineControllerTargetMissing@': 'active',
    'HotlineTicketsDead@': 'active'
  }
  states = await settle(am, expected)
  for (const [key, state] of Object.entries(expected)) t.equal(states.get(key), state, key)
})
