// Keeps every open agent console up to date: each follower (one per open stream) gets a fresh
// snapshot of its agent whenever something may have changed, and every `fallbackMs` while the
// agent has a call.
//
// What says "something changed":
// - the live signals (ports/live-signals.ts) for agents, calls, transfers and tickets, which the
//   line publishes here and on every controller sharing the store;
// - this controller's own agent and transfer events, so a change made here shows at once even
//   where nothing publishes the signals.
// Neither tells when the next number of a hunt starts ringing or the specialist joins the
// room: the timer covers those, so a console never shows a stale hunt for long. And since
// a change on a call comes with the switch's confirmations a moment later (the agent
// answers, then caller and agent are joined; the specialist answers, then joins the room),
// a console with a call looks once more `settleMs` after each signalled change.
//
// Refreshes are coalesced: triggers arriving in the same turn of the event loop make one
// snapshot, and a trigger during a snapshot makes exactly one more after it.

import type { Logger } from 'pino'
import type { LiveSignals, LiveTopic } from '../../ports/live-signals.js'
import type { AgentSnapshot } from './views.js'

/** The live topics a console redraws on. */
export const CONSOLE_TOPICS: readonly LiveTopic[] = ['agents', 'calls', 'transfers', 'tickets']

export interface ConsoleFeedsOptions {
  snapshot: (agentId: string) => Promise<AgentSnapshot | undefined>
  live: Pick<LiveSignals, 'subscribe'>
  /** How often a follower whose agent has a call is refreshed anyway; default 2 s. */
  fallbackMs?: number
  /** The second look after a signalled change on a call; default 300 ms. */
  settleMs?: number
  log?: Logger
}

type Send = (snapshot: AgentSnapshot) => boolean

interface Follower {
  agentId: string
  send: Send
  /** A refresh is scheduled for the next turn of the event loop. */
  queued: boolean
  running: boolean
  /** Asked again while running. */
  again: boolean
  hasCall: boolean
  stopped: boolean
  /** The second look after a change, when one is pending. */
  settle: NodeJS.Timeout | undefined
}

export class ConsoleFeeds {
  readonly #options: ConsoleFeedsOptions
  readonly #followers = new Set<Follower>()
  readonly #unsubscribe: () => void
  readonly #timer: NodeJS.Timeout

  constructor (options: ConsoleFeedsOptions) {
    this.#options = options
    this.#unsubscribe = options.live.subscribe((topic) => {
      if (CONSOLE_TOPICS.includes(topic)) this.changed()
    })
    this.#timer = setInterval(() => { this.tick() }, options.fallbackMs ?? 2000)
    // Must not keep a stopping process alive; close() clears it anyway.
    this.#timer.unref()
  }

  /** Open consoles. */
  get size (): number {
    return this.#followers.size
  }

  /** Follows `agentId`: `send` gets a snapshot on every change; returns the stop function. */
  follow (agentId: string, send: Send): () => void {
    const follower: Follower = { agentId, send, queued: false, running: false, again: false, hasCall: false, stopped: false, settle: undefined }
    this.#followers.add(follower)
    this.#schedule(follower)
    return () => { this.#stop(follower) }
  }

  /** Something changed: refresh the consoles of `agentId`, or all of them. */
  changed (agentId?: string): void {
    for (const follower of this.#followers) {
      if (agentId === undefined || follower.agentId === agentId) {
        this.#schedule(follower)
        this.#settle(follower)
      }
    }
  }

  /** The fallback: refresh every console whose agent has a call. */
  tick (): void {
    for (const follower of this.#followers) if (follower.hasCall) this.#schedule(follower)
  }

  close (): void {
    clearInterval(this.#timer)
    this.#unsubscribe()
    for (const follower of [...this.#followers]) this.#stop(follower)
  }

  #stop (follower: Follower): void {
    follower.stopped = true
    clearTimeout(follower.settle)
    this.#followers.delete(follower)
  }

  #settle (follower: Follower): void {
    if (!follower.hasCall || follower.settle !== undefined) return
    follower.settle = setTimeout(() => {
      follower.settle = undefined
      this.#schedule(follower)
    }, this.#options.settleMs ?? 300)
    follower.settle.unref()
  }

  #schedule (follower: Follower): void {
    if (follower.running) {
      follower.again = true
      return
    }
    if (follower.queued) return
    follower.queued = true
    setImmediate(() => {
      follower.queued = false
      void this.#refresh(follower)
    })
  }

  async #refresh (follower: Follower): Promise<void> {
    if (follower.stopped) return
    follower.running = true
    try {
      const snapshot = await this.#options.snapshot(follower.agentId)
      if (snapshot !== undefined && !follower.stopped) {
        follower.hasCall = snapshot.call !== undefined
        if (!follower.send(snapshot)) follower.stopped = true
      }
    } catch (err) {
      // The store may be away for a moment: the next trigger or tick tries again.
      this.#options.log?.warn({ err, agentId: follower.agentId }, 'agent console refresh failed')
    } finally {
      follower.running = false
    }
    if (follower.again && !follower.stopped) {
      follower.again = false
      this.#schedule(follower)
    }
  }
}
