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
//   CHANNEL_HANGUP_COMPLETE, conference-destroy; ARI 09: HangupRequest, LeftBridge, Destroyed);
//   a hangup asked for from outside the channel's thread (uuid_kill, an ARI DELETE) is requested
//   at once and carried out a moment later (requestHangup);
// - a shutdown requests every channel's hangup first and then completes each (FreeSWITCH
//   switch_core_session_hupall SYSTEM_SHUTDOWN; ARI 14_restart_mid_dial: ChannelHangupRequest on
//   every channel before any is destroyed).
//
// This file is the switch's API and its own life (up, down, closed); the legs and their life
// cycle (sim-legs.ts), the scripted world around it (sim-world.ts), the far ends' part in a dial
// (sim-dialer.ts), conferences
// (sim-conferences.ts), causes (sim-causes.ts), new channels (sim-channels.ts), timers
// (sim-timers.ts) and event delivery (sim-outbox.ts) are its parts.

import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { HotlineError } from '../../errors.js'
import { defaultMediaDurationMs } from './media.js'
import { SimCall } from './sim-call.js'
import { callerChannel, dialledChannel } from './sim-channels.js'
import { isSimCause } from './sim-causes.js'
import { SimConferences } from './sim-conferences.js'
import { SimDialer } from './sim-dialer.js'
import { SimLegs } from './sim-legs.js'
import { SimOutbox } from './sim-outbox.js'
import type { SimInstall } from './sim-install.js'
import { SimTimers } from './sim-timers.js'
import { SimWorld, type PhoneState } from './sim-world.js'
import type {
  DtmfVia, EndpointBehaviour, EndpointChooser, HangupSide, ModelEvent, OriginateRequest, OriginateResult, PlaceCallOptions,
  PlayRequest, PlayResult, SimCallHandle, SimChannel, SimConference, SimSwitchOptions, SwitchState
} from './model-types.js'

// The cause table is part of the switch's API; it lives with the hangup variables it feeds.
export { SIM_CAUSES, isSimCause, reportedQ850, type SimCause } from './sim-causes.js'

/**
 * Length of a digit from SIPp: RFC 4733 280 ms (FS 03: DTMF-Duration 2240 samples at 8 kHz;
 * ARI 03: duration_ms 280); SIP INFO the INFO's `Duration=160` (FS 12_transfer_hunt_setup:
 * DTMF-Duration 1280; ARI 03: duration_ms 160).
 */
const DTMF_DURATION_MS: Readonly<Record<DtmfVia, number>> = { rtp: 280, info: 160 }
/**
 * How long a restarted switch stays down by default (ARI 14: the WebSocket dropped 1.1 s after
 * the shutdown began, and the restarted Asterisk answered again 1.4 s after that).
 */
