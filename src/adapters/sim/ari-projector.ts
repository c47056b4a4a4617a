// Projects the call model's events to ARI events, per Stasis application, in the orders a real
// Asterisk 22.10.1 raised them (test/fixtures/captures/asterisk-22.10.1/, summary.txt):
// - a call the dialplan sends to Stasis() gets StasisStart (args [], state Ring) and nothing
//   before it (01); when no app is active Stasis() fails (res_stasis stasis_app_exec: "not
//   registered" / "not active", STASISSTATUS=FAILED) and the dialplan goes on to hang it up;
// - an originated leg: Dial "" → ChannelStateChange Ringing → Dial RINGING → ChannelStateChange
//   Up → Dial ANSWER → ChannelVarset STASISSTATUS "" → StasisStart (04); a refused one:
//   Dial "" → ChannelHangupRequest <cause> → Dial BUSY → ChannelDestroyed (05); one that rings
//   out: Dial "" → RINGING → ChannelDestroyed 19, with no hangup request and no final Dial (06),
//   because main/dial.c hangs the leg up itself at its timeout;
// - a leg from /channels/create + /dial gives no final Dial; a /dial timeout is a soft hangup
//   (ChannelHangupRequest 32 soft) (08);
// - a hangup: ChannelHangupRequest (its fields by what ended it: ari-hangups.ts), bridge exit,
//   StasisEnd; channels made by ARI then get STASISSTATUS SUCCESS and ChannelDestroyed with the
//   real cause, dialplan channels nothing more (09, 12). A DELETE's request, bridge exit and
//   StasisEnd go out at once and the channel is destroyed a moment later, so a second DELETE
//   meanwhile finds it and raises a request of its own (15 part A: two requests, both 204, one
//   ChannelDestroyed after both).

import { createHash } from 'node:crypto'
import type { ModelEvent, SimChannel } from './model-types.js'
import type { SimSwitch } from './sim-switch.js'
import { AriApps } from './ari-apps.js'
import { AriBridges, type AriBridge } from './ari-bridge.js'
import { AriBridging, type BridgeEventSink } from './ari-bridging.js'
import { AriChannel, AriChannels, OUTGOING_LINE, ariTime } from './ari-channel.js'
import { AriPlaybacks, type AriPlayback } from './ari-playbacks.js'
import { AriTimeouts } from './ari-timeouts.js'
import { CAUSE, ariCauseOf, causeText, causeToSip, dialStatusFor, modelCauseFor } from './ari-causes.js'
import { EXPLICIT_REQUEST, SOFTHANGUP_SHUTDOWN, reportHangup, techOf, withTech } from './ari-hangups.js'

export interface AriProjectorOptions {
  /** The Stasis apps the dialplan sends calls to, tried in order (each a Stasis() that may fail). */
  apps: readonly string[]
  /** Dialplan context of the PJSIP endpoints. */
  context: string
  /** PJSIP endpoint the callers' calls arrive on (the carrier trunk). */
  inboundEndpoint: string
}

/**
 * How long a channel's thread takes to act on a DELETE's soft hangup (15 part A: ChannelDestroyed
 * 2 ms after the requests, a second DELETE answered 204 in between).
 */
const SOFT_HANGUP_MS = 2

/** The Asterisk entity id (a MAC address, `02:fc:00:00:00:01` in the capture) derived from the machine's id. */
function entityId (machineId: string): string {
  const bytes = createHash('sha256').update(machineId).digest().subarray(0, 5)
  return ['02', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':')
}

export class AriProjector implements BridgeEventSink {
  readonly model: SimSwitch
  readonly asteriskId: string
  readonly startedAt = Date.now()
  readonly channels = new AriChannels()
  readonly bridges = new AriBridges()
  readonly apps: AriApps
  readonly playbacks: AriPlaybacks
  readonly bridging: AriBridging
  readonly timeouts: AriTimeouts
  readonly options: AriProjectorOptions
  /** Legs an ARI originate or /dial is about to create in the model. */
  readonly #expected = new Map<string, AriChannel>()
  /** DELETEs whose soft hangup the channel's thread has yet to act on. */
  readonly #softHangups = new Set<NodeJS.Timeout>()
  readonly #onModel = (event: ModelEvent): void => { this.#project(event) }

