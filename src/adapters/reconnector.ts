// Keeps a connection up: connect, and after a failure or a drop try again with capped
// exponential backoff and jitter, until stopped. Used by the switch adapters, which own
// their reconnection instead of the client libraries (see esl-client.ts for why).

export interface ReconnectorOptions {
  initialDelayMs: number
  maxDelayMs: number
  connect: () => Promise<void>
  onRetry: (attempt: number, delayMs: number, err: Error) => void
}

export class Reconnector {
  readonly #options: ReconnectorOptions
  #timer: NodeJS.Timeout | undefined
  #attempt = 0
  #running = false
  #stopped = false
  #firstConnect: { resolve: () => void } | undefined

  constructor (options: ReconnectorOptions) {
    this.#options = options
  }

  /** Resolves once the first connection is up (it may take several attempts). */
  async start (): Promise<void> {
    this.#stopped = false
    const first = new Promise<void>((resolve) => { this.#firstConnect = { resolve } })
    this.kick()
    await first
  }

  /** Resolves at once: starts connecting in the background, retrying until it works. */
  startInBackground (): void {
    this.#stopped = false
    this.kick()
  }

  /** The connection dropped: start over at once (the backoff grows only on failures). */
  kick (): void {
    if (this.#stopped || this.#running || this.#timer !== undefined) return
    void this.#attemptNow()
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#firstConnect?.resolve()
    this.#firstConnect = undefined
  }

  /** Delay before retry `attempt` (1-based): doubling from initialDelayMs, capped, ±20 % jitter. */
  delayFor (attempt: number): number {
    const base = Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs * 2 ** (attempt - 1))
    return Math.round(base * (0.8 + Math.random() * 0.4))
  }

  async #attemptNow (): Promise<void> {
    this.#running = true
    try {
      await this.#options.connect()
      this.#attempt = 0
      this.#firstConnect?.resolve()
      this.#firstConnect = undefined
    } catch (err) {
      if (this.#stopped) return
      this.#attempt += 1
      const delay = this.delayFor(this.#attempt)
      this.#options.onRetry(this.#attempt, delay, err as Error)
      if (this.#stopped) return // stopped from inside onRetry
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        void this.#attemptNow()
      }, delay)
    } finally {
      this.#running = false
    }
  }
}
