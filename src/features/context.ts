// What a feature beyond the call line (live pages, agent console, reports, flow view,
// dial-testing) gets from the controller, and what it gives back. Each feature lives in its
// own folder and is started by controller.ts through features/index.ts, after the line
// (agents, queue, transfers, tickets, stats) is up; its routes are registered after the auth
// plugin, so they use `app.requireRole`.

import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { EmbeddedSim } from '../switch-factory.js'
import type { CallManager } from '../calls/call-manager.js'
import type { AppConfig } from '../config/app-config.js'
import type { AgentsConfig } from '../config/agents-schema.js'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Directory } from '../domain/directory.js'
import type { Ivr } from '../ivr.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { SwitchPort } from '../ports/switch.js'
import type { ConnectionRateService } from '../stats/connection-rate-service.js'
import type { PromptHealth } from '../flows/prompt-health.js'
import type { Tickets } from '../tickets/start-tickets.js'
import type { LiveSignals } from '../live/signals.js'

export interface FeatureContext {
  config: AppConfig
  logger: Logger
  clock: Clock
  metrics: Metrics
  /** Shared by every controller on the same Redis (calls, agents, queue, transfers). */
  store: Store
  switch: SwitchPort
  /** This controller's calls. */
  calls: CallManager
  /** What the switch lacks of the prompts. */
  prompts: PromptHealth
  ivr: Ivr
  tickets: Tickets
  stats: ConnectionRateService
  directory: Directory
  calendar: WorkCalendar
  agents: AgentsConfig
  /** The ivr-flows folder. */
  flowsDir: string
  controllerId: string
  /** The embedded simulator, when `switch.kind` is sim. */
  sim: EmbeddedSim | undefined
  /** "Something changed": tells the pages of every controller to refresh (live/signals.ts). */
  live: LiveSignals
}

export interface Feature {
  name: string
  /** Its API routes and pages' data; called after `registerAuth`, before the app is ready. */
  routes?: (app: FastifyInstance) => Promise<void>
  /** Called on shutdown after the calls drained, in reverse start order. */
  close?: () => Promise<void>
}

export type FeatureFactory = (ctx: FeatureContext) => Promise<Feature>
