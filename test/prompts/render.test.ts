// Builds real prompts with espeak-ng and sox into a temporary folder, for both switches, and
// checks the files with sox itself: 8 kHz mono, 16-bit WAV, G.711 that decodes back to the
// WAV, plausible durations, the same bytes on a rebuild, and a recording winning over speech.
import { execFile } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { loadPromptCatalogue } from '../../src/flows/prompts.js'
import { type RenderProgress, PromptRenderError, promptFiles, renderPrompts } from '../../src/prompts/render.js'
import { speechText } from '../../src/prompts/speech.js'
import { parseTune } from '../../src/prompts/tune.js'

const ROOT = new URL('../../', import.meta.url).pathname
const { prompts } = await loadPromptCatalogue(join(ROOT, 'ivr-flows', 'prompts.yaml'))
// A long one with a `say`, a short one, a single digit.
const IDS = ['welcome', 'goodbye', 'digit-7']
const run = promisify(execFile)

async function soxi (flag: string, file: string): Promise<string> {
  return (await run('soxi', [flag, file])).stdout.trim()
}

/** A file's samples as 16-bit integers; `format` reads a raw file (`['-t', 'ul', …]`). */
async function samples (file: string, format: string[] = []): Promise<Int16Array> {
  const { stdout } = await run('sox', [...format, file, '-t', 's16', '-'], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 })
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.length / 2)
}

/** Signal-to-error ratio in dB of `decoded` against `reference`. */
function snr (reference: Int16Array, decoded: Int16Array): number {
  let signal = 0
  let error = 0
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i]! ** 2
    error += (reference[i]! - (decoded[i] ?? 0)) ** 2
  }
  return 10 * Math.log10(signal / Math.max(error, 1))
}

const HAN = /\p{Script=Han}/gu

void t.test('promptFiles: what one prompt id becomes on each switch', async (t) => {
  t.same(promptFiles('freeswitch', 'welcome'), ['welcome.wav'])
  t.same(promptFiles('asterisk', 'welcome'), ['welcome.ulaw', 'welcome.alaw', 'welcome.wav'])
})

void t.test('freeswitch: one 8 kHz 16-bit mono WAV per prompt, of a plausible length', async (t) => {
  const dir = t.testdir()
  const progress: RenderProgress[] = []
  const built = await renderPrompts({ switch: 'freeswitch', outDir: dir, prompts, ids: IDS, onProgress: (p) => progress.push(p) })
  t.same(built.map((p) => [p.id, p.source]), IDS.map((id) => [id, 'synthesised']))
  t.same((await readdir(dir)).sort(), IDS.flatMap((id) => promptFiles('freeswitch', id)).sort(), 'only the prompts\' files are left')
  t.same(progress.map((p) => [p.done, p.total]), [[1, 3], [2, 3], [3, 3]], 'progress after each prompt')
  t.same(progress.map((p) => p.prompt.id).sort(), [...IDS].sort())
  for (const id of IDS) {
    const wav = join(dir, `${id}.wav`)
    t.same(built.find((p) => p.id === id)?.files, [wav])
    t.equal(await soxi('-t', wav), 'wav', `${id}: WAV`)
    t.equal(await soxi('-r', wav), '8000', `${id}: 8000 Hz`)
    t.equal(await soxi('-c', wav), '1', `${id}: mono`)
    t.equal(await soxi('-b', wav), '16', `${id}: 16-bit`)
    t.equal(await soxi('-e', wav), 'Signed Integer PCM', `${id}: signed PCM`)
    const characters = speechText(prompts[id]!).match(HAN)?.length ?? 0
    const seconds = Number(await soxi('-D', wav))
    t.ok(seconds > 0.1 * characters && seconds < 0.6 * characters + 1, `${id}: ${seconds} s for ${characters} characters`)
  }
})

