// Wiring: the one place that knows every piece. From a loaded config it builds the switch
// (switch-factory.ts), the store, the enterprise-seat line (ivr.ts: agents, queue, flows),
// the call manager and the HTTP app, and shuts them down in order.

import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { SimInstall } from '../adapters/sim/sim-install.js'
import type { SimSwitch } from '../adapters/sim/sim-switch.js'
import { buildApp } from '../http/app.js'
import { CallManager } from '../calls/call-manager.js'
import type { ScriptChoice } from '../calls/call-context.js'
import { firstCallScript } from '../calls/scripts/first-call.js'
import type { AppConfig } from '../config/app-config.js'
import { watchCalendar } from './calendar-watch.js'
import type { WorkCalendar } from '../domain/calendar.js'
import { ConfigError } from '../config/validate.js'
import { registerMeRoute } from '../http/routes/me.js'
import { registerStatsRoutes } from '../http/routes/stats.js'
import type { Feature, FeatureContext } from '../features/context.js'
import { FEATURES } from './features.js'
import { PromptHealth } from '../flows/prompt-health.js'
import { createLiveSignals } from './live-signals.js'
import { type IvrOptions, startIvr } from './ivr.js'
import { type Ivr } from '../features/context.js'
import { Metrics, countTransfer } from '../metrics.js'
import { ConnectionRateService } from '../stats/connection-rate-service.js'
import { checkTicketSetup, startTickets } from './start-tickets.js'
import { type Tickets } from '../features/context.js'
import { type Clock, systemClock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { SwitchPort } from '../ports/switch.js'
import { startSimLife } from './sim-traffic.js'
import { createLeases, createStore } from './store-factory.js'
import { LeaseKeeper } from '../calls/lease-keeper.js'
import { FinalJournal } from '../calls/final-journal.js'
import { buildSwitch } from './switch-factory.js'
import { type EmbeddedSim } from '../features/context.js'

export interface ControllerOptions {
  config: AppConfig
  logger: Logger
  clock?: Clock
  /** The enterprise-seat line: flows, agents, queue. Without it calls run `pickScript`. */
  ivr?: Omit<IvrOptions, 'calendar'>
  /** The script for each new call when there is no `ivr`; default: the first-call script. */
  pickScript?: () => ScriptChoice
  /** Shared state; default: a MemoryStore, or Redis when `store.kind` is redis. */
  store?: Store
  /** This controller's id in the shared store (default: a random one). */
  controllerId?: string
  /** Where call ends waiting for the store are kept across a kill (calls/final-journal.ts); absent: memory only. */
  journalDir?: string
  /** The embedded simulator to use when `switch.kind` is `sim` (one is made from `simInstall` if absent). */
  sim?: SimSwitch
  /** What is installed on the simulator made here (switch-factory.ts simInstallFor). */
  simInstall?: SimInstall
  /** Working time for flows; watched for missing years (log + metric). */
  calendar?: WorkCalendar
  /**
   * This controller's lease lapsed and a peer took its calls over (a long pause, a partition
   * from Redis): it must stop. Default: logged only (main.ts exits).
   */
  onLeaseTaken?: (why: string) => void
}

export class Controller {
  readonly app: FastifyInstance
  readonly switch: SwitchPort
  readonly calls: CallManager
  readonly metrics: Metrics
  readonly store: Store
  readonly ivr: Ivr | undefined
  readonly tickets: Tickets | undefined
  readonly sim: EmbeddedSim | undefined
  readonly #logger: Logger
  readonly #config: AppConfig
  /** What to close after the calls have drained, in order. */
  readonly #closers: Array<() => Promise<void>>
  #stopping: Promise<void> | undefined

  constructor (parts: {
    app: FastifyInstance, switch: SwitchPort, calls: CallManager, metrics: Metrics, store: Store
    ivr: Ivr | undefined, tickets: Tickets | undefined, sim: EmbeddedSim | undefined, logger: Logger, config: AppConfig
    closers: Array<() => Promise<void>>
  }) {
    this.app = parts.app
    this.switch = parts.switch
    this.calls = parts.calls
    this.metrics = parts.metrics
    this.store = parts.store
    this.ivr = parts.ivr
    this.tickets = parts.tickets
    this.sim = parts.sim
    this.#logger = parts.logger
    this.#config = parts.config
    this.#closers = parts.closers
  }

  /**
   * Drain, then close: stop taking calls (/ready turns 503), let calls in progress finish up
   * to the deadline, then close the HTTP server, the queue, the switch connection, the store
   * and the simulator.
   */
  async shutdown (deadlineMs = this.#config.shutdown.drainDeadlineMs): Promise<void> {
    this.#stopping ??= this.#shutdown(deadlineMs)
    await this.#stopping
  }

  async #shutdown (deadlineMs: number): Promise<void> {
    const drained = await this.calls.drain(deadlineMs)
    this.#logger.info(drained, 'calls drained')
    this.calls.stop()
    for (const close of this.#closers) {
      try {
        await close()
      } catch (err) {
        this.#logger.error({ err }, 'error while closing')
      }
    }
    this.#logger.info('controller stopped')
  }
}

