// Starts a whole controller on the embedded simulator, playing FreeSWITCH (ESL) or Asterisk
// (ARI), with its log captured. Whole-call scenarios run once per protocol: the same
// behaviour is required of both adapters.
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import { resolveAppConfig } from '../../src/config/app-config.js'
import { type Controller, startController } from '../../src/controller.js'
import type { ScriptChoice } from '../../src/calls/call-session.js'
import { createLogger } from '../../src/logger.js'
import type { EmbeddedSim } from '../../src/switch-factory.js'
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
}

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
      sim: { protocol, timeScale: 0.02, demoCallIntervalSec: 0 },
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 }
    },
    shutdown: { drainDeadlineMs: 5000 },
    ...options.config
  }, 'test-config.yaml', {})
  const controller = await startController({
    config, logger: createLogger({ level: 'info', destination }), pickScript: options.pickScript
  })
  t.teardown(async () => { await controller.shutdown(100) })
  await eventually(() => controller.switch.status().state === 'ready' ? true : undefined, 'switch ready')
  const sim = controller.sim
  if (sim === undefined) throw new Error('no embedded simulator')
  return { controller, sim, lines, raw }
}

/** Prompt ids from what a caller heard (file paths or sound: URIs). */
export const sounds = (heard: readonly string[]): string[] =>
  heard.map((h) => h.replace(/^.*[/:]/, '').replace(/\.wav$/, ''))

export async function heardPrompt (heard: readonly string[], prompt: string): Promise<void> {
  await eventually(() => sounds(heard).includes(prompt) ? true : undefined, `prompt ${prompt}`)
}
