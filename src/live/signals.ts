// Change signals for the live pages: a feature or the line says "the agents changed", and
// every page watching, on this controller and on every other one sharing the store, refreshes
// what it shows. A signal carries no data: pages read the shared store, so figures from
// several controllers add up by construction.

import type { Logger } from 'pino'
import type { AppConfig } from '../config/app-config.js'
import type { Store } from '../ports/store.js'

export const LIVE_TOPICS = ['calls', 'agents', 'transfers', 'tickets', 'stats', 'dial-test', 'alarms'] as const
export type LiveTopic = typeof LIVE_TOPICS[number]

export type LiveListener = (topic: LiveTopic) => void

export interface LiveSignals {
  /** Tells every listener (here and on the other controllers) that `topic` changed. */
  publish(topic: LiveTopic): void
  /** Returns the unsubscribe function. */
  subscribe(listener: LiveListener): () => void
  close(): Promise<void>
}

/** One process: listeners are called synchronously, a throwing one does not stop the others. */
export class LocalSignals implements LiveSignals {
  readonly #listeners = new Set<LiveListener>()

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

export interface LiveSignalsOptions {
  config: AppConfig
  store: Store
  logger: Logger
}

/** The signals the controller uses: in this process only, for now. */
export function createLiveSignals (_options: LiveSignalsOptions): LiveSignals {
  return new LocalSignals()
}
