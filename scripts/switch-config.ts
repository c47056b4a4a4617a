// Writes the switch-side configuration that must agree with the controller's own config
// (config/default.yaml, config/agents.yaml), and the prompts, into a folder:
//
//   npm run switch-config -- --switch freeswitch|asterisk --out DIR [--no-prompts] [--recorded DIR]
//
// The prompts go to DIR/sounds/: FreeSWITCH `<id>.wav`, to be installed in switch.soundPrefix;
// Asterisk `zh/hotline12345/<id>.{ulaw,alaw,wav}`, to be installed in its sounds folder.
// The config folder is the one `npm start` uses (HOTLINE_CONFIG_DIR, else config/). Secrets
// are not written: the files read them from the switch's environment (docs: config/*/README.md).
// Exit status: 0 written; 1 the config cannot be served or a tool failed; 2 usage; 78 a
// config file is invalid.

import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, configDirOf, formatProblem, loadConfig } from '../src/config/index.js'
import { HotlineError } from '../src/errors.js'
import { loadPromptCatalogue } from '../src/flows/prompts.js'
import { CATALOGUE_FILE } from '../src/flows/registry.js'
import { PromptRenderError, renderPrompts } from '../src/prompts/render.js'
import { ToolMissingError } from '../src/prompts/tools.js'
import { progressView } from './prompts-progress.js'
import { SWITCH_VENDORS, type SwitchVendor, promptFolder, switchConfigFiles, writeGenerated } from '../src/switch-config/index.js'

const USAGE = `usage: npm run switch-config -- --switch freeswitch|asterisk --out DIR [--no-prompts] [--recorded DIR]
  --switch      which switch to configure
  --out         folder to write into (created if missing; files of the same name are replaced)
  --no-prompts  write the configuration only, not the prompts (they need espeak-ng and sox)
  --recorded    folder of recorded prompts (<prompt id>.wav); a recording wins over synthesis`

function usage (message?: string): never {
  if (message !== undefined) console.error(`switch-config: ${message}`)
  console.error(USAGE)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        switch: { type: 'string' },
        out: { type: 'string' },
        'no-prompts': { type: 'boolean', default: false },
        recorded: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    return usage((err as Error).message)
  }
})()

if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const vendor = values.switch as SwitchVendor | undefined
if (vendor === undefined || !SWITCH_VENDORS.includes(vendor)) usage('--switch must be freeswitch or asterisk')
if (values.out === undefined) usage('--out is required')

const root = resolve(import.meta.dirname, '..')
const configDir = configDirOf(process.env, root)
const out = resolve(values.out)

try {
  const { app, agents } = await loadConfig(configDir, process.env)
  const files = switchConfigFiles(vendor, app, agents)
  await writeGenerated(out, files)
  console.log(`${vendor} configuration from ${configDir}: ${files.length} files in ${out}`)
  if (!values['no-prompts']) {
    const catalogue = await loadPromptCatalogue(join(root, 'ivr-flows', CATALOGUE_FILE))
    const soundDir = join(out, promptFolder(vendor, app))
    const progress = progressView(Object.keys(catalogue.prompts).length)
    const built = await renderPrompts({
      switch: vendor, outDir: soundDir, prompts: catalogue.prompts, recordedDir: values.recorded, onProgress: progress.update
    }).finally(() => { progress.stop() })
    console.log(`${built.length} prompts in ${soundDir}`)
  }
} catch (err) {
  if (err instanceof ConfigError) {
    for (const p of err.problems) console.error(formatProblem(p))
    process.exit(78)
  }
  if (err instanceof HotlineError || err instanceof PromptRenderError) {
    console.error(`switch-config: ${err.message}`)
    process.exit(1)
  }
  if (err instanceof ToolMissingError) {
    console.error(`switch-config: ${err.tool} is not installed (Debian package ${err.debianPackage}); or use --no-prompts`)
    process.exit(1)
  }
  throw err
}