void t.test('asterisk: .ulaw and .alaw (raw G.711) and .wav; the same bytes when built again', async (t) => {
  const dir = t.testdir({ first: {}, second: {}, freeswitch: {} })
  await renderPrompts({ switch: 'asterisk', outDir: join(dir, 'first'), prompts, ids: IDS })
  await renderPrompts({ switch: 'asterisk', outDir: join(dir, 'second'), prompts, ids: IDS, concurrency: 1 })
  await renderPrompts({ switch: 'freeswitch', outDir: join(dir, 'freeswitch'), prompts, ids: ['welcome'] })
  const files = IDS.flatMap((id) => promptFiles('asterisk', id))
  t.same((await readdir(join(dir, 'first'))).sort(), [...files].sort())
  for (const name of files) {
    t.ok((await readFile(join(dir, 'first', name))).equals(await readFile(join(dir, 'second', name))), `${name}: same bytes`)
  }
  t.ok((await readFile(join(dir, 'first', 'welcome.wav'))).equals(await readFile(join(dir, 'freeswitch', 'welcome.wav'))), 'the WAV is the same for both switches')

  for (const id of IDS) {
    const wav = join(dir, 'first', `${id}.wav`)
    t.equal(await soxi('-r', wav), '8000', `${id}.wav: 8000 Hz`)
    t.equal(await soxi('-c', wav), '1', `${id}.wav: mono`)
    t.equal(await soxi('-b', wav), '16', `${id}.wav: 16-bit`)
    const count = Number(await soxi('-s', wav))
    const reference = await samples(wav)
    for (const [ext, type, encoding, other] of [['ulaw', 'ul', 'u-law', 'al'], ['alaw', 'al', 'A-law', 'ul']] as const) {
      const raw = join(dir, 'first', `${id}.${ext}`)
      const format = ['-t', type, '-r', '8000', '-c', '1']
      const { stderr } = await run('sox', ['-V3', ...format, raw, '-n'])
      t.match(stderr, new RegExp(`Sample Encoding: 8-bit ${encoding}`), `${id}.${ext}: ${encoding}`)
      t.equal((await readFile(raw)).length, count, `${id}.${ext}: one byte per sample of the WAV`)
      // The bytes are the WAV in that law: decoded as such they give it back (G.711 keeps
      // about 38 dB); decoded as the other law they do not.
      t.ok(snr(reference, await samples(raw, format)) > 25, `${id}.${ext} decodes to the WAV`)
      t.ok(snr(reference, await samples(raw, ['-t', other, '-r', '8000', '-c', '1'])) < 10, `${id}.${ext} is not the other law`)
    }
  }
})

void t.test('a recording wins over synthesis and is converted to the same formats', async (t) => {
  const dir = t.testdir({ recorded: {}, out: {} })
  // 1.5 s at 44.1 kHz in stereo: the build has to resample and mix down.
  await run('sox', ['-n', '-r', '44100', '-c', '2', join(dir, 'recorded', 'goodbye.wav'), 'synth', '1.5', 'sine', '440'])
  const built = await renderPrompts({ switch: 'asterisk', outDir: join(dir, 'out'), prompts, ids: ['goodbye', 'digit-7'], recordedDir: join(dir, 'recorded') })
  t.same(built.map((p) => [p.id, p.source]), [['goodbye', 'recorded'], ['digit-7', 'synthesised']])
  const wav = join(dir, 'out', 'goodbye.wav')
  t.equal(await soxi('-D', wav), '1.500000', 'the recording\'s length')
  t.equal(await soxi('-r', wav), '8000')
  t.equal(await soxi('-c', wav), '1')
  t.equal(await soxi('-b', wav), '16')
  t.equal((await readFile(join(dir, 'out', 'goodbye.ulaw'))).length, 12000, '1.5 s at 8000 Hz')
  t.equal((await readFile(join(dir, 'out', 'goodbye.alaw'))).length, 12000)
})

void t.test('a failure names the prompt and carries the tool\'s complaint; no file is left half-made', async (t) => {
  const dir = t.testdir({ recorded: {}, out: {} })
  await writeFile(join(dir, 'recorded', 'goodbye.wav'), 'not a wave file')
  const err = await renderPrompts({ switch: 'freeswitch', outDir: join(dir, 'out'), prompts, ids: ['goodbye'], recordedDir: join(dir, 'recorded') })
    .then(() => undefined, (e: unknown) => e)
  t.type(err, PromptRenderError)
  t.equal((err as PromptRenderError).promptId, 'goodbye')
  t.match((err as Error).message, /^prompt goodbye: sox .*failed \(exit \d+\): .*goodbye\.wav/)
  t.same(await readdir(join(dir, 'out')), [], 'nothing written, work folder removed')
})

