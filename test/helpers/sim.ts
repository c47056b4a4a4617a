// Starts the simulated switch (call model + ESL server on a free loopback port) for a test
// and stops it afterwards.
import type { Test } from 'tap'
import { EslServer } from '../../src/adapters/sim/esl-server.js'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import type { SimSwitchOptions } from '../../src/adapters/sim/model-types.js'
import { SHIPPED_INSTALL } from './install.js'

export const SIM_PASSWORD = 'sim-secret'

export interface RunningSim {
  model: SimSwitch
  esl: EslServer
  host: string
  port: number
  password: string
}

export async function startSim (t: Test, options: Partial<SimSwitchOptions> = {}): Promise<RunningSim> {
  const model = new SimSwitch({ timeScale: 0.02, install: SHIPPED_INSTALL, ...options })
  const esl = new EslServer(model, { password: SIM_PASSWORD, host: '127.0.0.1', port: 0 })
  const { host, port } = await esl.listen()
  t.teardown(async () => {
    await esl.close()
    model.close()
  })
  return { model, esl, host, port, password: SIM_PASSWORD }
}

/**
 * Resolves with the first value `poll` returns that is not undefined (checked every `everyMs`,
 * 5 by default; an HTTP API with a rate limit is asked less often).
 */
export async function eventually<T> (poll: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await poll()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
