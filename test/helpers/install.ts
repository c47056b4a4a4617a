// What the simulator has installed in tests: exactly what an operator installs from the
// shipped configuration (config/, ivr-flows/prompts.yaml) with `npm run switch-config`, so
// scenarios run on the endpoints and sounds the real switch would have. Tests never define an
// agent phone, sound or setting of their own.
import { join } from 'node:path'
import type { SimInstall } from '../../src/adapters/sim/sim-install.js'
import { loadConfig } from '../../src/config/index.js'
import { loadSimInstall } from '../../src/wiring/switch-factory.js'

const ROOT = new URL('../../', import.meta.url).pathname

const shipped = await loadConfig(join(ROOT, 'config'), {})

export const SHIPPED_INSTALL: SimInstall = await loadSimInstall(shipped.app, shipped.agents, join(ROOT, 'ivr-flows'))

/** Where the shipped configuration installs a prompt: the FreeSWITCH file, the Asterisk sound. */
export const promptMedia = {
  esl: (prompt: string) => `${shipped.app.switch.soundPrefix}${prompt}.wav`,
  ari: (prompt: string) => `${shipped.app.switch.asterisk.soundPrefix}${prompt}`
} as const

/** The shipped agents' phones (config/agents.yaml), in file order. */
export const PHONES: readonly string[] = shipped.agents.agents.map((a) => a.extension)
