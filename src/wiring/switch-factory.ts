// Picks and builds the switch adapter from the config: a real FreeSWITCH (ESL), a real
// Asterisk (ARI), or the embedded simulator playing either — in which case the controller
// still speaks the real wire protocol to it, through the same adapter it would use in
// production.

import { join } from 'node:path'
import type { Logger } from 'pino'
import { AsteriskSwitch } from '../adapters/asterisk/asterisk-switch.js'
import { FreeswitchSwitch } from '../adapters/freeswitch/freeswitch-switch.js'
import { AriServer } from '../adapters/sim/ari-server.js'
import { EslServer } from '../adapters/sim/esl-server.js'
import { type SimInstall, installFromSite } from '../adapters/sim/sim-install.js'
import { SimSwitch } from '../adapters/sim/sim-switch.js'
import type { AgentsConfig } from '../config/agents-schema.js'
import { loadPromptCatalogue } from '../flows/prompts.js'
import { CATALOGUE_FILE } from '../flows/registry.js'
import { PROMPT_LANGUAGE, switchSite } from '../switch-config/site.js'
import type { AppConfig } from '../config/app-config.js'
import type { Clock } from '../ports/clock.js'
import type { SwitchPort } from '../ports/switch.js'
import type { EmbeddedSim } from '../features/context.js'

export interface BuiltSwitch {
  port: SwitchPort
  sim: EmbeddedSim | undefined
}

interface Endpoint { host: string, port: number, password: string }

function freeswitch (config: AppConfig, at: Endpoint, clock: Clock, logger: Logger): FreeswitchSwitch {
  return new FreeswitchSwitch({
    ...at,
    requestTimeoutMs: config.switch.requestTimeoutMs,
    reconnect: config.switch.reconnect,
    dialTemplate: config.switch.dialTemplate,
    agentDialTemplate: config.switch.agentDialTemplate,
    conferenceProfile: config.switch.conferenceProfile,
    lineNumbers: [config.switch.hotlineNumber],
    promptPath: (prompt) => join(config.switch.soundPrefix, `${prompt}.wav`),
    safetyNetSec: config.controller.safetyNetSec,
    clock,
    logger
  })
}

function asterisk (config: AppConfig, at: { url: string, password: string }, clock: Clock, logger: Logger): AsteriskSwitch {
  const ari = config.switch.asterisk
  return new AsteriskSwitch({
    url: at.url,
    user: ari.user,
    password: at.password,
    app: ari.app,
    requestTimeoutMs: config.switch.requestTimeoutMs,
    maxRequestsInFlight: ari.maxRequestsInFlight,
    reconnect: config.switch.reconnect,
    endpointTemplate: ari.endpointTemplate,
    agentEndpointTemplate: ari.agentEndpointTemplate,
    lineNumbers: [config.switch.hotlineNumber],
    promptUri: (prompt) => `${ari.soundPrefix}${prompt}`,
    promptLanguage: PROMPT_LANGUAGE,
    safetyNetSec: config.controller.safetyNetSec,
    clock,
    logger
  })
}

async function embedded (config: AppConfig, model: SimSwitch): Promise<EmbeddedSim> {
  const sim = config.switch.sim
  if (sim.protocol === 'ari') {
    const server = new AriServer(model, {
      user: config.switch.asterisk.user, password: sim.password, host: '127.0.0.1', port: sim.ariPort, apps: [config.switch.asterisk.app]
    })
    const { port } = await server.listen()
    return { model, protocol: 'ari', port, dropConnections: () => { server.dropWebSockets() }, close: async () => { await server.close() } }
  }
  const server = new EslServer(model, { password: sim.password, host: '127.0.0.1', port: sim.eslPort })
  const { port } = await server.listen()
  return { model, protocol: 'esl', port, dropConnections: () => { server.dropConnections() }, close: async () => { await server.close() } }
}

export async function buildSwitch (
  config: AppConfig,
  deps: { clock: Clock, logger: Logger, model?: SimSwitch, install?: SimInstall }
): Promise<BuiltSwitch> {
  const { clock, logger } = deps
  const sw = config.switch
  if (sw.kind === 'freeswitch') {
    return { port: freeswitch(config, { ...sw.freeswitch, password: sw.freeswitch.password ?? '' }, clock, logger), sim: undefined }
  }
  if (sw.kind === 'asterisk') {
    return { port: asterisk(config, { url: sw.asterisk.url, password: sw.asterisk.password ?? '' }, clock, logger), sim: undefined }
  }
  const install = deps.install
  if (deps.model === undefined && install === undefined) {
    throw new TypeError('the embedded simulator needs what is installed on it (simInstall)')
  }
  const model = deps.model ?? new SimSwitch({ timeScale: sw.sim.timeScale, install: install as SimInstall })
  const sim = await embedded(config, model)
  const name = sim.protocol === 'ari' ? 'Asterisk (ARI)' : 'FreeSWITCH (ESL)'
  logger.info({ port: sim.port, protocol: sim.protocol },
    `embedded simulated ${name} listening on 127.0.0.1 (set SWITCH_KIND=freeswitch or asterisk to use a real one)`)
  const port = sim.protocol === 'ari'
    ? asterisk(config, { url: `http://127.0.0.1:${sim.port}`, password: sw.sim.password }, clock, logger)
    : freeswitch(config, { host: '127.0.0.1', port: sim.port, password: sw.sim.password }, clock, logger)
  return { port, sim }
}

/**
 * The embedded simulator installed as an operator would install the real switch: the
 * configuration `npm run switch-config` writes from these settings and agents, with these
 * prompts built.
 */
export function simInstallFor (config: AppConfig, agents: AgentsConfig, promptIds: Iterable<string>): SimInstall {
  return installFromSite(switchSite(config, agents), promptIds)
}

/** simInstallFor with the prompts of the catalogue in `flowsDir` (ivr-flows/prompts.yaml). */
export async function loadSimInstall (config: AppConfig, agents: AgentsConfig, flowsDir: string): Promise<SimInstall> {
  const { prompts } = await loadPromptCatalogue(join(flowsDir, CATALOGUE_FILE))
  return simInstallFor(config, agents, Object.keys(prompts))
}
