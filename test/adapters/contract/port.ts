// A switch port built by the switch factory (as the controller builds it) over the simulated
// switch, for the contract tests both adapters must pass.
import type { Test } from 'tap'
import { pino } from 'pino'
import type { SimInstall } from '../../../src/adapters/sim/sim-install.js'
import { resolveAppConfig } from '../../../src/config/app-config.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { InboundCall, SwitchPort } from '../../../src/ports/switch.js'
import { type EmbeddedSim, buildSwitch } from '../../../src/switch-factory.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'
import { eventually } from '../../helpers/sim.js'

export interface PortOnSim { sw: SwitchPort, sim: EmbeddedSim }

export async function portOnSim (t: Test, protocol: 'esl' | 'ari', install: SimInstall = SHIPPED_INSTALL): Promise<PortOnSim> {
  const config = resolveAppConfig({
    switch: { kind: 'sim', sim: { protocol, timeScale: 0.02 }, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }
  }, 'contract test', {})
  const built = await buildSwitch(config, { clock: systemClock, logger: pino({ level: 'silent' }), install })
  const sim = built.sim
  if (sim === undefined) throw new Error('no simulator')
  t.teardown(async () => {
    await built.port.close()
    await sim.close()
    sim.model.close()
  })
  void built.port.start()
  await eventually(() => built.port.status().state === 'ready' ? true : undefined, 'connected')
  return { sw: built.port, sim }
}

/** A caller offered to the port and answered by it. */
export async function answeredCall (sw: SwitchPort, sim: EmbeddedSim, from: string): Promise<{ call: InboundCall, caller: ReturnType<EmbeddedSim['model']['placeCall']> }> {
  const offered = new Promise<InboundCall>((resolve) => { const stop = sw.onInboundCall((c) => { stop(); resolve(c) }) })
  const caller = sim.model.placeCall({ from, to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  return { call, caller }
}
