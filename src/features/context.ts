// What a feature beyond the call line (live pages, agent console, reports, flow view,
// dial-testing) gets from the controller, and what it gives back. Each feature lives in its
// own folder and is started by wiring/controller.ts through wiring/features.ts, after the line
// (agents, queue, transfers, tickets, stats) is up; its routes are registered after the auth
// plugin, so they use `app.requireRole`.

import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { CallManager } from '../calls/call-manager.js'
import type { AppConfig } from '../config/app-config.js'
import type { AgentsConfig } from '../config/agents-schema.js'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Directory } from '../domain/directory.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { SwitchPort } from '../ports/switch.js'
import type { ConnectionRateService } from '../stats/connection-rate-service.js'
import type { PromptHealth } from '../flows/prompt-health.js'
import type { LiveSignals } from '../ports/live-signals.js'
import type { SimSwitch } from '../adapters/sim/sim-switch.js'
import type { DeliveryWorker } from '../adapters/webhook/delivery-worker.js'
import type { QueueAcd } from '../calls/acd.js'
import type { Agents } from '../calls/agents.js'
import type { LineServices, ScriptChoice } from '../calls/call-context.js'
import type { Transfers } from '../calls/transfer.js'
import type { FlowRegistry } from '../flows/registry.js'
import type { TicketStore } from '../ports/ticket-store.js'
import type { TicketService } from '../tickets/ticket-service.js'

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
  /** "Something changed": tells the pages of every controller to refresh (ports/live-signals.ts). */
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

export interface Ivr {
  agents: Agents
  acd: QueueAcd
  /** Three-way transfers; their events (`transfer.attempted`, …) are for counters and pages. */
  transfers: Transfers
  flows: FlowRegistry
  pickScript: () => ScriptChoice
  /** What a call of the line uses once it queues: given to every call's owner. */
  line: LineServices
  /** Adds the agents API and the calls API to the app (after `registerAuth`, before ready). */
  routes: (app: FastifyInstance, calls: CallManager) => Promise<void>
  close: () => Promise<void>
}

export interface Tickets {
  store: TicketStore
  /** The TicketSink for the call side, and the API's operations. */
  service: TicketService
  /** Undefined when no department has a webhook: nothing is ever delivered. */
  worker: DeliveryWorker | undefined
  /** Adds the tickets API; call after `registerAuth` (the ivr routes do that). */
  routes: (app: FastifyInstance) => Promise<void>
  /** Stops the worker (waiting for the delivery in flight), then closes a store made here. */
  close: () => Promise<void>
}

/** The embedded simulator: its call model and the wire server the adapter talks to. */
export interface EmbeddedSim {
  model: SimSwitch
  protocol: 'esl' | 'ari'
  port: number
  /** Cuts the adapter's connection without notice (ESL socket or ARI events WebSocket). */
  dropConnections(): void
  close(): Promise<void>
}
