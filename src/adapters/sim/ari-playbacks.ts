// ARI playbacks (POST /channels/{id}/play, POST /bridges/{id}/play). A channel playback is
// played by the model, queued behind the channel's other playbacks as Asterisk queues them
// ("a channel may have several playbacks queued", ARI Playbacks docs); its events follow the
// model's. res_stasis_playback publishes a snapshot on every state change and the state names
// the event: playing → PlaybackStarted, continuing → PlaybackContinuing, done/failed →
// PlaybackFinished; stopped and cancelled playbacks read "done" (state_to_string). A medium
// that cannot be opened still gets PlaybackStarted before PlaybackFinished "failed"
// (capture 10). A finished playback is gone: GET → 404 (capture 02).
// A bridge playback is played by an Announcer channel of its own in Asterisk, beside whatever
// the members' channels play, so here it runs on a timer of its own and is not heard by the
// model's callers; its length is the model's default media length.

import type { SimSwitch } from './sim-switch.js'
import { defaultMediaDurationMs } from './media.js'
import { ariTime } from './ari-channel.js'

export type PlaybackState = 'queued' | 'playing' | 'continuing' | 'done' | 'failed'

export interface PlaybackJson {
  id: string
  media_uri: string
  next_media_uri?: string
  target_uri: string
  language: string
  state: PlaybackState
}

export interface PlaybackTarget { channelId?: string, bridgeId?: string }

export class AriPlayback {
  readonly id: string
  readonly media: readonly string[]
  readonly language: string
  readonly target: PlaybackTarget
  state: PlaybackState = 'queued'
  /** The medium reported now. */
  index = 0
  /** The medium whose start was published (-1: none yet). */
  started = -1
  /** DELETE while still queued: it ends, "done", when its turn comes. */
  cancelled = false
  finished = false

  constructor (id: string, media: readonly string[], language: string, target: PlaybackTarget) {
    this.id = id
    this.media = media
    this.language = language
    this.target = target
  }

  get targetUri (): string {
    return this.target.bridgeId !== undefined ? `bridge:${this.target.bridgeId}` : `channel:${this.target.channelId ?? ''}`
  }

  json (): PlaybackJson {
    const next = this.media[this.index + 1]
    return {
      id: this.id,
      media_uri: this.media[this.index] ?? '',
      ...(next === undefined ? {} : { next_media_uri: next }),
      target_uri: this.targetUri,
      language: this.language,
      state: this.state
    }
  }
}

/** Gets each playback event, to route it to the apps of the playback's target. */
export type PlaybackEventSink = (playback: AriPlayback, event: Record<string, unknown>) => void

export class AriPlaybacks {
  readonly #model: SimSwitch
  readonly #deliver: PlaybackEventSink
  readonly #byId = new Map<string, AriPlayback>()
  /** The model's playback ids: one per medium of a channel playback. */
  readonly #items = new Map<string, { playback: AriPlayback, index: number }>()
  readonly #timers = new Map<AriPlayback, NodeJS.Timeout>()
  /** Commands waiting for a channel's playbacks to end, by channel id. */
  readonly #idleWaiters = new Map<string, Array<() => void>>()

  constructor (model: SimSwitch, deliver: PlaybackEventSink) {
    this.#model = model
    this.#deliver = deliver
  }

  get (id: string): AriPlayback | undefined {
    return this.#byId.get(id)
  }

