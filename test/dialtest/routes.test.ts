// The dial-test API on a whole controller: roles, starting (202, 409 while one runs, 400 for
// a number outside the directory, 503 without a switch), progress and results, cancel, the
// event stream, the failing list, the schedule and the metrics, and OpenAPI.
import t, { type Test } from 'tap'
import { listen } from '../helpers/browser.js'
import { SCRAPE, type TestController, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const SUPERVISOR = 'supervisor-token-0001'
const ADMIN = 'admin-token-0000000001'
const AGENT = 'agent-token-agent01-0001'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${ADMIN}:admin,${AGENT}:agent:agent01` }
const at = '2026-03-02T10:00:00+08:00'
// tax-invoice's hunt list in config/directory.yaml.
const [A, B, C] = ['02155010002', '02155010003', '02155010001'] as const

interface Run { id: string, state: string, total: number, done: number, failed: number, byOutcome: Record<string, number>, results: Array<{ number: string, state: string, outcome?: string, cause?: string }> }

async function start (t: Test, dialTest: Record<string, unknown> = {}): Promise<TestController> {
  return await startTestController(t, 'esl', { ivr: { at }, env, config: { dialTest: { ringTimeoutSec: 5, ...dialTest } } })
}

async function call (c: TestController, method: 'GET' | 'POST', url: string, token: string | undefined, body?: unknown) {
  return await c.controller.app.inject({
    method, url, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` }
  })
}

async function ended (c: TestController, id: string): Promise<Run> {
  return await eventually(async () => {
    const run = (await call(c, 'GET', `/api/dial-tests/${id}`, SUPERVISOR)).json<Run>()
    return run.state === 'running' ? undefined : run
  }, `run ${id} ended`)
}

void t.test('supervisors and admins only', async (t) => {
  const c = await start(t)
  t.equal((await call(c, 'POST', '/api/dial-tests', AGENT, {})).statusCode, 403, 'an agent may not start')
  t.equal((await call(c, 'GET', '/api/dial-tests', AGENT)).statusCode, 403, 'nor read')
  t.equal((await call(c, 'GET', '/api/dial-tests/failing', AGENT)).statusCode, 403)
  t.equal((await call(c, 'GET', '/api/dial-tests', undefined)).statusCode, 401)
  t.equal((await call(c, 'GET', '/api/dial-tests', ADMIN)).statusCode, 200, 'an admin may')
})

