// Controller leases: which controllers are alive, so a peer takes over the calls of one that
// died. Each controller holds a lease that expires unless renewed (Redis: on the server's
// clock, so no controller's clock decides); when one lapses, one live peer claims the dead
// controller's calls, atomically, and gets a fencing token higher than any token given before.
// Call records carry the token of the controller that owns them (CallRecord.fence): the store
// refuses a write with a lower token than the record's (HC_FENCED), so a controller whose
// lease lapsed (a pause, a partition) cannot write over the new owner; at its next renewal it
// learns its calls were taken and stops.

/** What a controller says of itself with its lease (e.g. its Asterisk application). */
export type LeaseInfo = Readonly<Record<string, string>>

export interface LapsedLease {
  controllerId: string
  info: LeaseInfo
}

export interface Leases {
  /**
   * Takes this controller's lease (at start, or again after a restart: a finished takeover of
   * its calls is forgotten) and returns its fencing token, higher than every one before; or
   * undefined while a peer is taking its calls over (asked again later: the calls are the peer's).
   */
  acquire(controllerId: string, ttlMs: number, info?: LeaseInfo): Promise<number | undefined>
  /** Extends the lease; `taken` when a peer took this controller's calls over meanwhile. */
  renew(controllerId: string, ttlMs: number): Promise<'held' | 'taken'>
  /**
   * Controllers known to the store whose lease lapsed and whose calls nobody claimed yet — or,
   * when `forId` is given, that `forId` itself was claiming: a controller killed part way
   * through a takeover claims again as soon as it is back, instead of leaving the dead
   * controller's callers to wait out its own claim.
   */
  lapsed(forId?: string): Promise<LapsedLease[]>
  /**
   * Atomically: if `deadId`'s lease is still lapsed and no peer claimed it (or `byId` was the
   * one claiming it, before a restart), `byId` claims its calls for at most `holdMs` (then
   * another peer may); the fencing token for the records it takes, or undefined when it may not.
   */
  claim(deadId: string, byId: string, holdMs: number): Promise<number | undefined>
  /**
   * The takeover is over: `deadId` is forgotten (until it acquires a lease again), and for
   * `rememberMs` its renewals answer `taken` (a controller that was only paused must stop).
   */
  release(deadId: string, rememberMs: number): Promise<void>
  /** The takeover failed part way: the claim is dropped, so a peer (or this one) claims again. */
  abandon(deadId: string): Promise<void>
  /** A clean stop (calls drained): the lease is let go and nobody takes anything over. */
  leave(controllerId: string): Promise<void>
  close(): Promise<void>
}
