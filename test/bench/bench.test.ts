// `npm run bench` end to end, briefly: it runs the controller under the traffic generator on
// both switches (and on Redis), prints the table and one JSON line, and refuses bad flags.
// Figures are checked for being measured (counts and histograms filled, consistent with each
// other), never for being fast: speed is read from the benchmark's output, not asserted.

import { spawn } from 'node:child_process'
import t, { type Test } from 'tap'

const ROOT = new URL('../../', import.meta.url).pathname

interface Percentiles { count: number, p50: number, p90: number, p99: number, max: number }
interface Result {
  setup: { protocol: string, store: string, rateCallsPerHour: number, durationSec: number }
  calls: { offered: number, completed: number, activeAtEnd: number, offeredPerSec: number, byFinalState: Record<string, number> }
  transfers: { requested: number, connected: number, failed: number, cancelled: number, attempts: number, attemptsAnswered: number }
  latencyMs: Record<'callSetup' | 'transferDial' | 'api' | 'dashboardPush', Percentiles | null>
  apiErrors: number
  eventLoopDelayMs: Percentiles
  memory: Record<string, number>
}

async function bench (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/bench.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, stdout, stderr }
}

const measured = (t: Test, p: Percentiles | null, what: string): void => {
  t.ok(p !== null && p.count > 0, `${what}: measured`)
  if (p === null) return
  t.ok(p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.max, `${what}: percentiles in order`)
}

for (const [protocol, redis] of [['esl', false], ['ari', true]] as const) {
  void t.test(`${protocol}${redis ? ' on Redis' : ''}: a short run prints the table and the JSON figures`, async (t) => {
    const run = await bench(['--duration', '4', '--rate', '3600', '--protocol', protocol, '--json', '--log-level', 'silent', ...(redis ? ['--redis'] : [])])
    t.equal(run.code, 0, run.stderr)
    const lines = run.stdout.trim().split('\n')
    const result = JSON.parse(lines.at(-1) ?? '{}') as Result
    t.match(result.setup, { protocol, store: redis ? 'redis' : 'memory', rateCallsPerHour: 3600 })
    t.ok(result.calls.offered > 0, `${result.calls.offered} calls offered`)
    t.equal(result.calls.offered, result.calls.completed + result.calls.activeAtEnd, 'every call offered is either over or still up')
    const ended = Object.values(result.calls.byFinalState).reduce((a, b) => a + b, 0)
    t.ok(ended <= result.calls.offered, 'the controller ended no more calls than were offered')
    measured(t, result.latencyMs.callSetup, 'call setup')
    measured(t, result.latencyMs.api, 'API')
    measured(t, result.eventLoopDelayMs, 'event-loop delay')
    t.ok(result.latencyMs.callSetup!.count <= result.calls.offered, 'one setup per call at most')
    t.equal(result.apiErrors, 0, 'the API answered every poll')
    t.ok(result.transfers.connected + result.transfers.failed + result.transfers.cancelled <= result.transfers.requested, 'finished transfers were requested')
    t.ok(result.transfers.attemptsAnswered <= result.transfers.attempts)
    t.ok(Object.values(result.memory).every((v) => Number.isFinite(v)), 'memory figures are numbers')
    const table = lines.slice(0, -1).join('\n')
    for (const row of ['calls/s offered / completed', 'call setup latency', 'API latency', 'memory per call']) t.match(table, row, `the table shows ${row}`)
  })
}

void t.test('a bad flag is refused with the usage and exit status 2', async (t) => {
  const run = await bench(['--rate', 'many'])
  t.equal(run.code, 2)
  t.match(run.stderr, /--rate must be a number/)
  t.match(run.stderr, /usage: tsx scripts\/bench\.ts/)
  const unknown = await bench(['--speed', '9'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /speed/)
})
