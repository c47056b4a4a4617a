// Delivery of the call model's events. A listener that acts on the model raises events while
// another is being delivered; those wait until every listener has had the first, so all
// listeners see one order. Listeners' errors must not break the model mid-operation, nor
// escape from a timer, so they go to the switch's error handler.

import type { ModelEvent } from './model-types.js'

export class SimOutbox {
  readonly #queue: ModelEvent[] = []
  readonly #deliver: (event: ModelEvent) => void
  readonly #onError: (err: unknown) => void
  #delivering = false

  /** `deliver` hands one event to every listener. */
  constructor (deliver: (event: ModelEvent) => void, onError: (err: unknown) => void) {
    this.#deliver = deliver
    this.#onError = onError
  }

  send (event: ModelEvent): void {
    this.#queue.push(event)
    if (this.#delivering) return
    this.#delivering = true
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        try {
          this.#deliver(next)
        } catch (err) {
          this.#onError(err)
        }
      }
    } finally {
      this.#delivering = false
    }
  }
}