void t.test('start: 202 with the run, 409 while it runs, then results; bad numbers are 400', async (t) => {
  // A rings 0.5 s of a 60 s timeout (×0.02 in the simulator: 10 ms of 1.2 s), so a loaded
  // machine cannot turn the answer into a no-answer.
  const c = await start(t, { ringTimeoutSec: 60 })
  c.sim.model.defineEndpoint(A, { kind: 'answer', afterMs: 500 })
  c.sim.model.defineEndpoint(B, { kind: 'busy' })

  const unknown = await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: [A, '13800000000'] })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json(), { code: 'HC_BAD_REQUEST', message: /13800000000/ })
  const notDigits = await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: ['0215501000;2'] })
  t.equal(notDigits.statusCode, 400)
  t.match(notDigits.json(), { message: /numbers\/0/ })
  t.equal((await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: [] })).statusCode, 400, 'an empty list')
  t.equal((await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { number: A })).statusCode, 400, 'an unknown field')

  const res = await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: [C, A, B] })
  t.equal(res.statusCode, 202)
  const run = res.json<Run>()
  t.equal(res.headers.location, `/api/dial-tests/${run.id}`)
  t.match(run, { state: 'running', total: 3, trigger: 'manual', requestedBy: 'supervisor', concurrency: 4, ringTimeoutSec: 60 })
  const again = await call(c, 'POST', '/api/dial-tests', ADMIN, {})
  t.equal(again.statusCode, 409)
  t.match(again.json(), { code: 'HC_DIAL_TEST_STATE', runId: run.id })

  const done = await ended(c, run.id)
  t.match(done, { state: 'completed', total: 3, done: 3, failed: 2, byOutcome: { answered: 1, busy: 1, unreachable: 1 } })
  t.same(done.results.map((r) => [r.number, r.outcome]), [[A, 'answered'], [B, 'busy'], [C, 'unreachable']], 'directory order')
  t.match(done.results[2], { cause: /UNALLOCATED|unallocated/i })

  const list = (await call(c, 'GET', '/api/dial-tests', SUPERVISOR)).json<{ runs: Array<{ id: string, results?: unknown }>, runningId?: string, numbers: number }>()
  t.same(list.runs.map((r) => r.id), [run.id])
  t.notOk('results' in (list.runs[0] ?? {}), 'the list carries no results')
  t.equal(list.runningId, undefined)
  t.equal(list.numbers, 119)

  const failing = (await call(c, 'GET', '/api/dial-tests/failing', SUPERVISOR)).json<{ failing: unknown[], watch: Array<{ number: string }>, threshold: number }>()
  t.same(failing.failing, [])
  t.same(failing.watch.map((h) => h.number).sort(), [A, B, C].filter((n) => n !== A).sort(), 'one failure each: watched')
  t.equal(failing.threshold, 2)

  // A second run: the two failures become the alarm, in the API and in /metrics.
  const second = await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: [B, C] })
  await ended(c, second.json<Run>().id)
  const alarm = (await call(c, 'GET', '/api/dial-tests/failing', SUPERVISOR)).json<{ failing: Array<{ number: string, departmentId: string, consecutiveFailures: number }> }>()
  t.match(alarm.failing, [{ departmentId: 'tax', consecutiveFailures: 2 }, { departmentId: 'tax', consecutiveFailures: 2 }])
  const metrics = (await c.controller.app.inject({ url: '/metrics', headers: SCRAPE })).body
  t.match(metrics, new RegExp(`hotline_dial_test_failing\\{number="${B}",department="tax"\\} 1`))
  t.match(metrics, new RegExp(`hotline_dial_test_failing\\{number="${A}",department="tax"\\} 0`))
  t.match(metrics, /hotline_dial_tests_total\{outcome="busy"\} 2/)

  t.equal((await call(c, 'GET', '/api/dial-tests/01ARZ3NDEKTSV4RRFFQ69G5FAV', SUPERVISOR)).statusCode, 404)
  t.equal((await call(c, 'GET', '/api/dial-tests/not-an-id', SUPERVISOR)).statusCode, 400)
})

void t.test('cancel: the run ends cancelled; cancelling again is 409, an unknown run 404', async (t) => {
  const c = await start(t, { ringTimeoutSec: 120, concurrency: 1 })
  c.sim.model.defineEndpoint(A, { kind: 'no-answer' })
  c.sim.model.defineEndpoint(B, { kind: 'no-answer' })
  const run = (await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: [A, B] })).json<Run>()
  await eventually(async () => (await call(c, 'GET', `/api/dial-tests/${run.id}`, SUPERVISOR)).json<{ dialling: number }>().dialling === 1 ? true : undefined, 'ringing')
  const cancelled = await call(c, 'POST', `/api/dial-tests/${run.id}/cancel`, SUPERVISOR)
  t.equal(cancelled.statusCode, 200)
  t.match(cancelled.json(), { state: 'cancelled', done: 1, byOutcome: { cancelled: 1 } })
  t.match(cancelled.json<Run>().results, [{ number: A, outcome: 'cancelled' }, { number: B, state: 'pending' }])
  const again = await call(c, 'POST', `/api/dial-tests/${run.id}/cancel`, SUPERVISOR)
  t.equal(again.statusCode, 409)
  t.match(again.json(), { message: /cancelled/ })
  t.equal((await call(c, 'POST', '/api/dial-tests/01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel', SUPERVISOR)).statusCode, 404)
  t.equal((await call(c, 'POST', `/api/dial-tests/${run.id}/cancel`, AGENT)).statusCode, 403)
})

