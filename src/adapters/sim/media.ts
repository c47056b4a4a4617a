// Media in the simulated switch: how long a medium plays, and the playback queue of one
// channel. Both switches queue playbacks on a channel rather than mixing them: FreeSWITCH
// runs the apps sent with `sendmsg` one after another, and ARI queues `POST /channels/{id}/play`
// requests ("a channel may have several playbacks queued", ARI Playbacks docs). So does this.

import { randomUUID } from 'node:crypto'
import type { ModelEvent, PlayRequest, PlayResult, SimChannel } from './model-types.js'

/** Length of a `tone_stream://` medium (FreeSWITCH tone generator) before scaling. */
export const TONE_MS = 800
/** Length of a recorded prompt (a file, `sound:…`) before scaling. */
export const FILE_MS = 1000

/**
 * Default length of a medium in ms (before the time scale). `silence_stream://N` plays N ms
 * and a negative N plays until stopped, as FreeSWITCH's silence generator does
 * (`silence_stream://-1`); the optional `,factor` part is ignored.
 */
export function defaultMediaDurationMs (media: string): number {
  const silence = /^silence_stream:\/\/(-?\d+)/.exec(media)
  if (silence?.[1] !== undefined) {
    const ms = Number.parseInt(silence[1], 10)
    return ms < 0 ? Number.POSITIVE_INFINITY : ms
  }
  if (media.startsWith('tone_stream://') || media.startsWith('tone:')) return TONE_MS
  return FILE_MS
}

/** What a channel's player needs from the switch it lives in. */
export interface PlayerHooks {
  emit(event: ModelEvent): void
  /** Runs `fn` after `ms` (already scaled) on a tracked timer; returns its cancel function. */
  schedule(ms: number, fn: () => void): () => void
  exists(media: string): boolean
  /** Unscaled length of a medium; may be Infinity (plays until stopped). */
  durationMs(media: string): number
  /** ms × time scale, at least 1. */
  scaled(ms: number): number
  timeScale: number
  /** Called when a medium starts playing (the scripted caller hears it). */
  heard(media: string): void
}

interface Pending {
  req: PlayRequest
  resolve: (result: PlayResult) => void
}

interface Current extends Pending {
  playbackId: string
  durationMs: number
  startedAt: number
  cancelTimer: () => void
}

/** The playbacks of one channel: at most one playing, the rest waiting their turn. */
export class ChannelPlayer {
  readonly #channel: SimChannel
  readonly #hooks: PlayerHooks
  #current: Current | undefined
  readonly #queue: Pending[] = []

  constructor (channel: SimChannel, hooks: PlayerHooks) {
    this.#channel = channel
    this.#hooks = hooks
  }

  get playing (): boolean {
    return this.#current !== undefined
  }

  play (req: PlayRequest): Promise<PlayResult> {
    return new Promise((resolve) => {
      this.#queue.push({ req, resolve })
      if (this.#current === undefined) this.#next()
    })
  }

  /** Stops the playback in progress (`uuid_break`, ARI stop); queued ones then start. */
  stop (): boolean {
    if (this.#current === undefined) return false
    this.#finish('stopped')
    this.#next()
    return true
  }

  /** A digit arrived: a playback started with `stopOnDtmf` ends, as play_and_get_digits does. */
  digit (): void {
    if (this.#current?.req.stopOnDtmf === true) this.stop()
  }

  /**
   * The channel hung up: the playback in progress ends `stopped` (its finish event follows the
   * hangup, as PLAYBACK_STOP follows CHANNEL_HANGUP); queued ones never started, so they end
   * `stopped` without events.
   */
  stopAll (): void {
    if (this.#current !== undefined) this.#finish('stopped')
    for (const pending of this.#queue.splice(0)) pending.resolve({ status: 'stopped', playedMs: 0 })
  }

  #next (): void {
    const pending = this.#queue.shift()
    if (pending === undefined) return
    const { req } = pending
    const playbackId = req.playbackId ?? randomUUID()
    if (!this.#hooks.exists(req.media)) {
      // FreeSWITCH cannot open the file, so it raises no PLAYBACK_START and the app ends
      // "FILE NOT FOUND"; the ARI side adds the PlaybackStarted that Asterisk sends first.
      this.#hooks.emit({
        type: 'playback-finished', channel: this.#channel, playbackId, media: req.media, status: 'failed', playedMs: 0
      })
      pending.resolve({ status: 'failed', playedMs: 0 })
      this.#next()
      return
    }
    const durationMs = this.#hooks.durationMs(req.media)
    const cancelTimer = Number.isFinite(durationMs)
      ? this.#hooks.schedule(this.#hooks.scaled(durationMs), () => {
        this.#finish('done')
        this.#next()
      })
      : () => {}
    this.#current = { ...pending, playbackId, durationMs, startedAt: Date.now(), cancelTimer }
    this.#hooks.heard(req.media)
    this.#hooks.emit({ type: 'playback-started', channel: this.#channel, playbackId, media: req.media })
  }

  #finish (status: 'done' | 'stopped'): void {
    const current = this.#current
    if (current === undefined) return
    this.#current = undefined
    current.cancelTimer()
    // playedMs is media time (unscaled), so it reads the same whatever the time scale.
    const elapsed = Math.round((Date.now() - current.startedAt) / this.#hooks.timeScale)
    const playedMs = status === 'done' ? current.durationMs : Math.min(current.durationMs, elapsed)
    this.#hooks.emit({
      type: 'playback-finished', channel: this.#channel, playbackId: current.playbackId, media: current.req.media, status, playedMs
    })
    current.resolve({ status, playedMs })
  }
}
