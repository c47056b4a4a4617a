// The agent console (坐席工作台, public/agent.html): an agent logs in, says ready or not
// ready, sees the call they are on with the caller's IVR choices, finds the matter and starts
// the three-way transfer, watches the hunt, leaves the conference, raises a ticket and wraps
// up. This feature adds what the line's API lacks for that: the directory search, the live
// stream of one agent's console and raising a ticket for a call (docs/console.md).

import { Counter, Gauge } from 'prom-client'
import type { Feature, FeatureContext } from '../context.js'
import { registerDirectoryRoutes } from '../../http/routes/directory.js'
import { ConsoleFeeds } from './feed.js'
import { registerConsoleRoutes } from './routes.js'
import { ConsoleTickets } from './tickets.js'
import { type ConsoleSources, agentSnapshot } from './views.js'

export interface ConsoleFeatureOptions {
  /** Refresh of a console whose agent has a call, when nothing signalled; default 2 s. */
  fallbackMs?: number
}

export function startConsoleFeature (ctx: FeatureContext, options: ConsoleFeatureOptions = {}): Promise<Feature> {
  const { ivr, store, directory, clock } = ctx
  const log = ctx.logger.child({ component: 'console' })
  const tickets = new ConsoleTickets({
    directory,
    sink: ctx.tickets.service,
    getCall: (callId) => store.getCall(callId),
    callerNumber: (callId) => ctx.calls.callerNumber(callId),
    liveChoices: (callId) => ctx.calls.live(callId)?.choices,
    isAgentOf: async (agentId, callId) =>
      ctx.calls.agentOf(callId) === agentId || (await store.getAgent(agentId))?.callId === callId,
    now: () => clock.now()
  })
  const sources: ConsoleSources = {
    directory,
    getAgent: (id) => store.getAgent(id),
    getCall: (callId) => store.getCall(callId),
    live: (callId) => ctx.calls.live(callId),
    currentCall: (agentId) => ctx.calls.agentCall(agentId),
    listTransfers: (query) => store.listTransfers(query),
    ticketOf: (callId) => tickets.of(callId),
    now: () => clock.now()
  }
  const feeds = new ConsoleFeeds({
    snapshot: (agentId) => agentSnapshot(sources, agentId),
    live: ctx.live,
    ...(options.fallbackMs === undefined ? {} : { fallbackMs: options.fallbackMs }),
    log
  })

  // This controller's own changes show at once, whether or not anything publishes the signals.
  const onAgent = (agent: { id: string }): void => { feeds.changed(agent.id) }
  const onTransfer = (record: { agentId?: string }): void => { feeds.changed(record.agentId) }
  const onAttempt = (_attempt: unknown, record: { agentId?: string }): void => { feeds.changed(record.agentId) }
  ivr.agents.on('changed', onAgent)
  ivr.transfers.on('transfer.attempted', onAttempt)
  ivr.transfers.on('transfer.connected', onTransfer)
  ivr.transfers.on('transfer.failed', onTransfer)
  ivr.transfers.on('transfer.cancelled', onTransfer)

  const registers = [ctx.metrics.registry]
  new Gauge({
    name: 'hotline_console_streams',
    help: 'Agent consoles following their agent live (open event streams) on this controller',
    registers,
    collect () { this.set(feeds.size) }
  })
  const raised = new Counter({
    name: 'hotline_console_tickets_total',
    help: 'Tickets raised from the agent console; result: created, or existing (the call had one already)',
    labelNames: ['result'] as const,
    registers
  })

  return Promise.resolve({
    name: 'console',
    routes: async (app) => {
      await registerDirectoryRoutes(app, { directory })
      await registerConsoleRoutes(app, {
        feeds,
        tickets,
        getAgent: (id) => store.getAgent(id),
        onTicket: (created) => {
          raised.inc({ result: created ? 'created' : 'existing' })
          ctx.live.publish('tickets')
        }
      })
    },
    close: () => {
      ivr.agents.off('changed', onAgent)
      ivr.transfers.off('transfer.attempted', onAttempt)
      ivr.transfers.off('transfer.connected', onTransfer)
      ivr.transfers.off('transfer.failed', onTransfer)
      ivr.transfers.off('transfer.cancelled', onTransfer)
      feeds.close()
      return Promise.resolve()
    }
  })
}
