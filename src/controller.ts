// Wiring: the one place that knows every piece. From a loaded config it builds the switch
// (switch-factory.ts), the call manager and the HTTP app, and shuts them down in order.

import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { SimSwitch } from './adapters/sim/sim-switch.js'
import { startDemoCallers } from './adapters/sim/demo-callers.js'
import { buildApp } from './app.js'
import { CallManager } from './calls/call-manager.js'
import type { ScriptChoice } from './calls/call-session.js'
import { firstCallScript } from './calls/scripts/first-call.js'
import type { AppConfig } from './config/app-config.js'
import { watchCalendar } from './calendar-watch.js'
import type { WorkCalendar } from './domain/calendar.js'
import { Metrics } from './metrics.js'
import { type Clock, systemClock } from './ports/clock.js'
import type { Store } from './ports/store.js'
import type { SwitchPort } from './ports/switch.js'
import { createStore } from './store-factory.js'
import { type EmbeddedSim, buildSwitch } from './switch-factory.js'

export interface ControllerOptions {
  config: AppConfig
  logger: Logger
  clock?: Clock
  /** The script for each new call; default: the first-call script. */
  pickScript?: () => ScriptChoice
  /** Shared state; default: a MemoryStore, or Redis when `store.kind` is redis. */
  store?: Store
  /** This controller's id in the shared store (default: a random one). */
  controllerId?: string
  /** The embedded simulator to use when `switch.kind` is `sim` (one is made if absent). */
  sim?: SimSwitch
  /** Watched for missing years (log + metric). */
  calendar?: WorkCalendar
}

export class Controller {
  readonly app: FastifyInstance
  readonly switch: SwitchPort
  readonly calls: CallManager
  readonly metrics: Metrics
  readonly sim: EmbeddedSim | undefined
  readonly #logger: Logger
  readonly #config: AppConfig
  readonly #closeStore: () => Promise<void>
  #stopping: Promise<void> | undefined

  constructor (parts: {
    app: FastifyInstance, switch: SwitchPort, calls: CallManager, metrics: Metrics
    sim: EmbeddedSim | undefined, logger: Logger, config: AppConfig, closeStore: () => Promise<void>
  }) {
    this.app = parts.app
    this.switch = parts.switch
    this.calls = parts.calls
    this.metrics = parts.metrics
    this.sim = parts.sim
    this.#logger = parts.logger
    this.#config = parts.config
    this.#closeStore = parts.closeStore
  }

  /**
   * Drain, then close: stop taking calls (/ready turns 503), let calls in progress finish up
   * to the deadline, then close the HTTP server, the switch connection and the simulator.
   */
  async shutdown (deadlineMs = this.#config.shutdown.drainDeadlineMs): Promise<void> {
    this.#stopping ??= this.#shutdown(deadlineMs)
    await this.#stopping
  }

  async #shutdown (deadlineMs: number): Promise<void> {
    const drained = await this.calls.drain(deadlineMs)
    this.#logger.info(drained, 'calls drained')
    this.calls.stop()
    await this.app.close()
    await this.switch.close()
    await this.#closeStore()
    if (this.sim !== undefined) {
      await this.sim.close()
      this.sim.model.close()
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

  const { port: sw, sim } = await buildSwitch(config, { clock, logger, model: options.sim })
  sw.onStatus((status) => {
    metrics.switchUp.set({ vendor: sw.vendor }, status.state === 'ready' ? 1 : 0)
    if (status.state === 'disconnected') metrics.switchReconnects.inc({ vendor: sw.vendor })
  })
  metrics.switchUp.set({ vendor: sw.vendor }, 0)

  const store = options.store ?? createStore(config, logger)
  const controllerId = options.controllerId ?? `ctl-${randomUUID().slice(0, 8)}`
  const pickScript = options.pickScript ?? (() => ({ script: firstCallScript }))
  const calls = new CallManager({ switch: sw, store, controllerId, pickScript, logger, metrics, clock })
  calls.start()
  const app = await buildApp({ switch: sw, calls, metrics, logger })
  // Connecting goes on in the background: /ready answers 503 until the switch is up.
  sw.start().catch((err: unknown) => { logger.error({ err }, 'switch adapter stopped') })
  const interval = config.switch.sim.demoCallIntervalSec
  const stopDemo = sim !== undefined && interval > 0
    ? startDemoCallers(sim.model, { intervalMs: interval * 1000, to: config.switch.hotlineNumber, logger })
    : () => undefined
  app.addHook('onClose', (_instance, done) => { stopCalendarWatch(); stopDemo(); done() })
  // A store handed in belongs to the caller; one made here is closed here.
  const closeStore = options.store === undefined ? async () => { await store.close() } : async () => undefined
  return new Controller({ app, switch: sw, calls, metrics, sim, logger, config, closeStore })
}
