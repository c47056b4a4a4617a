// `npm run dial-test` as an operator runs it: a child process against a controller listening
// on a free port, with the token in HOTLINE_TOKEN. It starts a run, reports progress, prints
// the table and says by its exit status whether any number failed.
import { spawn } from 'node:child_process'
import t, { type Test } from 'tap'
import { listen } from '../helpers/browser.js'
import { type TestController, startTestController } from '../helpers/controller.js'

const ROOT = new URL('../../', import.meta.url).pathname
const SUPERVISOR = 'supervisor-token-0001'
const AGENT = 'agent-token-agent01-0001'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${AGENT}:agent:agent01` }
const [A, B, C] = ['02155010002', '02155010003', '02155010001'] as const

interface Ran { code: number | null, stdout: string, stderr: string }

async function cli (args: string[], environment: Record<string, string>, onStderr?: (text: string) => void): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dial-test.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    onStderr?.(stderr)
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout, stderr }
}

async function controller (t: Test, dialTest: Record<string, unknown> = {}): Promise<{ c: TestController, url: string }> {
  const c = await startTestController(t, 'esl', { ivr: { at: '2026-03-02T10:00:00+08:00' }, env, config: { dialTest: { ringTimeoutSec: 5, ...dialTest } } })
  return { c, url: await listen(c.controller.app) }
}

void t.test('a run with failures: progress, the table in Chinese and English, exit status 1', async (t) => {
  const { c, url } = await controller(t)
  c.sim.model.defineEndpoint(A, { kind: 'answer', afterMs: 500 })
  c.sim.model.defineEndpoint(B, { kind: 'busy' })
  const ran = await cli(['--url', url, '--numbers', `${A},${B},${C}`], { HOTLINE_TOKEN: SUPERVISOR })
  t.equal(ran.code, 1, 'a number failed')
  t.match(ran.stderr, /拨测进度 \(progress\) 3\/3 {2}接通 1 {2}忙 1 {2}无应答 0 {2}不可达 1/, 'progress to the end')
  const lines = ran.stdout.split('\n')
  t.match(lines[0], /^号码 \(number\) +部门 \(department\) +事项 \(matters\) +结果 \(outcome\) +振铃 \(ring s\) +原因 \(cause\)$/)
  t.match(lines.find((l) => l.startsWith(A)), /税务局 .*发票领用.* 接通 answered/)
  t.match(lines.find((l) => l.startsWith(B)), /✗ 忙 busy .*USER_BUSY/)
  t.match(lines.find((l) => l.startsWith(C)), /✗ 不可达 unreachable .*UNALLOCATED_NUMBER/)
  t.match(ran.stdout, /合计 \(total\) 3，已测 \(tested\) 3：接通 1，忙 1，无应答 0，不可达 1，取消 0；失败 \(failed\) 2/)
  // Columns line up by display width, Chinese characters counting two cells.
  const outcomeAt = (l: string | undefined): number => [...(l ?? '').slice(0, (l ?? '').search(/✗|接通 answered/))].reduce((w, ch) => w + (/[\u2e80-\uffff]/.test(ch) ? 2 : 1), 0)
  t.equal(outcomeAt(lines.find((l) => l.startsWith(A))), outcomeAt(lines.find((l) => l.startsWith(B))), 'aligned columns')
})

void t.test('every number answers: exit status 0; --json prints the run', async (t) => {
  const { c, url } = await controller(t)
  c.sim.model.defineEndpoint(A, { kind: 'answer', afterMs: 500 })
  c.sim.model.defineEndpoint(B, { kind: 'answer', afterMs: 500 })
  const ran = await cli(['--url', url, '--numbers', `${A},${B}`, '--json'], { HOTLINE_TOKEN: SUPERVISOR })
  t.equal(ran.code, 0)
  const out = JSON.parse(ran.stdout) as { run: { state: string, failed: number, results: Array<{ outcome: string }> }, failingTwice: unknown[] }
  t.match(out.run, { state: 'completed', failed: 0 })
  t.same(out.run.results.map((r) => r.outcome), ['answered', 'answered'])
  t.same(out.failingTwice, [])
})

void t.test('a second invocation follows the run in progress (HOTLINE_URL for the address) to its end', async (t) => {
  // One number at a time, each ringing two minutes (2.4 s at the simulator's pace): the run
  // outlasts the CLI's start, and is cancelled once the CLI follows it.
  const { c, url } = await controller(t, { ringTimeoutSec: 120, concurrency: 1 })
  const numbers = [A, B, C]
  for (const n of numbers) c.sim.model.defineEndpoint(n, { kind: 'no-answer' })
  const headers = { authorization: `Bearer ${SUPERVISOR}` }
  const started = await c.controller.app.inject({ method: 'POST', url: '/api/dial-tests', headers, payload: { numbers } })
  const id = started.json<{ id: string }>().id
  let cancelling: Promise<unknown> | undefined
  const ran = await cli([], { HOTLINE_TOKEN: SUPERVISOR, HOTLINE_URL: url }, (stderr) => {
    if (cancelling === undefined && stderr.includes('following it')) {
      cancelling = c.controller.app.inject({ method: 'POST', url: `/api/dial-tests/${id}/cancel`, headers, payload: {} })
    }
  })
  t.match(ran.stderr, new RegExp(`already in progress \\(${id}\\); following it`))
  t.equal(((await cancelling) as { statusCode: number } | undefined)?.statusCode, 200, 'cancelled while the CLI followed')
  t.equal(ran.code, 3, 'cancelled, nothing failed')
  t.match(ran.stdout, /已取消 cancelled/)
  t.match(ran.stdout, /本次拨测已取消 \(run cancelled\)/)
})

void t.test('usage and refusals: exit status 2 with the reason', async (t) => {
  const { url } = await controller(t)
  const noToken = await cli(['--url', url], {})
  t.equal(noToken.code, 2)
  t.match(noToken.stderr, /HOTLINE_TOKEN is not set/)
  const agent = await cli(['--url', url], { HOTLINE_TOKEN: AGENT })
  t.equal(agent.code, 2)
  t.match(agent.stderr, /refused \(403\)/)
  const unknown = await cli(['--url', url, '--numbers', '13800000000'], { HOTLINE_TOKEN: SUPERVISOR })
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /refused \(400\): not transfer numbers of the directory: 13800000000/)
  const badFlag = await cli(['--url', url, '--frobnicate'], { HOTLINE_TOKEN: SUPERVISOR })
  t.equal(badFlag.code, 2)
  t.match(badFlag.stderr, /usage:/)
  const down = await cli(['--url', 'http://127.0.0.1:9'], { HOTLINE_TOKEN: SUPERVISOR })
  t.equal(down.code, 2)
  t.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/)
})