void t.test('ids are checked before anything runs', async (t) => {
  const dir = t.testdir()
  await t.rejects(renderPrompts({ switch: 'freeswitch', outDir: dir, prompts, ids: ['no-such-prompt'] }), /no prompt no-such-prompt/)
  await t.rejects(renderPrompts({ switch: 'freeswitch', outDir: dir, prompts: { '../x': { zh: '好' } } }), /not a prompt id/)
})

void t.test('a tune (the hold music): plucked notes, 8 kHz, its length from the beats, the same bytes each build', async (t) => {
  const dir = t.testdir({ first: {}, second: {} })
  const tune = prompts['queue-music']!.tune!
  t.ok(tune !== undefined, 'the catalogue\'s hold music is a tune')
  const [built] = await renderPrompts({ switch: 'asterisk', outDir: join(dir, 'first'), prompts, ids: ['queue-music'] })
  await renderPrompts({ switch: 'asterisk', outDir: join(dir, 'second'), prompts, ids: ['queue-music'] })
  t.equal(built!.source, 'tune')
  const expected = parseTune(tune).reduce((sum, n) => sum + n.seconds, 0)
  const wav = join(dir, 'first', 'queue-music.wav')
  t.equal(await soxi('-r', wav), '8000')
  t.ok(Math.abs(Number(await soxi('-D', wav)) - expected) < 0.05, `${await soxi('-D', wav)} s, the notes say ${expected} s`)
  for (const name of promptFiles('asterisk', 'queue-music')) {
    t.same(await readFile(join(dir, 'second', name)), await readFile(join(dir, 'first', name)), `${name}: the same bytes`)
  }
  // Music, not silence: loud enough to hear, soft enough to sit under the announcements.
  const pcm = await samples(wav)
  const rms = Math.sqrt(pcm.reduce((sum, s) => sum + s * s, 0) / pcm.length) / 32768
  t.ok(rms > 0.01 && rms < 0.2, `RMS ${rms.toFixed(3)} of full scale`)
  // A plucked note has its pitch: the first note's period by autocorrelation is E4's (329.63 Hz).
  const firstNote = pcm.subarray(400, 400 + 2000)
  let bestLag = 0
  let best = -Infinity
  for (let lag = 13; lag <= 40; lag++) {
    let sum = 0
    for (let i = 0; i + lag < firstNote.length; i++) sum += firstNote[i]! * firstNote[i + lag]!
    if (sum > best) { best = sum; bestLag = lag }
  }
  const hz = 8000 / bestLag
  t.ok(Math.abs(hz - 329.63) < 15, `the first note sounds at ~${hz.toFixed(0)} Hz (E4)`)
})

void t.test('parseTune: notes and rests with their lengths; a bad note is named', async (t) => {
  t.same(parseTune({ bpm: 60, notes: 'A4/1 r/0.5  C5/2 A#3/1' }), [
    { hz: 440, seconds: 1 }, { hz: undefined, seconds: 0.5 }, { hz: 523.25, seconds: 2 }, { hz: 233.08, seconds: 1 }
  ])
  t.throws(() => parseTune({ bpm: 60, notes: 'A4/1 H4/1' }), /note 2 "H4\/1" is not <note>\/<beats>/)
  t.throws(() => parseTune({ bpm: 60, notes: 'A4/0' }), /note 1 "A4\/0"/)
  t.throws(() => parseTune({ bpm: 60, notes: '  ' }), /at least one note/)
  t.throws(() => parseTune({ bpm: 30, notes: Array(40).fill('A4/4').join(' ') }), /lasts 320\.0 s, more than 120 s/)
})

void t.test('a catalogue with a tune that cannot be played is refused with file, path and reason', async (t) => {
  const dir = t.testdir({
    'prompts.yaml': 'prompts:\n  queue-music:\n    zh: 音乐\n    tune:\n      bpm: 80\n      notes: E4/1 Q9/1\n'
  })
  await t.rejects(loadPromptCatalogue(join(dir, 'prompts.yaml')), {
    name: 'ConfigError',
    message: /prompts\.yaml.*queue-music\/tune.*note 2 "Q9\/1"/s
  })
})
