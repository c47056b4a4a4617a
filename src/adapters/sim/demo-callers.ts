// The first demo traffic (a caller every N seconds, agents' phones that answer), now a thin
// front for the traffic generator (traffic.ts), so synthetic callers live in one place. Kept
// for `switch.sim.demoCallIntervalSec` until the controller starts the generator itself;
// the generator places calls at the same average rate, as a Poisson process.

import type { Logger } from 'pino'
import type { SimSwitch } from './sim-switch.js'
import { defineAgentPhones, startSimTraffic } from './traffic.js'

export interface DemoCallerOptions {
  intervalMs: number
  /** The number the demo callers dial (the hotline). */
  to: string
  logger: Logger
}

/** Starts placing demo calls (one per `intervalMs` of real time on average); returns the function that stops them. */
export function startDemoCallers (model: SimSwitch, options: DemoCallerOptions): () => void {
  const traffic = startSimTraffic(model, {
    // The generator counts in script time; the demo interval is real time.
    callsPerHour: 3_600_000 * model.timeScale / options.intervalMs,
    answer: {},
    to: options.to,
    agentExtensions: [],
    logger: options.logger
  })
  return () => { traffic.stop() }
}

/** Agents' phones for the demo: each dial answers after a ring or two and talks a while. */
export function defineDemoAgentPhones (model: SimSwitch, extensions: readonly string[]): void {
  defineAgentPhones(model, extensions, Math.random)
}
