// Every ARI REST call goes through one gate: a deadline and a bound on requests in flight.
//
// Why: ari-client 2.2.0 sends its requests through swagger-client 2.0.26 and shred, which set no
// timeout, and shred reports a socket error ("request_error") to no listener swagger-client
// registers — so a refused or reset connection leaves the promise pending forever. Under
// overload the client keeps opening connections until Asterisk's http.conf `sessionlimit`
// refuses them, and those requests never settle (measured on a real Asterisk under load).
// The gate gives every request a deadline (HC_SWITCH_TIMEOUT) and queues requests beyond
// `maxInFlight`, so an overloaded Asterisk sees at most that many at once.
//
// The deadline counts from when the request was asked for, queue time included: a caller never
// waits longer than `timeoutMs`. A request that times out while running frees its slot; the
// library's promise may still settle later and is then ignored. Keeping the slot instead would
// let requests that never settle fill the gate for good.

import { HotlineError } from '../../errors.js'

export interface RequestGateOptions {
  timeoutMs: number
  maxInFlight: number
}

interface Entry {
  what: string
  call: () => Promise<unknown>
  resolve: (value: unknown) => void
  /** Rejects with what the call rejected with (ari-client does not always reject with an Error). */
  reject: (err: unknown) => void
  timer: NodeJS.Timeout | undefined
  state: 'queued' | 'running' | 'settled'
}

export class RequestGate {
  readonly #timeoutMs: number
  readonly #maxInFlight: number
  readonly #queue: Entry[] = []
  readonly #running = new Set<Entry>()
  readonly #idle: Array<() => void> = []

  constructor (options: RequestGateOptions) {
    if (!(options.maxInFlight >= 1)) throw new RangeError('maxInFlight must be at least 1')
    this.#timeoutMs = options.timeoutMs
    this.#maxInFlight = options.maxInFlight
  }

  get inFlight (): number {
    return this.#running.size
  }

  get queued (): number {
    return this.#queue.length
  }

  /** Runs `call` when a slot is free; rejects with HC_SWITCH_TIMEOUT at the deadline. */
  async run<T> (what: string, call: () => Promise<T>): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        what, call, resolve: resolve as (value: unknown) => void, reject, timer: undefined, state: 'queued'
      }
      entry.timer = setTimeout(() => { this.#expire(entry) }, this.#timeoutMs)
      this.#queue.push(entry)
      this.#pump()
    })
  }

  /** Resolves when nothing is queued or running, or after `deadlineMs`. */
  async drain (deadlineMs: number): Promise<void> {
    if (this.#running.size === 0 && this.#queue.length === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, deadlineMs)
      function done (): void {
        clearTimeout(timer)
        resolve()
      }
      this.#idle.push(done)
    })
  }

  /** Fails everything queued or running now (forced close). */
  failAll (err: Error): void {
    for (const entry of [...this.#queue, ...this.#running]) this.#settle(entry, err)
  }

  #pump (): void {
    while (this.#running.size < this.#maxInFlight) {
      const entry = this.#queue.shift()
      if (entry === undefined) break
      entry.state = 'running'
      this.#running.add(entry)
      // An async wrapper turns a synchronous throw into a rejection too.
      const pending = (async () => await entry.call())()
      pending.then(
        (value) => { this.#settle(entry, undefined, value) },
        (err: unknown) => { this.#settle(entry, err ?? new Error(`${entry.what} failed`)) }
      )
    }
    if (this.#running.size === 0 && this.#queue.length === 0) {
      for (const done of this.#idle.splice(0)) done()
    }
  }

  #expire (entry: Entry): void {
    const where = entry.state === 'queued' ? 'waiting for a free request slot' : 'waiting for Asterisk'
    this.#settle(entry, new HotlineError('HC_SWITCH_TIMEOUT',
      `ARI ${entry.what}: no answer within ${this.#timeoutMs} ms (${where})`,
      { details: { what: entry.what, queued: entry.state === 'queued' } }))
  }

  #settle (entry: Entry, err: unknown, value?: unknown): void {
    if (entry.state === 'settled') return
    if (entry.state === 'queued') {
      const i = this.#queue.indexOf(entry)
      if (i >= 0) this.#queue.splice(i, 1)
    }
    entry.state = 'settled'
    clearTimeout(entry.timer)
    this.#running.delete(entry)
    if (err === undefined) entry.resolve(value)
    else entry.reject(err)
    this.#pump()
  }
}
