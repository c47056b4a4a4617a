// What a caller waiting for an agent hears: their place in the queue, a hold prompt, then hold
// music until the next announcement is due, every `everyMs` — never silence, which callers take
// for a dropped line. Like FreeSWITCH mod_callcenter (`moh-sound` under `announce-sound` every
// `announce-frequency`) and Asterisk app_queue (music on hold under `announce-position` and
// `periodic-announce-frequency`). It runs beside the wait and is stopped before the caller is
// put through to an agent, so nothing plays over the conversation.

import type { Logger } from 'pino'
import { isHotlineError } from '../errors.js'
import type { PlayOutcome } from '../ports/switch.js'

/** Positions 1–9 have their own recording; from 10 on the caller hears "many ahead". */
export function positionPrompt (position: number): string {
  return position >= 1 && position <= 9 ? `queue-position-${position}` : 'queue-position-many'
}

export const QUEUE_HOLD_PROMPT = 'queue-hold'
/** Looped between announcements and cut when the next is due (a tune in the catalogue, or a recording). */
export const QUEUE_MUSIC_PROMPT = 'queue-music'
/** Every prompt a waiting caller can hear: a queue step needs them all in the catalogue. */
export const QUEUE_PROMPTS: readonly string[] = [
  QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT, ...Array.from({ length: 9 }, (_, i) => positionPrompt(i + 1)), positionPrompt(10)
]

/**
 * Music is not started with less than this left before the next announcement, and a play that
 * ends sooner on its own (a switch that did not really play it) is not looped: the rest of the
 * period is then waited out, never spun through.
 */
export const MIN_MUSIC_MS = 250

export interface AnnouncerOptions {
  everyMs: number
  /** The caller's place now; undefined while not in the queue (an agent is being rung). */
  position: () => Promise<number | undefined>
  /** Plays a prompt to the caller: through the call's owner, which holds the caller's leg. */
  announce: (prompt: string, signal: AbortSignal) => Promise<PlayOutcome>
  /** The caller's signal: a hangup ends the announcements. */
  signal: AbortSignal
  log: Logger
}

export class QueueAnnouncer {
  readonly #options: AnnouncerOptions
  #abort: AbortController | undefined
  #running: Promise<void> | undefined

  constructor (options: AnnouncerOptions) {
    this.#options = options
  }

  /** Starts announcing, at once; does nothing while already announcing. */
  start (): void {
    if (this.#running !== undefined) return
    const abort = new AbortController()
    this.#abort = abort
    this.#running = this.#loop(abort.signal).finally(() => {
      if (this.#abort === abort) this.#running = undefined
    })
  }

  /**
   * Stops announcing, cutting a prompt in progress; resolves once nothing is playing. A later
   * start() begins again (a caller whose agent hung up before the call was put through).
   */
  async stop (): Promise<void> {
    const running = this.#running
    this.#abort?.abort()
    this.#running = undefined
    await running
  }

  async #loop (stopped: AbortSignal): Promise<void> {
    const { everyMs, log } = this.#options
    const signal = AbortSignal.any([stopped, this.#options.signal])
    while (!signal.aborted) {
      const due = Date.now() + everyMs
      // A place the store cannot tell (a failover) is left out; the hold prompt still plays, so
      // the caller is not left in silence for a whole period.
      const position = await this.#options.position().catch((err: unknown) => {
        log.warn({ err }, 'the caller\'s place in the queue is unknown now: the hold prompt alone')
        return undefined
      })
      try {
        if (position !== undefined) await this.#options.announce(positionPrompt(position), signal)
        await this.#options.announce(QUEUE_HOLD_PROMPT, signal)
        await this.#music(due, signal)
      } catch (err) {
        if (signal.aborted) return
        // The caller's leg is gone: the queue loop hears of it through the signal.
        if (isHotlineError(err, 'HC_CALL_GONE')) return
        // A missing recording or a switch hiccup must not end the wait: try again next time.
        log.warn({ err }, 'queue announcement failed')
      }
      await pause(Math.max(0, due - Date.now()), signal)
    }
  }

  /** Hold music, again and again, cut when the next announcement is `due`. */
  async #music (due: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const left = due - Date.now()
      if (left < MIN_MUSIC_MS) return
      const period = AbortSignal.timeout(left)
      const started = Date.now()
      this.#options.log.debug({ prompt: QUEUE_MUSIC_PROMPT, untilMs: left }, 'hold music until the next announcement')
      let outcome: PlayOutcome
      try {
        outcome = await this.#options.announce(QUEUE_MUSIC_PROMPT, AbortSignal.any([signal, period]))
      } catch (err) {
        // Cut because the next announcement is due: the music did its job.
        if (period.aborted && !signal.aborted) return
        throw err
      }
      if (period.aborted) return
      if (outcome === 'missing' || Date.now() - started < MIN_MUSIC_MS) return
    }
  }
}

function pause (ms: number, signal: AbortSignal): Promise<void> {
  // An abort that came before the pause fires no event: the caller gone during the prompt
  // would otherwise hold the queue's clean-up (and the call's end) for a whole period.
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
