// REST API of dial-testing (拨测), for supervisors and admins:
//
//   POST /api/dial-tests                 start a run (body: { numbers?: [...] }) → 202
//   GET  /api/dial-tests                 recent runs, the schedule
//   GET  /api/dial-tests/failing         numbers that failed twice in a row (and once)
//   GET  /api/dial-tests/:id             one run: progress and results so far
//   POST /api/dial-tests/:id/cancel      cancel the run in progress
//   GET  /api/dial-tests/:id/stream      its progress as server-sent events
//
// Thin: the runs are DialTester's (dial-tester.ts). A start while a run goes on is 409 with
// the running run's id; a number that is not a transfer number of the directory is 400 (and
// is never dialled: only directory entries are). The numbers here are department lines, not
// callers' numbers, so they are shown in full.

import type { Static } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { EventStreams } from '../../http/sse.js'
import { BEARER, ERROR_RESPONSES, Failure, NoQuery, failureBody } from '../../http/schemas.js'
import { typeboxValidator } from '../../http/validator.js'
import type { DialTester } from './dial-tester.js'
import { FAILING_AFTER, type FailureTracker } from './failures.js'
import type { DialTestSchedule } from './schedule.js'
import {
  EmptyBody, FailingList, RunList, RunParams, type RunParamsT, RunView, RunningConflict, StartBody, type StartBodyT,
  healthJson, runJson, scheduleJson, summaryJson
} from './schemas.js'
import type { DialTestRunView } from './types.js'

export interface DialTestRoutesDeps {
  tester: DialTester
  failures: FailureTracker
  schedule?: DialTestSchedule
}

/** The conflict of a second run, or a cancel of an ended one. */
const STATE_CODE = 'HC_DIAL_TEST_STATE'

type IdRequest = FastifyRequest<{ Params: RunParamsT }>

const notFound = (reply: FastifyReply, id: string): FastifyReply =>
  reply.code(404).send(failureBody(404, 'HC_NOT_FOUND', `no dial-test run ${id} (the last runs only are kept)`))