export async function startController (options: ControllerOptions): Promise<Controller> {
  const { config, logger } = options
  const clock = options.clock ?? systemClock
  const metrics = new Metrics()
  const stopCalendarWatch = options.calendar === undefined
    ? () => undefined
    : watchCalendar(options.calendar, metrics, logger, clock)

  const { port: sw, sim } = await buildSwitch(config, { clock, logger, model: options.sim, install: options.simInstall })
  sw.onStatus((status) => {
    metrics.switchUp.set({ vendor: sw.vendor }, status.state === 'ready' ? 1 : 0)
    if (status.state === 'disconnected') metrics.switchReconnects.inc({ vendor: sw.vendor })
  })
  metrics.switchUp.set({ vendor: sw.vendor }, 0)

  // Asked once the switch is up and after each flow reload; the line's catalogue, once started.
  let ivrPrompts: () => readonly string[] = () => []
  const prompts = new PromptHealth({ switch: sw, prompts: () => ivrPrompts(), metrics, logger, now: () => clock.now() })
  const store = options.store ?? createStore(config, logger)
  const controllerId = options.controllerId ?? `ctl-${randomUUID().slice(0, 8)}`
  let ivr: Ivr | undefined
  let tickets: Tickets | undefined
  let stats: ConnectionRateService | undefined
  if (options.ivr !== undefined) {
    const calendar = options.calendar
    if (calendar === undefined) throw new TypeError('the enterprise-seat line needs the working-day calendar')
    const { directory } = options.ivr
    const problems = checkTicketSetup(config, directory)
    if (problems.length > 0) throw new ConfigError(problems)
    tickets = startTickets({ config, directory, calendar, clock, logger, metrics })
    ivr = await startIvr({ ...options.ivr, calendar, tickets: options.ivr.tickets ?? tickets.service }, { config, store, switch: sw, clock, logger, prompts, controllerId })
    const flows = ivr.flows
    ivrPrompts = () => flows.prompts()
    // Every transfer request is counted once, when it leaves the hunt.
    for (const end of ['transfer.connected', 'transfer.failed', 'transfer.cancelled'] as const) {
      ivr.transfers.on(end, (record) => { countTransfer(metrics, record) })
    }
    stats = new ConnectionRateService({
      store, clock, metrics, settings: config.stats, logger: logger.child({ component: 'stats' }),
      departments: () => directory.departments().map((d) => d.id)
    })
    stats.start()
  }
  const pickScript = ivr?.pickScript ?? options.pickScript ?? (() => ({ script: firstCallScript }))
  const leases = createLeases(config, logger, () => clock.now())
  // Since when the switch has been out of reach: from the first status after the last ready
  // one (reconnect attempts change the status, not this).
  let switchLostSince: number | undefined = sw.status().state === 'ready' ? undefined : clock.now()
  let switchReadySince = sw.status().state === 'ready' ? sw.status().since : Number.POSITIVE_INFINITY
  sw.onStatus((status) => {
    switchLostSince = status.state === 'ready' ? undefined : switchLostSince ?? status.since
    if (status.state !== 'ready') switchReadySince = Number.POSITIVE_INFINITY
    else if (switchReadySince === Number.POSITIVE_INFINITY) switchReadySince = status.since
  })
  const keeper: LeaseKeeper = new LeaseKeeper({
    leases,
    controllerId,
    ttlMs: config.controller.leaseTtlMs,
    info: sw.peerInfo(),
    log: logger.child({ component: 'lease' }),
    // Only a switch on which a peer's legs can be heard (ports/switch.ts adopt), and one this
    // controller has reached for a lease's time: when the switch was away for everyone, each
    // controller renews its own lease as it comes back, rather than the first back taking all.
    canTakeOver: () => sw.adopt !== undefined && sw.status().state === 'ready' && !calls.draining &&
      clock.now() - switchReadySince >= config.controller.leaseTtlMs,
    takeOver: async (deadId, info, fence) => {
      await sw.adopt?.(info)
      await calls.takeOverFrom(deadId, fence)
    },
    onTaken: (why) => { options.onLeaseTaken?.(why) },
    switchLostSince: () => switchLostSince,
    now: () => clock.now(),
    onAcquired: () => { calls.recover() }
  })
  const journal = options.journalDir === undefined ? undefined : new FinalJournal(options.journalDir, logger.child({ component: 'journal' }))
  const calls = new CallManager({ switch: sw, store, controllerId, pickScript, logger, metrics, clock, prompts, line: ivr?.line, fence: () => keeper.fence, journal, recoverOnConnect: false })
  // The lease first, so calls found after a restart are written with its fencing token; a
  // store that does not answer delays nothing (the round gives up, the next one tries again).
  keeper.start()
  await keeper.round()
  // Back in reach of the switch: the lease at once, to learn before acting whether a peer took
  // the calls; this controller's own calls are looked for only once it is known to hold it.
  sw.onStatus((status) => {
    if (status.state !== 'ready') return
    void keeper.round().then(() => { if (keeper.held) calls.recover() }).catch(() => undefined)
  })
  calls.start()
  prompts.start()
  const live = createLiveSignals({ config, store, logger: logger.child({ component: 'live' }) })
  const features: Feature[] = []
  if (ivr !== undefined && tickets !== undefined && stats !== undefined && options.ivr !== undefined && options.calendar !== undefined) {
    const ctx: FeatureContext = {
      config, logger, clock, metrics, store, switch: sw, calls, prompts, ivr, tickets, stats, live, controllerId, sim,
      directory: options.ivr.directory, calendar: options.calendar, agents: options.ivr.agents, flowsDir: options.ivr.flowsDir
    }
    for (const start of FEATURES) features.push(await start(ctx))
  }
  const api = ivr !== undefined && tickets !== undefined && stats !== undefined ? { ivr, tickets, stats } : undefined
  const apiRoutes = async (app: FastifyInstance): Promise<void> => {
    await registerMeRoute(app)
    if (api === undefined) return
    await api.ivr.routes(app, calls)
    await api.tickets.routes(app)
    await registerStatsRoutes(app, { stats: api.stats })
    for (const feature of features) await feature.routes?.(app)
  }
  const app = await buildApp({ switch: sw, calls, store, prompts, metrics, logger, routes: apiRoutes, auth: { tokens: config.api.tokens }, api: config.api, trustedProxies: config.http.trustedProxies })
  // Connecting goes on in the background: /ready answers 503 until the switch is up.
  sw.start().catch((err: unknown) => { logger.error({ err }, 'switch adapter stopped') })
  const stopTraffic = sim === undefined
    ? () => undefined
    : await startSimLife(sim.model, config, logger, ivr === undefined || options.ivr === undefined
      ? undefined
      : { ivr, calls, directory: options.ivr.directory, agents: options.ivr.agents })
  const closers: Array<() => Promise<void>> = [
    async () => { stopCalendarWatch(); stopTraffic(); prompts.stop(); await app.close() },
    async () => {
      for (const feature of [...features].reverse()) await feature.close?.()
      await live.close()
    },
    async () => { await ivr?.close() },
    // After the calls: they may still raise tickets while they finish.
    async () => { stats?.stop(); await tickets?.close() },
    // A clean stop lets the lease go: the calls drained, there is nothing to take over.
    async () => { await keeper.stop(true); await leases.close() },
    async () => { await sw.close() },
    // A store handed in belongs to the caller; one made here is closed here.
    async () => { if (options.store === undefined) await store.close() },
    async () => {
      if (sim === undefined) return
      await sim.close()
      sim.model.close()
    }
  ]
  return new Controller({ app, switch: sw, calls, metrics, store, ivr, tickets, sim, logger, config, closers })
}
