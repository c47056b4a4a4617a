// The simulated switch's call model: channels, dials, playbacks, DTMF and conferences, with
// scripted callers and far ends. The wire sides (ESL, ARI) relay its events in the order it
// emits them and resolve their replies when its promises settle, so the orders here copy real
// traffic (test/fixtures/captures/freeswitch-1.11.1/, test/fixtures/captures/asterisk-22.10.1/):
//
// - a call to 12345 is created and parked, still ringing, for the controller (FS 01_inbound_park;
//   ARI 01: StasisStart in state Ring);
// - a refused dial hangs its leg up before the originate result (FS 05: CHANNEL_HANGUP_COMPLETE
//   seq 521, BACKGROUND_JOB 522; ARI 05: ChannelDestroyed 17); a dial the switch gives up on
//   (ring timeout, cancel) reports its result first and completes the hangup after (FS 06:
//   BACKGROUND_JOB 535, CHANNEL_HANGUP_COMPLETE 539); an answered dial raises its answer, then
//   the result, then parks (FS 04: CHANNEL_ANSWER 503, BACKGROUND_JOB 506, CHANNEL_PARK 509);
// - a hangup raises channel-hangup, stops the playback, takes the channel out of its conference,
//   completes, and only then destroys the emptied conference (FS 08_uuid_kill: del-member,
//   CHANNEL_HANGUP_COMPLETE, conference-destroy; ARI 09: HangupRequest, LeftBridge, Destroyed).
//
// This file keeps the legs and their life cycle; the far ends (sim-dialer.ts), conferences
// (sim-conferences.ts), causes (sim-causes.ts), new channels (sim-channels.ts), timers
// (sim-timers.ts) and event delivery (sim-outbox.ts) are its parts.

import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { HotlineError } from '../../errors.js'
import { ChannelPlayer, defaultMediaDurationMs } from './media.js'
import { SimCall } from './sim-call.js'
import { callerChannel, dialledChannel } from './sim-channels.js'
import { SIM_CAUSES, isSimCause, setHangupVariables, type SimCause } from './sim-causes.js'
import { SimConferences } from './sim-conferences.js'
import { SimDialer, type DialLeg } from './sim-dialer.js'
import { SimOutbox } from './sim-outbox.js'
import type { SimInstall } from './sim-install.js'
import { SimTimers, type Task } from './sim-timers.js'
import type {
  EndpointBehaviour, EndpointChooser, HangupSide, ModelEvent, OriginateRequest, OriginateResult, PlaceCallOptions,
  PlayRequest, PlayResult, SimCallHandle, SimChannel, SimConference, SimSwitchOptions
} from './model-types.js'

// The cause table is part of the switch's API; it lives with the hangup variables it feeds.
export { SIM_CAUSES, isSimCause, reportedQ850, type SimCause } from './sim-causes.js'

