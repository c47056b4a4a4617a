// Controller leases in this process (ports/leases.ts): with the memory store there is one
// controller, so nobody takes anything over; the rules are the Redis ones all the same, and
// both pass one contract test.

import type { LapsedLease, LeaseInfo, Leases } from '../../ports/leases.js'

interface Held { expiresAt: number, info: LeaseInfo }

export class MemoryLeases implements Leases {
  readonly #now: () => number
  readonly #known = new Map<string, Held>()
  /** Controllers whose calls a peer claims (`claiming`) or took: by whom, until when. */
  readonly #taken = new Map<string, { by: string, until: number, claiming: boolean }>()
  #epoch = 0

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  async acquire (controllerId: string, ttlMs: number, info: LeaseInfo = {}): Promise<number | undefined> {
    if (this.#isTaken(controllerId) && this.#taken.get(controllerId)?.claiming === true) return undefined
    this.#taken.delete(controllerId)
    this.#known.set(controllerId, { expiresAt: this.#now() + ttlMs, info: { ...info } })
    return await Promise.resolve(++this.#epoch)
  }

  async renew (controllerId: string, ttlMs: number): Promise<'held' | 'taken'> {
    if (this.#isTaken(controllerId)) return 'taken'
    const held = this.#known.get(controllerId)
    this.#known.set(controllerId, { expiresAt: this.#now() + ttlMs, info: held?.info ?? {} })
    return await Promise.resolve('held')
  }

  async lapsed (forId?: string): Promise<LapsedLease[]> {
    const now = this.#now()
    return await Promise.resolve([...this.#known]
      .filter(([id, held]) => held.expiresAt <= now && (!this.#isTaken(id) || this.#claimingBy(id, forId)))
      .map(([controllerId, held]) => ({ controllerId, info: held.info })))
  }

  async claim (deadId: string, byId: string, holdMs: number): Promise<number | undefined> {
    const held = this.#known.get(deadId)
    if (held === undefined || held.expiresAt > this.#now() || (this.#isTaken(deadId) && !this.#claimingBy(deadId, byId))) return undefined
    this.#taken.set(deadId, { by: byId, until: this.#now() + holdMs, claiming: true })
    return await Promise.resolve(++this.#epoch)
  }

  async release (deadId: string, rememberMs: number): Promise<void> {
    const taken = this.#taken.get(deadId)
    if (taken?.claiming === true && taken.until > this.#now()) this.#taken.set(deadId, { by: taken.by, until: this.#now() + rememberMs, claiming: false })
    const held = this.#known.get(deadId)
    if (held !== undefined && held.expiresAt <= this.#now()) this.#known.delete(deadId)
    await Promise.resolve()
  }

  async abandon (deadId: string): Promise<void> {
    this.#taken.delete(deadId)
    await Promise.resolve()
  }

  async leave (controllerId: string): Promise<void> {
    this.#known.delete(controllerId)
    await Promise.resolve()
  }

  async close (): Promise<void> {
    await Promise.resolve()
  }

  /** `byId` is claiming `deadId`'s calls (from before a restart of its own). */
  #claimingBy (deadId: string, byId: string | undefined): boolean {
    const taken = this.#taken.get(deadId)
    return byId !== undefined && taken !== undefined && taken.claiming && taken.by === byId && taken.until > this.#now()
  }

  #isTaken (controllerId: string): boolean {
    const taken = this.#taken.get(controllerId)
    return taken !== undefined && taken.until > this.#now()
  }
}
