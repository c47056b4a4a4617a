// Every error answer carries an HC_ code a client can decide on: schema failures, unreadable
// bodies, unknown routes, refusals by a route, the rate limit; a fault of the server answers
// 500 without its text and is logged in full.
import { Writable } from 'node:stream'
import t from 'tap'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { Type } from '@sinclair/typebox'
import { HotlineError } from '../../src/errors.js'
import { errorAnswer, installErrorHandler } from '../../src/http/error-handler.js'
import { createLogger } from '../../src/logger.js'
import { startTestController } from '../helpers/controller.js'

const SUPERVISOR = 'supervisor-token-errors-01'
const headers = { authorization: `Bearer ${SUPERVISOR}` }

void t.test('on the whole controller: schema, body, unknown route and refusal all answer an HC_ code', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at: '2026-03-02T10:00:00+08:00' }, env: { API_TOKENS: `${SUPERVISOR}:supervisor` } })
  const call = async (method: 'GET' | 'POST', url: string, extra: { payload?: string, contentType?: string } = {}) => {
    const res = await controller.app.inject({
      method, url, headers: { ...headers, ...(extra.contentType === undefined ? {} : { 'content-type': extra.contentType }) }, payload: extra.payload
    })
    return { status: res.statusCode, body: res.json<{ statusCode: number, error: string, code: string, message: string }>() }
  }
  t.match(await call('POST', '/api/agents/BAD!/ready'), { status: 400, body: { code: 'HC_BAD_REQUEST', error: 'Bad Request', message: /^params\/id: / } }, 'a path parameter off the schema')
  t.match(await call('POST', '/api/agents/agent01/not-ready', { payload: '{"reason":"break","x":1}', contentType: 'application/json' }),
    { status: 400, body: { code: 'HC_BAD_REQUEST', message: /body\/x: Unexpected property/ } }, 'an unknown field')
  t.match(await call('POST', '/api/agents/agent01/not-ready', { payload: '', contentType: 'application/json' }),
    { status: 400, body: { code: 'HC_BAD_REQUEST', message: /Body cannot be empty/ } }, 'an empty JSON body')
  t.match(await call('POST', '/api/agents/agent01/not-ready', { payload: '{"reason":', contentType: 'application/json' }),
    { status: 400, body: { code: 'HC_BAD_REQUEST' } }, 'broken JSON')
  t.match(await call('POST', '/api/agents/agent01/not-ready', { payload: '<reason>break</reason>', contentType: 'application/xml' }),
    { status: 415, body: { code: 'HC_BAD_REQUEST', error: 'Unsupported Media Type' } }, 'a body of a type the API does not read')
  t.match(await call('GET', '/api/nothing?x=1'), { status: 404, body: { code: 'HC_NOT_FOUND', error: 'Not Found', message: 'no route GET /api/nothing' } })
  t.match(await call('GET', '/api/dial-tests/01ARZ3NDEKTSV4RRFFQ69G5FAV'), { status: 404, body: { code: 'HC_NOT_FOUND' } }, 'a route\'s own refusal keeps its code')
  const noToken = await controller.app.inject({ url: '/api/agents' })
  t.match(noToken.json(), { statusCode: 401, code: 'HC_UNAUTHORIZED' })
})

void t.test('a fault of the server: 500 without its text, logged with the error', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const logger: FastifyBaseLogger = createLogger({ level: 'error', destination: new Writable({ write (chunk: Buffer, _e, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() } }) })
  const app = Fastify({ loggerInstance: logger })
  installErrorHandler(app)
  app.get('/boom', () => { throw new Error('cannot open /etc/hotline/secret.yaml') })
  app.get('/refused', () => { throw new HotlineError('HC_TRANSFER_STATE', 'the call has no agent') })
  app.get('/switch', () => { throw new HotlineError('HC_SWITCH_COMMAND', 'uuid_bridge sofia/gateway/department/02155010002 failed: -ERR') })
  app.get('/store', () => { throw new HotlineError('HC_STORE', 'redis store: get failed: connect ECONNREFUSED 10.0.0.9:6379') })
  app.post('/typed', { schema: { body: Type.Object({ n: Type.Integer() }) } }, () => ({ ok: true }))
  t.teardown(async () => { await app.close() })
  const boom = await app.inject({ url: '/boom' })
  t.equal(boom.statusCode, 500)
  t.match(boom.json(), { code: 'HC_INTERNAL', error: 'Internal Server Error' })
  t.notMatch(boom.body, /secret/, 'the error\'s text stays in the log')
  t.match(lines.find((l) => l.msg === 'request failed'), { url: '/boom', err: { message: /secret\.yaml/ } })
  const sw = await app.inject({ url: '/switch' })
  t.match(sw.json(), { statusCode: 500, code: 'HC_INTERNAL' }, 'an error of ours without a client status is internal too')
  t.notMatch(sw.body, /sofia|02155010002/, 'no dial string in the answer')
  const store = await app.inject({ url: '/store' })
  t.match(store.json(), { statusCode: 503, code: 'HC_STORE', message: 'the store cannot be read or written now (see the controller log)' })
  t.notMatch(store.body, /10\.0\.0\.9/, 'no host in the answer')
  t.match((await app.inject({ url: '/refused' })).json(), { statusCode: 409, code: 'HC_TRANSFER_STATE', error: 'Conflict', message: 'the call has no agent' })
  t.match((await app.inject({ method: 'POST', url: '/typed', payload: { n: 'x' } })).json(), { statusCode: 400, code: 'HC_BAD_REQUEST', message: /body\/n/ })
})

void t.test('errorAnswer: statuses outside 4xx/5xx are 500; an HC_ code already given is kept', async (t) => {
  t.same(errorAnswer({ statusCode: 429, code: 'HC_RATE_LIMITED', message: 'too many' }), { statusCode: 429, code: 'HC_RATE_LIMITED', message: 'too many' })
  t.same(errorAnswer({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' }), { statusCode: 413, code: 'HC_BAD_REQUEST', message: 'Request body is too large' })
  t.equal(errorAnswer({ statusCode: 302 }).statusCode, 500)
  t.equal(errorAnswer('a string thrown').code, 'HC_INTERNAL')
  t.equal(errorAnswer({ statusCode: 403 }).code, 'HC_FORBIDDEN')
})
