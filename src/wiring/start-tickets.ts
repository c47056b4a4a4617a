// Wiring of the tickets in one call, for the controller: the ticket store picked like the
// call store (memory, or Redis shared by every controller), the service the call side raises
// tickets through, the delivery worker, the API routes, the retention sweep of full numbers,
// and what to close on shutdown.

import { redisClient } from './store-factory.js'
import type { Logger } from 'pino'
import { MemoryTicketStore } from '../adapters/memory/memory-tickets.js'
import { RedisTicketStore } from '../adapters/redis/redis-tickets.js'
import { type ApiToken, type AppConfig, ENV_SOURCE } from '../config/app-config.js'
import type { ConfigProblem } from '../config/validate.js'
import type { DueRule } from '../domain/tickets.js'
import { registerPrivacyRoutes } from '../http/routes/privacy.js'
import { registerTicketRoutes } from '../http/routes/tickets.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { TicketStore } from '../ports/ticket-store.js'
import { DeliveryWorker, refreshTicketGauges } from '../adapters/webhook/delivery-worker.js'
import { TicketService } from '../tickets/ticket-service.js'
import type { Tickets } from '../features/context.js'

/** How often the ticket gauges are refreshed when no worker does it (the worker's default). */
const GAUGE_INTERVAL_MS = 15_000

/**
 * How often the retention sweep runs (and once at start): numbers are masked within an hour of
 * falling due. Every controller runs it; the store masks each ticket once whoever gets there.
 */
export const PRIVACY_SWEEP_INTERVAL_MS = 60 * 60 * 1000

/** The part of the directory tickets need. */
export interface TicketDirectory {
  department(id: string): { readonly ticketWebhookUrl?: string } | undefined
  departments(): ReadonlyArray<{ readonly id: string, readonly ticketWebhookUrl?: string }>
}

export interface StartTicketsOptions {
  config: AppConfig
  directory: TicketDirectory
  calendar: DueRule
  clock: Clock
  logger: Logger
  metrics: Metrics
  /** A store made by the caller (tests); it is then the caller's to close. */
  store?: TicketStore
}

/**
 * Rules between the settings and the directory: a webhook needs the signing secret, and a
 * department token must name a department the directory knows.
 */
export function checkTicketSetup (config: Pick<AppConfig, 'tickets'> & { api: { tokens: readonly ApiToken[] } }, directory: TicketDirectory): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const withWebhook = directory.departments().filter((d) => d.ticketWebhookUrl !== undefined)
  if (withWebhook.length > 0 && config.tickets.webhookSecret === undefined) {
    problems.push({
      file: ENV_SOURCE,
      path: 'TICKET_WEBHOOK_SECRET',
      reason: `required: ${withWebhook.length} department(s) have a ticketWebhookUrl (e.g. ${withWebhook[0]?.id ?? ''}) and every delivery is signed with it`
    })
  }
  config.api.tokens.forEach((t, i) => {
    if (t.departmentId !== undefined && directory.department(t.departmentId) === undefined) {
      problems.push({ file: ENV_SOURCE, path: 'API_TOKENS', reason: `entry ${i + 1}: unknown department "${t.departmentId}": not in directory.yaml` })
    }
  })
  return problems
}

/** Builds the tickets and starts the delivery worker (jobs left from before are resumed). */
export function startTickets (options: StartTicketsOptions): Tickets {
  const { config, directory, clock, logger, metrics } = options
  const store = options.store ?? createTicketStore(config, logger)
  const secret = config.tickets.webhookSecret
  let worker: DeliveryWorker | undefined
  const service = new TicketService({
    store, calendar: options.calendar, directory, clock, metrics, onQueued: () => worker?.kick()
  })
  if (secret !== undefined && directory.departments().some((d) => d.ticketWebhookUrl !== undefined)) {
    worker = new DeliveryWorker({
      store,
      tickets: service,
      directory,
      secret,
      clock,
      metrics,
      logger: logger.child({ component: 'tickets' }),
      maxAttempts: config.tickets.maxAttempts,
      initialBackoffMs: config.tickets.initialBackoffMs,
      maxBackoffMs: config.tickets.maxBackoffMs,
      requestTimeoutMs: config.tickets.requestTimeoutMs
    })
    worker.start()
  }
  // Without a worker nothing else keeps the overdue and open gauges current.
  const gauges = worker === undefined ? setInterval(() => {
    refreshTicketGauges(store, metrics, clock.now()).catch((err: unknown) => {
      logger.warn({ err }, 'ticket gauges: store unreachable')
    })
  }, GAUGE_INTERVAL_MS) : undefined
  gauges?.unref()
  const sweepLog = logger.child({ component: 'privacy' })
  const sweep = (): void => {
    service.maskOldNumbers(config.privacy.fullNumberDays).then((masked) => {
      if (masked > 0) sweepLog.info({ masked, fullNumberDays: config.privacy.fullNumberDays }, 'full numbers past their retention masked')
    }, (err: unknown) => { sweepLog.warn({ err }, 'masking full numbers past their retention failed; tried again at the next sweep') })
  }
  sweep()
  const sweeps = setInterval(sweep, PRIVACY_SWEEP_INTERVAL_MS)
  sweeps.unref()
  return {
    store,
    service,
    worker,
    routes: async (app) => {
      await registerTicketRoutes(app, { tickets: service, clock })
      await registerPrivacyRoutes(app, { tickets: service })
    },
    close: async () => {
      clearInterval(sweeps)
      clearInterval(gauges)
      await worker?.stop()
      if (options.store === undefined) await store.close()
    }
  }
}

function createTicketStore (config: AppConfig, logger: Logger): TicketStore {
  if (config.store.kind === 'redis') {
    return new RedisTicketStore({
      ...redisClient(config),
      onError: (err) => { logger.error({ err }, 'Redis connection error (tickets; reconnecting)') }
    })
  }
  return new MemoryTicketStore()
}
