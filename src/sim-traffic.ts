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
import type { SimSwitch } from './adapters/sim/sim-switch.js'
import { type SyntheticAgents, startSyntheticAgents } from './adapters/sim/synthetic-agents.js'
import { startSimTraffic } from './adapters/sim/traffic.js'
import type { AppConfig } from './config/app-config.js'
import type { AgentsConfig } from './config/agents-schema.js'
import type { Directory } from './domain/directory.js'
import type { Ivr } from './ivr.js'

export interface SimLine {
  ivr: Ivr
  directory: Directory
  agents: AgentsConfig
}

/** Starts the synthetic line; returns the function that stops new callers and the agents. */
export async function startSimLife (model: SimSwitch, config: AppConfig, logger: Logger, line: SimLine | undefined): Promise<() => void> {
  const { callsPerHour, answer, humanAgents } = config.switch.sim.traffic
  const log = logger.child({ component: 'sim-traffic' })
  const agentList = line?.agents.agents ?? []
  // 0: a silent simulator, whose far ends the tests script themselves.
  if (callsPerHour === 0) return () => undefined
  let synthetic: SyntheticAgents | undefined
  if (line !== undefined) {
    synthetic = await startSyntheticAgents({
      agents: line.ivr.agents,
      transfers: line.ivr.transfers,
      directory: line.directory,
      agentIds: agentList.slice(humanAgents).map((a) => a.id),
      scaled: (ms) => model.scaled(ms),
      logger: log
    })
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