  /**
   * Resolves once the channel plays nothing: a playback runs on the channel's Stasis thread, so
   * a command queued on it meanwhile (a channel variable's set) waits until it ends.
   */
  async idle (channelId: string): Promise<void> {
    if (!this.#busy(channelId)) return
    await new Promise<void>((resolve) => {
      this.#idleWaiters.set(channelId, [...(this.#idleWaiters.get(channelId) ?? []), resolve])
    })
  }

  #busy (channelId: string): boolean {
    return [...this.#items.values()].some(({ playback }) => playback.target.channelId === channelId)
  }

  #wake (channelId: string | undefined): void {
    if (channelId === undefined || this.#busy(channelId)) return
    const waiters = this.#idleWaiters.get(channelId) ?? []
    this.#idleWaiters.delete(channelId)
    for (const resolve of waiters) resolve()
  }

  get pendingTimers (): number {
    return this.#timers.size
  }

  create (id: string, media: readonly string[], language: string, target: PlaybackTarget): AriPlayback {
    const playback = new AriPlayback(id, media, language, target)
    this.#byId.set(id, playback)
    return playback
  }

  /** Queues every medium on the model channel at once, so no other playback slips between them. */
  playOnChannel (playback: AriPlayback): void {
    const channelId = playback.target.channelId ?? ''
    playback.media.forEach((media, index) => {
      const itemId = index === 0 ? playback.id : `${playback.id}#${index}`
      this.#items.set(itemId, { playback, index })
      // The model settles with the result its events already reported; a channel gone first
      // ends the playback through channelGone.
      this.#model.play(channelId, { media, playbackId: itemId }).catch(() => {})
    })
  }

  playOnBridge (playback: AriPlayback): void {
    this.#bridgeMedium(playback, 0)
  }

  /** DELETE /playbacks/{id}. */
  stop (playback: AriPlayback): void {
    if (playback.finished) return
    if (playback.target.bridgeId !== undefined) {
      this.#finish(playback, 'done')
      return
    }
    if (playback.started < 0) {
      playback.cancelled = true
      return
    }
    this.#model.stopPlayback(playback.target.channelId ?? '')
  }

  /** The model started one of our media. */
  modelStarted (itemId: string): void {
    const item = this.#items.get(itemId)
    if (item === undefined) return
    const { playback, index } = item
    if (playback.cancelled && !playback.finished) {
      // playback_first_update on a cancelled playback publishes it "done" and plays nothing.
      this.#finish(playback, 'done')
    }
    if (playback.finished) {
      this.#model.stopPlayback(playback.target.channelId ?? '')
      return
    }
    this.#publishStart(playback, index)
  }

  /** The model finished one of our media: done, stopped (DELETE, hangup) or failed (missing). */
  modelFinished (itemId: string, status: 'done' | 'stopped' | 'failed'): void {
    const item = this.#items.get(itemId)
    if (item === undefined) return
    this.#items.delete(itemId)
    const { playback, index } = item
    queueMicrotask(() => { this.#wake(playback.target.channelId) })
    if (playback.finished) return
    if (status === 'failed') {
      if (playback.started !== index) this.#publishStart(playback, index)
      this.#finish(playback, 'failed')
      return
    }
    if (status === 'done' && index < playback.media.length - 1) {
      playback.state = 'continuing'
      this.#deliver(playback, this.#event('PlaybackContinuing', playback))
      return
    }
    this.#finish(playback, 'done')
  }

  /**
   * The channel is gone. Its playing medium already finished through the model; media still
   * queued never start (the control's command queue is flushed on hangup) and leave quietly.
   */
  channelGone (channelId: string): void {
    for (const [itemId, { playback }] of [...this.#items]) {
      if (playback.target.channelId !== channelId) continue
      this.#items.delete(itemId)
      playback.finished = true
      this.#byId.delete(playback.id)
    }
    this.#wake(channelId)
  }

  /** The bridge is destroyed: its playbacks end with their Announcer channel. */
  bridgeGone (bridgeId: string): void {
    for (const playback of [...this.#byId.values()]) {
      if (playback.target.bridgeId === bridgeId) this.#finish(playback, 'done')
    }
  }

  close (): void {
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
    this.#items.clear()
    this.#byId.clear()
    for (const channelId of [...this.#idleWaiters.keys()]) this.#wake(channelId)
  }

  #bridgeMedium (playback: AriPlayback, index: number): void {
    if (playback.finished) return
    this.#publishStart(playback, index)
    const media = playback.media[index] ?? ''
    const lengthMs = defaultMediaDurationMs(media)
    // A medium that plays until stopped keeps the playback going until DELETE.
    if (!Number.isFinite(lengthMs)) return
    const timer = setTimeout(() => {
      this.#timers.delete(playback)
      if (index < playback.media.length - 1) {
        playback.state = 'continuing'
        this.#deliver(playback, this.#event('PlaybackContinuing', playback))
        this.#bridgeMedium(playback, index + 1)
      } else {
        this.#finish(playback, 'done')
      }
    }, this.#model.scaled(lengthMs))
    this.#timers.set(playback, timer)
  }

  #publishStart (playback: AriPlayback, index: number): void {
    playback.index = index
    playback.started = index
    playback.state = 'playing'
    this.#deliver(playback, this.#event('PlaybackStarted', playback))
  }

  #finish (playback: AriPlayback, state: 'done' | 'failed'): void {
    if (playback.finished) return
    playback.finished = true
    playback.state = state
    const timer = this.#timers.get(playback)
    if (timer !== undefined) clearTimeout(timer)
    this.#timers.delete(playback)
    this.#byId.delete(playback.id)
    this.#deliver(playback, this.#event('PlaybackFinished', playback))
  }

  #event (type: string, playback: AriPlayback): Record<string, unknown> {
    return { type, timestamp: ariTime(Date.now()), playback: playback.json() }
  }
}
