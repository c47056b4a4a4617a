// The embedded simulator's synthetic line for `npm start`: callers (Poisson arrivals at
// `switch.sim.traffic.callsPerHour` of script time), department lines answering with their
// department's probability, agents' phones, and synthetic agents who transfer to the caller's
// department and leave the three-way call — so a newcomer sees the dashboard, the rates and
// the tickets alive without a telephone. Every agent's phone answers (the simulator has no
// one to pick it up); the first `humanAgents` agents of agents.yaml are left to people at
// the agent console, whose clicks are theirs.
//
// Only ever on the simulator: the switch factory makes no model for a real switch, and the
// controller calls this with the model it made.

import type { Logger } from 'pino'
import type { SimSwitch } from '../adapters/sim/sim-switch.js'
import { type SyntheticAgents, startSyntheticAgents } from '../adapters/sim/synthetic-agents.js'
import { startSimTraffic } from '../adapters/sim/traffic.js'
import type { AppConfig } from '../config/app-config.js'
import type { AgentsConfig } from '../config/agents-schema.js'
import type { Directory } from '../domain/directory.js'
import type { Ivr } from '../features/context.js'
import type { CallManager } from '../calls/call-manager.js'

export interface SimLine {
  ivr: Ivr
  /** The calls API's part the synthetic agents use (transfer, leave). */
  calls: CallManager
  directory: Directory
  agents: AgentsConfig
}

/**
 * Why synthetic traffic must not run with this configuration, if it must not: its agents log
 * in and its calls write records and raise tickets, which is harmless in a store of its own
 * and harmful in a shared one (Redis: real controllers would route real calls to agents it
 * made ready, and read its records into the rates and the report) or with departments'
 * webhooks (its tickets would reach real departments). A simulator started by mistake with a
 * production environment stays silent.
 */
export function trafficRefusal (config: AppConfig, directory: Pick<Directory, 'departments'> | undefined): string | undefined {
  if (config.store.kind !== 'memory') return `the store is ${config.store.kind}, shared with other controllers`
  const hooked = directory?.departments().filter((d) => d.ticketWebhookUrl !== undefined) ?? []
  if (hooked.length > 0) return `${hooked.length} department(s) have a ticketWebhookUrl (e.g. ${hooked[0]?.id ?? ''}): its tickets would be delivered to them`
  return undefined
}

/** Starts the synthetic line; returns the function that stops new callers and the agents. */
export async function startSimLife (model: SimSwitch, config: AppConfig, logger: Logger, line: SimLine | undefined): Promise<() => void> {
  const { callsPerHour, answer, humanAgents } = config.switch.sim.traffic
  const log = logger.child({ component: 'sim-traffic' })
  const agentList = line?.agents.agents ?? []
  // 0: a silent simulator, whose far ends the tests script themselves.
  if (callsPerHour === 0) return () => undefined
  const refusal = trafficRefusal(config, line?.directory)
  if (refusal !== undefined) {
    log.warn({ reason: refusal }, 'simulator traffic not started: it only runs on a store and directory of its own (set SIM_CALLS_PER_HOUR=0 to silence this)')
    return () => undefined
  }
  let synthetic: SyntheticAgents | undefined
  if (line !== undefined) {
    try {
      synthetic = await startSyntheticAgents({
        agents: line.ivr.agents,
        calls: line.calls,
        transfers: line.ivr.transfers,
        directory: line.directory,
        agentIds: agentList.slice(humanAgents).map((a) => a.id),
        scaled: (ms) => model.scaled(ms),
        logger: log
      })
    } catch (err) {
      // A demo is not worth a failed start: the controller runs on without it.
      log.error({ err }, 'simulator traffic not started: the synthetic agents could not log in')
      return () => undefined
    }
  }
  const traffic = startSimTraffic(model, {
    callsPerHour,
    answer,
    to: config.switch.hotlineNumber,
    directory: line?.directory,
    agentExtensions: agentList.map((a) => a.extension),
    logger: log
  })
  log.info({
    callsPerHour,
    syntheticAgents: Math.max(0, agentList.length - humanAgents),
    leftToPeople: agentList.slice(0, humanAgents).map((a) => a.id)
  }, 'simulator: synthetic callers, departments and agents running')
  return () => {
    traffic.stop()
    synthetic?.stop()
  }
}