  constructor (model: SimSwitch, options: AriProjectorOptions) {
    this.model = model
    this.options = options
    this.asteriskId = entityId(model.machineId)
    this.apps = new AriApps(this.asteriskId)
    this.playbacks = new AriPlaybacks(model, (playback, event) => { this.#toPlaybackTarget(playback, event) })
    this.bridging = new AriBridging({
      model, channels: this.channels, bridges: this.bridges, apps: this.apps, playbacks: this.playbacks, sink: this
    })
    this.timeouts = new AriTimeouts({ model, leaveStasis: (channel) => { this.exitStasis(channel) } })
    model.on('event', this.#onModel)
  }

  close (): void {
    this.model.off('event', this.#onModel)
    this.playbacks.close()
    this.timeouts.close()
    this.#expected.clear()
    for (const timer of this.#softHangups) clearTimeout(timer)
    this.#softHangups.clear()
  }

  // --- events ---------------------------------------------------------------------------

  /** An event's fields in Asterisk's order: some blobs put their own keys before `type`. */
  event (type: string, body: Record<string, unknown>, lead: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...lead, type, timestamp: ariTime(Date.now()), ...body }
  }

  toChannel (channel: AriChannel, event: Record<string, unknown>): void {
    if (channel.app !== undefined) this.apps.send(channel.app, event)
  }

  toBridge (bridge: AriBridge, channel: AriChannel | undefined, event: Record<string, unknown>): void {
    const apps = new Set(this.apps.bridgeApps(bridge.id))
    if (channel?.app !== undefined) apps.add(channel.app)
    for (const app of apps) this.apps.send(app, event)
  }

  #toPlaybackTarget (playback: AriPlayback, event: Record<string, unknown>): void {
    const { channelId, bridgeId } = playback.target
    const bridge = bridgeId === undefined ? undefined : this.bridges.get(bridgeId)
    if (bridge !== undefined) {
      this.toBridge(bridge, undefined, event)
      return
    }
    const channel = channelId === undefined ? undefined : this.channels.get(channelId)
    if (channel !== undefined) this.toChannel(channel, event)
  }

  #channelEvent (channel: AriChannel, type: string, body: Record<string, unknown> = {}, lead: Record<string, unknown> = {}): void {
    this.toChannel(channel, this.event(type, { ...body, channel: channel.json() }, lead))
  }

  #dial (channel: AriChannel, dialstatus: string, dialstring: string): void {
    this.toChannel(channel, this.event('Dial', { dialstatus, forward: '', dialstring, peer: channel.json() }))
  }

  #setVar (channel: AriChannel, variable: string, value: string): void {
    channel.vars.set(variable, value)
    this.#channelEvent(channel, 'ChannelVarset', {}, { variable, value })
  }

  // --- what the REST side asks ------------------------------------------------------------

  /** Before model.originate: the ARI view of the leg it will create (originate or /dial). */
  expect (channel: AriChannel): void {
    channel.pending = false
    this.channels.add(channel)
    this.#expected.set(channel.id, channel)
  }

