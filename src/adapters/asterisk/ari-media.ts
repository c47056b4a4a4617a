// Prompts and keys over ARI: `play` and `collectDigits`.
//
// A prompt is `POST /channels/{id}/play?media=…&playbackId=…` with a playback id we choose, so
// its PlaybackFinished can be matched even when it arrives before the 201 (events often beat
// the HTTP reply, captures 09). Asterisk reports a finished playback as state `done` whether it
// played to the end, was stopped or was cancelled by a hangup (res_stasis_playback.c
// `state_to_string`), and `failed` for a missing sound (captures 10: 201, then PlaybackFinished
// `failed`). A `done` after a hangup request is therefore a call that went away, not a prompt
// that was heard.
//
// Digits come one by one as ChannelDtmfReceived. `collectDigits` copies what FreeSWITCH's
// play_and_get_digits does for the FreeSWITCH adapter (switch_ivr_read): the first key stops the
// prompt; the first-digit timeout starts when the prompt ends; each key restarts the inter-digit
// timeout; a terminator ends input (not kept); `maxDigits` ends it. The result: the keys entered,
// `complete` when at least `minDigits` (and at least one) were entered, `timeout` otherwise.
// Keys pressed before collectDigits started are not collected: ARI keeps no DTMF buffer for a
// channel, and a key that reached the controller before the prompt belonged to no question.

import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { HotlineError, abortError } from '../../errors.js'
import type { CollectOptions, CollectResult, PlayOutcome } from '../../ports/switch.js'
import type { AriRest } from './ari-rest.js'
import type { LegTracker } from './leg-tracker.js'

/** Inter-digit timeout when the caller of collectDigits gives none (as the FreeSWITCH adapter). */
export const DEFAULT_INTER_DIGIT_MS = 3000

export interface MediaDeps {
  tracker: LegTracker
  /** The REST client while the events socket is up; throws HC_SWITCH_NOT_CONNECTED otherwise. */
  connected: () => AriRest
  log: Logger
}

export class AriMedia {
  readonly #deps: MediaDeps
  /** The playbacks running on each leg. */
  readonly #playing = new Map<string, Set<string>>()
  /** Waiting for a leg's playbacks to end (idle()). */
  readonly #idleWaiters = new Map<string, Array<() => void>>()

  constructor (deps: MediaDeps) {
    this.#deps = deps
  }

  /**
   * Resolves once the leg plays nothing. A channel variable set over ARI waits in the channel's
   * Stasis command queue behind a playback (res_stasis control.c), its HTTP request with it.
   */
  async idle (legId: string): Promise<void> {
    if (this.#playing.get(legId) === undefined) return
    await new Promise<void>((resolve) => {
      this.#idleWaiters.set(legId, [...(this.#idleWaiters.get(legId) ?? []), resolve])
    })
  }

  #begin (legId: string, playbackId: string): void {
    const ids = this.#playing.get(legId) ?? new Set<string>()
    ids.add(playbackId)
    this.#playing.set(legId, ids)
  }

