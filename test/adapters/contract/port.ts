// A switch port built by the switch factory (as the controller builds it) over the simulated
// switch, for the contract tests both adapters must pass.
import type { Test } from 'tap'
import { pino } from 'pino'
import type { SimInstall } from '../../../src/adapters/sim/sim-install.js'
import { resolveAppConfig } from '../../../src/config/app-config.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { InboundCall, LegEvent, SwitchPort } from '../../../src/ports/switch.js'
import { buildSwitch } from '../../../src/wiring/switch-factory.js'
import { type EmbeddedSim } from '../../../src/features/context.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'
import { eventually } from '../../helpers/sim.js'
import { TcpProxy } from './tcp-proxy.js'

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

export interface PortBehindProxy extends PortOnSim {
  /** Between the port and the simulator: cut it to drop the connection (ESL socket, or ARI REST and WebSocket). */
  proxy: TcpProxy
}

/**
 * A port built by the switch factory as for a real switch (`kind: freeswitch` / `asterisk`),
 * connected to the simulator through a TCP proxy that can be cut. `timeScale` scales the
 * simulator's delays (ring times, answers); the port's own timeouts are real time.
 */
export async function portBehindProxy (t: Test, protocol: 'esl' | 'ari', options: { timeScale?: number, requestTimeoutMs?: number } = {}): Promise<PortBehindProxy> {
  const reconnect = { initialDelayMs: 20, maxDelayMs: 100 }
  const simConfig = resolveAppConfig({
    switch: { kind: 'sim', sim: { protocol, timeScale: options.timeScale ?? 0.02, password: 'contract-secret-0123' }, reconnect }
  }, 'contract test', {})
  const logger = pino({ level: 'silent' })
  const embedded = await buildSwitch(simConfig, { clock: systemClock, logger, install: SHIPPED_INSTALL })
  const sim = embedded.sim
  if (sim === undefined) throw new Error('no simulator')
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: sim.port })
  // The port is closed first (teardowns run in the order they were added), then the rest.
  const sw = await portTo(t, protocol, proxy.port, simConfig.switch.sim.password, options.requestTimeoutMs)
  t.teardown(async () => {
    await embedded.port.close()
    await proxy.close()
    await sim.close()
    sim.model.close()
  })
  return { sw, sim, proxy }
}

/**
 * A port built as for a real switch (`kind: freeswitch` / `asterisk`) to a simulator's `port`
 * (or a proxy in front of it), connected; closed when the test ends. Another controller's port.
 */
export async function portTo (t: Test, protocol: 'esl' | 'ari', port: number, password: string, requestTimeoutMs = 1000): Promise<SwitchPort> {
  const reconnect = { initialDelayMs: 20, maxDelayMs: 100 }
  const config = resolveAppConfig({
    switch: protocol === 'esl'
      ? { kind: 'freeswitch', freeswitch: { host: '127.0.0.1', port }, requestTimeoutMs, reconnect }
      : { kind: 'asterisk', asterisk: { url: `http://127.0.0.1:${port}` }, requestTimeoutMs, reconnect }
  }, 'contract test port', { ESL_PASSWORD: password, ARI_PASSWORD: password })
  const built = await buildSwitch(config, { clock: systemClock, logger: pino({ level: 'silent' }) })
  t.teardown(async () => { await built.port.close() })
  void built.port.start()
  await eventually(() => built.port.status().state === 'ready' ? true : undefined, 'connected')
  return built.port
}

/** Resolves once the port has been disconnected and is ready again. */
export async function reconnected (sw: SwitchPort, timeoutMs = 10_000): Promise<void> {
  let down = sw.status().state !== 'ready'
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error(`not reconnected within ${timeoutMs} ms (${sw.status().state}: ${sw.status().detail})`))
    }, timeoutMs)
    const stop = sw.onStatus((status) => {
      if (status.state !== 'ready') down = true
      else if (down) {
        clearTimeout(timer)
        stop()
        resolve()
      }
    })
  })
}

/** The events of one leg, as they come. */
export function recordLeg (sw: SwitchPort, legId: string): LegEvent[] {
  const events: LegEvent[] = []
  sw.onLegEvent(legId, (e) => events.push(e))
  return events
}
