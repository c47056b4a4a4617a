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

import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { HotlineError } from '../../errors.js'
import { ChannelPlayer, defaultMediaDurationMs } from './media.js'
import { SimCall } from './sim-call.js'
import type {
  EndpointBehaviour, HangupSide, ModelEvent, OriginateRequest, OriginateResult, PlaceCallOptions,
  PlayRequest, PlayResult, SimCallHandle, SimChannel, SimConference, SimSwitchOptions
} from './model-types.js'

/**
 * The causes the model raises, with FreeSWITCH's `switch_call_cause_t` codes (Hangup Cause Code
 * Table, developer.signalwire.com/freeswitch; `src/include/switch_types.h`). Codes up to 127
 * are the Q.850 causes Asterisk reports too; above that they are FreeSWITCH's own (current
 * numbering: CRASH 700, SYSTEM_SHUTDOWN 701, LOSE_RACE 702, MANAGER_REQUEST 703).
 */
export const SIM_CAUSES = {
  UNALLOCATED_NUMBER: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  NORMAL_TEMPORARY_FAILURE: 41,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  ORIGINATOR_CANCEL: 487,
  SYSTEM_SHUTDOWN: 701,
  LOSE_RACE: 702,
  MANAGER_REQUEST: 703
} as const

export type SimCause = keyof typeof SIM_CAUSES

export function isSimCause (name: string): name is SimCause {
  return Object.hasOwn(SIM_CAUSES, name)
}

/**
 * The Q.850 code FreeSWITCH puts in `hangup_cause_q850`: its own causes above 127 read as
 * NORMAL_CLEARING (`switch_channel_cause_q850` in switch_channel.c).
 */
export function reportedQ850 (cause: SimCause): number {
  const code: number = SIM_CAUSES[cause]
  return code <= 127 ? code : SIM_CAUSES.NORMAL_CLEARING
}