  /** The leg could not be dialled at all (the model refused the originate). */
  unexpect (channel: AriChannel): void {
    if (this.#expected.delete(channel.id)) this.channels.delete(channel.id)
  }

  /**
   * /channels/create: the channel runs Stasis(app,args) in a thread of its own (ari_channel_thread):
   * ChannelDialplan, STASISSTATUS "", StasisStart in state Down (capture 08). With the app
   * inactive Stasis() fails and the thread hangs the channel up.
   */
  startCreated (channel: AriChannel): void {
    const app = channel.app ?? ''
    const appData = [app, ...channel.args].join(',')
    channel.dialplan = { ...channel.dialplan, app_name: 'Stasis', app_data: appData }
    this.#channelEvent(channel, 'ChannelDialplan', { dialplan_app: 'Stasis', dialplan_app_data: appData })
    if (!this.apps.isActive(app)) {
      channel.cause = { code: CAUSE.NORMAL_CLEARING }
      this.#finish(channel)
      return
    }
    this.#setVar(channel, 'STASISSTATUS', '')
    this.#enterStasis(channel, app)
  }

  /**
   * DELETE /channels/{id}: the cause is set and a soft hangup requested (resource_channels.c
   * ast_ari_channels_hangup), so ChannelHangupRequest reads 32 soft and ChannelDestroyed the
   * cause. Every DELETE of a channel not yet destroyed raises its request (15 part A).
   */
  hangup (channel: AriChannel, cause: number): void {
    if (channel.cause === undefined) channel.requestedCause = cause
    this.#channelEvent(channel, 'ChannelHangupRequest', {}, { ...EXPLICIT_REQUEST })
    if (channel.cause !== undefined || channel.hangupRequested) return
    channel.hangupRequested = true
    if (!channel.pending) {
      this.model.requestHangup(channel.id, modelCauseFor(cause), SOFT_HANGUP_MS)
      return
    }
    // Created and never dialled: only ARI knows it.
    const timer = setTimeout(() => {
      this.#softHangups.delete(timer)
      if (channel.cause !== undefined || !this.channels.has(channel.id)) return
      channel.cause = withTech(channel.requestedCause ?? cause, causeToSip(channel.requestedCause ?? cause))
      this.#finish(channel)
    }, this.model.scaled(SOFT_HANGUP_MS))
    this.#softHangups.add(timer)
  }

  /**
   * The switch shuts down: the model ended its channels (reportHangup); the ones only ARI knows
   * (created, never dialled) get their shutdown request too and are destroyed with no cause (14).
   */
  switchDown (): void {
    for (const channel of this.channels.list()) {
      if (!channel.pending || channel.cause !== undefined) continue
      channel.cause = { code: 0 }
      this.#channelEvent(channel, 'ChannelHangupRequest', {}, { cause: SOFTHANGUP_SHUTDOWN, soft: true })
      this.#finish(channel)
    }
  }

  /**
   * POST /channels/{id}/continue: the channel leaves Stasis for the dialplan. The simulated
   * dialplan has nothing after Stasis() but its end, so the channel is then hung up, as
   * Asterisk hangs up a channel whose dialplan runs out (and an ARI-made channel whose Stasis() returns).
   */
  /**
   * /channels/{id}/move, as the Stasis loop runs it (res_stasis.c stasis_app_exec): to an
   * active app, StasisEnd to the old one and StasisStart with the new args to the new one; the
   * channel stays in its bridge. To an app not active: ApplicationMoveFailed, nothing moves.
   */
  move (channel: AriChannel, app: string, args: string[]): void {
    if (!channel.inStasis || channel.cause !== undefined) return
    const from = channel.app
    if (!this.apps.isActive(app)) {
      if (from !== undefined) this.apps.send(from, { type: 'ApplicationMoveFailed', timestamp: ariTime(Date.now()), channel: channel.json(), destination: app, args })
      return
    }
    this.#channelEvent(channel, 'StasisEnd')
    if (from !== undefined) this.apps.unsubscribeChannel(from, channel.id)
    channel.args = [...args]
    this.#enterStasis(channel, app)
  }

  continueInDialplan (channel: AriChannel): void {
    if (!channel.inStasis || channel.cause !== undefined) return
    this.exitStasis(channel)
    channel.cause = { code: CAUSE.NORMAL_CLEARING }
    if (channel.pending) {
      this.#finish(channel)
      return
    }
    this.model.hangup(channel.id, 'NORMAL_CLEARING', 'switch')
  }

  // --- the model's events -------------------------------------------------------------------

  #project (event: ModelEvent): void {
    switch (event.type) {
      case 'channel-created':
        this.#created(event.channel)
        return
      case 'channel-ringing':
        this.#ringing(event.channel)
        return
      case 'channel-answered':
        this.#answered(event.channel)
        return
      case 'channel-parked':
        this.#parked(event.channel)
        return
      case 'dtmf': {
        const channel = this.channels.get(event.channel.id)
        if (channel?.inStasis === true) this.#channelEvent(channel, 'ChannelDtmfReceived', { digit: event.digit, duration_ms: event.durationMs })
        return
      }
      case 'playback-started':
        this.playbacks.modelStarted(event.playbackId)
        return
      case 'playback-finished':
        this.playbacks.modelFinished(event.playbackId, event.status)
        return
      case 'channel-hangup':
        this.#hangupStarted(event.channel, event.cause, event.q850)
        return
      case 'conference-member-removed': {
        const channel = this.channels.get(event.channel.id)
        if (channel !== undefined && channel.bridgeId === event.conference.room) this.bridging.leave(channel)
        return
      }
      case 'channel-hangup-complete':
        this.#hangupComplete(event.channel, event.cause, event.q850)
    }
  }

