// Dial-tests (拨测) the transfer numbers through a running controller: starts a run, shows its
// progress, prints the result table and exits non-zero when any number failed — so it can
// gate a go-live or run from a monitoring job.
//
//   HOTLINE_TOKEN=<supervisor or admin token> npm run dial-test -- [--url http://host:3000]
//       [--numbers 02155010001,02155010002] [--json]
//
// The controller's URL comes from --url, else HOTLINE_URL, else http://127.0.0.1:3000; the
// token from HOTLINE_TOKEN only (a token on the command line ends up in shell history and in
// `ps`). While a run of someone else's is in progress, this follows that run instead.
// Ctrl-C cancels a run this started (the numbers ringing are hung up) and prints what was done.
//
// Exit status: 0 every number tested and none failed; 1 some number failed; 2 usage, connection
// or API error; 3 the run was cancelled (none of the tested numbers failed); 130 interrupted
// without waiting (a second Ctrl-C, or Ctrl-C while following someone else's run, which goes on).

import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { resultTable, type TableRow } from '../src/features/dialtest/text-table.js'

interface RunSummary {
  id: string
  state: 'running' | 'completed' | 'cancelled'
  total: number
  done: number
  failed: number
  byOutcome: Record<string, number>
}
interface Run extends RunSummary { results: TableRow[] }
interface Health { number: string, department: string, consecutiveFailures: number, lastOutcome: string }

const USAGE = `usage: HOTLINE_TOKEN=<token> npm run dial-test -- [--url <controller URL>] [--numbers <n1,n2,…>] [--json]
  --url       the controller (default: HOTLINE_URL, else http://127.0.0.1:3000)
  --numbers   test only these directory numbers (comma-separated); default: all of them
  --json      print the run as JSON instead of the table`

class ApiFailure extends Error {
  constructor (readonly status: number, readonly body: Record<string, unknown>) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`)
  }
}

function fail (message: string): never {
  console.error(`dial-test: ${message}`)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        url: { type: 'string' },
        numbers: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`)
  }
})()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const base = (values.url ?? process.env.HOTLINE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')
const token = process.env.HOTLINE_TOKEN ?? ''
if (token === '') fail(`HOTLINE_TOKEN is not set (a supervisor or admin token)\n${USAGE}`)
const numbers = values.numbers?.split(',').map((n) => n.trim()).filter((n) => n !== '')

async function api<T> (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, data: T }> {
  let res: Response
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  } catch (err) {
    return fail(`cannot reach ${base}: ${(err as Error).message}`)
  }
  const data = await res.json().catch(() => ({})) as Record<string, unknown>
  if (!res.ok) throw new ApiFailure(res.status, data)
  return { status: res.status, data: data as T }
}

/** Starts a run, or finds the one in progress: [run, started by us]. */
async function startRun (): Promise<[RunSummary, boolean]> {
  try {
    const { data } = await api<Run>('POST', '/api/dial-tests', numbers === undefined ? {} : { numbers })
    return [data, true]
  } catch (err) {
    if (!(err instanceof ApiFailure)) throw err
    if (err.status === 409 && typeof err.body.runId === 'string') {
      console.error(`dial-test: a run is already in progress (${err.body.runId}); following it`)
      return [(await api<Run>('GET', `/api/dial-tests/${err.body.runId}`)).data, false]
    }
    return fail(`the controller refused (${err.status}): ${err.message}`)
  }
}

/** Progress on stderr: a bar on a terminal, a line per change elsewhere (logs, CI). */
function progressView (total: number): { update: (run: RunSummary) => void, stop: () => void } {
  const counts = (run: RunSummary): Record<string, number> => ({
    answered: run.byOutcome.answered ?? 0,
    busy: run.byOutcome.busy ?? 0,
    noAnswer: run.byOutcome['no-answer'] ?? 0,
    unreachable: run.byOutcome.unreachable ?? 0
  })
  if (process.stderr.isTTY !== true) {
    let shown = -1
    return {
      update: (run) => {
        if (run.done === shown) return
        shown = run.done
        const c = counts(run)
        console.error(`拨测进度 (progress) ${run.done}/${run.total}  接通 ${c.answered}  忙 ${c.busy}  无应答 ${c.noAnswer}  不可达 ${c.unreachable}`)
      },
      stop: () => {}
    }
  }
  const bar = new cliProgress.SingleBar({
    format: '拨测 (dial test) [{bar}] {value}/{total} | 接通 {answered} 忙 {busy} 无应答 {noAnswer} 不可达 {unreachable}',
    hideCursor: true
  }, cliProgress.Presets.shades_classic)
  bar.start(total, 0, { answered: 0, busy: 0, noAnswer: 0, unreachable: 0 })
  return { update: (run) => { bar.update(run.done, counts(run)) }, stop: () => { bar.stop() } }
}

/** Follows the run's event stream to its end; falls back to polling if the stream breaks. */
async function follow (id: string, onProgress: (run: RunSummary) => void): Promise<Run> {
  try {
    const res = await fetch(`${base}/api/dial-tests/${id}/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } })
    if (res.ok && res.body !== null) {
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        buffer += value
        let end: number
        // Events end with a blank line (WHATWG HTML, "Server-sent events", §9.2.6).
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event === undefined || data === undefined) continue
          const parsed = JSON.parse(data) as Run
          if (event === 'snapshot' || event === 'progress') onProgress(parsed)
          if (event === 'end') {
            onProgress(parsed)
            await reader.cancel().catch(() => {})
            return parsed
          }
        }
      }
    }
  } catch {
    // The stream broke (proxy, restart of a page server): polling below finds the end.
  }
  for (;;) {
    const { data } = await api<Run>('GET', `/api/dial-tests/${id}`)
    onProgress(data)
    if (data.state !== 'running') return data
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

async function main (): Promise<number> {
  const [first, ours] = await startRun()
  console.error(`dial-test: run ${first.id}, ${first.total} numbers (${base}/ui/dial-test.html)`)
  const progress = progressView(first.total)
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted || !ours) process.exit(130)
    interrupted = true
    console.error('\ndial-test: cancelling the run (Ctrl-C again to leave at once)')
    api('POST', `/api/dial-tests/${first.id}/cancel`, {}).catch(() => {})
  })
  const run = await follow(first.id, progress.update)
  progress.stop()
  const { data: health } = await api<{ failing: Health[] }>('GET', '/api/dial-tests/failing')

  if (values.json) {
    console.log(JSON.stringify({ run, failingTwice: health.failing }, null, 2))
  } else {
    console.log(resultTable(run.results))
    console.log('')
    const o = run.byOutcome
    console.log(`合计 (total) ${run.total}，已测 (tested) ${run.done}：接通 ${o.answered ?? 0}，忙 ${o.busy ?? 0}，无应答 ${o['no-answer'] ?? 0}，不可达 ${o.unreachable ?? 0}，取消 ${o.cancelled ?? 0}；失败 (failed) ${run.failed}`)
    if (run.state === 'cancelled') console.log('本次拨测已取消 (run cancelled)')
    if (health.failing.length > 0) {
      console.log(`连续两次失败 (failed twice in a row): ${health.failing.map((h) => `${h.number} ${h.department}`).join('；')}`)
    }
  }
  if (run.failed > 0) return 1
  return run.state === 'cancelled' ? 3 : 0
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  if (err instanceof ApiFailure) fail(`API error ${err.status}: ${err.message}`)
  fail(err instanceof Error ? err.message : String(err))
})
