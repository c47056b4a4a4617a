// The net under callers whose controller is gone for good: the switch itself plays the apology
// and hangs up a caller left out of a room once `seconds` pass with nobody re-arming it
// (FreeSWITCH: a `sched_api` task per leg; Asterisk: the channel's TIMEOUT(absolute)). The live
// controller re-arms every third of that. A caller in a room is with a person (or about to be):
// the net is taken off before the join, so a served call is never cut.

import type { Logger } from 'pino'
import type { FoundLeg, LegListener } from '../ports/switch.js'

/** What a switch does to arm and disarm one leg's net; a leg already gone is not an error. */
export interface NetOps {
  arm: (legId: string, seconds: number) => Promise<void>
  disarm: (legId: string) => Promise<void>
  /** The leg is gone: drop what is kept about it. */
  forget?: (legId: string) => void
}

interface Caller {
  inRoom: boolean
  /** An arm was sent and no disarm since (a timed-out arm may have reached the switch). */
  maybeArmed: boolean
  /** This leg's commands, one at a time: a disarm never overtakes an arm still in flight. */
  queue: Promise<void>
  /** A re-arm is queued or running (Asterisk: waiting for a prompt to end): no second one. */
  rearming: boolean
}

export interface SafetyNetOptions {
  /** From the last re-arm to the apology; 0: no net. */
  seconds: number
  ops: NetOps
  /** The port's leg events: a caller's hangup ends its net. */
  listen: (legId: string, listener: LegListener) => () => void
  log: Logger
}

export class SafetyNet {
  readonly #options: SafetyNetOptions
  /** The callers' legs this controller holds, by leg id. */
  readonly #callers = new Map<string, Caller>()
  /** Legs seen in a room before they were claimed as callers (findLegs). */
  readonly #seenInRoom = new Set<string>()
  #timer: NodeJS.Timeout | undefined

  constructor (options: SafetyNetOptions) {
    this.#options = options
  }

  get enabled (): boolean {
    return this.#options.seconds > 0
  }

  /** Re-arms every third of the net's time, until stop(). */
  start (): void {
    if (!this.enabled || this.#timer !== undefined) return
    this.#timer = setInterval(() => { void this.rearm() }, Math.max(1000, (this.#options.seconds * 1000) / 3))
    this.#timer.unref()
  }

  /** No more re-arming: what is armed on the switch fires unless another controller takes the legs. */
  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** What findLegs found (calls left by a controller that stopped): a caller in a room gets no net when claimed. */
  found (legs: readonly FoundLeg[]): void {
    this.#seenInRoom.clear()
    for (const leg of legs) if (leg.direction === 'inbound' && leg.room !== undefined) this.#seenInRoom.add(leg.legId)
  }

  /** The caller's leg is this controller's from now on (tagged): armed unless it is in a room. */
  async caller (legId: string): Promise<void> {
    if (!this.enabled || this.#callers.has(legId)) return
    const caller: Caller = { inRoom: this.#seenInRoom.delete(legId), maybeArmed: false, queue: Promise.resolve(), rearming: false }
    this.#callers.set(legId, caller)
    const stop = this.#options.listen(legId, (event) => {
      if (event.type !== 'hangup') return
      stop()
      this.gone(legId)
    })
    await this.#arm(legId, caller)
  }

  /** Before the caller's leg joins a room: the net comes off first. */
  async enteringRoom (legId: string): Promise<void> {
    const caller = this.#callers.get(legId)
    if (caller === undefined) return
    caller.inRoom = true
    await this.#run(caller, async () => {
      if (!caller.maybeArmed) return
      try {
        await this.#options.ops.disarm(legId)
        caller.maybeArmed = false
      } catch (err) {
        this.#options.log.warn({ err, legId }, 'taking the safety net off a caller\'s leg failed')
      }
    })
  }

  /** After the caller's leg left a room, or failed to join one: armed again. */
  async leftRoom (legId: string): Promise<void> {
    const caller = this.#callers.get(legId)
    if (caller === undefined) return
    caller.inRoom = false
    await this.#arm(legId, caller)
  }

  /** The leg is gone: nothing more to arm. */
  gone (legId: string): void {
    this.#callers.delete(legId)
    this.#seenInRoom.delete(legId)
    this.#options.ops.forget?.(legId)
  }

  /** Legs with a net on now, or possibly on (tests, diagnostics). */
  armed (): string[] {
    return [...this.#callers].filter(([, c]) => c.maybeArmed).map(([id]) => id)
  }

  /**
   * Re-arms every caller out of a room, each on its own (one leg waiting for its prompt to end
   * holds no other); a leg whose last re-arm has not gone through yet is not asked again.
   */
  async rearm (): Promise<void> {
    await Promise.all([...this.#callers].map(async ([legId, caller]) => {
      if (caller.inRoom || caller.rearming) return
      caller.rearming = true
      try {
        await this.#arm(legId, caller)
      } finally {
        caller.rearming = false
      }
    }))
  }

  async #arm (legId: string, caller: Caller): Promise<void> {
    await this.#run(caller, async () => {
      if (caller.inRoom || this.#callers.get(legId) !== caller) return
      caller.maybeArmed = true
      try {
        await this.#options.ops.arm(legId, this.#options.seconds)
      } catch (err) {
        this.#options.log.warn({ err, legId }, 'arming the safety net on a caller\'s leg failed')
      }
    })
  }

  async #run (caller: Caller, work: () => Promise<void>): Promise<void> {
    const next = caller.queue.then(work)
    caller.queue = next.catch(() => undefined)
    await next
  }
}
