// Starts a whole controller on the embedded simulator, playing FreeSWITCH (ESL) or Asterisk
// (ARI), with its log captured. Whole-call scenarios run once per protocol: the same
// behaviour is required of both adapters.
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import { join } from 'node:path'
import type { SimInstall } from '../../src/adapters/sim/sim-install.js'
import type { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import { resolveAppConfig } from '../../src/config/app-config.js'
import { loadConfig } from '../../src/config/index.js'
import { ShiftedClock } from '../../src/ports/clock.js'
import type { Store } from '../../src/ports/store.js'
import type { TicketSink } from '../../src/ports/tickets.js'
import type { TransferStore } from '../../src/ports/transfers.js'
import { type Controller, startController } from '../../src/wiring/controller.js'
import type { ScriptChoice } from '../../src/calls/call-context.js'
import { createLogger } from '../../src/logger.js'
import type { EmbeddedSim } from '../../src/features/context.js'
import { SHIPPED_INSTALL } from './install.js'
import { eventually } from './sim.js'

export const PROTOCOLS = ['esl', 'ari'] as const
export type Protocol = typeof PROTOCOLS[number]

export const VENDOR: Record<Protocol, string> = { esl: 'freeswitch', ari: 'asterisk' }

export interface LogLine { msg: string, [key: string]: unknown }

export interface TestController {
  controller: Controller
  sim: EmbeddedSim
  lines: LogLine[]
  raw: string[]
}

export interface StartOptions {
  pickScript?: () => ScriptChoice
  config?: Record<string, unknown>
  /** The environment (e.g. API_TOKENS). */
  env?: Record<string, string>
  /**
   * Run the enterprise-seat line from the shipped config (directory, calendar, agents, flows
   * from `flowsDir`, default ivr-flows/), living on the day and time `at` (ISO with offset).
   */
  ivr?: { at: string, flowsDir?: string }
  /** Shared store (e.g. Redis for several controllers). */
  store?: Store
  /** A model shared with other controllers (one switch, several controllers). */
  model?: SimSwitch
  /** What the simulator has installed; default: the shipped configuration and every prompt. */
  install?: SimInstall
  /** Where the enterprise-seat line raises tickets (with `ivr`). */
  tickets?: TicketSink
  /** Where the enterprise-seat line keeps transfer records (with `ivr`; default: the store). */
  transfers?: TransferStore
}

/** A token of role metrics every test controller has: /metrics needs one (http/auth.ts). */
const SCRAPE_TOKEN = 'scrape-token-of-every-test-controller'
/** The headers of a Prometheus scrape: `app.inject({ url: '/metrics', headers: SCRAPE })`. */
export const SCRAPE = { authorization: `Bearer ${SCRAPE_TOKEN}` }

const ROOT = new URL('../../', import.meta.url).pathname
export const CONFIG_DIR = join(ROOT, 'config')
export const FLOWS_DIR = join(ROOT, 'ivr-flows')

export async function startTestController (t: Test, protocol: Protocol, options: StartOptions = {}): Promise<TestController> {
  const raw: string[] = []
  const lines: LogLine[] = []
  const destination = new Writable({
    write (chunk: Buffer, _enc, done) {
      const text = chunk.toString()
      raw.push(text)
      lines.push(JSON.parse(text) as LogLine)
      done()
    }
  })
  const config = resolveAppConfig({
    http: { port: 0, host: '127.0.0.1' },
    switch: {
      kind: 'sim',
      sim: { protocol, timeScale: 0.02, traffic: { callsPerHour: 0 } },
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 }
    },
    shutdown: { drainDeadlineMs: 5000 },
    ...options.config
  }, 'test-config.yaml', withScrapeToken(options.env ?? {}))
  const shipped = options.ivr === undefined ? undefined : await loadConfig(CONFIG_DIR, {})
  const controller = await startController({
    config,
    logger: createLogger({ level: 'info', destination }),
    pickScript: options.pickScript,
    simInstall: options.install ?? SHIPPED_INSTALL,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.model === undefined ? {} : { sim: options.model }),
    ...(options.ivr === undefined || shipped === undefined
      ? {}
      : {
          clock: new ShiftedClock(new Date(options.ivr.at)),
          calendar: shipped.calendar,
          ivr: {
            flowsDir: options.ivr.flowsDir ?? FLOWS_DIR,
            flowId: 'enterprise-seat',
            directory: shipped.directory,
            agents: shipped.agents,
            tickets: options.tickets,
            transfers: options.transfers
          }
        })
  })
  t.teardown(async () => { await controller.shutdown(100) })
  await eventually(() => controller.switch.status().state === 'ready' ? true : undefined, 'switch ready')
  const sim = controller.sim
  if (sim === undefined) throw new Error('no embedded simulator')
  return { controller, sim, lines, raw }
}

function withScrapeToken (env: Record<string, string>): Record<string, string> {
  const tokens = env.API_TOKENS === undefined || env.API_TOKENS === '' ? [] : [env.API_TOKENS]
  return { ...env, API_TOKENS: [...tokens, `${SCRAPE_TOKEN}:metrics`].join(',') }
}

/** Prompt ids from what a caller heard (file paths or sound: URIs). */
export const sounds = (heard: readonly string[]): string[] =>
  heard.map((h) => h.replace(/^.*[/:]/, '').replace(/\.wav$/, ''))

export async function heardPrompt (heard: readonly string[], prompt: string): Promise<void> {
  await eventually(() => sounds(heard).includes(prompt) ? true : undefined, `prompt ${prompt}`)
}
