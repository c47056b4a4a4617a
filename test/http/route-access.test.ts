// Deny by default, checked on the whole route table of a running controller: every route
// Fastify registered (the auth plugin's onRoute record) is either public or answers 401
// without a token, each role reaches exactly the routes ROLES gives it (401/403 otherwise),
// and every /api route refuses an unknown query parameter. A route added without its check,
// or with a check that lets a role too many in, fails here.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/http/app.js'
import type { ApiRole } from '../../src/config/app-config.js'
import { startTestController } from '../helpers/controller.js'

const TOKEN: Record<ApiRole, string> = {
  agent: 'agent-token-walk-agent01',
  supervisor: 'supervisor-token-walk-001',
  admin: 'admin-token-walk-0000001',
  department: 'department-token-walk-tax',
  metrics: 'metrics-token-walk-000001'
}
const env = {
  API_TOKENS: `${TOKEN.agent}:agent:agent01,${TOKEN.supervisor}:supervisor,${TOKEN.admin}:admin,${TOKEN.department}:department:tax,${TOKEN.metrics}:metrics`
}
const ROLES_ALL = Object.keys(TOKEN) as ApiRole[]

const OPS: ApiRole[] = ['supervisor', 'admin']
const SELF: ApiRole[] = ['agent', 'supervisor', 'admin']
/** Who may reach each route (GET also stands for its HEAD). The walk's agent is agent01 and on no call. */
const ROLES: Record<string, readonly ApiRole[]> = {
  'GET /metrics': ['metrics', 'supervisor', 'admin'],
  'GET /api/me': ROLES_ALL,
  'GET /api/agents': OPS,
  'GET /api/agents/:id': SELF,
  'GET /api/agents/:id/call': SELF,
  'GET /api/agents/:id/stream': SELF,
  'POST /api/agents/:id/login': SELF,
  'POST /api/agents/:id/ready': SELF,
  'POST /api/agents/:id/not-ready': SELF,
  'POST /api/agents/:id/logout': SELF,
  // An agent reaches these for the call it is on only; the walk's call is nobody's.
  'GET /api/calls/:id': OPS,
  'POST /api/calls/:id/transfer': OPS,
  'POST /api/calls/:id/leave': OPS,
  'POST /api/calls/:id/ticket': SELF,
  'GET /api/tickets': ['supervisor', 'admin', 'department'],
  'GET /api/tickets/dead': ['admin'],
  'GET /api/tickets/:id': ['supervisor', 'admin', 'department'],
  'POST /api/tickets/:id/acknowledge': ['admin', 'department'],
  'POST /api/tickets/:id/contact': ['admin', 'department'],
  'POST /api/tickets/:id/close': ['admin', 'department'],
  'POST /api/tickets/:id/redeliver': ['admin'],
  'GET /api/privacy/number-views': ['admin'],
  'GET /api/stats/connection-rate': OPS,
  'GET /api/directory/matters': SELF,
  'GET /api/directory/categories': SELF,
  'GET /api/live/snapshot': OPS,
  'GET /api/live/stream': OPS,
  'GET /api/reports/monthly': OPS,
  'GET /api/flows': OPS,
  'GET /api/flows/:id/graph': OPS,
  'POST /api/dial-tests': OPS,
  'GET /api/dial-tests': OPS,
  'GET /api/dial-tests/failing': OPS,
  'GET /api/dial-tests/:id': OPS,
  'POST /api/dial-tests/:id/cancel': OPS,
  'GET /api/dial-tests/:id/stream': OPS
}

/** A path for the route: its own agent for agent routes, ids that pass each route's params schema. */
function pathOf (url: string): string {
  const id = url.startsWith('/api/agents/') ? 'agent01' : url.startsWith('/api/dial-tests/') ? '01JABCDEFGHJKMNPQRSTVWXYZ0' : 'walk-1'
  return url.replace(/:id/g, id).replace(/\*$/, 'index.html')
}

const keyOf = (method: string, url: string): string => `${method === 'HEAD' ? 'GET' : method} ${url}`

async function ask (app: FastifyInstance, method: string, url: string, role?: ApiRole) {
  const api = url.startsWith('/api/')
  // An unknown parameter (and an empty body): a request let in is refused by validation, so
  // the walk starts no dial test, logs no agent in and opens no stream.
  return await app.inject({
    method: method as 'GET',
    url: `${pathOf(url)}${api ? '?walk-unknown=1' : ''}`,
    headers: role === undefined ? {} : { authorization: `Bearer ${TOKEN[role]}` }
  })
}