function dialTestRoutes (app: FastifyInstance, deps: DialTestRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const supervisors = app.requireRole(['supervisor', 'admin'])
  const streams = new EventStreams(app)
  const { tester } = deps
  const tags = ['dial-tests']

  app.post('/api/dial-tests', {
    onRequest: supervisors,
    schema: {
      summary: 'Start a dial test of every transfer number (or of the numbers named)',
      description: 'Dials each distinct directory number once, at most `dialTest.concurrency` at a time, and hangs up answered calls at once. 409 while a run is in progress (with its id); 400 for a number not in the directory; 503 while the switch is not connected.',
      tags,
      security: BEARER,
      querystring: NoQuery,
      body: StartBody,
      response: { 202: RunView, ...ERROR_RESPONSES, 409: RunningConflict, 503: Failure }
    }
  }, async (request: FastifyRequest<{ Body: StartBodyT }>, reply) => {
    const answer = tester.start({ trigger: 'manual', requestedBy: request.apiUser?.role, numbers: request.body.numbers })
    if (answer.ok) return await reply.code(202).header('location', `/api/dial-tests/${answer.run.id}`).send(runJson(answer.run))
    switch (answer.reason) {
      case 'running':
        return await reply.code(409).send({ ...failureBody(409, STATE_CODE, `a dial test is already running: ${answer.runningId}`), runId: answer.runningId })
      case 'unknown-numbers':
        return await reply.code(400).send(failureBody(400, 'HC_BAD_REQUEST', `not transfer numbers of the directory: ${answer.numbers.slice(0, 10).join(', ')}${answer.numbers.length > 10 ? ', …' : ''}`))
      case 'no-numbers':
        return await reply.code(400).send(failureBody(400, 'HC_BAD_REQUEST', 'the directory has no transfer numbers to test'))
      case 'switch-down':
        return await reply.code(503).send(failureBody(503, 'HC_SWITCH_NOT_CONNECTED', `${answer.detail}: a test now would find every number unreachable`))
      case 'closed':
        return await reply.code(503).send(failureBody(503, 'HC_SHUTTING_DOWN', 'the controller is shutting down'))
    }
  })

  app.get('/api/dial-tests', {
    onRequest: supervisors,
    schema: { summary: 'Recent dial-test runs (newest first) and the schedule', tags, security: BEARER, querystring: NoQuery, response: { 200: RunList, ...ERROR_RESPONSES } }
  }, async (): Promise<Static<typeof RunList>> => {
    const running = tester.running()
    const schedule = deps.schedule?.view()
    return await Promise.resolve({
      runs: tester.list().map(summaryJson),
      ...(running === undefined ? {} : { runningId: running.id }),
      numbers: tester.targets.length,
      ...tester.settings,
      ...(schedule === undefined ? {} : { schedule: scheduleJson(schedule) })
    })
  })

  app.get('/api/dial-tests/failing', {
    onRequest: supervisors,
    schema: { summary: 'Transfer numbers that failed their last two dial tests in a row (the alarm), and those that failed the last one', tags, security: BEARER, querystring: NoQuery, response: { 200: FailingList, ...ERROR_RESPONSES } }
  }, async () => await Promise.resolve({
    failing: deps.failures.failing().map(healthJson),
    watch: deps.failures.watch().map(healthJson),
    threshold: FAILING_AFTER
  }))

  app.get('/api/dial-tests/:id', {
    onRequest: supervisors,
    schema: { summary: 'One dial-test run: progress, counts by outcome, results so far', tags, security: BEARER, querystring: NoQuery, params: RunParams, response: { 200: RunView, ...ERROR_RESPONSES } }
  }, async (request: IdRequest, reply) => {
    const run = tester.get(request.params.id)
    return run === undefined ? notFound(reply, request.params.id) : runJson(run)
  })

  app.post('/api/dial-tests/:id/cancel', {
    onRequest: supervisors,
    schema: {
      summary: 'Cancel the dial-test run in progress: dials ringing are aborted, numbers not yet dialled are left',
      tags,
      security: BEARER,
      querystring: NoQuery,
      params: RunParams,
      body: EmptyBody,
      response: { 200: RunView, ...ERROR_RESPONSES }
    }
  }, async (request: IdRequest, reply) => {
    const answer = await tester.cancel(request.params.id)
    if (answer.ok) return runJson(answer.run)
    if (answer.reason === 'unknown') return notFound(reply, request.params.id)
    return await reply.code(409).send(failureBody(409, STATE_CODE, `dial-test run ${request.params.id} is ${answer.state ?? 'not running'}`))
  })

  app.get('/api/dial-tests/:id/stream', {
    onRequest: supervisors,
    schema: {
      summary: 'Progress of one run as server-sent events',
      description: 'Events: `snapshot` (the whole run, first), `result` (one number, when its dial starts and when it ends), `progress` (the counts, after every change), `end` (the whole run; the stream then closes). Send `Accept: text/event-stream`.',
      tags,
      security: BEARER,
      querystring: NoQuery,
      params: RunParams,
      response: { ...ERROR_RESPONSES }
    }
  }, async (request: IdRequest, reply) => {
    const id = request.params.id
    const first = tester.get(id)
    if (first === undefined) return notFound(reply, id)
    const stream = streams.open(request, reply)
    stream.send('snapshot', runJson(first))
    if (first.state !== 'running') {
      stream.send('end', runJson(first))
      stream.close()
      return reply
    }
    // Each number's changes (dialling, then done) as `result` events, each state once.
    const sent = new Map(first.results.map((r) => [r.number, r.state]))
    const onProgress = (run: DialTestRunView): void => {
      if (run.id !== id) return
      const changed = run.results.filter((r) => sent.get(r.number) !== r.state)
      for (const r of changed) sent.set(r.number, r.state)
      const json = runJson({ ...run, results: changed })
      for (const r of json.results) stream.send('result', r)
      const { results: _results, ...summary } = json
      stream.send('progress', summary)
    }
    const onEnd = (run: DialTestRunView): void => {
      if (run.id !== id) return
      stream.send('end', runJson(run))
      stream.close()
    }
    tester.on('progress', onProgress)
    tester.on('end', onEnd)
    stream.onClose(() => {
      tester.off('progress', onProgress)
      tester.off('end', onEnd)
    })
    return reply
  })

  return Promise.resolve()
}

/** Encapsulated (its validator and event streams are its own), after the auth plugin. */
export const dialTestRoutesPlugin = fp(dialTestRoutes, {
  name: 'hotline-dial-test-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

export async function registerDialTestRoutes (app: FastifyInstance, deps: DialTestRoutesDeps): Promise<void> {
  await app.register(dialTestRoutesPlugin, deps)
}
