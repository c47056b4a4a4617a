// Hands fresh snapshots to every open dashboard stream, recomputing on change signals with
// bursts coalesced: a call moving through its flow writes its record several times a second,
// and a hundred calls would otherwise mean hundreds of recomputations.
//
// The rule: one computation at a time; after one starts, the next starts no sooner than
// `minGapMs` (200 ms) later; a signal during a computation makes exactly one more after it.
// A change is therefore shown within the computation's own time plus at most `minGapMs`,
// well inside the second the dashboard promises while reading the store takes tens of ms.
// Nothing is computed while no stream is open.

export type SnapshotSink<S> = (snapshot: S) => void

export interface SnapshotHubOptions<S> {
  compute: () => Promise<S>
  /** Least time between the starts of two computations; default 200 ms. */
  minGapMs?: number
  /** A computation failed (the previous snapshot stays). */
  onError?: (err: unknown) => void
  /** Each computation's duration, for the metrics. */
  onComputed?: (ms: number) => void
}

export class SnapshotHub<S> {
  readonly #options: SnapshotHubOptions<S>
  readonly #minGapMs: number
  readonly #sinks = new Set<SnapshotSink<S>>()
  #latest: S | undefined
  #running = false
  #again = false
  #timer: NodeJS.Timeout | undefined
  #lastStart = -Infinity
  #closed = false
  /** Settles when the computation in progress ends (for close()). */
  #current: Promise<void> = Promise.resolve()

  constructor (options: SnapshotHubOptions<S>) {
    this.#options = options
    this.#minGapMs = options.minGapMs ?? 200
  }

  /** Open streams. */
  get size (): number {
    return this.#sinks.size
  }

  get latest (): S | undefined {
    return this.#latest
  }

  /**
   * Sends `sink` every snapshot from now on: the last one at once when there is one (a fresh
   * one follows), else the first computed. Returns the stop function.
   */
  follow (sink: SnapshotSink<S>): () => void {
    this.#sinks.add(sink)
    if (this.#latest !== undefined) this.#deliver(sink, this.#latest)
    this.changed()
    return () => { this.#sinks.delete(sink) }
  }

  /** Something changed: recompute soon (coalesced), if anyone is watching. */
  changed (): void {
    if (this.#closed || this.#sinks.size === 0) return
    if (this.#running) {
      this.#again = true
      return
    }
    if (this.#timer !== undefined) return
    const wait = Math.max(0, this.#lastStart + this.#minGapMs - Date.now())
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#current = this.#run()
    }, wait)
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#sinks.clear()
    await this.#current
  }

  async #run (): Promise<void> {
    if (this.#closed) return
    this.#running = true
    this.#again = false
    this.#lastStart = Date.now()
    try {
      const snapshot = await this.#options.compute()
      this.#options.onComputed?.(Date.now() - this.#lastStart)
      if (this.#closed) return
      this.#latest = snapshot
      for (const sink of [...this.#sinks]) this.#deliver(sink, snapshot)
    } catch (err) {
      this.#options.onError?.(err)
    } finally {
      this.#running = false
      if (this.#again) this.changed()
    }
  }

  #deliver (sink: SnapshotSink<S>, snapshot: S): void {
    try {
      sink(snapshot)
    } catch (err) {
      this.#options.onError?.(err)
    }
  }
}
