// The controller `npm run bench` measures: the shipped configuration (config/: directory,
// calendar, agents; ivr-flows/), the embedded simulator playing FreeSWITCH or Asterisk over
// its real wire protocol, the memory store or a private redis-server, and the HTTP API
// listening on a loopback port. The clock is set to a working day's morning so callers reach
// the enterprise seat. Logs are written as in production (JSON, at the chosen level) but to
// /dev/null unless a file is given: their cost is part of what is measured.

import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Logger, pino } from 'pino'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import type { AppConfig } from '../../src/config/app-config.js'
import type { AgentsConfig } from '../../src/config/agents-schema.js'
import { loadConfig } from '../../src/config/index.js'
import { type Controller, startController } from '../../src/wiring/controller.js'
import type { Directory } from '../../src/domain/directory.js'
import { createLogger } from '../../src/logger.js'
import { ShiftedClock } from '../../src/ports/clock.js'
import { loadSimInstall } from '../../src/wiring/switch-factory.js'
import { startRedis } from '../../test/helpers/redis.js'

const ROOT = new URL('../../', import.meta.url).pathname

export interface BenchSetup {
  protocol: 'esl' | 'ari'
  timeScale: number
  /** Run on a private redis-server (from PATH) instead of the memory store. */
  redis: boolean
  /** The instant the controller's clock starts at (ISO with offset). */
  at: string
  logLevel: string
  logFile: string | undefined
}

export interface BenchLine {
  controller: Controller
  model: SimSwitch
  directory: Directory
  agents: AgentsConfig
  /** http://127.0.0.1:<port> */
  url: string
  /** A supervisor's token for the API. */
  token: string
  /** The number callers dial. */
  hotlineNumber: string
  logger: Logger
  store: 'memory' | 'redis'
  close: () => Promise<void>
}

export async function startBenchController (setup: BenchSetup): Promise<BenchLine> {
  const redis = setup.redis ? await startRedis() : undefined
  const token = `bench-${randomBytes(18).toString('base64url')}`
  const env = {
    API_TOKENS: `${token}:supervisor`,
    SIM_PROTOCOL: setup.protocol,
    LOG_LEVEL: setup.logLevel,
    ...(redis === undefined ? {} : { STORE_KIND: 'redis', REDIS_URL: redis.url })
  }
  const shipped = await loadConfig(join(ROOT, 'config'), env)
  // The loaded config is frozen; the bench's copy listens on loopback, runs the simulator at
  // the bench's time scale with no traffic of its own (the bench drives it), and lifts the
  // API rate limit so the pollers measure the server, not the limiter.
  const base = structuredClone(shipped.app)
  const config: AppConfig = {
    ...base,
    http: { ...base.http, host: '127.0.0.1', port: 0 },
    switch: {
      ...base.switch,
      kind: 'sim',
      sim: { ...base.switch.sim, timeScale: setup.timeScale, traffic: { ...base.switch.sim.traffic, callsPerHour: 0 } }
    },
    api: { ...base.api, rateLimit: { perMinute: 1_000_000, publicPerMinute: 1_000_000 } },
    shutdown: { drainDeadlineMs: 1000 }
  }
  // Synchronous, as pino writes to stdout by default in production.
  const destination = pino.destination({ dest: setup.logFile ?? '/dev/null', sync: true })
  const logger = createLogger({ level: setup.logLevel, destination })
  const install = await loadSimInstall(config, shipped.agents, join(ROOT, 'ivr-flows'))
  const model = new SimSwitch({ timeScale: setup.timeScale, install })
  const controller = await startController({
    config,
    logger,
    clock: new ShiftedClock(new Date(setup.at)),
    calendar: shipped.calendar,
    ivr: { flowsDir: join(ROOT, 'ivr-flows'), flowId: config.ivr.flow, directory: shipped.directory, agents: shipped.agents },
    sim: model
  })
  let url: string
  try {
    for (let waited = 0; controller.switch.status().state !== 'ready'; waited += 10) {
      if (waited > 15_000) throw new Error('the switch adapter did not connect to the simulator within 15 s')
      await sleep(10)
    }
    url = await controller.app.listen({ host: '127.0.0.1', port: 0 })
  } catch (err) {
    // No line to measure: leave nothing running behind (the private redis-server above all).
    await controller.shutdown(0)
    model.close()
    await redis?.stop()
    throw err
  }
  return {
    controller,
    model,
    directory: shipped.directory,
    agents: shipped.agents,
    url,
    token,
    hotlineNumber: config.switch.hotlineNumber,
    logger,
    store: redis === undefined ? 'memory' : 'redis',
    close: async () => {
      // Calls still up get a second to finish, then the controller ends them.
      await controller.shutdown(1000)
      model.close()
      destination.end()
      await redis?.stop()
    }
  }
}
