// This controller's lease, and its watch over its peers' (ports/leases.ts). Every third of the
// lease's time it renews its own and looks for peers whose lease lapsed; for each one it
// manages to claim (one peer only, atomically) it takes the dead controller's calls over with
// the claim's fencing token (recovery.ts, as after its own restart), then forgets it. A renewal
// answered `taken` means a peer took this controller's calls while its lease had lapsed (a
// long pause, a partition from the store): it must stop acting on them (onTaken).
//
// A controller cut off from its switch (a dead link, not a switch restart: peers still reach
// it) cannot help its callers, so once the switch has been out of its reach for a lease's time
// it stops renewing: the lease lapses and a peer that reaches the switch takes the calls over,
// instead of the callers waiting in silence for the link or the switch's safety net.

import type { Logger } from 'pino'
import type { LeaseInfo, Leases } from '../ports/leases.js'

export interface LeaseKeeperDeps {
  leases: Leases
  controllerId: string
  ttlMs: number
  info?: LeaseInfo
  log: Logger
  /** Only a controller that can act on the switch takes calls over. */
  canTakeOver: () => boolean
  /** Takes over the calls of `deadId`, whose lease lapsed, writing their records with `fence`. */
  takeOver: (deadId: string, info: LeaseInfo, fence: number) => Promise<void>
  /** A peer took this controller's calls over: they are not its own any more. */
  onTaken: (why: string) => void
  /** The lease is held (first time, or again after the store came back): this controller's own calls may be looked for. */
  onAcquired?: (fence: number) => void
  /** Since when this controller cannot reach its switch (undefined: it can). */
  switchLostSince?: () => number | undefined
  now?: () => number
}

/** How long a claim keeps other peers, and the dead controller if it comes back, off its calls while they are taken over. */
const CLAIM_HOLD_MS = 60_000
/** How long after a takeover a controller that was only paused is told, at its renewal, that its calls are gone. */
const TAKEN_MEMORY_MS = 10 * 60 * 1000

export class LeaseKeeper {
  readonly #deps: LeaseKeeperDeps
  #fence = 0
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  /**
   * Takeovers under way, by dead controller: they run beside the rounds, so this controller's
   * own renewals never wait for one (a long takeover would let its own lease lapse).
   */
  readonly #taking = new Map<string, Promise<void>>()
  #taken = false
  #stopped = false
  #lettingLapse = false
  /** The last round acquired or renewed the lease (false after a failed or skipped one). */
  #held = false

  constructor (deps: LeaseKeeperDeps) {
    this.#deps = deps
  }

  /** The fencing token of this controller's lease (0 until it is first acquired). */
  get fence (): number {
    return this.#fence
  }

  /** The last round acquired or renewed the lease: no peer has taken this controller's calls. */
  get held (): boolean {
    return this.#held && !this.#taken
  }

  /** Acquires the lease (retried at each tick while the store is away) and starts the rounds. */
  start (): void {
    this.#timer = setInterval(() => { this.#tick() }, Math.max(50, Math.floor(this.#deps.ttlMs / 3)))
    this.#timer.unref()
    this.#tick()
  }

  /** One round now (the switch is back; tests); resolves when it and the takeovers it began are over. */
  async round (): Promise<void> {
    this.#tick()
    await this.#running
    await Promise.all(this.#taking.values())
  }

  /** Stops the rounds; with `leave`, the lease is let go (a clean stop: nobody takes over). */
  async stop (leave: boolean): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#running
    await Promise.all(this.#taking.values())
    if (leave && this.#fence > 0) await this.#deps.leases.leave(this.#deps.controllerId).catch(() => undefined)
  }

  #tick (): void {
    if (this.#running !== undefined || this.#stopped || this.#taken) return
    this.#running = this.#round()
      .catch((err: unknown) => {
        this.#held = false
        this.#deps.log.warn({ err }, 'lease round failed; tried again at the next one')
      })
      .finally(() => { this.#running = undefined })
  }

  async #round (): Promise<void> {
    const { leases, controllerId, ttlMs, log } = this.#deps
    const lostSince = this.#deps.switchLostSince?.()
    const cutOff = lostSince !== undefined && (this.#deps.now ?? Date.now)() - lostSince >= ttlMs
    if (cutOff !== this.#lettingLapse) {
      this.#lettingLapse = cutOff
      if (cutOff) log.warn({ lostSince: new Date(lostSince).toISOString() }, 'the switch is out of reach: the lease is left to lapse, so a peer that reaches it takes the calls over')
      else log.info('the switch is back: renewing the lease again')
    }
    if (cutOff) {
      this.#held = false
      return
    }
    if (this.#fence === 0) {
      const fence = await leases.acquire(controllerId, ttlMs, this.#deps.info)
      if (fence === undefined) {
        log.warn('a peer is taking this controller\'s calls over; the lease is asked for again at the next round')
        return
      }
      this.#fence = fence
      log.info({ fence, ttlMs }, 'lease acquired')
    } else if (await leases.renew(controllerId, ttlMs) === 'taken') {
      this.#taken = true
      log.error('this controller\'s lease lapsed and a peer took its calls over')
      this.#deps.onTaken('a peer took this controller\'s calls over while its lease had lapsed')
      return
    }
    // Held again after rounds that could not tell (the store away): its own calls may be looked for.
    const again = !this.#held
    this.#held = true
    if (again) this.#deps.onAcquired?.(this.#fence)
    if (!this.#deps.canTakeOver()) return
    // Its own claims too: after a restart part way through a takeover it claims again at once.
    for (const dead of await leases.lapsed(controllerId)) {
      if (dead.controllerId === controllerId || this.#stopped || this.#taking.has(dead.controllerId)) continue
      const fence = await leases.claim(dead.controllerId, controllerId, CLAIM_HOLD_MS)
      if (fence === undefined) continue
      log.warn({ deadController: dead.controllerId, fence }, 'a peer\'s lease lapsed: taking its calls over')
      const work = this.#takeOver(dead.controllerId, dead.info, fence).finally(() => { this.#taking.delete(dead.controllerId) })
      this.#taking.set(dead.controllerId, work)
    }
  }

  async #takeOver (deadId: string, info: LeaseInfo, fence: number): Promise<void> {
    const { leases, log } = this.#deps
    try {
      await this.#deps.takeOver(deadId, info, fence)
      await leases.release(deadId, TAKEN_MEMORY_MS)
    } catch (err) {
      log.warn({ err, deadController: deadId }, 'taking a peer\'s calls over failed; claimed again at a later round')
      await leases.abandon(deadId).catch((abandonErr: unknown) => { log.warn({ err: abandonErr }, 'dropping the claim failed; it lapses by itself') })
    }
  }
}
