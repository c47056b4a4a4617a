// Load shedding on the controller's own app: with the event loop really overloaded (blocked
// 250 ms at a time, past the 100 ms limit), reads are answered 503 with Retry-After while the
// probes and actions still go through; once the loop recovers, reads are served again. One
// long task alone sheds nothing.
import t from 'tap'
import { startTestController } from '../helpers/controller.js'
import { LoadWatch, type LoadSample, SAMPLE_MS, isOverloaded } from '../../src/http/shedding.js'

const SUPERVISOR = 'supervisor-token-shed-0001'
const SCRAPER = 'metrics-token-shed-000001'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${SCRAPER}:metrics` }

/** Blocks the event loop `ms` at a time, letting it turn between blocks, until `until()` or `maxMs`. */
async function overload (until: () => boolean, maxMs: number, blockMs = 250): Promise<void> {
  const end = Date.now() + maxMs
  while (!until() && Date.now() < end) {
    const stop = Date.now() + blockMs
    while (Date.now() < stop) { /* the overload */ }
    await new Promise((resolve) => setImmediate(resolve))
  }
}

void t.test('overloaded: reads 503 with Retry-After, probes and actions still answered; then served again', async (t) => {
  const { controller, lines } = await startTestController(t, 'esl', { env, ivr: { at: '2026-03-02T10:00:00+08:00' } })
  const app = controller.app
  const get = async (url: string, token?: string): Promise<{ status: number, body: string, retryAfter?: string }> => {
    const res = await app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    return { status: res.statusCode, body: res.body, ...(res.headers['retry-after'] === undefined ? {} : { retryAfter: String(res.headers['retry-after']) }) }
  }
  t.equal((await get('/api/agents', SUPERVISOR)).status, 200, 'served before the overload')

  const overloaded = (): boolean => lines.some((l) => l.msg.startsWith('event loop overloaded'))
  await overload(overloaded, 10_000)
  t.ok(overloaded(), 'the overload is logged')
  const read = await get('/api/agents', SUPERVISOR)
  t.equal(read.status, 503, 'a read is shed')
  t.equal(read.retryAfter, '5', 'told when to come back (api.shedding.retryAfterSec)')
  t.match(JSON.parse(read.body), { code: 'HC_OVERLOADED', message: /overloaded: try again in 5 s/ })
  t.equal((await get('/api/agents')).status, 503, 'shed before the token is even looked at: it costs nothing')
  t.same(JSON.parse((await get('/health')).body), { status: 'ok' }, '/health answers')
  t.not(JSON.parse((await get('/ready')).body).code, 'HC_OVERLOADED', '/ready answers with the truth')
  const metrics = await get('/metrics', SCRAPER)
  t.equal(metrics.status, 200, '/metrics is scraped')
  t.match(metrics.body, /^hotline_http_shed_total [2-9]\d*$/m, 'the shed reads are counted')
  const action = await app.inject({ method: 'POST', url: '/api/agents/agent01/login', headers: { authorization: `Bearer ${SUPERVISOR}` }, payload: {} })
  t.equal(action.statusCode, 200, 'an action goes through: the agent is logged in')

  const recovered = (): boolean => lines.some((l) => l.msg.startsWith('event loop recovered'))
  const started = Date.now()
  while (!recovered() && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 100))
  t.ok(recovered(), 'the recovery is logged')
  t.equal((await get('/api/agents', SUPERVISOR)).status, 200, 'reads are served again')
})

void t.test('one long task (a start, a reload) sheds nothing: it takes two late samples in a row', async (t) => {
  const changes: LoadSample[] = []
  const watch = new LoadWatch({ maxEventLoopDelayMs: 100, minEventLoopUtilization: 0.9, retryAfterSec: 5 }, (s) => changes.push(s))
  watch.start()
  t.teardown(() => { watch.stop() })
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS * 2))
  // One block of three samples' length: the sample after it sees the delay, the next does not.
  await overload(() => false, SAMPLE_MS * 3, SAMPLE_MS * 3)
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS * 4))
  t.same(changes, [], 'never overloaded')

  await overload(() => changes.length > 0, 10_000)
  t.match(changes, [{ overloaded: true }], 'a sustained overload is seen')
  t.ok(changes[0]!.delayMs > 100, `late by ${Math.round(changes[0]!.delayMs)} ms on average`)
})

void t.test('maxEventLoopDelayMs 0: shedding off, nothing watched', async (t) => {
  const changes: LoadSample[] = []
  const watch = new LoadWatch({ maxEventLoopDelayMs: 0, minEventLoopUtilization: 0.9, retryAfterSec: 5 }, (s) => changes.push(s))
  watch.start()
  t.teardown(() => { watch.stop() })
  await overload(() => false, 2000)
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS * 2))
  t.same(changes, [])
  t.equal(watch.sample.overloaded, false)
})

void t.test('overloaded means late and busy: a late but idle loop (a starved machine) sheds nothing', async (t) => {
  const limits = { maxEventLoopDelayMs: 30, minEventLoopUtilization: 0.9 }
  t.equal(isOverloaded(240, 1, limits), true, 'late and busy')
  t.equal(isOverloaded(240, 0.3, limits), false, 'late, but the loop was mostly waiting: other processes hold the CPU')
  t.equal(isOverloaded(20, 1, limits), false, 'busy, but on time')
  t.equal(isOverloaded(240, 1, { ...limits, maxEventLoopDelayMs: 0 }), false, 'off')
})
