// How /health answers under an API flood: the controller (npm start: embedded simulator,
// memory store) runs as a child process with the rate limit lifted, N connections send reads
// back to back, and one more connection asks /health every 100 ms. Run twice — load shedding
// as shipped, then turned off (SHED_MAX_EVENT_LOOP_DELAY_MS=0) — and printed side by side.
// Nothing is asserted; the figures go to docs/bench.md.
//
//   npx tsx scripts/probe-flood.ts [--connections 64] [--seconds 15]   (npm run bench:probes)

import { type ChildProcess, spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { Latency, type Percentiles } from './bench/probes.js'

const ROOT = new URL('../', import.meta.url).pathname
const USAGE = `usage: npm run bench:probes [-- --connections N] [--seconds N]

Starts the controller twice (load shedding as shipped, then off), floods its API with reads
on N connections (default 64) for the given seconds (default 15), and prints /health's
latency, asked every 100 ms on a connection of its own, with what the flood got. Nothing is
asserted.

  --connections N  flood connections (1–512)
  --seconds N      flood length per run (3–300)
  -h, --help       this text`

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        connections: { type: 'string', default: '64' },
        seconds: { type: 'string', default: '15' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    console.error(`bench:probes: ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
})()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const connections = Number(values.connections)
const seconds = Number(values.seconds)
if (!Number.isInteger(connections) || connections < 1 || connections > 512 || !Number.isInteger(seconds) || seconds < 3 || seconds > 300) {
  console.error(`bench:probes: --connections 1–512 and --seconds 3–300, whole numbers\n${USAGE}`)
  process.exit(2)
}

const TOKEN = 'supervisor-token-probe-flood-01'
/** Reads a dashboard and the supervisors' pages make, in turn. */
const READS = ['/api/agents', '/api/tickets', '/api/directory/categories', '/api/flows', '/api/stats/connection-rate?window=today']

interface Run { health: Percentiles | undefined, healthFailed: number, served: number, shed: number, other: number }

/** A copy of config/ with the rate limit lifted: the flood measures the event loop, not 429s. */
async function liftedConfig (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'probe-flood-'))
  await cp(join(ROOT, 'config'), dir, { recursive: true })
  const file = join(dir, 'default.yaml')
  const text = await readFile(file, 'utf8')
  await writeFile(file, text.replace(/perMinute: \d+/, 'perMinute: 1000000').replace(/publicPerMinute: \d+/, 'publicPerMinute: 1000000'))
  return dir
}

async function start (configDir: string, env: Record<string, string>): Promise<{ child: ChildProcess, base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env, HOTLINE_CONFIG_DIR: configDir, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', API_TOKENS: `${TOKEN}:supervisor`, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stderr?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  // The port is read from the log line that says where it listens (at info).
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`the controller did not start in 60 s:\n${out}`)) }, 60_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const found = /"address":"http:\/\/127\.0\.0\.1:(\d+)"[^\n]*"msg":"controller listening"/.exec(out)?.[1]
      if (found !== undefined) {
        clearTimeout(timer)
        resolve(Number(found))
      }
    })
    child.on('exit', (code) => { reject(new Error(`the controller exited (${code}):\n${out}`)) })
  })
  return { child, base: `http://127.0.0.1:${port}` }
}

function get (agent: Agent, base: string, path: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => { req.destroy(new Error('timeout')) })
    req.on('error', reject)
    req.end()
  })
}

async function flood (base: string): Promise<Run> {
  const floodAgent = new Agent({ keepAlive: true, maxSockets: connections })
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 })
  const health = new Latency()
  const run: Run = { health: undefined, healthFailed: 0, served: 0, shed: 0, other: 0 }
  const end = performance.now() + seconds * 1000
  const worker = async (n: number): Promise<void> => {
    for (let i = n; performance.now() < end; i++) {
      const status = await get(floodAgent, base, READS[i % READS.length]!, TOKEN).catch(() => 0)
      if (status === 200) run.served++
      else if (status === 503) run.shed++
      else run.other++
    }
  }
  const probe = async (): Promise<void> => {
    // The first second is the flood ramping up.
    await sleep(1000)
    while (performance.now() < end) {
      const started = performance.now()
      const status = await get(probeAgent, base, '/health').catch(() => 0)
      if (status === 200) health.record(performance.now() - started)
      else run.healthFailed++
      await sleep(100)
    }
  }
  await Promise.all([probe(), ...Array.from({ length: connections }, async (_, n) => { await worker(n) })])
  floodAgent.destroy()
  probeAgent.destroy()
  run.health = health.summary()
  return run
}

async function measure (label: string, configDir: string, env: Record<string, string>): Promise<Run> {
  const { child, base } = await start(configDir, env)
  try {
    process.stderr.write(`bench:probes: ${label}: ${connections} connections for ${seconds} s…\n`)
    return await flood(base)
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

const configDir = await liftedConfig()
try {
  const runs: Array<[string, Run]> = [
    ['shedding (as shipped)', await measure('shedding as shipped', configDir, {})],
    ['shedding off', await measure('shedding off', configDir, { SHED_MAX_EVENT_LOOP_DELAY_MS: '0' })]
  ]
  console.log(`/health every 100 ms under ${connections} connections of reads, ${seconds} s (ms)`)
  console.log('| run | /health p50 | p90 | p99 | max | /health failed | reads served | reads shed (503) | other |')
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const [label, r] of runs) {
    const h = r.health
    console.log(`| ${label} | ${h?.p50 ?? '–'} | ${h?.p90 ?? '–'} | ${h?.p99 ?? '–'} | ${h?.max ?? '–'} | ${r.healthFailed} | ${r.served} | ${r.shed} | ${r.other} |`)
  }
  const [on, off] = [runs[0]![1].health, runs[1]![1].health]
  if (on !== undefined && off !== undefined) console.log(`p99 off/on: ${(off.p99 / on.p99).toFixed(1)}×`)
} finally {
  await rm(configDir, { recursive: true, force: true })
}
