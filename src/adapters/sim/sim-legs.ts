// The simulated switch's legs and their life cycle: created and announced, parked, answered,
// connected when a dialled far end answers, hung up. The orders are the ones sim-switch.ts lists
// (captured from the real switches); the switch's public operations act through this.

import { ChannelPlayer } from './media.js'
import type { SimCall } from './sim-call.js'
import { SIM_CAUSES, setHangupVariables, type SimCause } from './sim-causes.js'
import type { SimConferences } from './sim-conferences.js'
import type { DialLeg } from './sim-dialer.js'
import type { SimInstall } from './sim-install.js'
import type { SimTimers, Task } from './sim-timers.js'
import type { HangupSide, ModelEvent, OriginateResult, SimChannel } from './model-types.js'

export interface Leg {
  readonly channel: SimChannel
  readonly player: ChannelPlayer
  readonly tasks: Set<Task>
  /** channel-created has been emitted. */
  announced: boolean
  call?: SimCall
  /** Resolves the originate in progress (outbound legs until answered or ended). */
  dial?: (result: OriginateResult) => void
  /** The pending hangup-complete of a leg whose dial result went first. */
  complete?: () => void
  /** The teardown of a leg whose hangup was requested and which its thread has yet to carry out. */
  teardown?: () => void
}

/** What the legs need from their switch. */
export interface LegHost {
  readonly install: SimInstall
  readonly timeScale: number
  readonly timers: SimTimers
  readonly conferences: SimConferences
  scaled(ms: number): number
  durationMs(media: string): number
  emit(event: ModelEvent): void
}

export class SimLegs {
  readonly #host: LegHost
  readonly #legs = new Map<string, Leg>()

  constructor (host: LegHost) {
    this.#host = host
  }

  get (id: string): Leg | undefined {
    return this.#legs.get(id)
  }

  has (id: string): boolean {
    return this.#legs.has(id)
  }

