// Speech from a prompt's Chinese text with espeak-ng (Debian package espeak-ng): the text
// it reads (`say`, else `zh`), the voice, the audio, and the phonemes it would speak, which
// show where it switches to another language.

import { runTool } from './tools.js'

/**
 * espeak-ng's Mandarin voice. On Debian 12 (espeak-ng 1.51) the voice `cmn` reads many Han
 * characters with English phonemes (`-x` of 欢迎 gives `(en)hj,u:55a#55nf'aI55v…(cmn)`), while
 * `cmn-latn-pinyin` reads them in Mandarin (`Xua11n_| j'i35N_|`) — and reads Latin letters as
 * pinyin, so a `say` text can give tone-marked pinyin (变gēng) for a character it misreads.
 */
export const VOICE = 'cmn-latn-pinyin'

/** The language espeak-ng marks a return to its voice with, `(cmn)`: not a switch away. */
const OWN_LANGUAGE = 'cmn'

/** The text the synthesiser reads for a catalogue entry. */
export function speechText (prompt: { zh: string, say?: string | undefined }): string {
  return prompt.say ?? prompt.zh
}

/** Writes `text` spoken by `voice` to `wavFile` (espeak-ng's own WAV: 22050 Hz, 16-bit, mono). */
export async function synthesise (text: string, wavFile: string, voice: string = VOICE): Promise<void> {
  await runTool('espeak-ng', ['-v', voice, '-w', wavFile, '--stdin'], text)
}

/** What espeak-ng would say, as its phoneme mnemonics (`-x`), without making audio (`-q`). */
export async function phonemes (text: string, voice: string = VOICE): Promise<string> {
  return (await runTool('espeak-ng', ['-v', voice, '-q', '-x', '--stdin'], text)).toString('utf8')
}

/** The languages a phoneme string switches to, e.g. `['en']` for `(en)a11p(cmn)`. */
export function languageSwitches (phonemeText: string): string[] {
  const found = new Set<string>()
  for (const m of phonemeText.matchAll(/\(([a-z]{2,3}(?:-[a-z0-9]+)*)\)/gi)) {
    const language = m[1]?.toLowerCase()
    if (language !== undefined && language !== OWN_LANGUAGE) found.add(language)
  }
  return [...found]
}
