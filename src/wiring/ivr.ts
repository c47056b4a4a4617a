// Wiring of the enterprise-seat line: agents (seeded from config/agents.yaml into the shared
// store), the queue to them, the three-way transfer to departments, and the flows of
// ivr-flows/ with hot reload. Each new call runs the version of its flow in force when it
// arrives; calls in progress keep theirs.

import type { Logger } from 'pino'
import { Agents } from '../calls/agents.js'
import { QueueAcd } from '../calls/acd.js'
import type { ScriptChoice } from '../calls/call-context.js'
import { Transfers } from '../calls/transfer.js'
import type { AppConfig } from '../config/app-config.js'
import { type AgentsConfig, checkTokenAgents } from '../config/agents-schema.js'
import { ConfigError } from '../config/validate.js'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Directory } from '../domain/directory.js'
import { runFlow } from '../flows/engine.js'
import { FlowRegistry } from '../flows/registry.js'
import type { FlowServices } from '../flows/step.js'
import { registerAgentRoutes } from '../http/routes/agents.js'
import { registerCallRoutes } from '../http/routes/calls.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { SwitchPort } from '../ports/switch.js'
import type { TicketSink } from '../ports/tickets.js'
import type { TransferStore } from '../ports/transfers.js'
import { flowTicketSink } from '../tickets/flow-ticket-sink.js'
import type { PromptHealth } from '../flows/prompt-health.js'
import type { Ivr } from '../features/context.js'

export interface IvrOptions {
  /** The ivr-flows folder. */
  flowsDir: string
  /** The flow calls to the hotline run. */
  flowId: string
  directory: Directory
  calendar: WorkCalendar
  agents: AgentsConfig
  /** Where transfer-failed tickets go; without one the agent registers them by hand. */
  tickets?: TicketSink
  /** Where transfer records are kept; default: the store. */
  transfers?: TransferStore
}

export async function startIvr (options: IvrOptions, deps: {
  config: AppConfig, store: Store, switch: SwitchPort, clock: Clock, logger: Logger, prompts: PromptHealth
  /** Written on the legs the line dials (LegTag). */
  controllerId?: string
}): Promise<Ivr> {
  const { config, store, clock, logger } = deps
  const tokenProblems = checkTokenAgents(config.api.tokens, options.agents)
  if (tokenProblems.length > 0) throw new ConfigError(tokenProblems)

  const agents = new Agents({ store, clock, groups: options.agents.groups, log: logger.child({ component: 'agents' }) })
  await agents.sync(options.agents.agents)
  const transferRecords = options.transfers ?? store
  const transfers = new Transfers({
    switch: deps.switch,
    store: transferRecords,
    directory: options.directory,
    calendar: options.calendar,
    clock,
    callerIdNumber: config.switch.hotlineNumber,
    log: logger.child({ component: 'transfers' }),
    controllerId: deps.controllerId
  })
  const acd = new QueueAcd({ switch: deps.switch, store, agents, clock, callerIdNumber: config.switch.hotlineNumber, controllerId: deps.controllerId })
  const groups = options.agents.groups.map((g) => g.id)
  const flows = await FlowRegistry.open({
    dir: options.flowsDir,
    surroundings: () => ({ directory: options.directory, groups }),
    logger: logger.child({ component: 'flows' })
  })
  // A reload may bring prompts the switch has not got yet: ask it again.
  flows.on('reloaded', () => { void deps.prompts.check() })
  const services: FlowServices = {
    calendar: options.calendar,
    directory: options.directory,
    clock,
    ...(options.tickets === undefined ? {} : { tickets: flowTicketSink(options.tickets, options.directory) })
  }
  try {
    flows.current(options.flowId)
  } catch {
    await flows.close()
    throw new ConfigError([{ file: options.flowsDir, path: `/${options.flowId}.yaml`, reason: `no flow "${options.flowId}" (ivr.flow names the flow calls run)` }])
  }
  const pickScript = (): ScriptChoice => {
    const flow = flows.current(options.flowId)
    return { script: runFlow(flow, services), flowId: flow.id, flowVersion: flow.version }
  }
  return {
    agents,
    acd,
    transfers,
    flows,
    pickScript,
    line: { acd, agents, transfers, directory: options.directory, tickets: options.tickets },
    routes: async (app, calls) => {
      await registerAgentRoutes(app, { agents, store, calls })
      await registerCallRoutes(app, { calls, records: store, transfers: transferRecords, directory: options.directory, clock })
    },
    close: async () => {
      await transfers.close()
      acd.close()
      agents.close()
      await flows.close()
    }
  }
}
