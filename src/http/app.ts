// Builds the Fastify app from ready-made parts; it never listens (main.ts does). Tests build
// it and use `inject()`.

import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify'
import type { AppConfig } from '../config/app-config.js'
import { type AuthOptions, registerAuth } from './auth.js'
import { installErrorHandler } from './error-handler.js'
import { BEARER, failureBody } from './schemas.js'
import { DEFAULT_SHEDDING, sheddingPlugin } from './shedding.js'
import { streamQuotaPlugin } from './sse.js'
import type { Logger } from 'pino'
import type { CallManager } from '../calls/call-manager.js'
import type { Metrics } from '../metrics.js'
import type { Store } from '../ports/store.js'
import type { SwitchPort } from '../ports/switch.js'
import type { PromptCheck, PromptHealth } from '../flows/prompt-health.js'

export interface AppDeps {
  switch: SwitchPort
  calls: CallManager
  /** The shared store: calls cannot be taken while it is unreachable. */
  store?: Pick<Store, 'health'>
  /** What the switch lacks of the prompts, shown on /ready (calls go on without them). */
  prompts?: PromptHealth
  metrics: Metrics
  logger: Logger
  /** More routes (the API), registered after the auth plugin, before the app is ready. */
  routes?: ((app: FastifyInstance) => Promise<void>) | undefined
  /** The API tokens (API_TOKENS); without them every route but the public ones answers 401. */
  auth?: Pick<AuthOptions, 'tokens'>
  /** Rate limits, /metrics access, stream caps, shedding; without them the defaults of config/default.yaml. */
  api?: Partial<Pick<AppConfig['api'], 'rateLimit' | 'metricsPublic' | 'streams' | 'shedding'>>
  /** Proxies whose X-Forwarded-For gives the client's address (http.trustedProxies). */
  trustedProxies?: readonly string[]
}

/** The project root, from src/ (tsx) or dist/src/ (built). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..').replace(/[\\/]dist$/, '')
/** The pages: plain HTML, CSS and browser ES modules, no build step (docs/pages.md). */
export const PUBLIC_DIR = join(ROOT, 'public')
/** The chart library the pages load, served from its npm package (no CDN: hotline networks are closed). */
const ECHARTS_DIR = dirname(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'))

/**
 * Pages may load scripts, styles and data from this server only: no inline script, so an
 * injected caller-supplied string can never run (echarts sets inline styles, hence style-src).
 */
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const hasBearer = (request: FastifyRequest): boolean => /^Bearer\s+\S+/i.test(request.headers.authorization ?? '')

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance is a plain FastifyInstance for plugins.
  const httpLogger: FastifyBaseLogger = deps.logger.child({ component: 'http' })
  const app = Fastify({
    loggerInstance: httpLogger,
    // Fastify's trustProxy with a list: only these hops may set the client address.
    ...(deps.trustedProxies !== undefined && deps.trustedProxies.length > 0 ? { trustProxy: [...deps.trustedProxies] } : {}),
    // Probes and scrapes every few seconds would drown the calls' story in the log.
    logController: new LogController({ disableRequestLogging: true })
  })

  installErrorHandler(app)
  // Before everything else: a read shed under load costs no token check, no rate-limit count.
  await app.register(sheddingPlugin, {
    ...(deps.api?.shedding ?? DEFAULT_SHEDDING),
    logger: deps.logger.child({ component: 'http' }),
    onShed: () => { deps.metrics.httpShed.inc() }
  })
  // First, so that its onRoute hook sees every route: none is reached without a token unless
  // it is public (auth.ts PUBLIC_ROUTES).
  await registerAuth(app, { tokens: deps.auth?.tokens ?? [], metricsPublic: deps.api?.metricsPublic ?? false })
  await app.register(streamQuotaPlugin, deps.api?.streams ?? { perToken: 8, perAddress: 32 })
  await registerApiSurface(app, deps.api?.rateLimit ?? { perMinute: 600, publicPerMinute: 120 }, deps.api?.metricsPublic ?? false)

  // The probes answer from memory only (no store round trip, no token, outside the rate
  // limit, never shed): under load an orchestrator must still read the truth, not a 429, a
  // 503 of the shedding or a timeout.
  const probe = { config: { rateLimit: false, probe: true } } as const

  // Liveness: the process answers. Restarting it would not fix a switch that is down.
  app.get('/health', { ...probe, schema: { tags: ['operations'], summary: 'Liveness' } }, () => ({ status: 'ok' }))

  // Readiness: take calls only while the switch and the store can be reached and we are not
  // draining (with the store away every call would be refused). Both states are the last ones
  // their adapters saw, kept in memory.
  app.get('/ready', { ...probe, schema: { tags: ['operations'], summary: 'Readiness: switch connected, store reachable, not draining' } }, async (_req, reply) => {
    const sw = deps.switch.status()
    const store = deps.store?.health()
    const ready = sw.state === 'ready' && store?.up !== false && !deps.calls.draining
    const body = {
      ready,
      switch: { vendor: deps.switch.vendor, state: sw.state, detail: sw.detail, since: new Date(sw.since).toISOString() },
      ...(store === undefined ? {} : { store: { up: store.up, detail: store.detail, since: new Date(store.since).toISOString() } }),
      draining: deps.calls.draining,
      callsInProgress: deps.calls.activeCount(),
      ...(deps.prompts === undefined ? {} : { prompts: promptsOf(deps.prompts.state) })
    }
    return await reply.code(ready ? 200 : 503).send(body)
  })

  // Needs a token of role metrics, supervisor or admin unless api.metricsPublic (auth.ts).
  app.get('/metrics', { ...probe, schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics()
    return await reply.type(deps.metrics.registry.contentType).send(text)
  })

  if (deps.routes !== undefined) await deps.routes(app)
  await app.ready()
  return app
}

