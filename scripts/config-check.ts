// Checks every config file the controller loads, as it would load them, and prints each
// problem as `file: path: reason`. Exit status 1 when anything is wrong, so it can gate a
// deploy or a CI job.
//
//   npx tsx scripts/config-check.ts [--config-dir config] [--ignore-env]
//
// By default the environment variables of this shell are applied too (they are part of what
// the controller would run with); --ignore-env checks the files alone.

import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, formatProblem, loadConfig } from '../src/config/index.js'

const { values } = parseArgs({
  options: {
    'config-dir': { type: 'string', default: 'config' },
    'ignore-env': { type: 'boolean', default: false }
  }
})

const configDir = resolve(values['config-dir'])
const env = values['ignore-env'] ? {} : process.env

try {
  const { app, directory, calendar } = await loadConfig(configDir, env)
  const matters = directory.matters()
  console.log(`${configDir}: ok`)
  console.log(`  switch: ${app.switch.kind}, store: ${app.store.kind}, http: ${app.http.host}:${app.http.port}`)
  console.log(`  directory: ${directory.departments().length} departments, ${matters.length} matters, ` +
    `${directory.allNumbers().length} transfer numbers`)
  const missing = calendar.missingYears(Date.now())
  if (missing.length > 0) console.log(`  calendar: no holiday notice loaded for ${missing.join(', ')}`)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  for (const p of err.problems) console.error(formatProblem(p))
  console.error(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} found`)
  process.exitCode = 1
}
