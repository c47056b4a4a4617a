// Builds the prompts' sound files for one switch, at install time (docs/prompts.md): every
// prompt of the catalogue, from its recording when `--recorded` has one, else synthesised
// from its Chinese text with espeak-ng; then converted by sox to what the switch plays.
//
//   npm run prompts -- --switch freeswitch|asterisk --out DIR [--recorded DIR] [--only id,id]
//       [--catalogue FILE]
//
// Exit status: 0 built; 1 a build failed or espeak-ng / sox is not installed (the message
// names the Debian package); 2 usage, an unknown prompt id, or a catalogue that does not load.

import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type PromptCatalogue, loadPromptCatalogue } from '../src/flows/prompts.js'
import { SWITCH_VENDORS, type SwitchVendor } from '../src/ports/switch.js'
import { type RenderedPrompt, renderPrompts } from '../src/prompts/render.js'
import { ToolMissingError } from '../src/prompts/tools.js'
import { progressView } from './prompts-progress.js'

const USAGE = `usage: npm run prompts -- --switch freeswitch|asterisk --out <dir> [--recorded <dir>] [--only <id,id,…>] [--catalogue <file>]
  --switch     the switch the files are for: freeswitch (<id>.wav) or asterisk (<id>.ulaw, .alaw, .wav)
  --out        the folder the files are written to (made if missing)
  --recorded   a folder of recordings, <id>.wav, used instead of synthesis for those prompts
  --only       build only these prompt ids (comma-separated); default: every prompt
  --catalogue  the prompt catalogue (default: ivr-flows/prompts.yaml)`

const DEFAULT_CATALOGUE = new URL('../ivr-flows/prompts.yaml', import.meta.url).pathname

/** Where each switch reads the files, with the controller's default settings. */
const INSTALL_HINT: Record<SwitchVendor, string> = {
  freeswitch: 'copy them to switch.soundPrefix (default /usr/share/freeswitch/sounds/hotline12345/)',
  asterisk: 'copy them to <astdatadir>/sounds/zh/hotline12345/ (by default /var/lib/asterisk/sounds/zh/hotline12345/)'
}

function usage (message: string): never {
  console.error(`prompts: ${message}\n${USAGE}`)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        switch: { type: 'string' },
        out: { type: 'string' },
        recorded: { type: 'string' },
        only: { type: 'string' },
        catalogue: { type: 'string' },
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
const switchKind: SwitchVendor = SWITCH_VENDORS.find((k) => k === values.switch) ??
  usage(values.switch === undefined ? '--switch is required' : `--switch must be ${SWITCH_VENDORS.join(' or ')}, not ${JSON.stringify(values.switch)}`)
const outDir: string = values.out === undefined || values.out === '' ? usage('--out is required') : values.out

async function isDirectory (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

async function main (): Promise<number> {
  const catalogueFile = values.catalogue ?? DEFAULT_CATALOGUE
  let catalogue: PromptCatalogue
  try {
    catalogue = await loadPromptCatalogue(catalogueFile)
  } catch (err) {
    return usage(`cannot load the catalogue: ${(err as Error).message}`)
  }
  const ids = values.only === undefined
    ? Object.keys(catalogue.prompts)
    : values.only.split(',').map((id) => id.trim()).filter((id) => id !== '')
  const unknown = ids.filter((id) => catalogue.prompts[id] === undefined)
  if (unknown.length > 0) usage(`no such prompt in ${catalogueFile}: ${unknown.join(', ')}`)
  if (ids.length === 0) usage('--only names no prompt')
  if (values.recorded !== undefined && !await isDirectory(values.recorded)) usage(`--recorded ${values.recorded} is not a folder`)

  const progress = progressView(ids.length)
  let built
  try {
    built = await renderPrompts({
      switch: switchKind, outDir, prompts: catalogue.prompts, ids, recordedDir: values.recorded, onProgress: progress.update
    })
  } catch (err) {
    progress.stop()
    if (err instanceof ToolMissingError) {
      console.error(`prompts: ${err.tool} is not installed; install the Debian package ${err.debianPackage}:\n    sudo apt-get install ${err.debianPackage}`)
    } else {
      console.error(`prompts: ${(err as Error).message}`)
    }
    return 1
  }
  progress.stop()
  const count = (source: RenderedPrompt['source']): number => built.filter((p) => p.source === source).length
  const files = built.reduce((n, p) => n + p.files.length, 0)
  console.log(`prompts: ${built.length} prompts for ${switchKind} (${count('recorded')} recorded, ${count('synthesised')} synthesised, ${count('tune')} ${count('tune') === 1 ? 'tune' : 'tunes'}), ${files} files in ${resolve(outDir)}`)
  console.log(`prompts: ${INSTALL_HINT[switchKind]}`)
  return 0
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(`prompts: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
