// Builds the prompts' sound files for one switch from the catalogue: a recording
// `<recordedDir>/<id>.wav` when there is one, else speech synthesised from the prompt's text,
// converted by sox to what the switch plays (docs/prompts.md). The same input gives the same
// bytes, so a rebuild changes only the prompts whose text or recording changed.

import { availableParallelism } from 'node:os'
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { VOICE, speechText, synthesise } from './speech.js'
import { renderTune, type Tune } from './tune.js'
import { ToolFailedError, runTool } from './tools.js'
import type { SwitchVendor } from '../ports/switch.js'


// What each switch reads for a prompt, all 8000 Hz mono: FreeSWITCH a 16-bit WAV through
// mod_sndfile; Asterisk picks among raw G.711 (format_pcm: .ulaw, .alaw — no transcoding on
// a G.711 call) and a 16-bit WAV (format_wav) for other codecs.
const EXTENSIONS: Record<SwitchVendor, readonly string[]> = {
  freeswitch: ['wav'],
  asterisk: ['ulaw', 'alaw', 'wav']
}

/** The file names one prompt id becomes for a switch, e.g. `['welcome.ulaw', 'welcome.alaw', 'welcome.wav']`. */
export function promptFiles (kind: SwitchVendor, id: string): string[] {
  return EXTENSIONS[kind].map((ext) => `${id}.${ext}`)
}

/** Catalogue ids; checked again here because an id becomes a file name. */
const PROMPT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/

/** A catalogue entry: spoken from `say` or `zh`, or, with `tune`, played as music. */
export interface PromptText { zh: string, say?: string | undefined, tune?: Tune | undefined }

export interface RenderOptions {
  switch: SwitchVendor
  /** Where the files go; made if missing. */
  outDir: string
  /** The catalogue's prompts (`PromptCatalogue['prompts']`). */
  prompts: Readonly<Record<string, PromptText>>
  /** The ids to build (default: every prompt of `prompts`). */
  ids?: readonly string[]
  /** A folder of recordings, `<id>.wav`, that win over synthesis. */
  recordedDir?: string | undefined
  /** Prompts built at once (default: the CPUs, at most 4). */
  concurrency?: number
  voice?: string
  /** Called after each prompt is built. */
  onProgress?: (progress: RenderProgress) => void
}

export interface RenderedPrompt {
  id: string
  source: 'recorded' | 'synthesised' | 'tune'
  /** Absolute paths of the files written, in `promptFiles` order. */
  files: string[]
}

export interface RenderProgress { done: number, total: number, prompt: RenderedPrompt }

/** A prompt that could not be built: names the prompt; the cause names the tool and its stderr. */
export class PromptRenderError extends Error {
  readonly promptId: string

  constructor (promptId: string, cause: ToolFailedError) {
    super(`prompt ${promptId}: ${cause.message}`, { cause })
    this.name = 'PromptRenderError'
    this.promptId = promptId
  }
}

// sox: -R repeatable mode (a fixed seed wherever sox uses random numbers) and -D no dither
// (dither adds random noise when going to 16 bits), so the same input gives the same bytes;
// -V1 keeps stderr to the errors we report.
const SOX = ['-R', '-D', '-V1']
const PCM16 = ['-b', '16', '-e', 'signed-integer', '-c', '1', '-r', '8000', '-t', 'wav']

/** Renders `ids` (default: all prompts) into `outDir` for one switch; resolves in id order. */
export async function renderPrompts (options: RenderOptions): Promise<RenderedPrompt[]> {
  const ids = [...new Set(options.ids ?? Object.keys(options.prompts))]
  for (const id of ids) {
    if (!PROMPT_ID.test(id)) throw new Error(`not a prompt id: ${JSON.stringify(id)}`)
    if (options.prompts[id] === undefined) throw new Error(`no prompt ${id} in the catalogue`)
  }
  const outDir = resolve(options.outDir)
  await mkdir(outDir, { recursive: true })
  // Work files live beside the output, so each finished file is renamed into place (atomic on
  // one file system): an interrupted build never leaves a half-written prompt.
  const work = await mkdtemp(join(outDir, '.prompts-'))
  const concurrency = Math.max(1, options.concurrency ?? Math.min(4, availableParallelism()))
  const results = new Map<string, RenderedPrompt>()
  let next = 0
  let failure: Error | undefined
  const worker = async (): Promise<void> => {
    // Once one prompt has failed no new one starts; those under way finish.
    while (failure === undefined && next < ids.length) {
      const id = ids[next++]!
      try {
        const rendered = await renderOne(id, options, outDir, work)
        results.set(id, rendered)
        options.onProgress?.({ done: results.size, total: ids.length, prompt: rendered })
      } catch (err) {
        failure ??= err instanceof ToolFailedError ? new PromptRenderError(id, err) : err instanceof Error ? err : new Error(String(err))
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker))
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  if (failure !== undefined) throw failure
  return ids.map((id) => results.get(id)!)
}

async function renderOne (id: string, options: RenderOptions, outDir: string, work: string): Promise<RenderedPrompt> {
  const recorded = options.recordedDir === undefined ? undefined : join(options.recordedDir, `${id}.wav`)
  const isRecorded = recorded !== undefined && await isFile(recorded)
  const wav = join(work, `${id}.wav`)
  const prompt = options.prompts[id]!
  if (isRecorded) {
    await runTool('sox', [...SOX, recorded, ...PCM16, wav, 'channels', '1', 'rate', '8000'])
  } else if (prompt.tune !== undefined) {
    const tune = join(work, `${id}.tune.wav`)
    await renderTune(prompt.tune, tune, join(work, id))
    // Softer than speech: music under the announcements, not over them.
    await runTool('sox', [...SOX, tune, ...PCM16, wav, 'gain', '-9', 'rate', '8000'])
  } else {
    const spoken = join(work, `${id}.espeak.wav`)
    await synthesise(speechText(prompt), spoken, options.voice ?? VOICE)
    // espeak-ng peaks close to full scale: 3 dB of headroom keeps the resampler from clipping,
    // the same for every prompt so that digits read one after another sound alike.
    await runTool('sox', [...SOX, spoken, ...PCM16, wav, 'gain', '-3', 'rate', '8000'])
  }
  const names = promptFiles(options.switch, id)
  for (const name of names) {
    if (name.endsWith('.ulaw')) await runTool('sox', [...SOX, wav, '-t', 'ul', join(work, name)])
    if (name.endsWith('.alaw')) await runTool('sox', [...SOX, wav, '-t', 'al', join(work, name)])
  }
  const files = names.map((name) => join(outDir, name))
  for (const [i, name] of names.entries()) await rename(join(work, name), files[i]!)
  return { id, source: isRecorded ? 'recorded' : prompt.tune !== undefined ? 'tune' : 'synthesised', files }
}

async function isFile (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}