  #created (modelChannel: SimChannel): void {
    const expected = this.#expected.get(modelChannel.id)
    if (expected !== undefined) {
      this.#expected.delete(modelChannel.id)
      expected.dialing = true
      this.#dial(expected, '', expected.dialstring)
      return
    }
    if (this.channels.has(modelChannel.id)) return
    const inbound = modelChannel.direction === 'inbound'
    const { name } = this.channels.allocate(inbound ? this.options.inboundEndpoint : 'department')
    this.channels.add(new AriChannel({
    language: this.model.install.language,
      id: modelChannel.id,
      name,
      origin: inbound ? 'dialplan' : 'other',
      state: inbound ? 'Ring' : 'Down',
      createdAt: modelChannel.createdAt,
      caller: { name: modelChannel.callerIdName, number: modelChannel.callerIdNumber },
      dialplan: { context: this.options.context, exten: inbound ? modelChannel.destination : 's', priority: 1, app_name: '', app_data: '' },
      protocolId: modelChannel.variables.get('sip_call_id') ?? `${modelChannel.id}@${modelChannel.variables.get('sip_network_ip') ?? 'sim'}`,
      number: modelChannel.destination
    }))
  }

  #ringing (modelChannel: SimChannel): void {
    const channel = this.channels.get(modelChannel.id)
    if (channel === undefined) return
    channel.state = 'Ringing'
    if (!channel.dialing) return
    this.#channelEvent(channel, 'ChannelStateChange')
    // /dial reports the dialstring on its first Dial event only (capture 08).
    this.#dial(channel, 'RINGING', channel.origin === 'originate' ? channel.dialstring : '')
  }

  #answered (modelChannel: SimChannel): void {
    const channel = this.channels.get(modelChannel.id)
    if (channel === undefined) return
    channel.state = 'Up'
    if (channel.dialing) {
      channel.dialing = false
      this.#channelEvent(channel, 'ChannelStateChange')
      this.#dial(channel, 'ANSWER', channel.origin === 'originate' ? channel.dialstring : '')
      if (channel.origin === 'originate') this.#originateAnswered(channel)
    } else if (channel.inStasis) {
      this.#channelEvent(channel, 'ChannelStateChange')
    }
    this.bridging.joinModel(channel)
  }

  /** ari_originate_dial: the answered leg runs Stasis(app,appArgs); with no app, the dialplan (none here). */
  #originateAnswered (channel: AriChannel): void {
    const app = channel.app
    if (app === undefined || !this.apps.isActive(app)) {
      channel.cause = { code: CAUSE.NORMAL_CLEARING }
      this.model.hangup(channel.id, 'NORMAL_CLEARING', 'switch')
      return
    }
    channel.dialplan = { ...channel.dialplan, app_name: 'Stasis', app_data: [app, ...channel.args].join(',') }
    this.#setVar(channel, 'STASISSTATUS', '')
    this.#enterStasis(channel, app)
  }

  /** Stasis() returns (out of its bridge first) and the channel goes on in the dialplan, still up. */
  exitStasis (channel: AriChannel): void {
    if (!channel.inStasis || channel.cause !== undefined) return
    if (channel.bridgeId !== undefined) this.bridging.leave(channel)
    this.#leaveStasis(channel)
    if (!channel.ariCreated && channel.app !== undefined) {
      this.apps.unsubscribeChannel(channel.app, channel.id)
      channel.app = undefined
    }
  }

  /** The dialplan's HC_TURN: where the next caller's round of applications starts. */
  #turn = 0

  /** The dialplan's Stasis() for a caller; the capture's extension runs it at priority 2. */
  #parked (modelChannel: SimChannel): void {
    const channel = this.channels.get(modelChannel.id)
    if (channel?.origin !== 'dialplan' || channel.inStasis || channel.cause !== undefined) return
    // The generated dialplan (src/switch-config/asterisk.ts): a turn counter picks the first
    // application, then each is tried once in order; one not active fails Stasis() at once.
    const apps = this.options.apps
    this.#turn = (this.#turn + 1) % apps.length
    const app = [...apps.slice(this.#turn), ...apps.slice(0, this.#turn)].find((name) => this.apps.isActive(name))
    if (app === undefined) {
      channel.cause = { code: CAUSE.NORMAL_CLEARING }
      this.model.hangup(channel.id, 'NORMAL_CLEARING', 'switch')
      return
    }
    channel.dialplan = { ...channel.dialplan, priority: 2, app_name: 'Stasis', app_data: app }
    this.#enterStasis(channel, app)
  }

  #enterStasis (channel: AriChannel, app: string): void {
    channel.app = app
    channel.inStasis = true
    this.apps.subscribeChannel(app, channel.id)
    this.#channelEvent(channel, 'StasisStart', { args: [...channel.args] })
  }

  #leaveStasis (channel: AriChannel): void {
    channel.inStasis = false
    this.#channelEvent(channel, 'StasisEnd')
    if (channel.ariCreated) this.#setVar(channel, 'STASISSTATUS', 'SUCCESS')
  }

  #hangupStarted (modelChannel: SimChannel, cause: string, q850: number): void {
    const channel = this.channels.get(modelChannel.id)
    if (channel === undefined) return
    // The dialplan or Stasis ending hung it up: no request to report.
    if (channel.cause !== undefined && channel.requestedCause === undefined) return
    const report = reportHangup(channel, modelChannel, cause, q850)
    channel.cause = report.cause
    if (report.timedOut === true) channel.timedOut = true
    if (report.request !== undefined) this.#channelEvent(channel, 'ChannelHangupRequest', {}, report.request)
    // Its Stasis thread acts on a DELETE's soft hangup at once: out of the bridge and of Stasis
    // before the reply, destroyed a moment after it (15 A, C, D: StasisEnd before the 204,
    // ChannelDestroyed after it; 09: "often, not always").
    if (channel.hangupRequested) {
      if (channel.bridgeId !== undefined) this.bridging.leave(channel)
      this.playbacks.channelGone(channel.id)
      if (channel.inStasis) this.#leaveStasis(channel)
    }
  }

  #hangupComplete (modelChannel: SimChannel, cause: string, q850: number): void {
    const channel = this.channels.get(modelChannel.id)
    if (channel === undefined) return
    channel.cause ??= ariCauseOf(cause, q850, undefined)
    this.#finish(channel)
  }

  /** The channel is destroyed: bridge exit, StasisEnd, and for ARI's own channels ChannelDestroyed. */
  #finish (channel: AriChannel): void {
    const cause = channel.cause ?? { code: CAUSE.NORMAL_CLEARING }
    if (channel.bridgeId !== undefined) this.bridging.leave(channel)
    this.playbacks.channelGone(channel.id)
    if (channel.origin === 'originate' && channel.dialing && !channel.timedOut) {
      this.#dial(channel, dialStatusFor(cause.code), channel.dialstring)
    }
    channel.dialing = false
    if (channel.inStasis) this.#leaveStasis(channel)
    if (channel.ariCreated) {
      channel.dialplan = { ...channel.dialplan, ...(channel.origin === 'originate' ? OUTGOING_LINE : { app_name: '', app_data: '' }) }
      this.#channelEvent(channel, 'ChannelDestroyed', { cause: cause.code, cause_txt: causeText(cause.code), ...techOf(cause.tech) })
    }
    if (channel.app !== undefined) this.apps.unsubscribeChannel(channel.app, channel.id)
    this.timeouts.clear(channel.id)
    this.channels.delete(channel.id)
  }
}
