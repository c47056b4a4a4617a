// The legs the Asterisk adapter follows: their listeners, what each knows of its own hangup,
// and the watches of operations in progress on them (a playback, a digit collection, a bridge
// move, a dial). Events for channels nobody follows are dropped here, so a channel that is not
// ours never reaches the core.
//
// How a leg ends (captures 05, 06, 08, 09, 12 of test/fixtures/captures/asterisk-22.10.1/):
// channels created through ARI (our dials) get StasisEnd (if they entered Stasis) and then
// ChannelDestroyed with the Q.850 cause; channels that entered Stasis from the dialplan (the
// callers) get StasisEnd and NO ChannelDestroyed, so their cause is what the last
// ChannelHangupRequest said. A ChannelHangupRequest with `soft: true` (cause 32,
// AST_SOFTHANGUP_EXPLICIT — a flag, not a Q.850 cause) is the switch side hanging up, e.g. our
// own DELETE. One with `soft: true` and cause 4 (AST_SOFTHANGUP_SHUTDOWN) or 16
// (AST_SOFTHANGUP_APPUNLOAD) is Asterisk going away: the leg's end is `lost`, whatever its
// ChannelDestroyed says (capture 14: 0 "Unknown" for a ringing leg, 16 for an answered one).

import { HotlineError } from '../../errors.js'
import type { HangupCause, LegEvent, LegListener, VendorCause } from '../../ports/switch.js'
import { causeText, hangupCauseOf, isSwitchGoingAway } from './causes.js'

export type LegOrigin = 'inbound' | 'dialed' | 'unknown'

export interface LegEnd {
  cause: HangupCause
  vendor: VendorCause
  /** It ended while the events socket was down: found gone after the reconnect, cause unknown. */
  unheard?: true
}

/** What an operation in progress on a leg wants to hear. */
export interface LegWatch {
  dtmf?: (digit: string) => void
  playbackFinished?: (playbackId: string, state: string) => void
  bridge?: (change: 'entered' | 'left', bridgeId: string) => void
  /** The channel entered our Stasis app (a dialled leg that answered). */
  stasisStarted?: () => void
  /** ChannelStateChange to Up. */
  up?: () => void
  /** ChannelStateChange to Ringing (the far end alerts). */
  ringing?: () => void
  dialStatus?: (status: string) => void
  /** The leg is gone. */
  ended: (end: LegEnd) => void
  /**
   * Events may have been lost (the events socket dropped, or the adapter closes). Watches
   * without `lost` are kept across a reconnect: the reclaim after it ends them if the leg is gone.
   */
  lost?: (err: HotlineError) => void
  /** The events socket dropped; the watch is kept (it has no `lost`) and may have missed events. */
  disconnected?: () => void
}

interface Leg {
  readonly id: string
  origin: LegOrigin
  readonly listeners: Set<LegListener>
  readonly watches: Set<LegWatch>
  /** A hangup has been requested (any ChannelHangupRequest, or our DELETE). */
  hangingUp: boolean
  /** Q.850 cause of the last ChannelHangupRequest that carried one (not soft). */
  requestedCause: number | undefined
  /** The switch side hung it up (a soft request, our DELETE): Q.850 we asked for, if ours. */
  bySwitch: { q850: number | undefined } | undefined
  /** Asterisk hung it up going away: the soft request's flag (4 shutdown, 16 module unload). */
  switchGone: number | undefined
  answered: boolean
  /** Timer that ends a dialled leg whose ChannelDestroyed is late after its StasisEnd. */
  endTimer: NodeJS.Timeout | undefined
}

export class LegTracker {
  readonly #legs = new Map<string, Leg>()
  /** How long a dialled leg waits for ChannelDestroyed after StasisEnd before it is ended anyway. */
  readonly #destroyGraceMs: number
  readonly #onListenerError: (err: unknown) => void
  readonly #now: () => number

