// Live signals and presence in one process (no Redis): listeners are called at once, beats
// kept in a map.

import type { ControllerBeat, ControllerPresence, LiveListener, LiveSignals, LiveTopic, Presence } from '../../ports/live-signals.js'
import { LOST_KEPT_MS, byControllerId } from '../../ports/live-signals.js'

/** One process: listeners are called synchronously, a throwing one does not stop the others. */
export class LocalSignals implements LiveSignals {
  readonly #listeners = new Set<LiveListener>()
  readonly presence: Presence = new MemoryPresence()

  publish (topic: LiveTopic): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(topic)
      } catch {
        // A page's refresh failing must never reach the code that changed something.
      }
    }
  }

  subscribe (listener: LiveListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  close (): Promise<void> {
    this.#listeners.clear()
    return Promise.resolve()
  }
}

/** One process: the beats in a map, expired by the clock the beats are stamped with. */
export class MemoryPresence implements Presence {
  readonly #beats = new Map<string, { beat: ControllerBeat, expiresAt: number }>()

  beat (beat: ControllerBeat, ttlMs: number): Promise<void> {
    this.#beats.set(beat.controllerId, { beat: { ...beat }, expiresAt: beat.at + ttlMs })
    return Promise.resolve()
  }

  leave (controllerId: string): Promise<void> {
    this.#beats.delete(controllerId)
    return Promise.resolve()
  }

  list (now: number): Promise<ControllerPresence[]> {
    const found: ControllerPresence[] = []
    for (const [id, { beat, expiresAt }] of this.#beats) {
      if (now - expiresAt > LOST_KEPT_MS) {
        this.#beats.delete(id)
        continue
      }
      found.push({ ...beat, alive: now < expiresAt })
    }
    return Promise.resolve(found.sort(byControllerId))
  }
}
