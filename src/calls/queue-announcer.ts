// What a caller waiting for an agent hears: their place in the queue, then a hold prompt, and
// again every `everyMs`. Like the periodic announcements of FreeSWITCH mod_callcenter
// (`announce-sound` + `announce-frequency`) and Asterisk app_queue (`announce-position`,
// `periodic-announce-frequency`). It runs beside the wait and is stopped before the caller is
// put through to an agent, so no prompt talks over the conversation.

import type { Logger } from 'pino'
import { isHotlineError } from '../errors.js'

/** Positions 1–9 have their own recording; from 10 on the caller hears "many ahead". */
export function positionPrompt (position: number): string {
  return position >= 1 && position <= 9 ? `queue-position-${position}` : 'queue-position-many'
}

export const QUEUE_HOLD_PROMPT = 'queue-hold'

export interface AnnouncerOptions {
  everyMs: number
  /** The caller's place now; undefined while not in the queue (an agent is being rung). */
  position: () => Promise<number | undefined>
  /** Plays a prompt to the caller: through the call's owner, which holds the caller's leg. */
  announce: (prompt: string, signal: AbortSignal) => Promise<void>
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
      const started = Date.now()
      // A place the store cannot tell (a failover) is left out; the hold prompt still plays, so
      // the caller is not left in silence for a whole period.
      const position = await this.#options.position().catch((err: unknown) => {
        log.warn({ err }, 'the caller\'s place in the queue is unknown now: the hold prompt alone')
        return undefined
      })
      try {
        if (position !== undefined) await this.#options.announce(positionPrompt(position), signal)
        await this.#options.announce(QUEUE_HOLD_PROMPT, signal)
      } catch (err) {
        if (signal.aborted) return
        // The caller's leg is gone: the queue loop hears of it through the signal.
        if (isHotlineError(err, 'HC_CALL_GONE')) return
        // A missing recording or a switch hiccup must not end the wait: try again next time.
        log.warn({ err }, 'queue announcement failed')
      }
      await pause(Math.max(0, started + everyMs - Date.now()), signal)
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
