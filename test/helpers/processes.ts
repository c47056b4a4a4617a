// The standalone simulator and controllers as processes of their own (scripts/chaos/
// processes.ts), for tests that kill one of them; each is stopped when the test ends.
import type { Test } from 'tap'
import { type ControllerProcess, type SimProcess, launchController, launchSim } from '../../scripts/chaos/processes.js'

export type { ControllerProcess, SimProcess }

export async function startSimProcess (t: Test, args: string[]): Promise<SimProcess> {
  const sim = await launchSim(args)
  t.teardown(sim.stop)
  return sim
}

/** `src/main.ts` with `env` over this process's; resolves once its switch connection is up. */
export async function startControllerProcess (t: Test, env: Record<string, string>): Promise<ControllerProcess> {
  const controller = await launchController(env)
  t.teardown(controller.stop)
  return controller
}
