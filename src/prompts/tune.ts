// A prompt that is a tune rather than speech (the queue's hold music): notes written in the
// catalogue, plucked by sox's `synth pluck`, so the shipped prompts need no music licence and
// the same notes give the same bytes. A recording `<id>.wav` still wins over the tune.

import { runTool } from './tools.js'

export interface Tune {
  /** Beats per minute. */
  bpm: number
  /** Space-separated `<note>/<beats>`: a note C2–B6 with an optional `#` (`E4/1`, `F#5/0.5`), or `r` for a rest (`r/2`). */
  notes: string
}

export interface TuneNote {
  /** Hz; undefined for a rest. */
  hz: number | undefined
  seconds: number
}

const NOTE = /^(?:([A-G])(#?)([2-6])|(r))\/([0-9]+(?:\.[0-9]+)?)$/
const SEMITONE: Record<string, number> = { C: -9, D: -7, E: -5, F: -4, G: -2, A: 0, B: 2 }
/** A tune longer than this is a mistake in the catalogue (the loop cuts it anyway). */
export const MAX_TUNE_SECONDS = 120

/** The tune's notes with their pitch and length; throws naming the first note it cannot read. */
export function parseTune (tune: Tune): TuneNote[] {
  if (!Number.isFinite(tune.bpm) || tune.bpm < 30 || tune.bpm > 240) throw new Error(`tune bpm ${tune.bpm} is not within 30–240`)
  const beat = 60 / tune.bpm
  const words = tune.notes.trim().split(/\s+/).filter((w) => w !== '')
  if (words.length === 0) throw new Error('a tune needs at least one note')
  const notes = words.map((word, i) => {
    const m = NOTE.exec(word)
    const beats = m === null ? NaN : Number(m[5])
    if (m === null || !(beats > 0) || beats > 16) {
      throw new Error(`note ${i + 1} "${word}" is not <note>/<beats> (C2–B6, optional #, or r; 0 < beats ≤ 16)`)
    }
    const seconds = Math.round(beats * beat * 1000) / 1000
    if (m[4] !== undefined) return { hz: undefined, seconds }
    // Equal temperament around A4 = 440 Hz.
    const semitones = SEMITONE[m[1]!]! + (m[2] === '#' ? 1 : 0) + (Number(m[3]) - 4) * 12
    return { hz: Math.round(440 * 2 ** (semitones / 12) * 100) / 100, seconds }
  })
  const total = notes.reduce((sum, n) => sum + n.seconds, 0)
  if (total > MAX_TUNE_SECONDS) throw new Error(`the tune lasts ${total.toFixed(1)} s, more than ${MAX_TUNE_SECONDS} s`)
  return notes
}

// -R: pluck's noise from a fixed seed, so the output is the same each time; pluck needs 44.1–48 kHz.
const SOX = ['-R', '-D', '-V1']
const RAW = ['-r', '48000', '-n', '-b', '16', '-c', '1', '-e', 'signed-integer']

/** Writes the tune to `wavFile` (48 kHz, 16-bit mono); its notes go to `<partPrefix>.note-N.wav` first. */
export async function renderTune (tune: Tune, wavFile: string, partPrefix: string): Promise<void> {
  const notes = parseTune(tune)
  const parts: string[] = []
  for (const [i, note] of notes.entries()) {
    const part = `${partPrefix}.note-${i}.wav`
    // A plucked string decays by itself; the short fade keeps the cut to the next note clean.
    await runTool('sox', note.hz === undefined
      ? [...SOX, ...RAW, part, 'trim', '0', String(note.seconds)]
      : [...SOX, ...RAW, part, 'synth', String(note.seconds), 'pluck', String(note.hz), 'fade', 't', '0', String(note.seconds), '0.05'])
    parts.push(part)
  }
  await runTool('sox', [...SOX, ...parts, wavFile])
}
