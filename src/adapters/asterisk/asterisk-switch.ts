// The Asterisk adapter: SwitchPort over the Asterisk REST Interface (ARI), with ari-client for
// REST and one events WebSocket for the Stasis app.
//
// How the port maps to ARI (Asterisk ARI docs; real traffic in
// test/fixtures/captures/asterisk-22.10.1/, see docs/asterisk.md):
//  - calls to the hotline reach the app through the dialplan (`Stasis(hotline)`), unanswered:
//    StasisStart with args [] and `channel.dialplan.exten` in `lineNumbers` offers them;
//  - answer / hangup are `POST /channels/{id}/answer` / `DELETE /channels/{id}?reason=…`;
//  - prompts and keys: ari-media.ts; dials: ari-dialer.ts; conferences: ari-bridges.ts;
//  - connection, reconnection and the reclaim after it: ari-connection.ts; every REST call has a
//    deadline and a bound on requests in flight: ari-requests.ts.
// Every event handler runs inside try/catch: one bad event never stops delivery or the process.

import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { HotlineError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type {
  CollectOptions, CollectResult, DialOutcome, DialRequest, FoundLeg, HangupReason, InboundCall,
  LegListener, LegTag, PlayOptions, PlayOutcome, SwitchPort, SwitchState, SwitchStatus
} from '../../ports/switch.js'
import { AriBridges } from './ari-bridges.js'
import { AriConnection } from './ari-connection.js'
import { AriDialer, DIALED_ARG } from './ari-dialer.js'
import { GoingAway } from './ari-going-away.js'
import {
  type AriEvent, argsOf, bridgeOf, causeOf, channelOf, playbackOf, stringField
} from './ari-events.js'
import { MOVED_ARG, adoptApp, findLegs, tagOf, tagVariables } from './ari-inventory.js'
import { AriMedia } from './ari-media.js'
import { RequestGate } from './ari-requests.js'
import { type AriRest, isGone } from './ari-rest.js'
import { HANGUP_REASONS, isSwitchGoingAway } from './causes.js'
import { LegTracker } from './leg-tracker.js'
import { SafetyNet } from '../safety-net.js'

export interface AsteriskOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088`. */
  url: string
  user: string
  password: string
  /** Stasis application the dialplan sends hotline calls to, e.g. `hotline`. */
  app: string
  requestTimeoutMs: number
  maxRequestsInFlight: number
  reconnect: { initialDelayMs: number, maxDelayMs: number }
  /** e.g. `PJSIP/{number}@department` */
  endpointTemplate: string
  /** e.g. `PJSIP/{number}`: the enterprise-seat agents' phones. */
  agentEndpointTemplate: string
  /** Extensions whose calls belong to this controller (e.g. `12345`). */
  lineNumbers: readonly string[]
  /** Prompt id → media URI, e.g. `sound:hotline12345/welcome`. */
  promptUri: (prompt: string) => string
  /** The language of the line's channels (pjsip.conf `language`): the prompts are looked up in it. */
  promptLanguage: string
  /** Seconds after which a caller out of a room with nobody re-arming hears the apology from the switch (absent: no net). */
  safetyNetSec?: number
  clock: Clock
  logger: Logger
}

export class AsteriskSwitch implements SwitchPort {
  readonly vendor = 'asterisk'
  readonly #options: AsteriskOptions
  readonly #log: Logger
  readonly #bus = new EventEmitter<{ status: [SwitchStatus], inbound: [InboundCall] }>()
  readonly #tracker: LegTracker
  readonly #connection: AriConnection
  readonly #media: AriMedia
  readonly #dialer: AriDialer
  readonly #bridges: AriBridges
  readonly #net: SafetyNet
  /** Prompts Asterisk has no sound for (GET /sounds, PlaybackFinished failed): skipped, never played. */
  readonly #missing = new Set<string>()
  #status: SwitchStatus
  readonly #goingAway: GoingAway
  /** `status.startup_time` of the Asterisk we last connected to: another one is a restart. */
  #startupTime: string | undefined

  constructor (options: AsteriskOptions) {
    this.#options = options
    const log = this.#log = options.logger.child({ component: 'asterisk' })
    this.#status = { state: 'connecting', detail: 'not connected yet', since: options.clock.now() }
    this.#tracker = new LegTracker({
      destroyGraceMs: options.requestTimeoutMs,
      now: () => options.clock.now(),
      onListenerError: (err) => { log.error({ err }, 'a leg listener threw') }
    })
    this.#goingAway = new GoingAway({
      status: () => this.#status.state,
      setStatus: (state, detail) => { this.#setStatus(state, detail) },
      socketOpen: () => {
        try {
          this.#connection.connected()
          return true
        } catch {
          return false
        }
      },
      log
    })
    this.#connection = new AriConnection({
      url: options.url,
      user: options.user,
      password: options.password,
      app: options.app,
      requestTimeoutMs: options.requestTimeoutMs,
      reconnect: options.reconnect,
      gate: new RequestGate({ timeoutMs: options.requestTimeoutMs, maxInFlight: options.maxRequestsInFlight }),
      log,
      onEvent: (event) => { this.#onEvent(event) },
      reclaim: async (rest) => { await this.#reclaim(rest) },
      onLost: (err) => {
        this.#goingAway.mark()
        this.#tracker.lose(err)
      },
      onStatus: (state, detail) => {
        this.#goingAway.statusChanged(state)
        this.#setStatus(state, detail)
      }
    })
    const connected = (): AriRest => this.#connection.connected()
    const tracker = this.#tracker
    this.#media = new AriMedia({ tracker, connected, log })
    this.#dialer = new AriDialer({
      tracker, connected, app: options.app, endpointTemplate: options.endpointTemplate,
      agentEndpointTemplate: options.agentEndpointTemplate,
      requestTimeoutMs: options.requestTimeoutMs, clock: options.clock, log,
      goingAway: async (graceMs) => await this.#goingAway.within(graceMs)
    })
    this.#bridges = new AriBridges({
      tracker, connected, rest: () => this.#connection.rest, requestTimeoutMs: options.requestTimeoutMs, log
    })
    // TIMEOUT(absolute) ends Stasis() with the channel's soft hangup TIMEOUT, and the dialplan's
    // `T` extension plays the apology (src/switch-config/asterisk.ts); 0 takes it off.
    // The set waits behind a playback in the channel's command queue: a re-arm is sent once the
    // leg plays nothing, so no request is held for a prompt's length.
    const timeout = async (legId: string, seconds: number): Promise<void> => {
      await connected().setVariable(legId, 'TIMEOUT(absolute)', String(seconds)).catch((err: unknown) => { if (!isGone(err)) throw err })
    }
    this.#net = new SafetyNet({
      seconds: options.safetyNetSec ?? 0,
      ops: {
        arm: async (legId, seconds) => { await this.#media.idle(legId); await timeout(legId, seconds) },
        disarm: async (legId) => { await timeout(legId, 0) }
      },
      listen: (legId, listener) => this.onLegEvent(legId, listener),
      log
    })
  }

  async start (): Promise<void> {
    this.#net.start()
    await this.#connection.start()
  }

  status (): SwitchStatus {
    return this.#status
  }

  /** The live TCP sockets to Asterisk, for diagnostics: the events socket's and REST's. */
  sockets (): { events: Socket | undefined, rest: Socket[] } {
    return this.#connection.sockets()
  }

  onStatus (listener: (status: SwitchStatus) => void): () => void {
    const safe = this.#guarded(listener, 'a status listener threw')
    this.#bus.on('status', safe)
    return () => { this.#bus.off('status', safe) }
  }

  onInboundCall (listener: (call: InboundCall) => void): () => void {
    const safe = this.#guarded(listener, 'an inbound-call listener threw')
    this.#bus.on('inbound', safe)
    return () => { this.#bus.off('inbound', safe) }
  }

  onLegEvent (legId: string, listener: LegListener): () => void {
    return this.#tracker.listen(legId, listener)
  }

  async answer (legId: string): Promise<void> {
    // `POST /channels/{id}/answer` answers before its 204; ChannelStateChange Up follows (captures 02).
    await this.#restOrThrow().answer(legId)
  }

  async play (legId: string, prompt: string, options: PlayOptions = {}): Promise<PlayOutcome> {
    if (this.#missing.has(prompt)) return 'missing'
    const outcome = await this.#media.play(legId, this.#options.promptUri(prompt), options.signal)
    if (outcome === 'missing') this.#missing.add(prompt)
    return outcome
  }

  async collectDigits (legId: string, options: CollectOptions): Promise<CollectResult> {
    const media = this.#missing.has(options.prompt) ? undefined : this.#options.promptUri(options.prompt)
    const result = await this.#media.collect(legId, media, options)
    if (result.promptMissing === true) this.#missing.add(options.prompt)
    return result
  }

  /**
   * `GET /sounds?lang=<language>`: one request for all of them. A sound only in another
   * language would not play on the line's channels (their language is the prompts').
   */
  async missingPrompts (prompts: readonly string[]): Promise<string[]> {
    const have = new Set(await this.#connection.connected().sounds(this.#options.promptLanguage))
    const missing = prompts.filter((prompt) => !have.has(this.#options.promptUri(prompt).replace(/^sound:/, '')))
    for (const prompt of prompts) this.#missing.delete(prompt)
    for (const prompt of missing) this.#missing.add(prompt)
    return missing
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    return await this.#dialer.dial(request)
  }

  async joinConference (legId: string, room: string): Promise<void> {
    await this.#net.enteringRoom(legId)
    try {
      await this.#bridges.join(legId, room)
    } catch (err) {
      await this.#net.leftRoom(legId)
      throw err
    }
  }

  async leaveConference (legId: string, room: string): Promise<void> {
    await this.#bridges.leave(legId, room)
    await this.#net.leftRoom(legId)
  }

  async tagLeg (legId: string, tag: LegTag): Promise<void> {
    const rest = this.#restOrThrow()
    for (const [name, value] of Object.entries(tagVariables(tag))) await rest.setVariable(legId, name, value)
    // Not awaited: the answer need not wait for it; a join later waits for it (one queue per leg).
    if (tag.role === undefined) void this.#net.caller(legId)
  }

  async legTag (legId: string): Promise<LegTag | undefined> {
    return await tagOf(this.#restOrThrow(), legId)
  }

  async findLegs (): Promise<FoundLeg[]> {
    const found = await findLegs(this.#restOrThrow(), {
      app: this.#options.app,
      tracker: this.#tracker,
      dialling: (legId) => this.#dialer.has(legId),
      lineNumbers: this.#options.lineNumbers,
      offer: (call) => { this.#bus.emit('inbound', call) },
      now: () => this.#options.clock.now()
    })
    this.#net.found(found)
    return found
  }

  peerInfo (): Readonly<Record<string, string>> {
    return { app: this.#options.app }
  }

  /**
   * A dead peer's calls are taken over here: its channels are moved into this application
   * (their events come here from now on, and its application is left empty should it come
   * back), then findLegs sees them as any leg left in this application.
   */
  async adopt (peer: Readonly<Record<string, string>>): Promise<void> {
    const from = peer.app
    if (from === undefined || from === this.#options.app) return
    await adoptApp(this.#connection.connected(), from, this.#options.app, this.#log)
  }

  async hangup (legId: string, reason: HangupReason = 'normal'): Promise<void> {
    const rest = this.#connection.rest
    if (rest === undefined) return
    const { reason: ariReason, q850 } = HANGUP_REASONS[reason]
    this.#tracker.hangingUpBySwitch(legId, q850)
    try {
      await rest.hangup(legId, ariReason)
    } catch (err) {
      // 404 "Channel not found": gone already, which is what was wanted.
      if (!isGone(err)) throw err
    }
  }

  async close (): Promise<void> {
    this.#net.stop()
    this.#goingAway.close()
    await this.#connection.close()
    this.#tracker.lose(new HotlineError('HC_SHUTTING_DOWN', 'the Asterisk adapter closed'), true)
  }

  destroy (): void {
    this.#net.stop()
    this.#goingAway.close()
    this.#connection.destroy()
    this.#tracker.lose(new HotlineError('HC_SWITCH_NOT_CONNECTED', 'the Asterisk adapter was destroyed'), true)
  }

  // --- connection -----------------------------------------------------------------------------

  #restOrThrow (): AriRest {
    const rest = this.#connection.rest
    if (rest === undefined) throw new HotlineError('HC_SWITCH_NOT_CONNECTED', 'ARI is not connected yet')
    return rest
  }

  /**
   * After a (re)connect: legs we followed that the app no longer owns ended while we could not
   * hear it, and are reported ended (`lost` if Asterisk restarted meanwhile: it took every
   * channel with it; `failed` otherwise: who ended it is unknown); dials whose answer went
   * unheard are answered if their channel is Up, and end `lost` if it is gone; conference
   * rooms are checked against Asterisk.
   */
  async #reclaim (rest: AriRest): Promise<void> {
    const before = this.#tracker.ids()
    const startup = await rest.startupTime().catch(() => undefined)
    const restarted = startup !== undefined && this.#startupTime !== undefined && startup !== this.#startupTime
    if (startup !== undefined) this.#startupTime = startup
    const owned = new Set((await rest.application(this.#options.app)).channelIds)
    const at = this.#options.clock.now()
    const gone = before.filter((id) => !owned.has(id))
    for (const legId of gone) this.#tracker.endUnheard(legId, at, restarted ? 'lost' : 'failed')
    if (gone.length > 0) this.#log.warn({ legs: gone.length, restarted }, 'legs ended while the ARI events socket was down')
    for (const legId of before) {
      if (!owned.has(legId) || !this.#tracker.awaitingAnswer(legId)) continue
      const state = await rest.getChannelState(legId).then((s) => s, (err: unknown) => isGone(err) ? null : undefined)
      if (state === 'Up') this.#tracker.stasisStarted(legId)
      else if (state === null) this.#tracker.endUnheard(legId, this.#options.clock.now())
      // Ringing (or Down, still being set up): it keeps waiting; its events come on this socket.
    }
    await this.#bridges.reclaim(rest)
  }

  #setStatus (state: SwitchState, detail: string): void {
    if (this.#status.state === 'closed' && state !== 'closed') return
    this.#status = { state, detail, since: this.#options.clock.now() }
    this.#bus.emit('status', this.#status)
  }

  #guarded<T> (listener: (value: T) => void, what: string): (value: T) => void {
    return (value) => {
      try {
        listener(value)
      } catch (err) {
        this.#log.error({ err }, what)
      }
    }
  }

  // --- events ---------------------------------------------------------------------------------

  #onEvent (event: AriEvent): void {
    try {
      this.#dispatch(event)
    } catch (err) {
      // A malformed event must never take a call (or the process) down.
      this.#log.error({ err, type: event.type }, 'failed to handle an ARI event')
    }
  }

  #dispatch (event: AriEvent): void {
    const at = this.#options.clock.now()
    const tracker = this.#tracker
    const channel = channelOf(event)
    switch (event.type) {
      case 'StasisStart':
        if (channel !== undefined) this.#onStasisStart(event, channel.id, at)
        break
      case 'StasisEnd':
        if (channel !== undefined) tracker.stasisEnded(channel.id, at)
        break
      case 'ChannelDestroyed':
        if (channel !== undefined) tracker.end(channel.id, causeOf(event), stringField(event, 'cause_txt'), at)
        break
      case 'ChannelHangupRequest':
        // `soft: true` comes with cause 32, the soft-hangup flag, not a Q.850 cause (captures 09);
        // 4 is a shutdown's (14), whatever channel it is on.
        if (event.soft === true && isSwitchGoingAway(causeOf(event))) this.#goingAway.shuttingDown()
        if (channel !== undefined) tracker.hangupRequested(channel.id, causeOf(event), event.soft === true)
        break
      case 'ChannelStateChange':
        if (channel?.state === 'Up') tracker.answered(channel.id, at)
        else if (channel?.state === 'Ringing') tracker.ringing(channel.id)
        break
      case 'ChannelDtmfReceived': {
        const digit = stringField(event, 'digit')
        if (channel !== undefined && digit !== undefined) tracker.dtmf(channel.id, digit, at)
        break
      }
      case 'PlaybackFinished': {
        const playback = playbackOf(event)
        if (playback?.channelId !== undefined) tracker.playbackFinished(playback.channelId, playback.id, playback.state)
        break
      }
      case 'ChannelEnteredBridge':
      case 'ChannelLeftBridge': {
        const bridge = bridgeOf(event)
        if (bridge === undefined) break
        this.#bridges.membership(bridge.id, bridge.channels)
        if (channel !== undefined) {
          tracker.bridge(channel.id, event.type === 'ChannelEnteredBridge' ? 'entered' : 'left', bridge.id, at)
        }
        break
      }
      case 'BridgeDestroyed': {
        const bridge = bridgeOf(event)
        if (bridge !== undefined) this.#bridges.destroyed(bridge.id)
        break
      }
      case 'Dial': {
        const peer = channelOf(event, 'peer')
        const status = stringField(event, 'dialstatus')
        if (peer !== undefined && status !== undefined) tracker.dialStatus(peer.id, status)
        break
      }
      case 'ApplicationReplaced':
        // Another connection registered the app; Asterisk now sends its events there.
        this.#log.error({ app: this.#options.app }, 'another ARI connection took over the Stasis app')
        this.#connection.abandon('another connection took over the Stasis app')
        break
    }
  }

  #onStasisStart (event: AriEvent, legId: string, at: number): void {
    const tracker = this.#tracker
    const args = argsOf(event)
    if (tracker.origin(legId) === 'dialed') {
      tracker.stasisStarted(legId)
      return
    }
    if (args[0] === MOVED_ARG) {
      // Moved here from a dead peer's application (adopt): findLegs follows it.
      this.#log.debug({ legId }, 'a dead peer\'s channel moved into this application')
      return
    }
    if (args[0] === DIALED_ARG) {
      // A leg we dialled whose dial is over (cancelled, timed out, or dialled before a restart):
      // nobody will use it.
      this.#log.warn({ legId }, 'hanging up a dialled leg nobody waits for')
      this.hangup(legId, 'normal').catch((err: unknown) => { this.#log.warn({ err, legId }, 'hanging up an orphan leg failed') })
      return
    }
    const channel = channelOf(event)
    const to = channel?.dialplan?.exten ?? ''
    if (args.length > 0 || !this.#options.lineNumbers.includes(to)) {
      this.#log.debug({ legId, to }, 'a channel in the Stasis app that is not a hotline call; left alone')
      return
    }
    if (tracker.origin(legId) === 'inbound') return
    tracker.track(legId, 'inbound')
    this.#bus.emit('inbound', { legId, from: channel?.caller?.number ?? '', to, at })
  }
}