/**
 * OpenAPI (/docs, /docs/json), rate limits and the pages (/ui/). Registered before any route
 * so that every route is described and limited.
 */
async function registerApiSurface (app: FastifyInstance, limits: AppConfig['api']['rateLimit'], metricsPublic: boolean): Promise<void> {
  // Every /api route is behind a token (http/auth.ts): say so in OpenAPI, and group routes by
  // their first path segment, for the routes that do not say it themselves.
  app.addHook('onRoute', (route) => {
    if (route.url === '/metrics' && !metricsPublic) ((route.schema ??= {}) as { security?: unknown }).security ??= BEARER
    if (!route.url.startsWith('/api/')) return
    const schema = (route.schema ??= {}) as { security?: unknown, tags?: string[] }
    schema.security ??= BEARER
    schema.tags ??= [route.url.split('/')[2] ?? 'api']
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: '12345 enterprise-seat call controller',
        description: 'REST API of the call controller. Every route but /health, /ready, the pages and this document needs `Authorization: Bearer <token>`; the token\'s role (agent, supervisor, admin, department, metrics) decides what it may do. Unknown query parameters are refused (400).',
        version: '0.1.0'
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  // Per client address and minute. A request with a bearer token gets the API allowance, one
  // without the smaller public one (pages, docs); an invalid token is still refused by the
  // route's own check, so the larger allowance buys nothing but 401s. The probes opt out.
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    max: (request) => hasBearer(request) ? limits.perMinute : limits.publicPerMinute,
    // Two counters per address, one per allowance: public requests never use up the API's.
    keyGenerator: (request) => `${request.ip}:${hasBearer(request) ? 'api' : 'public'}`,
    errorResponseBuilder: (_request, context) => failureBody(429, 'HC_RATE_LIMITED', `too many requests: at most ${context.max} a minute; try again in ${context.after}`)
  })
  app.get('/', { schema: { hide: true } }, async (_request, reply) => await reply.redirect('/ui/'))
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) => await reply.redirect('/ui/favicon.svg', 301))
  await app.register(async (pages) => {
    pages.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', PAGE_CSP)
      void reply.header('x-content-type-options', 'nosniff')
      void reply.header('referrer-policy', 'no-referrer')
    })
    await pages.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/ui/', index: 'index.html' })
    await pages.register(fastifyStatic, {
      root: ECHARTS_DIR, prefix: '/ui/vendor/', decorateReply: false, allowedPath: (path) => path === '/echarts.min.js'
    })
  })
}

/** Missing prompts degrade calls (they are skipped) but do not make the controller unready. */
function promptsOf (check: PromptCheck): Record<string, unknown> {
  return {
    missing: check.missing,
    ...(check.checkedAt === undefined ? {} : { checkedAt: new Date(check.checkedAt).toISOString() }),
    ...(check.error === undefined ? {} : { error: check.error })
  }
}
