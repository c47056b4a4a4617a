// What a running dialplan app can do on its channel: variables, media, the DTMF queue, timers.
// Every wait ends when the app is broken off (hangup, transfer, shutdown). Times are switch
// milliseconds, scaled by the model's time scale.

import type { ChannelView } from './esl-channel-view.js'
import type { Header } from './esl-frame.js'
import type { PlayResult, SimChannel } from './model-types.js'
import type { SimSwitch } from './sim-switch.js'

/** The variable CHANNEL_EXECUTE_COMPLETE reports as Application-Response (`_none_` if unset). */
export const RESPONSE_VARIABLE = 'current_application_response'

export interface Running {
  readonly spec: AppSpec
  readonly level: 'outer' | 'nested'
  readonly controller: AbortController
  finished: boolean
  /** park: CHANNEL_UNPARK precedes its CHANNEL_EXECUTE_COMPLETE; it eats stray DTMF. */
  park: boolean
  /** conference: ends when the member leaves; it reads the caller's DTMF. */
  conference: boolean
  /** A playback this app started is in progress. */
  playing: boolean
  /** A key was queued for the channel. */
  onDigit?: () => void
  /** The app's playback ended (before its promise settles). */
  onPlayback?: (status: PlayResult['status']) => void
}

export class AppContext {
  readonly host: AppHost
  readonly id: string
  readonly arg: string
  readonly running: Running
  readonly #digits: string[]

  constructor (host: AppHost, id: string, arg: string, running: Running, digits: string[]) {
    this.host = host
    this.id = id
    this.arg = arg
    this.running = running
    this.#digits = digits
  }

  get signal (): AbortSignal {
    return this.running.controller.signal
  }

  get channel (): SimChannel | undefined {
    return this.host.live(this.id)
  }

  /** switch_channel_ready: up, and the app not broken off. */
  get ready (): boolean {
    return !this.signal.aborted && this.channel !== undefined
  }

  get queuedDigits (): number {
    return this.#digits.length
  }

  getVar (name: string): string | undefined {
    return this.host.model.channel(this.id)?.variables.get(name)
  }

  setVar (name: string, value: string | undefined): void {
    const vars = this.host.model.channel(this.id)?.variables
    if (vars === undefined) return
    if (value === undefined) vars.delete(name)
    else vars.set(name, value)
  }

  preAnswer (): void {
    this.host.preAnswer(this.id)
  }

  takeDigit (): string | undefined {
    return this.#digits.shift()
  }

  /**
   * Plays a medium. `started` runs once the model started it (PLAYBACK_START raised), which is
   * where keys already queued are read. Ends `stopped` if the app is broken off first.
   */
  async play (media: string, stopOnDtmf: boolean, started?: () => void): Promise<PlayResult> {
    if (!this.ready) return { status: 'stopped', playedMs: 0 }
    this.running.playing = true
    try {
      const playing = this.host.model.play(this.id, { media, stopOnDtmf })
      started?.()
      return await this.#untilAborted(playing, { status: 'stopped', playedMs: 0 })
    } catch {
      return { status: 'failed', playedMs: 0 }
    } finally {
      this.running.playing = false
    }
  }

  /** The next key, or undefined after `ms` (or when broken off). */
  async waitDigit (ms: number): Promise<string | undefined> {
    const queued = this.takeDigit()
    if (queued !== undefined || !this.ready) return queued
    return await new Promise((resolve) => {
      const done = (digit: string | undefined): void => {
        clearTimeout(timer)
        this.signal.removeEventListener('abort', onAbort)
        this.running.onDigit = undefined
        resolve(digit)
      }
      const onAbort = (): void => { done(undefined) }
      const timer = setTimeout(() => { done(undefined) }, this.host.model.scaled(ms))
      this.signal.addEventListener('abort', onAbort, { once: true })
      this.running.onDigit = () => { done(this.takeDigit()) }
    })
  }

  async sleep (ms: number): Promise<void> {
    if (!this.ready) return
    await new Promise<void>((resolve) => {
      const onAbort = (): void => { clearTimeout(timer); resolve() }
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort)
        resolve()
      }, this.host.model.scaled(ms))
      this.signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Resolves when the app is broken off (park and conference wait for nothing else). */
  async waitAbort (): Promise<void> {
    if (this.signal.aborted) return
    await new Promise<void>((resolve) => {
      this.signal.addEventListener('abort', () => { resolve() }, { once: true })
    })
  }

  async #untilAborted<T> (promise: Promise<T>, fallback: T): Promise<T> {
    // Whatever the medium does after the app gave up on it must not surface as unhandled.
    promise.catch(() => undefined)
    if (this.signal.aborted) return fallback
    let onAbort = (): void => {}
    const aborted = new Promise<T>((resolve) => {
      onAbort = () => { resolve(fallback) }
      this.signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      return await Promise.race([promise, aborted])
    } finally {
      this.signal.removeEventListener('abort', onAbort)
    }
  }
}

/** What the runner needs from the switch it runs in. */
export interface AppHost {
  readonly model: SimSwitch
  live(id: string): SimChannel | undefined
  view(channel: SimChannel): ChannelView
  raiseChannel(name: string, channel: SimChannel, extra?: { pre?: readonly Header[], post?: readonly Header[] }): void
  setState(channel: SimChannel, name: string, number: number): void
  preAnswer(id: string): void
  conferenceProfile(room: string, profile: string): void
}

export interface AppSpec {
  name: string
  arg: string
  /** Application-UUID: the sendmsg's Event-UUID, else a fresh one. */
  uuid: string
}
