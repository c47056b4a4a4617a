// The API surface every page stands on: the start page in a real Chromium, /api/me, OpenAPI
// at /docs, the rate limits and the pages' security headers.

import { readFile } from 'node:fs/promises'
import t from 'tap'
import { listen, openPage, screenshot } from '../helpers/browser.js'
import { type TestController, startTestController } from '../helpers/controller.js'

const SUPERVISOR = 'supervisor-token-0001'
const AGENT = 'agent-token-agent01-0001'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${AGENT}:agent:agent01` }
const at = '2026-03-02T10:00:00+08:00'

void t.test('the start page lists every page, in a real browser, without errors', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const base = await listen(controller.app)
  const { page, errors } = await openPage(t, `${base}/`)
  await page.waitForSelector('#pages li')
  const items = await page.locator('#pages li').allTextContents()
  t.equal(items.length, 6, 'six pages listed')
  t.ok(items.some((text) => text.includes('实时监控')), 'the dashboard is one')
  t.ok(items.some((text) => text.includes('接口文档')), 'the API docs are one')
  await screenshot(page, 'index')
  t.same(errors, [], 'no page errors')
})

void t.test('GET /api/me names the token\'s role and agent', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const me = await controller.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${AGENT}` } })
  t.equal(me.statusCode, 200)
  t.same(me.json(), { role: 'agent', agentId: 'agent01' })
  const none = await controller.app.inject({ url: '/api/me' })
  t.equal(none.statusCode, 401)
})

void t.test('OpenAPI at /docs/json describes the API with the bearer scheme', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const res = await controller.app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json<{ openapi: string, paths: Record<string, Record<string, { security?: unknown[] }>>, components: { securitySchemes: Record<string, unknown> } }>()
  t.match(doc.openapi, /^3\./)
  t.ok(doc.paths['/api/me']?.get?.security, '/api/me needs a bearer token')
  t.ok(doc.paths['/api/agents/{id}/ready'], 'the agent routes are described')
  t.ok(doc.paths['/api/tickets'], 'the ticket routes are described')
  t.notOk(Object.keys(doc.paths).some((p) => p.startsWith('/ui/')), 'static pages are not API')
  t.same(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' })
  const ui = await controller.app.inject({ url: '/docs/' })
  t.equal(ui.statusCode, 200)
  t.match(ui.body, /swagger/i, 'the Swagger UI page')
})

void t.test('requests past the minute\'s allowance get 429 with a reason; tokens get the larger one', async (t) => {
  const { controller } = await startTestController(t, 'esl', {
    ivr: { at }, env, config: { api: { rateLimit: { perMinute: 5, publicPerMinute: 2 } } }
  })
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push((await controller.app.inject({ url: '/ui/' })).statusCode)
  t.same(statuses, [200, 200, 429], 'two public requests a minute')
  const limited = await controller.app.inject({ url: '/ui/' })
  t.equal(limited.json<{ code: string }>().code, 'HC_RATE_LIMITED')
  t.match(limited.json<{ message: string }>().message, /at most 2 a minute/)
  t.ok(limited.headers['retry-after'], 'Retry-After says when')
  t.equal((await controller.app.inject({ url: '/health' })).statusCode, 200, 'the probes are outside the limit')
  const authorised: number[] = []
  for (let i = 0; i < 6; i++) {
    authorised.push((await controller.app.inject({ url: '/api/me', headers: { authorization: `Bearer ${SUPERVISOR}` } })).statusCode)
  }
  t.same(authorised, [200, 200, 200, 200, 200, 429], 'five with a token')
})

void t.test('pages carry a Content-Security-Policy without inline script, and echarts is served locally', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const page = await controller.app.inject({ url: '/ui/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-security-policy'], /script-src 'self';/)
  t.notMatch(page.headers['content-security-policy'], /script-src[^;]*unsafe-inline/)
  const echarts = await controller.app.inject({ url: '/ui/vendor/echarts.min.js' })
  t.equal(echarts.statusCode, 200)
  t.ok(echarts.body.length > 100_000, 'the chart library')
  t.equal((await controller.app.inject({ url: '/ui/vendor/package.json' })).statusCode, 404, 'nothing else of its package')
  const root = await controller.app.inject({ url: '/' })
  t.equal(root.statusCode, 302)
  t.equal(root.headers.location, '/ui/')
})

void t.test('behind a trusted proxy each client has its own allowance; anyone else\'s X-Forwarded-For is ignored', async (t) => {
  const limits = { api: { rateLimit: { perMinute: 100, publicPerMinute: 1 } } }
  const page = async (c: TestController, forwardedFor: string): Promise<number> =>
    (await c.controller.app.inject({ url: '/ui/', headers: { 'x-forwarded-for': forwardedFor } })).statusCode
  const trusting = await startTestController(t, 'esl', { ivr: { at }, env: { ...env, HTTP_TRUSTED_PROXIES: '127.0.0.1' }, config: limits })
  t.same([await page(trusting, '203.0.113.7'), await page(trusting, '203.0.113.8'), await page(trusting, '203.0.113.7')], [200, 200, 429],
    'two clients through the proxy: one request each')
  const plain = await startTestController(t, 'esl', { ivr: { at }, env, config: limits })
  t.same([await page(plain, '203.0.113.7'), await page(plain, '203.0.113.8')], [200, 429], 'an untrusted header changes nothing')
})

void t.test('every /api route is shown behind the bearer token in OpenAPI, grouped by tag', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const doc = (await controller.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { security?: unknown[], tags?: string[] }>> }>()
  const api = Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/'))
  t.ok(api.length >= 15, `${api.length} API routes described`)
  for (const [path, methods] of api) {
    for (const [method, op] of Object.entries(methods)) {
      t.same(op.security, [{ bearer: [] }], `${method} ${path} needs a token`)
      t.ok((op.tags ?? []).length > 0, `${method} ${path} has a tag`)
    }
  }
  t.notOk(doc.paths['/health']?.get?.security, '/health needs none')

  // docs/api.md's route table lists the same routes, no more, no fewer.
  const text = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8')
  const documented = [...text.matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|/gm)].map((m) => `${m[1] ?? ''} ${m[2] ?? ''}`).sort()
  const described = api.flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`)).sort()
  t.same(documented, described, 'docs/api.md lists every route OpenAPI describes')
})