/** Length of an RFC 4733 digit from SIPp: FS DTMF-Duration 2240 samples at 8 kHz, ARI duration_ms 280. */
const DTMF_DURATION_MS = 280
const DIGITS = /^[0-9A-D*#]+$/i

export interface SimSwitchConfig extends SimSwitchOptions {
  /** Gets what a listener threw while the model emitted (default: a process warning). */
  onError?: (err: unknown) => void
}

interface Leg {
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
}

function noSuchCall (id: string): HotlineError {
  return new HotlineError('HC_SWITCH_NO_SUCH_CALL', `no such channel: ${id}`)
}

function checkDigits (digits: string): void {
  if (!DIGITS.test(digits)) throw new HotlineError('HC_BAD_REQUEST', `not DTMF digits: ${JSON.stringify(digits)}`)
}

export class SimSwitch extends EventEmitter<{ event: [ModelEvent] }> {
  readonly coreId: string = randomUUID()
  readonly hostname: string
  readonly timeScale: number
  readonly install: SimInstall
  readonly #durationMs: (media: string) => number
  /** Registered phones and how each answers. */
  readonly #phones = new Map<string, EndpointBehaviour | EndpointChooser>()
  readonly #onError: (err: unknown) => void
  readonly #legs = new Map<string, Leg>()
  readonly #conferences = new SimConferences((event) => { this.#emit(event) })
  readonly #dialer = new SimDialer((ms) => this.scaled(ms))
  readonly #choosers = new Map<string, EndpointChooser>()
  readonly #timers: SimTimers
  readonly #outbox: SimOutbox
  #closed = false

  constructor (options: SimSwitchConfig) {
    super()
    const timeScale = options.timeScale ?? 1
    if (!Number.isFinite(timeScale) || timeScale <= 0) {
      throw new HotlineError('HC_CONFIG_INVALID', `timeScale must be a positive number, got ${timeScale}`)
    }
    this.timeScale = timeScale
    this.hostname = options.hostname ?? 'sim'
    this.#durationMs = options.mediaDurationMs ?? defaultMediaDurationMs
    this.install = options.install
    this.#onError = options.onError ?? ((err) => {
      process.emitWarning(err instanceof Error ? err : String(err), 'SimSwitchListenerError')
    })
    this.#timers = new SimTimers(this.#onError)
    this.#outbox = new SimOutbox((event) => { this.emit('event', event) }, this.#onError)
  }

  scaled (ms: number): number {
    return Math.max(1, Math.round(ms * this.timeScale))
  }

  /** Timers and deferred steps still pending; 0 after close(). */
  get pendingTimers (): number {
    return this.#timers.size
  }

  // --- the scripted world ---------------------------------------------------------------

  /**
   * A number's far end behind the department trunk: one behaviour for every dial, or a
   * chooser asked at each dial. An agent's phone is not a far end: it registers (registerPhone).
   */
  defineEndpoint (number: string, behaviour: EndpointBehaviour | EndpointChooser): void {
    if (this.install.phones.has(number)) {
      throw new HotlineError('HC_BAD_REQUEST', `${number} is an agent phone of the switch configuration: registerPhone() it`)
    }
    this.removeEndpoint(number)
    if (typeof behaviour === 'function') this.#choosers.set(number, behaviour)
    else this.#dialer.define(number, behaviour)
  }

  removeEndpoint (number: string): boolean {
    const fixed = this.#dialer.remove(number)
    return this.#choosers.delete(number) || fixed
  }

  /**
   * An agent's phone registers (digest authentication, as the generated configuration asks);
   * only a phone the configuration lists can. Until it does, dials to it are refused as the
   * switch refuses them (USER_NOT_REGISTERED; Asterisk 500 Allocation failed).
   */
  registerPhone (extension: string, behaviour: EndpointBehaviour | EndpointChooser): void {
    if (!this.install.phones.has(extension)) {
      throw new HotlineError('HC_BAD_REQUEST', `no phone ${extension} in the switch configuration (config/agents.yaml)`)
    }
    this.#phones.set(extension, behaviour)
  }

  /** The phone's registration expires or it unregisters; false if it was not registered. */
  unregisterPhone (extension: string): boolean {
    return this.#phones.delete(extension)
  }

  /** How a registered phone answers (a chooser asked at each dial, or one behaviour). */
  phoneBehaviour (extension: string): EndpointBehaviour | EndpointChooser | undefined {
    return this.#phones.get(extension)
  }

  /** absent: not in the configuration; unregistered: configured but not registered now. */
  phone (extension: string): 'absent' | 'unregistered' | 'registered' {
    if (!this.install.phones.has(extension)) return 'absent'
    return this.#phones.has(extension) ? 'registered' : 'unregistered'
  }

  /** A caller dials in. Its channel is announced on the next turn, so listeners can attach first. */
  placeCall (options: PlaceCallOptions): SimCallHandle {
    if (this.#closed) throw new HotlineError('HC_SHUTTING_DOWN', 'the simulated switch is closed')
    for (const step of options.dtmf ?? []) checkDigits(step.digits)
    const channel = callerChannel(options)
    const leg = this.#addLeg(channel)
    const call = new SimCall(channel, options, {
      sendDtmf: (id, digits) => this.sendDtmf(id, digits),
      remoteHangup: (id) => this.#remoteHangup(id),
      after: (ms, fn) => this.#isLive(leg) ? this.#schedule(leg, this.scaled(ms), fn).cancel : () => {}
    })
    leg.call = call
    this.#schedule(leg, undefined, () => { this.#announce(leg) })
    return call
  }

  // --- lookups ----------------------------------------------------------------------------

  /** How a number's far end behaves; undefined for a number nobody answers (UNALLOCATED_NUMBER). */
  endpoint (number: string): EndpointBehaviour | EndpointChooser | undefined {
    return this.#choosers.get(number) ?? this.#dialer.endpoint(number)
  }

  /** A channel, until its hangup completes. */
  channel (id: string): SimChannel | undefined {
    return this.#legs.get(id)?.channel
  }

  channels (): SimChannel[] {
    return [...this.#legs.values()].map((leg) => leg.channel)
  }

  conference (room: string): SimConference | undefined {
    return this.#conferences.get(room)
  }

  // --- operations -------------------------------------------------------------------------

  answer (id: string): Promise<void> {
    const leg = this.#live(id)
    if (leg === undefined) return Promise.reject(noSuchCall(id))
    if (leg.dial !== undefined) {
      return Promise.reject(new HotlineError('HC_SWITCH_COMMAND', `channel ${id} is still dialling; its far end answers it`))
    }
    this.#markAnswered(leg)
    return Promise.resolve()
  }

  play (id: string, req: PlayRequest): Promise<PlayResult> {
    const leg = this.#live(id)
    if (leg === undefined) return Promise.reject(noSuchCall(id))
    return leg.player.play(req)
  }

  stopPlayback (id: string): boolean {
    return this.#live(id)?.player.stop() ?? false
  }

  /**
   * Hangs a channel up; false if there is no such live channel. A cause the table does not
   * know is taken as NORMAL_CLEARING, so every channel ends with a cause both wire sides know.
   */
  hangup (id: string, cause: string = 'NORMAL_CLEARING', side: HangupSide = 'switch'): boolean {
    const leg = this.#live(id)
    if (leg === undefined) return false
    this.#hangupLeg(leg, isSimCause(cause) ? cause : 'NORMAL_CLEARING', side)
    return true
  }

  /**
   * Dials a number. Endpoints answer, refuse or ring as scripted; a number without one ends
   * UNALLOCATED_NUMBER. The leg is created (and its channel-created emitted) before this returns.
   */
  originate (req: OriginateRequest): Promise<OriginateResult> {
    if (this.#closed) return Promise.reject(new HotlineError('HC_SHUTTING_DOWN', 'the simulated switch is closed'))
    const id = req.channelId ?? randomUUID()
    if (this.#legs.has(id)) return Promise.reject(new HotlineError('HC_SWITCH_COMMAND', `channel id in use: ${id}`))
    const channel = dialledChannel(id, req)
    const leg = this.#addLeg(channel)
    const dial = { number: req.number, callerIdNumber: req.callerIdNumber }
    let behaviour: EndpointBehaviour | undefined
    if (req.via === 'phone') {
      const phone = this.#phones.get(req.number)
      behaviour = typeof phone === 'function' ? phone(dial) : phone
    } else {
      behaviour = this.#choosers.get(req.number)?.(dial) ?? this.#dialer.endpoint(req.number)
    }
    return new Promise((resolve) => {
      leg.dial = resolve
      this.#announce(leg)
      if (this.#isLive(leg)) this.#dialer.dial(this.#dialLeg(leg), behaviour, req.timeoutMs)
    })
  }

  /**
   * Puts a channel in a conference, creating it on first join; returns the member id (from 1
   * per conference). mod_conference answers the channel before joining it
   * (conference_function: switch_channel_answer). Throws HC_SWITCH_NO_SUCH_CALL for an unknown
   * channel.
   */
  joinConference (id: string, room: string): number {
    const leg = this.#live(id)
    if (leg === undefined) throw noSuchCall(id)
    if (leg.dial !== undefined) throw new HotlineError('HC_SWITCH_COMMAND', `channel ${id} is still dialling`)
    const current = leg.channel.conference
    if (current?.room === room) return current.memberId
    if (current !== undefined) this.leaveConference(id)
    this.#markAnswered(leg)
    if (!this.#isLive(leg)) throw noSuchCall(id)
    return this.#conferences.add(leg.channel, room)
  }

  /** Takes a channel out of its conference (destroying it when it empties); false if not in one. */
  leaveConference (id: string): boolean {
    const leg = this.#live(id)
    return leg !== undefined && this.#conferences.leave(leg.channel)
  }

  /**
   * Digits from a channel's far end (a caller or a department phone). RFC 4733 needs media,
   * so only an answered channel can send them; false for no such answered channel.
   */
  sendDtmf (id: string, digits: string): boolean {
    checkDigits(digits)
    const leg = this.#live(id)
    if (leg?.channel.answerState !== 'answered') return false
    for (const key of digits) {
      if (!this.#isLive(leg)) break
      this.#emit({ type: 'dtmf', channel: leg.channel, digit: key.toUpperCase(), durationMs: DTMF_DURATION_MS })
      leg.player.digit()
    }
    return true
  }

  /** Hangs every channel up with SYSTEM_SHUTDOWN and clears every timer. */
  close (): void {
    this.#closed = true
    for (const leg of [...this.#legs.values()]) {
      if (this.#isLive(leg)) this.#hangupLeg(leg, 'SYSTEM_SHUTDOWN', 'switch')
    }
    this.#timers.cancelAll()
    for (const leg of [...this.#legs.values()]) leg.complete?.()
  }

  // --- internals --------------------------------------------------------------------------

  #addLeg (channel: SimChannel): Leg {
    const leg: Leg = {
      channel,
      tasks: new Set(),
      announced: false,
      player: new ChannelPlayer(channel, {
        emit: (event) => { this.#emit(event) },
        schedule: (ms, fn) => this.#schedule(leg, ms, fn).cancel,
        exists: (media) => this.install.hasMedia(media),
        durationMs: (media) => this.#durationMs(media),
        scaled: (ms) => this.scaled(ms),
        timeScale: this.timeScale,
        heard: (media) => { leg.call?.markHeard(media) }
      })
    }
    this.#legs.set(channel.id, leg)
    return leg
  }

  #live (id: string): Leg | undefined {
    const leg = this.#legs.get(id)
    return leg !== undefined && this.#isLive(leg) ? leg : undefined
  }

  #isLive (leg: Leg): boolean {
    return leg.channel.answerState !== 'hangup'
  }

  /** Emits channel-created (and, for a caller, the dialplan's park). Runs once per leg. */
  #announce (leg: Leg): void {
    if (leg.announced) return
    leg.announced = true
    const { channel } = leg
    this.#emit({ type: 'channel-created', channel })
    if (channel.direction !== 'inbound') return
    this.#park(leg)
    if (this.#isLive(leg) && channel.answeredAt === undefined) leg.call?.markParked()
  }

  #park (leg: Leg): void {
    if (!this.#isLive(leg)) return
    leg.channel.variables.set('current_application', 'park')
    this.#emit({ type: 'channel-parked', channel: leg.channel })
  }

  #markAnswered (leg: Leg): void {
    const { channel } = leg
    if (channel.answerState === 'answered') return
    this.#announce(leg)
    if (!this.#isLive(leg)) return
    channel.answerState = 'answered'
    channel.answeredAt = Date.now()
    this.#emit({ type: 'channel-answered', channel })
    leg.call?.markAnswered()
  }

  /** What the dialer may do to an outbound leg while its far end plays its part. */
  #dialLeg (leg: Leg): DialLeg {
    return {
      channel: leg.channel,
      isLive: () => this.#isLive(leg),
      emit: (event) => { this.#emit(event) },
      schedule: (ms, fn) => this.#schedule(leg, ms, fn).cancel,
      hangup: (cause, side, refusedWith) => { this.#hangupLeg(leg, cause, side, refusedWith) },
      connect: () => { this.#farEndAnswers(leg) }
    }
  }

  #farEndAnswers (leg: Leg): void {
    const dial = leg.dial
    leg.dial = undefined
    this.#markAnswered(leg)
    dial?.({ ok: true, channel: leg.channel })
    // `originate … &park()`: the answered leg parks after the job reports (FS 04: PARK 509).
    this.#schedule(leg, undefined, () => { this.#park(leg) })
  }

  /** The far end hangs up: BYE when answered (NORMAL_CLEARING), CANCEL before (ORIGINATOR_CANCEL, SIP 487). */
  #remoteHangup (id: string): boolean {
    const leg = this.#live(id)
    if (leg === undefined) return false
    this.#hangupLeg(leg, leg.channel.answeredAt === undefined ? 'ORIGINATOR_CANCEL' : 'NORMAL_CLEARING', 'remote')
    return true
  }

  /**
   * Ends a leg. `refusedWith` is the SIP status of a far end that refused the dial; such a
   * leg completes before the dial result, any other dial reports its result first.
   */
  #hangupLeg (leg: Leg, cause: SimCause, side: HangupSide, refusedWith?: number): void {
    const { channel } = leg
    this.#announce(leg)
    // A listener may have hung the leg up while it was being announced.
    if (!this.#isLive(leg)) return
    const dial = leg.dial
    leg.dial = undefined
    for (const task of [...leg.tasks]) task.cancel()
    const q850 = SIM_CAUSES[cause]
    setHangupVariables(channel, cause, side, refusedWith)
    channel.answerState = 'hangup'
    channel.hangupCause = cause
    channel.hangupSide = side
    channel.hangupAt = Date.now()
    this.#emit({ type: 'channel-hangup', channel, cause, q850 })
    leg.player.stopAll()
    const room = this.#conferences.removeMember(channel)
    const complete = (): void => {
      leg.complete = undefined
      this.#legs.delete(channel.id)
      this.#emit({ type: 'channel-hangup-complete', channel, cause, q850 })
      if (room !== undefined) this.#conferences.destroyIfEmpty(room)
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
    this.#schedule(undefined, undefined, () => { leg.complete?.() })
  }

  /** A timer (ms) or next-turn step (ms undefined), cancelled with the leg's hangup if given. */
  #schedule (leg: Leg | undefined, ms: number | undefined, fn: () => void): Task {
    return this.#timers.schedule(leg?.tasks, ms, fn)
  }

  #emit (event: ModelEvent): void {
    this.#outbox.send(event)
  }
}