  all (): Leg[] {
    return [...this.#legs.values()]
  }

  add (channel: SimChannel): Leg {
    const host = this.#host
    const leg: Leg = {
      channel,
      tasks: new Set(),
      announced: false,
      player: new ChannelPlayer(channel, {
        emit: (event) => { host.emit(event) },
        schedule: (ms, fn) => this.schedule(leg, ms, fn).cancel,
        exists: (media) => host.install.hasMedia(media),
        durationMs: (media) => host.durationMs(media),
        scaled: (ms) => host.scaled(ms),
        timeScale: host.timeScale,
        heard: (media) => { leg.call?.markHeard(media) }
      })
    }
    this.#legs.set(channel.id, leg)
    return leg
  }

  /** A leg that exists and is not hung up. */
  live (id: string): Leg | undefined {
    const leg = this.#legs.get(id)
    return leg !== undefined && this.isLive(leg) ? leg : undefined
  }

  isLive (leg: Leg): boolean {
    return leg.channel.answerState !== 'hangup'
  }

  /** Emits channel-created (and, for a caller, the dialplan's park). Runs once per leg. */
  announce (leg: Leg): void {
    if (leg.announced) return
    leg.announced = true
    const { channel } = leg
    this.#host.emit({ type: 'channel-created', channel })
    if (channel.direction !== 'inbound') return
    this.#park(leg)
    if (this.isLive(leg) && channel.answeredAt === undefined) leg.call?.markParked()
  }

  markAnswered (leg: Leg): void {
    const { channel } = leg
    if (channel.answerState === 'answered') return
    this.announce(leg)
    if (!this.isLive(leg)) return
    channel.answerState = 'answered'
    channel.answeredAt = Date.now()
    this.#host.emit({ type: 'channel-answered', channel })
    leg.call?.markAnswered()
  }

  /** What the dialer may do to an outbound leg while its far end plays its part. */
  dialLeg (leg: Leg): DialLeg {
    return {
      channel: leg.channel,
      isLive: () => this.isLive(leg),
      emit: (event) => { this.#host.emit(event) },
      schedule: (ms, fn) => this.schedule(leg, ms, fn).cancel,
      hangup: (cause, side, refusedWith) => { this.hangup(leg, cause, side, refusedWith) },
      connect: () => { this.#farEndAnswers(leg) }
    }
  }

  /** The far end hangs up: BYE when answered (NORMAL_CLEARING), CANCEL before (ORIGINATOR_CANCEL, SIP 487). */
  remoteHangup (id: string): boolean {
    const leg = this.live(id)
    if (leg === undefined) return false
    this.hangup(leg, leg.channel.answeredAt === undefined ? 'ORIGINATOR_CANCEL' : 'NORMAL_CLEARING', 'remote')
    return true
  }

  /**
   * Ends a leg. `refusedWith` is the SIP status of a far end that refused the dial; such a
   * leg completes before the dial result, any other dial reports its result first.
   */
  hangup (leg: Leg, cause: SimCause, side: HangupSide, refusedWith?: number): void {
    this.#beginHangup(leg, cause, side, refusedWith)?.()
  }

  /**
   * A hangup asked for from outside the leg's own thread: the leg is hanging up now
   * (channel-hangup; no longer live) and its thread takes it down `afterMs` later.
   */
  requestHangup (leg: Leg, cause: SimCause, afterMs: number): void {
    const finish = this.#beginHangup(leg, cause, 'switch')
    if (finish === undefined) return
    leg.teardown = () => {
      leg.teardown = undefined
      finish()
    }
    this.schedule(undefined, afterMs, () => { leg.teardown?.() })
  }

  /**
   * Every live leg ends with `cause`: all hangups are requested first, then each leg is taken
   * down, and no timer is left (a switch going down; ARI 14: a ChannelHangupRequest for every
   * channel before the first is destroyed).
   */
  endAll (cause: SimCause): void {
    const finishes = this.all().map((leg) => this.#beginHangup(leg, cause, 'switch'))
    for (const finish of finishes) finish?.()
    for (const leg of this.all()) leg.teardown?.()
    this.#host.timers.cancelAll()
    for (const leg of this.all()) leg.complete?.()
  }

  /** A timer (ms) or next-turn step (ms undefined), cancelled with the leg's hangup if given. */
  schedule (leg: Leg | undefined, ms: number | undefined, fn: () => void): Task {
    return this.#host.timers.schedule(leg?.tasks, ms, fn)
  }

  #park (leg: Leg): void {
    if (!this.isLive(leg)) return
    leg.channel.variables.set('current_application', 'park')
    this.#host.emit({ type: 'channel-parked', channel: leg.channel })
  }

  #farEndAnswers (leg: Leg): void {
    const dial = leg.dial
    leg.dial = undefined
    this.markAnswered(leg)
    dial?.({ ok: true, channel: leg.channel })
    // `originate … &park()`: the answered leg parks after the job reports (FS 04: PARK 509).
    this.schedule(leg, undefined, () => { this.#park(leg) })
  }

  /** The hangup is requested (channel-hangup); the function returned takes the leg down. */
  #beginHangup (leg: Leg, cause: SimCause, side: HangupSide, refusedWith?: number): (() => void) | undefined {
    const { channel } = leg
    const host = this.#host
    this.announce(leg)
    // A listener may have hung the leg up while it was being announced.
    if (!this.isLive(leg)) return undefined
    const dial = leg.dial
    leg.dial = undefined
    for (const task of [...leg.tasks]) task.cancel()
    const q850 = SIM_CAUSES[cause]
    setHangupVariables(channel, cause, side, refusedWith)
    channel.answerState = 'hangup'
    channel.hangupCause = cause
    channel.hangupSide = side
    channel.hangupAt = Date.now()
    host.emit({ type: 'channel-hangup', channel, cause, q850 })
    return () => {
      leg.player.stopAll()
      const room = host.conferences.removeMember(channel)
      const complete = (): void => {
        leg.complete = undefined
        this.#legs.delete(channel.id)
        host.emit({ type: 'channel-hangup-complete', channel, cause, q850 })
        if (room !== undefined) host.conferences.destroyIfEmpty(room)
        leg.call?.markEnded({ cause, q850, side })
      }
      const result: OriginateResult = { ok: false, cause, q850, channel }
      if (dial === undefined || refusedWith !== undefined) {
        complete()
        dial?.(result)
        return
      }
      dial(result)
      leg.complete = complete
      // On a later turn, so whoever awaits the result has run first (FS 06: job 535, complete 539).
      this.schedule(undefined, undefined, () => { leg.complete?.() })
    }
  }
}
