// Builds the Fastify app from ready-made parts; it never listens (main.ts does). Tests build
// it and use `inject()`.

import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import type { CallManager } from './calls/call-manager.js'
import type { Metrics } from './metrics.js'
import type { SwitchPort } from './ports/switch.js'

export interface AppDeps {
  switch: SwitchPort
  calls: CallManager
  metrics: Metrics
  logger: Logger
  /** More routes (the API), registered before the app is ready. */
  routes?: ((app: FastifyInstance) => Promise<void>) | undefined
}

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance is a plain FastifyInstance for plugins.
  const httpLogger: FastifyBaseLogger = deps.logger.child({ component: 'http' })
  const app = Fastify({
    loggerInstance: httpLogger,
    // Probes and scrapes every few seconds would drown the calls' story in the log.
    logController: new LogController({ disableRequestLogging: true })
  })

  // Liveness: the process answers. Restarting it would not fix a switch that is down.
  app.get('/health', () => ({ status: 'ok' }))

  // Readiness: take calls only while the switch is connected and we are not draining.
  app.get('/ready', async (_req, reply) => {
    const sw = deps.switch.status()
    const ready = sw.state === 'ready' && !deps.calls.draining
    const body = {
      ready,
      switch: { vendor: deps.switch.vendor, state: sw.state, detail: sw.detail, since: new Date(sw.since).toISOString() },
      draining: deps.calls.draining,
      callsInProgress: deps.calls.activeCount()
    }
    return await reply.code(ready ? 200 : 503).send(body)
  })

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics()
    return await reply.type(deps.metrics.registry.contentType).send(text)
  })

  if (deps.routes !== undefined) await deps.routes(app)
  await app.ready()
  return app
}
