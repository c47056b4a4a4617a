// Projects the call model's events to FreeSWITCH events, in the order FreeSWITCH raises them,
// and hands every raised event to the connections (each one filters for itself). It also keeps
// what only the Event Socket side knows of a channel (ChannelView) and runs the dialplan apps
// (AppRunner), because some app results must land between two model events: a conference app
// completes after its del-member and before CHANNEL_HANGUP_COMPLETE (capture 08).

import { randomUUID } from 'node:crypto'
import { AppRunner } from './esl-apps.js'
import { type AppHost } from './esl-app-context.js'
import { CALL_STATE_NUMBERS, ChannelView, micros } from './esl-channel-view.js'
import { CONFERENCE_SUBCLASS, ConferenceTracker } from './esl-conference.js'
import { EslEventFactory, type EslEvent, type SwitchIdentity } from './esl-events.js'
import type { Header } from './esl-frame.js'
import type { ModelEvent, SimChannel, SimConference } from './model-types.js'
import type { SimSwitch } from './sim-switch.js'

export type EventSink = (event: EslEvent) => void

/** A DTMF key's length in samples at 8 kHz (capture 03: 280 ms → DTMF-Duration 2240). */
const SAMPLES_PER_MS = 8
/** mod_conference's frame: its thread looks at the floor once per 20 ms interval. */
const CONFERENCE_FRAME_MS = 20

