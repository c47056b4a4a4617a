// Checks every flow file of ivr-flows/ as the controller would load it — against the
// shipped prompt catalogue, directory and agent groups — and prints each finding as
// `file: path: reason` (warnings as `file: path: warning: reason`). Exit status 1 when any
// file has an error, so it can gate a deploy or a CI job.
//
//   npm run flows:check -- [--flows-dir ivr-flows] [--config-dir DIR]
//
// The config folder is the one `npm start` uses (HOTLINE_CONFIG_DIR, else config/) unless
// --config-dir names another. Exit status 2 on a bad option.
//
// Agent groups come from <config-dir>/agents.yaml, checked as the controller checks it;
// without that file, the two groups the hotline always has.

import { existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadAgents } from '../src/config/agents-schema.js'
import { ConfigError, type ConfigProblem, configDirOf, formatProblem, loadDirectory } from '../src/config/index.js'
import { scanFlowDirectory } from '../src/flows/registry.js'

const DEFAULT_GROUPS = ['enterprise-seat', 'ordinary']

const USAGE = `usage: npm run flows:check -- [--flows-dir DIR] [--config-dir DIR]
  --flows-dir   the flow files (default: ivr-flows)
  --config-dir  where directory.yaml and agents.yaml are (default: HOTLINE_CONFIG_DIR, else config/)`

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        'flows-dir': { type: 'string', default: 'ivr-flows' },
        'config-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    console.error(`flows:check: ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
})()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}

const flowsDir = resolve(values['flows-dir'])
const configDir = resolve(values['config-dir'] ?? configDirOf(process.env, resolve(import.meta.dirname, '..')))

async function loadGroups (file: string): Promise<string[]> {
  if (!existsSync(file)) return DEFAULT_GROUPS
  return (await loadAgents(file)).groups.map((g) => g.id)
}

/** Paths below the working directory are shown relative to it, others in full. */
const shown = (file: string): string => {
  const rel = relative(process.cwd(), file)
  return rel === '' || rel.startsWith('..') ? file : rel
}
const show = (p: ConfigProblem): ConfigProblem => ({ ...p, file: shown(p.file) })

try {
  const [directory, groups] = await Promise.all([
    loadDirectory(join(configDir, 'directory.yaml')),
    loadGroups(join(configDir, 'agents.yaml'))
  ])
  const scan = await scanFlowDirectory(flowsDir, { directory, groups })
  const errors = [...scan.errors, ...scan.files.flatMap((f) => f.check.errors)]
  const warnings = scan.files.flatMap((f) => f.check.warnings)
  for (const p of errors) console.error(formatProblem(show(p)))
  for (const p of warnings) console.error(formatProblem(show({ ...p, reason: `warning: ${p.reason}` })))
  for (const { file, check } of scan.files) {
    if (check.flow !== undefined) {
      console.log(`${shown(file)}: ok (flow ${check.flow.id}, version ${check.flow.version}, ${Object.keys(check.flow.steps).length} steps)`)
    }
  }
  if (errors.length > 0) {
    console.error(`${errors.length} error${errors.length === 1 ? '' : 's'} found`)
    process.exitCode = 1
  }
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  for (const p of err.problems) console.error(formatProblem(show(p)))
  process.exitCode = 1
}