void t.test('every route: public, or a token with a role of its table', async (t) => {
  const { controller } = await startTestController(t, 'esl', {
    ivr: { at: '2026-03-02T10:00:00+08:00' },
    env,
    config: { api: { rateLimit: { perMinute: 100_000, publicPerMinute: 100_000 } } }
  })
  const app = controller.app
  const routes = app.routeAccess
  t.ok(routes.length > 40, `the route table was read (${routes.length} routes)`)
  const seen = new Set(routes.map((r) => keyOf(r.method, r.url)))
  t.same(Object.keys(ROLES).filter((key) => !seen.has(key)), [], 'every route of the table is registered')

  for (const route of routes) {
    const key = keyOf(route.method, route.url)
    if (route.access === 'public') {
      t.notOk(route.url.startsWith('/api/') || route.url === '/metrics', `${key} is not public`)
      const res = await ask(app, route.method, route.url)
      t.notOk([401, 403].includes(res.statusCode), `${route.method} ${route.url} answers without a token`)
      continue
    }
    const allowed = ROLES[key]
    if (allowed === undefined) {
      t.fail(`${route.method} ${route.url}: not public and not in the role table`)
      continue
    }
    const anonymous = await ask(app, route.method, route.url)
    t.equal(anonymous.statusCode, 401, `${route.method} ${route.url} without a token`)
    for (const role of ROLES_ALL) {
      const res = await ask(app, route.method, route.url, role)
      if (allowed.includes(role)) {
        t.notOk([401, 403].includes(res.statusCode), `${route.method} ${route.url} lets ${role} in (${res.statusCode})`)
        // Refused by validation, not served: the unknown parameter is named where it is the first fault.
        if (route.url.startsWith('/api/')) t.equal(res.statusCode, 400, `${route.method} ${route.url} refuses an unknown parameter for ${role}`)
        if (route.url.startsWith('/api/') && route.method === 'GET') t.match(res.json(), { code: 'HC_BAD_REQUEST', message: /walk-unknown/ })
      } else {
        t.equal(res.statusCode, 403, `${route.method} ${route.url} refuses ${role}`)
      }
    }
  }
})

void t.test('every /api route has a querystring schema that refuses unknown keys', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at: '2026-03-02T10:00:00+08:00' }, env })
  const api = controller.app.routeAccess.filter((r) => r.url.startsWith('/api/'))
  t.ok(api.length > 30)
  for (const route of api) {
    const query = route.querystring as { additionalProperties?: unknown } | undefined
    t.equal(query?.additionalProperties, false, `${route.method} ${route.url}`)
  }
})

void t.test('a route that names no roles is refused to every token, not left open', async (t) => {
  const app = await bareApp({ tokens: [{ token: TOKEN.admin, role: 'admin' }] }, (app) => {
    app.get('/api/forgotten', () => ({ secret: true }))
    app.get('/elsewhere', () => ({ secret: true }))
  })
  t.teardown(async () => { await app.close() })
  for (const url of ['/api/forgotten', '/elsewhere']) {
    t.equal((await app.inject({ url })).statusCode, 401, `${url} without a token`)
    const admin = await app.inject({ url, headers: { authorization: `Bearer ${TOKEN.admin}` } })
    t.equal(admin.statusCode, 403, `${url} with the admin token`)
    t.match(admin.json(), { code: 'HC_FORBIDDEN', message: /names none/ })
  }
  t.match(app.routeAccess.filter((r) => r.access === 'none').map((r) => `${r.method} ${r.url}`),
    ['GET /api/forgotten', 'HEAD /api/forgotten', 'GET /elsewhere', 'HEAD /elsewhere'])
})

void t.test('/metrics: a token of role metrics, supervisor or admin, unless api.metricsPublic', async (t) => {
  const tokens = [{ token: TOKEN.metrics, role: 'metrics' as const }, { token: TOKEN.agent, role: 'agent' as const, agentId: 'agent01' }]
  const closed = await bareApp({ tokens })
  t.teardown(async () => { await closed.close() })
  t.equal((await closed.inject({ url: '/metrics' })).statusCode, 401)
  t.equal((await closed.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN.agent}` } })).statusCode, 403)
  const scraped = await closed.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN.metrics}` } })
  t.equal(scraped.statusCode, 200)
  t.match(scraped.body, 'process_cpu_user_seconds_total')

  const open = await bareApp({ tokens, metricsPublic: true })
  t.teardown(async () => { await open.close() })
  t.equal((await open.inject({ url: '/metrics' })).statusCode, 200)
})

void t.test('probes are outside the rate limit; the pages are not', async (t) => {
  const app = await bareApp({ tokens: [{ token: TOKEN.metrics, role: 'metrics' }], rateLimit: { perMinute: 5, publicPerMinute: 5 } })
  t.teardown(async () => { await app.close() })
  const statuses = async (url: string, headers: Record<string, string> = {}) => {
    const got: number[] = []
    for (let i = 0; i < 20; i++) got.push((await app.inject({ url, headers })).statusCode)
    return got
  }
  t.same(new Set(await statuses('/health')), new Set([200]))
  t.same(new Set(await statuses('/ready')), new Set([200]))
  t.same(new Set(await statuses('/metrics', { authorization: `Bearer ${TOKEN.metrics}` })), new Set([200]))
  const pages = await statuses('/ui/')
  t.equal(pages.filter((s) => s === 429).length, 15, 'the pages keep their limit')
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, 'and the probes still answer after it')
})

/** buildApp alone, on a switch that is always ready and a store that is always up. */
async function bareApp (options: {
  tokens: Array<{ token: string, role: ApiRole, agentId?: string }>
  metricsPublic?: boolean
  rateLimit?: { perMinute: number, publicPerMinute: number }
}, routes?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const { Metrics } = await import('../../src/metrics.js')
  const { createLogger } = await import('../../src/logger.js')
  const { Writable } = await import('node:stream')
  const sink = new Writable({ write (_chunk, _enc, done) { done() } })
  const since = Date.now()
  return await buildApp({
    switch: { vendor: 'sim', status: () => ({ state: 'ready', since }) } as never,
    calls: { draining: false, activeCount: () => 0 } as never,
    store: { health: () => ({ up: true, since }) } as never,
    metrics: new Metrics(),
    logger: createLogger({ level: 'silent', destination: sink }),
    auth: { tokens: options.tokens },
    api: { metricsPublic: options.metricsPublic ?? false, ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }) },
    routes: async (app) => { routes?.(app); await Promise.resolve() }
  })
}