void t.test('the stream: a snapshot first, a result per number, progress, then the end', async (t) => {
  const c = await start(t, { ringTimeoutSec: 120, concurrency: 1 })
  c.sim.model.defineEndpoint(A, { kind: 'no-answer' })
  const base = await listen(c.controller.app)
  const run = (await call(c, 'POST', '/api/dial-tests', SUPERVISOR, { numbers: [A, B] })).json<Run>()
  const res = await fetch(`${base}/api/dial-tests/${run.id}/stream`, { headers: { authorization: `Bearer ${SUPERVISOR}`, accept: 'text/event-stream' } })
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /text\/event-stream/)
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: Array<{ event: string, data: Record<string, unknown> }> = []
  let buffer = ''
  const readUntil = async (name: string): Promise<void> => {
    while (!events.some((e) => e.event === name)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before ${name}`)
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Record<string, unknown> })
      }
    }
  }
  await readUntil('snapshot')
  t.match(events[0], { event: 'snapshot', data: { id: run.id, state: 'running', total: 2 } })
  // The page is following: cancelling now ends the number ringing and the run.
  await call(c, 'POST', `/api/dial-tests/${run.id}/cancel`, SUPERVISOR)
  await readUntil('end')
  const names = events.map((e) => e.event)
  t.ok(names.includes('result'), 'a result event')
  t.ok(names.includes('progress'), 'progress events')
  t.equal(names.at(-1), 'end')
  t.same(events.filter((e) => e.event === 'result').map((e) => [e.data.number, e.data.state, e.data.outcome]).at(-1), [A, 'done', 'cancelled'], 'its result: cancelled')
  t.match(events.at(-1)?.data, { id: run.id, state: 'cancelled', results: [{ number: A }, { number: B }] })
  t.equal((await reader.read()).done, true, 'the server closes the stream at the end')

  const over = await fetch(`${base}/api/dial-tests/${run.id}/stream`, { headers: { authorization: `Bearer ${SUPERVISOR}` } })
  const text = await over.text()
  t.match(text, /event: snapshot[\s\S]*event: end/, 'an ended run: snapshot and end at once')
  t.equal((await fetch(`${base}/api/dial-tests/${run.id}/stream`, { headers: { authorization: `Bearer ${AGENT}` } })).status, 403)
})

void t.test('the schedule is shown; OpenAPI describes the routes', async (t) => {
  const c = await start(t, { scheduleAt: '22:00' })
  const list = (await call(c, 'GET', '/api/dial-tests', SUPERVISOR)).json<{ schedule?: { at: string, nextAt: string } }>()
  t.same(list.schedule, { at: '22:00', nextAt: '2026-03-02T14:00:00.000Z' }, 'tonight at 22:00 Beijing time')
  const doc = (await c.controller.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { tags?: string[], security?: unknown }>> }>()
  for (const [path, method] of [['/api/dial-tests', 'post'], ['/api/dial-tests', 'get'], ['/api/dial-tests/failing', 'get'], ['/api/dial-tests/{id}', 'get'], ['/api/dial-tests/{id}/cancel', 'post'], ['/api/dial-tests/{id}/stream', 'get']] as const) {
    t.match(doc.paths[path]?.[method], { tags: ['dial-tests'], security: [{ bearer: [] }] }, `${method} ${path}`)
  }
  const none = await start(t)
  t.equal((await call(none, 'GET', '/api/dial-tests', SUPERVISOR)).json<{ schedule?: unknown }>().schedule, undefined, 'no schedule configured')
})

void t.test('no switch, no test: 503 rather than every number unreachable', async (t) => {
  const c = await start(t)
  await c.sim.close()
  await eventually(() => c.controller.switch.status().state !== 'ready' ? true : undefined, 'switch down')
  const res = await call(c, 'POST', '/api/dial-tests', SUPERVISOR, {})
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'HC_SWITCH_NOT_CONNECTED' })
})