/** FreeSWITCH's default `originate_timeout` (60 s). */
const DEFAULT_RING_TIMEOUT_MS = 60_000
const DEFAULT_REFUSE_AFTER_MS = 20
/** Length of an RFC 4733 digit from SIPp: FS DTMF-Duration 2240 samples at 8 kHz, ARI duration_ms 280. */
const DTMF_DURATION_MS = 280
/** Where scripted callers call from (TEST-NET-2, never a real caller). */
const CALLER_IP = '198.51.100.7'
const DIGITS = /^[0-9A-D*#]+$/i
/** setTimeout's ceiling; longer script delays are clamped to it. */
const MAX_DELAY_MS = 2 ** 31 - 1

/** Failed dials: the cause and the SIP final response the far end sent (FS 05, 09_errors). */
const REFUSALS = {
  busy: { cause: 'USER_BUSY', sip: 486 },
  reject: { cause: 'CALL_REJECTED', sip: 603 },
  unreachable: { cause: 'NORMAL_TEMPORARY_FAILURE', sip: 503 },
  unallocated: { cause: 'UNALLOCATED_NUMBER', sip: 404 }
} as const satisfies Record<string, { cause: SimCause, sip: number }>

export interface SimSwitchConfig extends SimSwitchOptions {
  /** Gets what a listener threw while the model emitted (default: a process warning). */
  onError?: (err: unknown) => void
}

interface Task { cancel: () => void }

interface Leg {
  readonly channel: SimChannel
  readonly player: ChannelPlayer
  readonly tasks: Set<Task>
  /** channel-created has been emitted. */
  announced: boolean
  call?: SimCall
  /** Resolves the originate in progress (outbound legs until answered or ended). */
  dial?: (result: OriginateResult) => void
  ringTimer?: Task
  /** The pending hangup-complete of a leg whose dial result went first. */
  complete?: () => void
}

interface Room { readonly conference: SimConference, nextMemberId: number }

function noSuchCall (id: string): HotlineError {
  return new HotlineError('HC_SWITCH_NO_SUCH_CALL', `no such channel: ${id}`)
}

function checkDigits (digits: string): void {
  if (!DIGITS.test(digits)) throw new HotlineError('HC_BAD_REQUEST', `not DTMF digits: ${JSON.stringify(digits)}`)
}

/**
 * FreeSWITCH's `sip_hangup_disposition`: who ended the call, with BYE, CANCEL or a refusal
 * (seen: recv_refuse FS 05, send_cancel 06, send_bye 08, recv_bye and send_refuse 10;
 * recv_cancel is what mod_sofia sets on an incoming CANCEL).
 */
function disposition (channel: SimChannel, side: HangupSide): string {
  const verb = side === 'remote' ? 'recv' : 'send'
  if (channel.answeredAt !== undefined) return `${verb}_bye`
  if (channel.direction === 'inbound') return side === 'remote' ? 'recv_cancel' : 'send_refuse'
  return side === 'remote' ? 'recv_refuse' : 'send_cancel'
}

export class SimSwitch extends EventEmitter<{ event: [ModelEvent] }> {
  readonly coreId: string = randomUUID()
  readonly hostname: string
  readonly timeScale: number
  readonly #durationMs: (media: string) => number
  readonly #exists: (media: string) => boolean
  readonly #onError: (err: unknown) => void
  readonly #legs = new Map<string, Leg>()
  readonly #rooms = new Map<string, Room>()
  readonly #endpoints = new Map<string, EndpointBehaviour>()
  readonly #tasks = new Set<Task>()
  readonly #outbox: ModelEvent[] = []
  #delivering = false
  #closed = false

  constructor (options: SimSwitchConfig = {}) {
    super()
    const timeScale = options.timeScale ?? 1
    if (!Number.isFinite(timeScale) || timeScale <= 0) {
      throw new HotlineError('HC_CONFIG_INVALID', `timeScale must be a positive number, got ${timeScale}`)
    }
    this.timeScale = timeScale
    this.hostname = options.hostname ?? 'sim'
    this.#durationMs = options.mediaDurationMs ?? defaultMediaDurationMs
    this.#exists = options.mediaExists ?? (() => true)
    this.#onError = options.onError ?? ((err) => {
      process.emitWarning(err instanceof Error ? err : String(err), 'SimSwitchListenerError')
    })
  }

  scaled (ms: number): number {
    return Math.max(1, Math.round(ms * this.timeScale))
  }

  /** Timers and deferred steps still pending; 0 after close(). */
  get pendingTimers (): number {
    return this.#tasks.size
  }

  // --- the scripted world ---------------------------------------------------------------

  defineEndpoint (number: string, behaviour: EndpointBehaviour): void {
    this.#endpoints.set(number, behaviour)
  }

  removeEndpoint (number: string): boolean {
    return this.#endpoints.delete(number)
  }

  /** A caller dials in. Its channel is announced on the next turn, so listeners can attach first. */
  placeCall (options: PlaceCallOptions): SimCallHandle {
    if (this.#closed) throw new HotlineError('HC_SHUTTING_DOWN', 'the simulated switch is closed')
    for (const step of options.dtmf ?? []) checkDigits(step.digits)
    const channel = this.#newChannel({
      id: randomUUID(),
      name: `sofia/internal/${options.from}@${CALLER_IP}:5060`,
      direction: 'inbound',
      callerIdNumber: options.from,
      callerIdName: options.callerIdName ?? options.from,
      destination: options.to
    }, {
      sip_from_user: options.from,
      sip_to_user: options.to,
      sip_req_user: options.to,
      sip_network_ip: CALLER_IP,
      sip_network_port: '5060'
    })
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
  endpoint (number: string): EndpointBehaviour | undefined {
    return this.#endpoints.get(number)
  }

  /** A channel, until its hangup completes. */
  channel (id: string): SimChannel | undefined {
    return this.#legs.get(id)?.channel
  }

  channels (): SimChannel[] {
    return [...this.#legs.values()].map((leg) => leg.channel)
  }

  conference (room: string): SimConference | undefined {
    return this.#rooms.get(room)?.conference
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
    const channel = this.#newChannel({
      id,
      name: req.channelName ?? `sofia/internal/${req.number}@sim`,
      direction: 'outbound',
      callerIdNumber: req.callerIdNumber,
      callerIdName: req.callerIdName ?? req.callerIdNumber,
      destination: req.number
    }, {
      ...req.variables,
      is_outbound: 'true',
      origination_caller_id_number: req.callerIdNumber,
      sip_to_user: req.number
    })
    const leg = this.#addLeg(channel)
    const behaviour = this.#endpoints.get(req.number)
    const ringTimeoutMs = this.scaled(req.timeoutMs ?? DEFAULT_RING_TIMEOUT_MS)
    return new Promise((resolve) => {
      leg.dial = resolve
      this.#announce(leg)
      if (this.#isLive(leg)) this.#dial(leg, behaviour, ringTimeoutMs)
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
    let entry = this.#rooms.get(room)
    if (entry === undefined) {
      entry = { conference: { room, id: randomUUID(), members: new Map() }, nextMemberId: 1 }
      this.#rooms.set(room, entry)
      this.#emit({ type: 'conference-created', conference: entry.conference })
    }
    const memberId = entry.nextMemberId++
    entry.conference.members.set(id, memberId)
    leg.channel.conference = { room, memberId }
    this.#emit({ type: 'conference-member-added', conference: entry.conference, channel: leg.channel, memberId })
    return memberId
  }

  /** Takes a channel out of its conference (destroying it when it empties); false if not in one. */
  leaveConference (id: string): boolean {
    const leg = this.#live(id)
    const room = leg === undefined ? undefined : this.#removeMember(leg)
    if (room === undefined) return false
    this.#destroyIfEmpty(room)
    return true
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
    for (const task of [...this.#tasks]) task.cancel()
    for (const leg of [...this.#legs.values()]) leg.complete?.()
  }

  // --- internals --------------------------------------------------------------------------

  #newChannel (
    fields: Pick<SimChannel, 'id' | 'name' | 'direction' | 'callerIdNumber' | 'callerIdName' | 'destination'>,
    variables: Record<string, string>
  ): SimChannel {
    return {
      ...fields,
      answerState: 'ringing',
      createdAt: Date.now(),
      variables: new Map(Object.entries({
        ...variables,
        uuid: fields.id,
        call_uuid: fields.id,
        direction: fields.direction,
        channel_name: fields.name
      }))
    }
  }

  #addLeg (channel: SimChannel): Leg {
    const leg: Leg = {
      channel,
      tasks: new Set(),
      announced: false,
      player: new ChannelPlayer(channel, {
        emit: (event) => { this.#emit(event) },
        schedule: (ms, fn) => this.#schedule(leg, ms, fn).cancel,
        exists: (media) => this.#exists(media),
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

  #dial (leg: Leg, behaviour: EndpointBehaviour | undefined, ringTimeoutMs: number): void {
    if (behaviour === undefined || behaviour.kind === 'busy' || behaviour.kind === 'reject' || behaviour.kind === 'unreachable') {
      const refusal = REFUSALS[behaviour?.kind ?? 'unallocated']
      const afterMs = behaviour?.afterMs ?? DEFAULT_REFUSE_AFTER_MS
      this.#schedule(leg, this.scaled(afterMs), () => {
        this.#hangupLeg(leg, refusal.cause, 'remote', refusal.sip)
      })
      return
    }
    // FreeSWITCH counts originate_timeout from the start of the dial.
    leg.ringTimer = this.#schedule(leg, ringTimeoutMs, () => { this.#hangupLeg(leg, 'NO_ANSWER', 'switch') })
    // 180 Ringing arrives after the INVITE went out, never in the same turn.
    this.#schedule(leg, undefined, () => {
      this.#emit({ type: 'channel-ringing', channel: leg.channel })
      if (behaviour.kind !== 'answer' || !this.#isLive(leg)) return
      this.#schedule(leg, this.scaled(behaviour.afterMs), () => { this.#farEndAnswers(leg, behaviour.hangupAfterMs) })
    })
  }

  #farEndAnswers (leg: Leg, hangupAfterMs: number | undefined): void {
    const dial = leg.dial
    leg.dial = undefined
    leg.ringTimer?.cancel()
    this.#markAnswered(leg)
    dial?.({ ok: true, channel: leg.channel })
    // `originate … &park()`: the answered leg parks after the job reports (FS 04: PARK 509).
    this.#schedule(leg, undefined, () => { this.#park(leg) })
    if (hangupAfterMs !== undefined) {
      this.#schedule(leg, this.scaled(hangupAfterMs), () => { this.#hangupLeg(leg, 'NORMAL_CLEARING', 'remote') })
    }
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
    const vars = channel.variables
    vars.set('hangup_cause', cause)
    vars.set('hangup_cause_q850', String(reportedQ850(cause)))
    vars.set('sip_hangup_disposition', disposition(channel, side))
    if (refusedWith !== undefined) {
      vars.set('sip_term_status', String(refusedWith))
      vars.set('proto_specific_hangup_cause', `sip:${refusedWith}`)
    } else if (side === 'remote' && channel.answeredAt !== undefined) {
      vars.set('sip_term_status', '200')
    }
    channel.answerState = 'hangup'
    channel.hangupCause = cause
    channel.hangupSide = side
    channel.hangupAt = Date.now()
    this.#emit({ type: 'channel-hangup', channel, cause, q850 })
    leg.player.stopAll()
    const room = this.#removeMember(leg)
    const complete = (): void => {
      leg.complete = undefined
      this.#legs.delete(channel.id)
      this.#emit({ type: 'channel-hangup-complete', channel, cause, q850 })
      if (room !== undefined) this.#destroyIfEmpty(room)
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

  /** Takes a leg out of its conference; returns the room it left. */
  #removeMember (leg: Leg): string | undefined {
    const membership = leg.channel.conference
    if (membership === undefined) return undefined
    leg.channel.conference = undefined
    const entry = this.#rooms.get(membership.room)
    if (entry !== undefined) {
      entry.conference.members.delete(leg.channel.id)
      this.#emit({
        type: 'conference-member-removed', conference: entry.conference, channel: leg.channel, memberId: membership.memberId
      })
    }
    return membership.room
  }

  #destroyIfEmpty (room: string): void {
    const entry = this.#rooms.get(room)
    if (entry === undefined || entry.conference.members.size > 0) return
    this.#rooms.delete(room)
    this.#emit({ type: 'conference-destroyed', conference: entry.conference })
  }

  /** A tracked timer (ms) or next-turn step (ms undefined); never throws out of the timer. */
  #schedule (leg: Leg | undefined, ms: number | undefined, fn: () => void): Task {
    const forget = (): void => {
      this.#tasks.delete(task)
      leg?.tasks.delete(task)
    }
    const run = (): void => {
      forget()
      try {
        fn()
      } catch (err) {
        this.#onError(err)
      }
    }
    let task: Task
    if (ms === undefined) {
      const handle = setImmediate(run)
      task = { cancel: () => { clearImmediate(handle); forget() } }
    } else {
      const handle = setTimeout(run, Math.min(ms, MAX_DELAY_MS))
      task = { cancel: () => { clearTimeout(handle); forget() } }
    }
    this.#tasks.add(task)
    leg?.tasks.add(task)
    return task
  }

  /**
   * Events raised while another is being delivered (a listener acting on the model) wait
   * until every listener has had the first, so all listeners see one order. Listeners' errors
   * must not break the model mid-operation, nor escape from a timer.
   */
  #emit (event: ModelEvent): void {
    this.#outbox.push(event)
    if (this.#delivering) return
    this.#delivering = true
    try {
      for (let next = this.#outbox.shift(); next !== undefined; next = this.#outbox.shift()) {
        try {
          this.emit('event', next)
        } catch (err) {
          this.#onError(err)
        }
      }
    } finally {
      this.#delivering = false
    }
  }
}