  #end (legId: string, playbackId: string): void {
    const ids = this.#playing.get(legId)
    if (ids?.delete(playbackId) !== true || ids.size > 0) return
    this.#playing.delete(legId)
    const waiters = this.#idleWaiters.get(legId) ?? []
    this.#idleWaiters.delete(legId)
    for (const resolve of waiters) resolve()
  }

  /** Resolves `missing` when Asterisk has no such sound (201, then PlaybackFinished `failed`). */
  async play (legId: string, media: string, signal?: AbortSignal): Promise<PlayOutcome> {
    if (signal?.aborted === true) throw abortError(signal)
    const rest = this.#deps.connected()
    const { tracker, log } = this.#deps
    if (tracker.hangingUp(legId)) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is hanging up or gone`)
    const playbackId = randomUUID()
    return await new Promise<PlayOutcome>((resolve, reject) => {
      let settled = false
      const finish = (err?: Error, outcome: PlayOutcome = 'played'): void => {
        if (settled) return
        settled = true
        this.#end(legId, playbackId)
        unwatch()
        signal?.removeEventListener('abort', onAbort)
        if (err === undefined) resolve(outcome)
        else reject(err)
      }
      const unwatch = tracker.watch(legId, {
        playbackFinished: (id, state) => {
          if (id !== playbackId) return
          // A playback on a channel that is going away fails too: that is the call gone, not
          // the sound missing (which would skip the prompt for every later call).
          if (state === 'failed' && !tracker.hangingUp(legId)) {
            finish(undefined, 'missing')
          } else if (tracker.hangingUp(legId)) {
            finish(new HotlineError('HC_CALL_GONE', `leg ${legId} hung up during the playback`))
          } else {
            finish()
          }
        },
        ended: (end) => { finish(new HotlineError('HC_CALL_GONE', `leg ${legId} ended: ${end.vendor.text}`)) },
        lost: (err) => { finish(err) }
      })
      const onAbort = (): void => {
        finish(abortError(signal as AbortSignal))
        rest.stopPlayback(playbackId).catch((err: unknown) => { log.debug({ err, legId }, 'stopping an aborted playback failed') })
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#begin(legId, playbackId)
      rest.play(legId, media, playbackId).catch((err: unknown) => { finish(err as Error) })
    })
  }

  /**
   * `media` undefined: the prompt is known missing, and the keys are waited for without it. A
   * prompt found missing on the way (PlaybackFinished `failed`) is waited past the same way.
   */
  async collect (legId: string, media: string | undefined, options: CollectOptions): Promise<CollectResult> {
    const { signal } = options
    if (signal?.aborted === true) throw abortError(signal)
    const rest = this.#deps.connected()
    const { tracker, log } = this.#deps
    if (tracker.hangingUp(legId)) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is hanging up or gone`)
    const playbackId = randomUUID()
    const terminators = options.terminators ?? ''
    const interDigitMs = options.interDigitTimeoutMs ?? DEFAULT_INTER_DIGIT_MS
    return await new Promise<CollectResult>((resolve, reject) => {
      let digits = ''
      let prompting = media !== undefined
      let missing = media === undefined
      let settled = false
      let timer: NodeJS.Timeout | undefined
      const stopPrompt = (): void => {
        if (!prompting) return
        prompting = false
        rest.stopPlayback(playbackId).catch((err: unknown) => { log.debug({ err, legId }, 'stopping the prompt failed') })
      }
      const finish = (err?: Error): void => {
        if (settled) return
        settled = true
        this.#end(legId, playbackId)
        clearTimeout(timer)
        unwatch()
        signal?.removeEventListener('abort', onAbort)
        if (err !== undefined) {
          stopPrompt()
          reject(err)
          return
        }
        stopPrompt()
        const reason = digits !== '' && digits.length >= options.minDigits ? 'complete' : 'timeout'
        resolve(missing ? { digits, reason, promptMissing: true } : { digits, reason })
      }
      const wait = (ms: number): void => {
        clearTimeout(timer)
        timer = setTimeout(() => { finish() }, ms)
      }
      const unwatch = tracker.watch(legId, {
        dtmf: (digit) => {
          stopPrompt()
          if (terminators.includes(digit)) {
            finish()
            return
          }
          digits += digit
          if (digits.length >= options.maxDigits) finish()
          else wait(interDigitMs)
        },
        playbackFinished: (id, state) => {
          if (id !== playbackId) return
          this.#end(legId, playbackId)
          const stillPrompting = prompting
          prompting = false
          if (state === 'failed') {
            if (tracker.hangingUp(legId)) {
              finish(new HotlineError('HC_CALL_GONE', `leg ${legId} hung up during the prompt`))
              return
            }
            missing = true
          }
          // A prompt cut by the first key already runs the inter-digit timeout.
          if (stillPrompting && digits === '') wait(options.timeoutMs)
        },
        ended: (end) => { finish(new HotlineError('HC_CALL_GONE', `leg ${legId} ended: ${end.vendor.text}`)) },
        lost: (err) => { finish(err) }
      })
      const onAbort = (): void => { finish(abortError(signal as AbortSignal)) }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (media === undefined) {
        wait(options.timeoutMs)
        return
      }
      this.#begin(legId, playbackId)
      rest.play(legId, media, playbackId).catch((err: unknown) => {
        prompting = false
        finish(err as Error)
      })
    })
  }
}