function localStamp (ms: number): string {
  const d = new Date(ms)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

export class EslProjector implements AppHost {
  readonly model: SimSwitch
  readonly factory: EslEventFactory
  readonly conferences = new ConferenceTracker()
  readonly apps: AppRunner
  /** Channels created since this switch started (`status`: session(s) since startup). */
  channelsCreated = 0
  readonly #views = new Map<string, ChannelView>()
  /** What an ESL originate tells the view of the leg it is about to create. */
  readonly #originating = new Map<string, { cidName: string, app: { name: string, arg: string } }>()
  readonly #sinks = new Set<EventSink>()
  /** Floors left free by a holder who left, handed over on the conference's next frame. */
  readonly #floorTimers = new Set<NodeJS.Timeout>()
  readonly #onModel = (event: ModelEvent): void => { this.#project(event) }

  constructor (model: SimSwitch, identity: Partial<SwitchIdentity> = {}) {
    this.model = model
    this.factory = new EslEventFactory({ coreId: model.coreId, hostname: model.hostname, ...identity })
    this.apps = new AppRunner(this)
    model.on('event', this.#onModel)
  }

  close (): void {
    this.model.off('event', this.#onModel)
    this.apps.close()
    this.#sinks.clear()
    for (const timer of this.#floorTimers) clearTimeout(timer)
    this.#floorTimers.clear()
  }

  subscribe (sink: EventSink): () => void {
    this.#sinks.add(sink)
    return () => { this.#sinks.delete(sink) }
  }

  raise (event: EslEvent): void {
    for (const sink of [...this.#sinks]) {
      try {
        sink(event)
      } catch {
        // One connection failing to take an event must not keep it from the others.
      }
    }
  }

  /** A channel that exists and is not hung up. */
  live (id: string): SimChannel | undefined {
    const channel = this.model.channel(id)
    return channel !== undefined && channel.answerState !== 'hangup' ? channel : undefined
  }

  view (channel: SimChannel): ChannelView {
    let view = this.#views.get(channel.id)
    if (view === undefined) {
      view = new ChannelView(channel)
      const originate = this.#originating.get(channel.id)
      if (originate !== undefined) {
        this.#originating.delete(channel.id)
        view.originCidName = originate.cidName
        view.originateApp = originate.app
      }
      this.#views.set(channel.id, view)
    }
    return view
  }

  /** Before `model.originate`: the caller ID name asked for and the app the leg will run. */
  expectOriginate (id: string, cidName: string, app: { name: string, arg: string }): void {
    this.#originating.set(id, { cidName, app })
  }

  forgetOriginate (id: string): void {
    this.#originating.delete(id)
  }

  viewOf (id: string): ChannelView | undefined {
    return this.#views.get(id)
  }

  /** Takes the channel object: the model forgets a channel before its hangup-complete. */
  raiseChannel (name: string, channel: SimChannel, extra: { pre?: readonly Header[], post?: readonly Header[] } = {}): void {
    this.raise(this.factory.channelEvent(name, channel, this.view(channel), extra))
  }

  /** switch_channel_perform_set_running_state: the new state, then CHANNEL_STATE. */
  setState (channel: SimChannel, name: string, number: number): void {
    const view = this.view(channel)
    view.stateName = name
    view.stateNumber = number
    this.raise(this.factory.channelEvent('CHANNEL_STATE', channel, view))
  }

  /** switch_channel_perform_set_callstate: CHANNEL_CALLSTATE names the state it left. */
  setCallState (channel: SimChannel, state: string): void {
    const view = this.view(channel)
    const old = view.callState
    if (old === state) return
    view.callState = state
    this.raise(this.factory.channelEvent('CHANNEL_CALLSTATE', channel, view, {
      pre: [['Original-Channel-Call-State', old], ['Channel-Call-State-Number', String(CALL_STATE_NUMBERS[state] ?? 0)]]
    }))
  }

  /**
   * switch_channel_pre_answer, as playback and play_and_get_digits do on a call that still
   * rings: early media (183), CHANNEL_PROGRESS_MEDIA, call state EARLY. The model has no early
   * media, so this lives in the view only.
   */
  preAnswer (id: string): void {
    const channel = this.live(id)
    if (channel?.answerState !== 'ringing') return
    this.#earlyMedia(channel)
  }

  /** An inbound call's media is up before it is answered (switch_channel_perform_mark_pre_answered). */
  #earlyMedia (channel: SimChannel): void {
    const view = this.view(channel)
    if (channel.direction !== 'inbound' || view.earlyMedia) return
    view.earlyMedia = true
    view.progressMediaMs = Date.now()
    this.raise(this.factory.channelEvent('CHANNEL_PROGRESS_MEDIA', channel, view))
    this.setCallState(channel, 'EARLY')
  }

  conferenceProfile (room: string, profile: string): void {
    this.conferences.noteProfile(room, profile)
  }

  #project (event: ModelEvent): void {
    switch (event.type) {
      case 'channel-created': {
        const { channel } = event
        this.channelsCreated++
        this.view(channel)
        this.raiseChannel('CHANNEL_CREATE', channel)
        if (channel.direction === 'inbound') {
          this.setCallState(channel, 'RINGING')
        } else {
          // An originated leg waits for its far end in CS_CONSUME_MEDIA (capture 04: ANSWER).
          this.setState(channel, 'CS_CONSUME_MEDIA', 7)
        }
        return
      }
      case 'channel-ringing': {
        const view = this.view(event.channel)
        view.progressMs = Date.now()
        this.raiseChannel('CHANNEL_PROGRESS', event.channel)
        this.setCallState(event.channel, 'RINGING')
        return
      }
      case 'channel-answered':
        if (this.model.install.lateNegotiation === true) this.#earlyMedia(event.channel)
        // The call state turns ACTIVE only after CHANNEL_ANSWER (captures 02, 04: RINGING in it).
        this.raiseChannel('CHANNEL_ANSWER', event.channel)
        this.setCallState(event.channel, 'ACTIVE')
        return
      case 'channel-parked':
        this.#parked(event.channel)
        return
      case 'dtmf': {
        const view = this.view(event.channel)
        view.digits += event.digit
        this.raiseChannel('DTMF', event.channel, {
          // RFC 2833 keys come from the RTP stack, SIP INFO ones from the endpoint (captures 03, 12_transfer_hunt_setup).
          post: [['DTMF-Digit', event.digit], ['DTMF-Duration', String(event.durationMs * SAMPLES_PER_MS)],
            ['DTMF-Source', event.via === 'info' ? 'ENDPOINT' : 'RTP']]
        })
        this.apps.dtmf(event.channel.id, event.digit)
        return
      }
      case 'playback-started':
        this.raiseChannel('PLAYBACK_START', event.channel, { post: [['Playback-File-Path', event.media]] })
        return
      case 'playback-finished':
        this.#playbackFinished(event.channel, event.media, event.status, event.playedMs)
        return
      case 'channel-hangup':
        // The state number moves to CS_HANGUP at once; its name follows later (capture 08).
        this.view(event.channel).stateNumber = 10
        this.raiseChannel('CHANNEL_HANGUP', event.channel)
        this.apps.hangingUp(event.channel.id)
        return
      case 'channel-hangup-complete':
        this.#hangupComplete(event.channel, event.cause)
        return
      case 'conference-created':
        this.#conferenceEvent(event.conference, 'conference-create', 0, [])
        return
      case 'conference-member-added':
        this.#memberAdded(event.conference, event.channel, event.memberId)
        return
      case 'conference-member-removed':
        this.#memberRemoved(event.conference, event.channel, event.memberId)
        return
      case 'conference-destroyed':
        this.#conferenceEvent(event.conference, 'conference-destroy', 0, [])
        this.conferences.forget(event.conference.room)
    }
  }

  #parked (channel: SimChannel): void {
    const view = this.view(channel)
    // An ESL originate starts the app it was given itself, after its job reports (capture 04).
    if (view.originateApp !== undefined) return
    this.setState(channel, 'CS_ROUTING', 2)
    this.setState(channel, 'CS_EXECUTE', 4)
    // The extension's apps before its park, each with its CHANNEL_EXECUTE_COMPLETE (12_transfer_hunt_setup).
    const before = (this.model.install.dialplanApps ?? []).map((app) => ({
      name: app.name, arg: typeof app.arg === 'function' ? app.arg() : app.arg, uuid: randomUUID()
    }))
    this.apps.startOuter(channel.id, [...before, { name: 'park', arg: '', uuid: randomUUID() }], 'stay')
  }

  /** switch_ivr_play_file sets the playback_* variables; a file it cannot open raises nothing. */
  #playbackFinished (channel: SimChannel, media: string, status: 'done' | 'stopped' | 'failed', playedMs: number): void {
    if (status !== 'failed') {
      const samples = String(playedMs * SAMPLES_PER_MS)
      channel.variables.set('playback_last_offset_pos', samples)
      channel.variables.set('playback_seconds', String(Math.floor(playedMs / 1000)))
      channel.variables.set('playback_ms', String(playedMs))
      channel.variables.set('playback_samples', samples)
      this.raiseChannel('PLAYBACK_STOP', channel, {
        post: [['Playback-File-Path', media], ['Playback-Status', status === 'done' ? 'done' : 'break']]
      })
    }
    this.apps.playbackFinished(channel.id, status)
  }

  #hangupComplete (channel: SimChannel, cause: string): void {
    // Apps still running end first: their CHANNEL_EXECUTE_COMPLETE precedes HANGUP_COMPLETE.
    this.apps.hangupComplete(channel.id)
    this.#cdrVariables(channel)
    this.setState(channel, 'CS_HANGUP', 10)
    this.setCallState(channel, 'HANGUP')
    this.setState(channel, 'CS_REPORTING', 11)
    this.raiseChannel('CHANNEL_HANGUP_COMPLETE', channel, { pre: [['Hangup-Cause', cause]] })
    this.setState(channel, 'CS_DESTROY', 12)
    this.raiseChannel('CHANNEL_DESTROY', channel)
    this.#views.delete(channel.id)
  }

  /** The CDR variables of CHANNEL_HANGUP_COMPLETE (captures 05, 06, 08); the model's win. */
  #cdrVariables (channel: SimChannel): void {
    const view = this.view(channel)
    const vars = channel.variables
    const set = (name: string, value: string): void => { if (!vars.has(name)) vars.set(name, value) }
    const start = channel.createdAt
    const end = channel.hangupAt ?? Date.now()
    const answered = channel.answeredAt
    const epoch = (ms: number | undefined): string => ms === undefined ? '0' : String(Math.floor(ms / 1000))
    const [name, number] = view.callerId(channel)
    set('digits_dialed', view.digits === '' ? 'none' : view.digits)
    set('start_stamp', localStamp(start))
    set('profile_start_stamp', localStamp(view.profileCreatedMs))
    if (answered !== undefined) set('answer_stamp', localStamp(answered))
    set('end_stamp', localStamp(end))
    set('start_epoch', epoch(start))
    set('start_uepoch', micros(start))
    set('profile_start_epoch', epoch(view.profileCreatedMs))
    set('profile_start_uepoch', micros(view.profileCreatedMs))
    set('answer_epoch', epoch(answered))
    set('answer_uepoch', micros(answered))
    set('end_epoch', epoch(end))
    set('end_uepoch', micros(end))
    set('caller_id', name === '' ? number : `"${name}" <${number}>`)
    // Whole-second epochs, so a 4.4 s call lasts 5 s (capture 06: duration 5, mduration 4440).
    set('duration', String(Math.floor(end / 1000) - Math.floor(start / 1000)))
    set('billsec', answered === undefined ? '0' : String(Math.floor(end / 1000) - Math.floor(answered / 1000)))
    set('mduration', String(Math.round(end - start)))
    set('billmsec', answered === undefined ? '0' : String(Math.round(end - answered)))
    set('uduration', String(Math.round((end - start) * 1000)))
    set('billusec', answered === undefined ? '0' : String(Math.round((end - answered) * 1000)))
    // The other timers of switch_cdr: each `<x>sec/msec/usec` from the call's start.
    const since = (at: number | undefined, prefix: string): void => {
      const ms = at === undefined ? 0 : at - start
      set(`${prefix}sec`, String(at === undefined ? 0 : Math.floor(at / 1000) - Math.floor(start / 1000)))
      set(`${prefix}msec`, String(Math.round(ms)))
      set(`${prefix}usec`, String(Math.round(ms * 1000)))
    }
    since(view.progressMs, 'progress')
    since(answered, 'answer')
    since(answered, 'wait')
    since(view.progressMediaMs, 'progress_media')
    since(end, 'flow_bill')
    for (const stamp of ['progress', 'progress_media']) {
      const at = stamp === 'progress' ? view.progressMs : view.progressMediaMs
      set(`${stamp}_epoch`, epoch(at))
      set(`${stamp}_uepoch`, micros(at))
    }
    for (const zero of ['bridge_epoch', 'bridge_uepoch', 'last_hold_epoch', 'last_hold_uepoch', 'hold_accum_seconds',
      'hold_accum_usec', 'hold_accum_ms', 'resurrect_epoch', 'resurrect_uepoch']) set(zero, '0')
    // A refused dial's SIP status, as mod_sofia reports it (capture: the busy leg's 486).
    const status = vars.get('sip_term_status')
    if (channel.direction === 'outbound' && channel.answeredAt === undefined && status !== undefined) {
      set('sip_invite_failure_status', status)
      set('sip_term_cause', vars.get('hangup_cause_q850') ?? '')
    }
  }

  #conferenceEvent (conference: SimConference, action: string, size: number, member: readonly Header[], after: readonly Header[] = []): void {
    const headers: Header[] = [...this.conferences.conferenceHeaders(conference, size)]
    headers.push(...member, ['Action', action], ...after)
    this.raise(this.factory.create('CUSTOM', { subclass: CONFERENCE_SUBCLASS, source: action, headers }))
  }

  #memberAdded (conference: SimConference, channel: SimChannel, memberId: number): void {
    const view = this.view(channel)
    this.#conferenceEvent(conference, 'add-member', conference.members.size, this.conferences.memberHeaders(channel, view, memberId, false))
    this.#takeFloor(conference, channel, memberId)
  }

  /** A member takes a free floor: floor-change from nobody to it. */
  #takeFloor (conference: SimConference, channel: SimChannel, memberId: number): void {
    if (!this.conferences.takeFloorIfFree(conference.room, memberId, channel.id)) return
    const headers: Header[] = [...this.conferences.conferenceHeaders(conference, conference.members.size)]
    headers.push(['Action', 'floor-change'], ['Old-ID', 'none'],
      ...this.conferences.memberHeaders(channel, this.view(channel), memberId, true), ['New-ID', String(memberId)])
    this.raise(this.factory.create('CUSTOM', { subclass: CONFERENCE_SUBCLASS, source: 'floor-change', headers }))
  }

  #memberRemoved (conference: SimConference, channel: SimChannel, memberId: number): void {
    const size = conference.members.size
    // The holder's floor goes to nobody before it is deleted, while it still counts (capture 08).
    const released = this.conferences.releaseFloor(conference.room, channel.id)
    if (released) this.#conferenceEvent(conference, 'floor-change', size + 1, [], [['Old-ID', 'none'], ['New-ID', 'none']])
    this.#conferenceEvent(conference, 'del-member', size, this.conferences.memberHeaders(channel, this.view(channel), memberId, false))
    this.apps.memberLeft(channel.id)
    if (released && size > 0) this.#handOverFloor(conference.room)
  }

  /**
   * The conference thread gives a free floor to the first member of its list, the newest, on
   * its next frame (mod_conference conference_thread_run: `!floor_holder` → set_floor_holder).
   * 12_transfer_hunt: the caller held the floor and hung up; 02155010001 got it (New-ID 3), so
   * its own kill later brought a floor-change to none before its del-member.
   */
  #handOverFloor (room: string): void {
    const timer = setTimeout(() => {
      this.#floorTimers.delete(timer)
      const conference = this.model.conference(room)
      const newest = [...conference?.members ?? []].sort((a, b) => b[1] - a[1])[0]
      const channel = newest === undefined ? undefined : this.live(newest[0])
      if (conference !== undefined && newest !== undefined && channel !== undefined) this.#takeFloor(conference, channel, newest[1])
    }, this.model.scaled(CONFERENCE_FRAME_MS))
    this.#floorTimers.add(timer)
  }

  /** `kick-member`, raised by the conference API before the member leaves. */
  raiseKick (conference: SimConference, channel: SimChannel, memberId: number): void {
    const member = this.conferences.memberHeaders(channel, this.view(channel), memberId, this.conferences.holdsFloor(conference.room, channel.id))
    this.#conferenceEvent(conference, 'kick-member', conference.members.size, member)
  }
}
