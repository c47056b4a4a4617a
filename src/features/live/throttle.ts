// At most one signal per topic per window: the first at once, the rest folded into one at the
// window's end. Call records are written several times per call (every flow step), and with
// many calls that would be many Redis messages a second saying the same thing: "calls changed".
// A signal is never dropped, only merged, and delayed by at most the window.

import type { LiveSignals, LiveTopic } from '../../ports/live-signals.js'

export class SignalThrottle {
  readonly #live: Pick<LiveSignals, 'publish'>
  readonly #windowMs: number
  readonly #windows = new Map<LiveTopic, { timer: NodeJS.Timeout, pending: boolean }>()
  #closed = false

  constructor (live: Pick<LiveSignals, 'publish'>, windowMs = 100) {
    this.#live = live
    this.#windowMs = windowMs
  }

  publish (topic: LiveTopic): void {
    if (this.#closed) return
    const open = this.#windows.get(topic)
    if (open !== undefined) {
      open.pending = true
      return
    }
    this.#live.publish(topic)
    this.#open(topic)
  }

  close (): void {
    this.#closed = true
    for (const { timer } of this.#windows.values()) clearTimeout(timer)
    this.#windows.clear()
  }

  #open (topic: LiveTopic): void {
    const window = {
      pending: false,
      timer: setTimeout(() => {
        this.#windows.delete(topic)
        if (window.pending && !this.#closed) {
          this.#live.publish(topic)
          this.#open(topic)
        }
      }, this.#windowMs)
    }
    window.timer.unref()
    this.#windows.set(topic, window)
  }
}