const DEFAULT_DOWN_MS = 1500
const DIGITS = /^[0-9A-D*#]+$/i

export interface SimSwitchConfig extends SimSwitchOptions {
  /** Gets what a listener threw while the model emitted (default: a process warning). */
  onError?: (err: unknown) => void
}

function switchDown (): HotlineError {
  return new HotlineError('HC_SHUTTING_DOWN', 'the simulated switch is down')
}

function noSuchCall (id: string): HotlineError {
  return new HotlineError('HC_SWITCH_NO_SUCH_CALL', `no such channel: ${id}`)
}

function checkDigits (digits: string): void {
  if (!DIGITS.test(digits)) throw new HotlineError('HC_BAD_REQUEST', `not DTMF digits: ${JSON.stringify(digits)}`)
}

export class SimSwitch extends EventEmitter<{ event: [ModelEvent], state: [SwitchState] }> {
  /** The machine's identity, the same across restarts (Asterisk's entity id is its MAC). */
  readonly machineId: string = randomUUID()
  readonly hostname: string
  readonly timeScale: number
  readonly install: SimInstall
  readonly #durationMs: (media: string) => number
  readonly #world: SimWorld
  readonly #onError: (err: unknown) => void
  readonly #conferences = new SimConferences((event) => { this.#emit(event) })
  readonly #dialer = new SimDialer((ms) => this.scaled(ms))
  readonly #timers: SimTimers
  readonly #outbox: SimOutbox
  readonly #legs: SimLegs
  #state: SwitchState = 'up'
  #coreId: string = randomUUID()

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
    this.#world = new SimWorld(options.install)
    this.#onError = options.onError ?? ((err) => {
      process.emitWarning(err instanceof Error ? err : String(err), 'SimSwitchListenerError')
    })
    this.#timers = new SimTimers(this.#onError)
    this.#outbox = new SimOutbox((event) => { this.emit('event', event) }, this.#onError)
    const durationMs = this.#durationMs
    this.#legs = new SimLegs({
      install: this.install,
      timeScale,
      timers: this.#timers,
      conferences: this.#conferences,
      scaled: (ms) => this.scaled(ms),
      durationMs: (media) => durationMs(media),
      emit: (event) => { this.#emit(event) }
    })
  }

  /** FreeSWITCH's Core-UUID: a new one each time the switch starts. */
  get coreId (): string {
    return this.#coreId
  }

  get state (): SwitchState {
    return this.#state
  }

  scaled (ms: number): number {
    return Math.max(1, Math.round(ms * this.timeScale))
  }

  /** Timers and deferred steps still pending; 0 after close(). */
  get pendingTimers (): number {
    return this.#timers.size
  }

  // --- the scripted world (sim-world.ts) ----------------------------------------------------

  /**
   * A number's far end behind the department trunk: one behaviour for every dial, or a
   * chooser asked at each dial. An agent's phone is not a far end: it registers (registerPhone).
   */
  defineEndpoint (number: string, behaviour: EndpointBehaviour | EndpointChooser): void {
    this.#world.defineEndpoint(number, behaviour)
  }

  removeEndpoint (number: string): boolean {
    return this.#world.removeEndpoint(number)
  }

  /**
   * An agent's phone registers (digest authentication, as the generated configuration asks);
   * only a phone the configuration lists can. Until it does, dials to it are refused as the
   * switch refuses them (USER_NOT_REGISTERED; Asterisk 500 Allocation failed).
   */
  registerPhone (extension: string, behaviour: EndpointBehaviour | EndpointChooser): void {
    this.#world.registerPhone(extension, behaviour)
  }

  /** The phone's registration expires or it unregisters; false if it was not registered. */
  unregisterPhone (extension: string): boolean {
    return this.#world.unregisterPhone(extension)
  }

  /** How a registered phone answers (a chooser asked at each dial, or one behaviour). */
  phoneBehaviour (extension: string): EndpointBehaviour | EndpointChooser | undefined {
    return this.#world.phoneBehaviour(extension)
  }

  /** absent: not in the configuration; unregistered: configured but not registered now. */
  phone (extension: string): PhoneState {
    return this.#world.phone(extension)
  }

  /** A caller dials in. Its channel is announced on the next turn, so listeners can attach first. */
  placeCall (options: PlaceCallOptions): SimCallHandle {
    if (this.#state === 'closed') throw new HotlineError('HC_SHUTTING_DOWN', 'the simulated switch is closed')
    for (const step of options.dtmf ?? []) checkDigits(step.digits)
    const channel = callerChannel(options)
    if (this.#state === 'down') return SimCall.unreached(channel, options)
    const legs = this.#legs
    const leg = legs.add(channel)
    const call = new SimCall(channel, options, {
      sendDtmf: (id, digits, dtmf) => this.sendDtmf(id, digits, dtmf),
      remoteHangup: (id) => legs.remoteHangup(id),
      after: (ms, fn) => legs.isLive(leg) ? legs.schedule(leg, this.scaled(ms), fn).cancel : () => {}
    })
    leg.call = call
    legs.schedule(leg, undefined, () => { legs.announce(leg) })
    return call
  }

  // --- lookups ----------------------------------------------------------------------------

  /** How a number's far end behaves; undefined for a number nobody answers (UNALLOCATED_NUMBER). */
  endpoint (number: string): EndpointBehaviour | EndpointChooser | undefined {
    return this.#world.endpoint(number)
  }

  /** A channel, until its hangup completes. */
  channel (id: string): SimChannel | undefined {
    return this.#legs.get(id)?.channel
  }

  channels (): SimChannel[] {
    return this.#legs.all().map((leg) => leg.channel)
  }

  conference (room: string): SimConference | undefined {
    return this.#conferences.get(room)
  }

  /** Every conference (Asterisk: mixing bridge) on the switch now. */
  conferences (): SimConference[] {
    return this.#conferences.all()
  }

  // --- operations -------------------------------------------------------------------------

  answer (id: string): Promise<void> {
    const leg = this.#legs.live(id)
    if (leg === undefined) return Promise.reject(noSuchCall(id))
    if (leg.dial !== undefined) {
      return Promise.reject(new HotlineError('HC_SWITCH_COMMAND', `channel ${id} is still dialling; its far end answers it`))
    }
    this.#legs.markAnswered(leg)
    return Promise.resolve()
  }

  play (id: string, req: PlayRequest): Promise<PlayResult> {
    const leg = this.#legs.live(id)
    if (leg === undefined) return Promise.reject(noSuchCall(id))
    return leg.player.play(req)
  }

  stopPlayback (id: string): boolean {
    return this.#legs.live(id)?.player.stop() ?? false
  }

  /**
   * Hangs a channel up; false if there is no such live channel. A cause the table does not
   * know is taken as NORMAL_CLEARING, so every channel ends with a cause both wire sides know.
   */
  hangup (id: string, cause: string = 'NORMAL_CLEARING', side: HangupSide = 'switch'): boolean {
    const leg = this.#legs.live(id)
    if (leg === undefined) return false
    this.#legs.hangup(leg, isSimCause(cause) ? cause : 'NORMAL_CLEARING', side)
    return true
  }

  /**
   * A hangup asked for from outside the channel's own thread (FreeSWITCH `uuid_kill`, the soft
   * hangup of an ARI DELETE): the channel is hanging up at once (channel-hangup; it is no
   * longer live) and its thread takes it down `afterMs` (script time) later, when it next runs.
   * False if there is no such live channel.
   */
  requestHangup (id: string, cause: string, afterMs: number): boolean {
    const leg = this.#legs.live(id)
    if (leg === undefined) return false
    this.#legs.requestHangup(leg, isSimCause(cause) ? cause : 'NORMAL_CLEARING', this.scaled(afterMs))
    return true
  }

  /**
   * Dials a number. Endpoints answer, refuse or ring as scripted; a number without one ends
   * UNALLOCATED_NUMBER. The leg is created (and its channel-created emitted) before this returns.
   */
  originate (req: OriginateRequest): Promise<OriginateResult> {
    if (this.#state !== 'up') return Promise.reject(switchDown())
    const id = req.channelId ?? randomUUID()
    if (this.#legs.has(id)) return Promise.reject(new HotlineError('HC_SWITCH_COMMAND', `channel id in use: ${id}`))
    const legs = this.#legs
    const leg = legs.add(dialledChannel(id, req))
    const behaviour = this.#world.behaviourFor({ number: req.number, callerIdNumber: req.callerIdNumber }, req.via ?? 'trunk')
    return new Promise((resolve) => {
      leg.dial = resolve
      legs.announce(leg)
      if (legs.isLive(leg)) this.#dialer.dial(legs.dialLeg(leg), behaviour, req.timeoutMs)
    })
  }

  /**
   * Puts a channel in a conference, creating it on first join; returns the member id (from 1
   * per conference). mod_conference answers the channel before joining it
   * (conference_function: switch_channel_answer). Throws HC_SWITCH_NO_SUCH_CALL for an unknown
   * channel.
   */
  joinConference (id: string, room: string): number {
    const leg = this.#legs.live(id)
    if (leg === undefined) throw noSuchCall(id)
    if (leg.dial !== undefined) throw new HotlineError('HC_SWITCH_COMMAND', `channel ${id} is still dialling`)
    const current = leg.channel.conference
    if (current?.room === room) return current.memberId
    if (current !== undefined) this.leaveConference(id)
    this.#legs.markAnswered(leg)
    if (!this.#legs.isLive(leg)) throw noSuchCall(id)
    return this.#conferences.add(leg.channel, room)
  }

  /** Takes a channel out of its conference (destroying it when it empties); false if not in one. */
  leaveConference (id: string): boolean {
    const leg = this.#legs.live(id)
    return leg !== undefined && this.#conferences.leave(leg.channel)
  }

  /**
   * Digits from a channel's far end (a caller or a department phone), as RFC 4733 events in its
   * RTP or as SIP INFO (`via: 'info'`). Only an answered channel sends them (the scripted far
   * ends key in the call, not while it rings); false for no such answered channel.
   */
  sendDtmf (id: string, digits: string, options: { via?: DtmfVia } = {}): boolean {
    checkDigits(digits)
    const leg = this.#legs.live(id)
    if (leg?.channel.answerState !== 'answered') return false
    const via = options.via ?? 'rtp'
    for (const key of digits) {
      if (!this.#legs.isLive(leg)) break
      this.#emit({ type: 'dtmf', channel: leg.channel, digit: key.toUpperCase(), durationMs: DTMF_DURATION_MS[via], via })
      leg.player.digit()
    }
    return true
  }

  // --- the switch's own life ----------------------------------------------------------------

  /**
   * The switch shuts down: every channel ends SYSTEM_SHUTDOWN (all hangups requested first,
   * then each completed), pending timers are dropped, and until start() calls never reach it
   * and dials are refused. Listeners of `state` (the wire servers) hear `down` after the last
   * channel completed; they drop their clients and stop listening as each switch does.
   */
  shutdown (): void {
    if (this.#state !== 'up') return
    this.#state = 'down'
    this.#legs.endAll('SYSTEM_SHUTDOWN')
    this.#announceState()
  }

  /** A shut-down switch starts again, fresh: no channels, a new Core-UUID; the world is as it was. */
  start (): void {
    if (this.#state !== 'down') return
    this.#coreId = randomUUID()
    this.#state = 'up'
    this.#announceState()
  }

  /**
   * shutdown(), then start() `downMs` later (script time, scaled like every delay; default
   * 1.5 s). Resolves once the switch is up again; false if it was not up, or was closed meanwhile.
   */
  async restart (options: { downMs?: number } = {}): Promise<boolean> {
    if (this.#state !== 'up') return false
    this.shutdown()
    const task = this.#timers.schedule(undefined, this.scaled(options.downMs ?? DEFAULT_DOWN_MS), () => { this.start() })
    return await new Promise((resolve) => {
      const onState = (state: SwitchState): void => {
        if (state === 'down') return
        this.off('state', onState)
        task.cancel()
        resolve(state === 'up')
      }
      this.on('state', onState)
    })
  }

  /** Hangs every channel up with SYSTEM_SHUTDOWN and clears every timer, for good. */
  close (): void {
    if (this.#state === 'closed') return
    const wasUp = this.#state === 'up'
    this.#state = 'closed'
    if (wasUp) this.#legs.endAll('SYSTEM_SHUTDOWN')
    this.#timers.cancelAll()
    this.#announceState()
  }

  // --- internals --------------------------------------------------------------------------

  #emit (event: ModelEvent): void {
    this.#outbox.send(event)
  }

  /** Tells the `state` listeners; what one throws goes to the error handler, not to the caller. */
  #announceState (): void {
    try {
      this.emit('state', this.#state)
    } catch (err) {
      this.#onError(err)
    }
  }
}