  constructor (options: { destroyGraceMs: number, now: () => number, onListenerError: (err: unknown) => void }) {
    this.#destroyGraceMs = options.destroyGraceMs
    this.#now = options.now
    this.#onListenerError = options.onListenerError
  }

  track (legId: string, origin: LegOrigin): void {
    const leg = this.#legs.get(legId)
    if (leg !== undefined) {
      if (leg.origin === 'unknown') leg.origin = origin
      return
    }
    this.#legs.set(legId, {
      id: legId, origin, listeners: new Set(), watches: new Set(), hangingUp: false,
      requestedCause: undefined, bySwitch: undefined, switchGone: undefined, answered: false, endTimer: undefined
    })
  }

  has (legId: string): boolean {
    return this.#legs.has(legId)
  }

  origin (legId: string): LegOrigin | undefined {
    return this.#legs.get(legId)?.origin
  }

  hangingUp (legId: string): boolean {
    return this.#legs.get(legId)?.hangingUp ?? true
  }

  /** A dial on this leg waits for its answer. */
  awaitingAnswer (legId: string): boolean {
    const leg = this.#legs.get(legId)
    return leg !== undefined && [...leg.watches].some((w) => w.stasisStarted !== undefined)
  }

  ids (): string[] {
    return [...this.#legs.keys()]
  }

  get size (): number {
    return this.#legs.size
  }

  listen (legId: string, listener: LegListener): () => void {
    this.track(legId, 'unknown')
    const leg = this.#legs.get(legId)
    leg?.listeners.add(listener)
    return () => {
      if (leg === undefined) return
      leg.listeners.delete(listener)
      // A leg only listened to, never seen on the switch, is not kept once nobody listens.
      if (leg.origin === 'unknown' && leg.listeners.size === 0 && leg.watches.size === 0 && this.#legs.get(legId) === leg) {
        this.#legs.delete(legId)
      }
    }
  }

  /** Adds a watch; throws HC_CALL_GONE when the leg is not (or no longer) followed. */
  watch (legId: string, watch: LegWatch): () => void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is not in progress`)
    leg.watches.add(watch)
    return () => { leg.watches.delete(watch) }
  }

  // --- what the events say --------------------------------------------------------------------

  answered (legId: string, at: number): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    this.#each(leg, (w) => w.up?.())
    if (leg.answered) return
    leg.answered = true
    this.#emit(leg, { type: 'answered', at })
  }

  ringing (legId: string): void {
    const leg = this.#legs.get(legId)
    if (leg !== undefined) this.#each(leg, (w) => w.ringing?.())
  }

  dtmf (legId: string, digit: string, at: number): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    this.#emit(leg, { type: 'dtmf', digit, at })
    this.#each(leg, (w) => w.dtmf?.(digit))
  }

  playbackFinished (legId: string, playbackId: string, state: string): void {
    const leg = this.#legs.get(legId)
    if (leg !== undefined) this.#each(leg, (w) => w.playbackFinished?.(playbackId, state))
  }

  bridge (legId: string, change: 'entered' | 'left', bridgeId: string, at: number): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    this.#emit(leg, change === 'entered'
      ? { type: 'conference-joined', room: bridgeId, at }
      : { type: 'conference-left', room: bridgeId, at })
    this.#each(leg, (w) => w.bridge?.(change, bridgeId))
  }

  stasisStarted (legId: string): void {
    const leg = this.#legs.get(legId)
    if (leg !== undefined) this.#each(leg, (w) => w.stasisStarted?.())
  }

  dialStatus (legId: string, status: string): void {
    const leg = this.#legs.get(legId)
    if (leg !== undefined) this.#each(leg, (w) => w.dialStatus?.(status))
  }

  /** ChannelHangupRequest: `soft` requests carry no cause (cause 32 is the soft-hangup flag). */
  hangupRequested (legId: string, cause: number | undefined, soft: boolean): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    leg.hangingUp = true
    if (soft && isSwitchGoingAway(cause)) leg.switchGone = cause
    if (soft) leg.bySwitch ??= { q850: undefined }
    else if (cause !== undefined) leg.requestedCause = cause
  }

  /** We are about to DELETE the channel with this cause. */
  hangingUpBySwitch (legId: string, q850: number): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    leg.hangingUp = true
    leg.bySwitch = { q850 }
  }

  /** StasisEnd: the end of a caller's leg; a dialled leg waits for its ChannelDestroyed. */
  stasisEnded (legId: string, at: number): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    if (leg.origin !== 'dialed') {
      this.end(legId, undefined, undefined, at)
      return
    }
    leg.endTimer ??= setTimeout(() => { this.end(legId, undefined, undefined, this.#now()) }, this.#destroyGraceMs)
  }

  /**
   * The leg is gone: its hangup is reported once, everything watching it hears `ended`, and it
   * is forgotten. `q850`/`text` come from ChannelDestroyed; without them the cause is what the
   * hangup request said.
   */
  end (legId: string, q850: number | undefined, text: string | undefined, at: number): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    this.#legs.delete(legId)
    clearTimeout(leg.endTimer)
    const bySwitch = leg.bySwitch !== undefined
    const code = q850 ?? leg.requestedCause ?? leg.bySwitch?.q850
    const gone = leg.switchGone === undefined ? undefined : `Asterisk going away (soft hangup ${leg.switchGone})`
    const vendor: VendorCause = { text: text ?? causeText(code) ?? gone ?? 'StasisEnd' }
    if (code !== undefined) vendor.q850 = code
    const end: LegEnd = { cause: leg.switchGone !== undefined ? 'lost' : hangupCauseOf(code, bySwitch), vendor }
    this.#emit(leg, { type: 'hangup', cause: end.cause, vendor, at })
    this.#each(leg, (w) => { w.ended(end) })
  }

  /**
   * Ended while we could not hear it: found missing after a reconnect. `lost` when Asterisk
   * restarted meanwhile (it took every channel with it); otherwise who ended it is unknown:
   * `failed` (docs/asterisk.md, After a reconnect).
   */
  endUnheard (legId: string, at: number, cause: 'failed' | 'lost' = 'failed'): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    this.#legs.delete(legId)
    clearTimeout(leg.endTimer)
    const text = cause === 'lost' ? 'Asterisk restarted while the ARI events socket was down' : 'ended while the ARI events socket was down'
    const end: LegEnd = { cause: leg.switchGone !== undefined ? 'lost' : cause, vendor: { text }, unheard: true }
    this.#emit(leg, { type: 'hangup', cause: end.cause, vendor: end.vendor, at })
    this.#each(leg, (w) => { w.ended(end) })
  }

  /** Forgets a leg without reporting anything (a dial that never became a call). */
  drop (legId: string): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    clearTimeout(leg.endTimer)
    this.#legs.delete(legId)
  }

  /**
   * Events may have been lost: watches that cannot survive that fail now. With `all`, every
   * watch fails (the adapter is closing) and the legs are forgotten.
   */
  lose (err: HotlineError, all = false): void {
    for (const leg of this.#legs.values()) {
      for (const w of [...leg.watches]) {
        if (w.lost !== undefined) {
          leg.watches.delete(w)
          this.#safely(() => { w.lost?.(err) })
        } else if (!all) {
          this.#safely(() => { w.disconnected?.() })
        } else {
          leg.watches.delete(w)
          this.#safely(() => { w.ended({ cause: 'failed', vendor: { text: err.message }, unheard: true }) })
        }
      }
      if (all) clearTimeout(leg.endTimer)
    }
    if (all) this.#legs.clear()
  }

  #emit (leg: Leg, event: LegEvent): void {
    for (const listener of [...leg.listeners]) this.#safely(() => { listener(event) })
  }

  #each (leg: Leg, fn: (watch: LegWatch) => void): void {
    for (const watch of [...leg.watches]) this.#safely(() => { fn(watch) })
  }

  /** One throwing listener must not keep the others (or the events socket) from their events. */
  #safely (fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.#onListenerError(err)
    }
  }
}
