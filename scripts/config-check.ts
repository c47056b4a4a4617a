// Checks every config file the controller loads, as it would load them, and prints each
// problem as `file: path: reason`. Exit status 1 when anything is wrong, so it can gate a
// deploy or a CI job.
//
//   npm run config:check -- [--config-dir DIR] [--ignore-env] [--switch]
//
// The config folder is the one `npm start` uses (HOTLINE_CONFIG_DIR, else config/) unless
// --config-dir names another. By default the environment variables of this shell are applied
// too (they are part of what the controller would run with); --ignore-env checks the files
// alone. --switch also connects to the configured FreeSWITCH or Asterisk and asks it whether
// it has every prompt of ivr-flows/prompts.yaml.

import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { ConfigError, type LoadedConfig, configDirOf, formatProblem, loadConfig } from '../src/config/index.js'
import { loadPromptCatalogue } from '../src/flows/prompts.js'
import { CATALOGUE_FILE } from '../src/flows/registry.js'
import { systemClock } from '../src/ports/clock.js'
import { buildSwitch } from '../src/wiring/switch-factory.js'

const USAGE = `usage: npm run config:check -- [--config-dir DIR] [--ignore-env] [--switch]
  --config-dir  the config folder (default: HOTLINE_CONFIG_DIR, else config/)
  --ignore-env  check the files alone, without this shell's environment
  --switch      also ask the configured switch whether it has every prompt`

const root = resolve(import.meta.dirname, '..')
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        'config-dir': { type: 'string' },
        'ignore-env': { type: 'boolean', default: false },
        switch: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    console.error(`config:check: ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
})()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}

const env = values['ignore-env'] ? {} : process.env
const configDir = resolve(values['config-dir'] ?? configDirOf(process.env, root))

/** Connects as the controller would and asks for the catalogue's prompts; the missing ones. */
async function switchPrompts (config: LoadedConfig): Promise<string[]> {
  const { app } = config
  if (app.switch.kind === 'sim') throw new Error('switch.kind is sim: set SWITCH_KIND (and its address and password) to check a real switch')
  const ids = Object.keys((await loadPromptCatalogue(join(root, 'ivr-flows', CATALOGUE_FILE))).prompts)
  const { port } = await buildSwitch(app, { clock: systemClock, logger: pino({ level: 'silent' }) })
  void port.start()
  try {
    const deadline = Date.now() + 10_000
    while (port.status().state !== 'ready') {
      if (Date.now() > deadline) throw new Error(`cannot reach the switch: ${port.status().detail}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    console.log(`  switch: ${port.vendor} connected; checking ${ids.length} prompts`)
    return await port.missingPrompts(ids)
  } finally {
    port.destroy()
  }
}

try {
  const config = await loadConfig(configDir, env)
  const { app, directory, calendar } = config
  const matters = directory.matters()
  console.log(`${configDir}: ok`)
  console.log(`  switch: ${app.switch.kind}, store: ${app.store.kind}, http: ${app.http.host}:${app.http.port}`)
  console.log(`  directory: ${directory.departments().length} departments, ${matters.length} matters, ` +
    `${directory.allNumbers().length} transfer numbers`)
  const missing = calendar.missingYears(Date.now())
  if (missing.length > 0) console.log(`  calendar: no holiday notice loaded for ${missing.join(', ')}`)
  if (values.switch) {
    const prompts = await switchPrompts(config)
    if (prompts.length > 0) {
      console.error(`  the switch lacks ${prompts.length} prompts (build them with npm run prompts): ${prompts.join(', ')}`)
      process.exitCode = 1
    } else {
      console.log('  the switch has every prompt')
    }
  }
} catch (err) {
  if (err instanceof ConfigError) {
    for (const p of err.problems) console.error(formatProblem(p))
    console.error(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} found`)
    process.exitCode = 1
  } else {
    console.error(`config:check: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
