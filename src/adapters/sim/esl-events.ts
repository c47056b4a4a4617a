// FreeSWITCH events as the simulator raises them: the common headers every event carries
// (switch_event_prep_for_delivery: Event-Name, Core-UUID, FreeSWITCH-*, Event-Date-*,
// Event-Calling-*, Event-Sequence), then the channel's data, then the event's own headers, in
// the order the captures show (test/fixtures/captures/freeswitch-1.11.1/).

import { hostname as osHostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { ChannelView } from './esl-channel-view.js'
import type { Header } from './esl-frame.js'
import type { Filterable } from './esl-subscription.js'
import type { SimChannel } from './model-types.js'

/** One raised event; immutable, shared by every connection that receives it. */
export class EslEvent implements Filterable {
  readonly name: string
  readonly subclass: string | undefined
  readonly headers: readonly Header[]
  readonly body: string | undefined
  #index: Map<string, string> | undefined

  constructor (name: string, subclass: string | undefined, headers: readonly Header[], body?: string) {
    this.name = name
    this.subclass = subclass
    this.headers = headers
    this.body = body
  }

  /** switch_event_get_header: the first header of that name, its case ignored. */
  get (header: string): string | undefined {
    if (this.#index === undefined) {
      this.#index = new Map()
      for (const [name, value] of this.headers) {
        const key = name.toLowerCase()
        if (!this.#index.has(key)) this.#index.set(key, value)
      }
    }
    return this.#index.get(header.toLowerCase())
  }
}

type Source = readonly [file: string, func: string, line: number]

/**
 * Event-Calling-File/Function/Line-Number. Those the captures show are copied from them (PARK,
 * ANSWER, EXECUTE_COMPLETE, DTMF, HANGUP_COMPLETE, BACKGROUND_JOB, the conference actions); the
 * others name the FreeSWITCH 1.10 function that raises the event.
 */
const SOURCES: Readonly<Record<string, Source>> = {
  CHANNEL_CREATE: ['switch_core_state_machine.c', 'switch_core_session_run', 604],
  CHANNEL_STATE: ['switch_channel.c', 'switch_channel_perform_set_running_state', 2427],
  CHANNEL_CALLSTATE: ['switch_channel.c', 'switch_channel_perform_set_callstate', 311],
  CHANNEL_PROGRESS: ['switch_channel.c', 'switch_channel_perform_mark_ring_ready_value', 3645],
  CHANNEL_PROGRESS_MEDIA: ['switch_channel.c', 'switch_channel_perform_mark_pre_answered', 3730],
  CHANNEL_ANSWER: ['switch_channel.c', 'switch_channel_perform_mark_answered', 3848],
  CHANNEL_EXECUTE: ['switch_core_session.c', 'switch_core_session_exec', 2931],
  CHANNEL_EXECUTE_COMPLETE: ['switch_core_session.c', 'switch_core_session_exec', 2972],
  CHANNEL_PARK: ['switch_ivr.c', 'switch_ivr_park', 1002],
  CHANNEL_UNPARK: ['switch_ivr.c', 'switch_ivr_park', 1132],
  DTMF: ['switch_channel.c', 'switch_channel_dequeue_dtmf', 678],
  PLAYBACK_START: ['switch_ivr_play_say.c', 'switch_ivr_play_file', 1518],
  PLAYBACK_STOP: ['switch_ivr_play_say.c', 'switch_ivr_play_file', 2008],
  CHANNEL_HANGUP: ['switch_channel.c', 'switch_channel_perform_hangup', 3569],
  CHANNEL_HANGUP_COMPLETE: ['switch_core_state_machine.c', 'switch_core_session_reporting_state', 943],
  CHANNEL_DESTROY: ['switch_core_session.c', 'switch_core_session_perform_destroy', 1645],
  BACKGROUND_JOB: ['mod_event_socket.c', 'api_exec', 1569],
  API: ['switch_loadable_module.c', 'switch_api_execute', 2917],
  'conference-create': ['mod_conference.c', 'conference_new', 3848],
  'add-member': ['conference_member.c', 'conference_member_add', 962],
  'floor-change': ['conference_member.c', 'conference_member_set_floor_holder', 1158],
  'del-member': ['conference_member.c', 'conference_member_del', 1355],
  'kick-member': ['conference_api.c', 'conference_api_sub_kick', 743],
  'conference-destroy': ['mod_conference.c', 'conference_thread_run', 863]
}

/**
 * The events that carry the channel's variables (switch_channel_event_set_extended_data); DTMF,
 * CHANNEL_STATE and CHANNEL_CALLSTATE carry none (capture 03: the DTMF event has no variable_*).
 */
const WITH_VARIABLES = new Set([
  'CHANNEL_CREATE', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID', 'CHANNEL_ANSWER', 'CHANNEL_PARK',
  'CHANNEL_UNPARK', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DATA', 'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_DESTROY', 'API', 'PLAYBACK_START', 'PLAYBACK_STOP'
])

export interface SwitchIdentity {
  coreId: string
  hostname?: string
  switchname?: string
  ipv4?: string
  ipv6?: string
}

function pad (n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** Microseconds since the epoch, the unit of Event-Date-Timestamp. */
export function nowMicros (): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000)
}

export interface EventParts {
  subclass?: string
  /** Which conference action (for the calling-function headers of CUSTOM events). */
  source?: string
  headers?: readonly Header[]
  body?: string
}

export class EslEventFactory {
  readonly #common: Header[]
  /** One counter for every event raised, delivered or not (Event-Sequence shows the gaps). */
  #sequence = 0

  constructor (identity: SwitchIdentity) {
    const host = identity.hostname ?? osHostname()
    this.#common = [
      ['Core-UUID', identity.coreId],
      ['FreeSWITCH-Hostname', host],
      ['FreeSWITCH-Switchname', identity.switchname ?? host],
      ['FreeSWITCH-IPv4', identity.ipv4 ?? '127.0.0.1'],
      ['FreeSWITCH-IPv6', identity.ipv6 ?? '::1']
    ]
  }

  get sequence (): number {
    return this.#sequence
  }

  create (name: string, parts: EventParts = {}): EslEvent {
    const micro = nowMicros()
    const date = new Date(Math.floor(micro / 1000))
    const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
      `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    const [file, func, line] = SOURCES[parts.source ?? name] ?? ['switch_event.c', 'switch_event_fire_detailed', 0]
    const headers: Header[] = []
    // A CUSTOM event gets its subclass when it is created, before anything else (capture 07).
    if (parts.subclass !== undefined) headers.push(['Event-Subclass', parts.subclass])
    headers.push(['Event-Name', name], ...this.#common,
      ['Event-Date-Local', local],
      ['Event-Date-GMT', date.toUTCString()],
      ['Event-Date-Timestamp', String(micro)],
      ['Event-Calling-File', file],
      ['Event-Calling-Function', func],
      ['Event-Calling-Line-Number', String(line)],
      ['Event-Sequence', String(++this.#sequence)])
    if (parts.headers !== undefined) headers.push(...parts.headers)
    return new EslEvent(name, parts.subclass, headers, parts.body)
  }

  /**
   * A channel event: `pre` headers (Hangup-Cause of CHANNEL_HANGUP_COMPLETE), the channel's
   * basic data and caller profile, its variables where FreeSWITCH adds them, then `post`.
   */
  channelEvent (name: string, channel: SimChannel, view: ChannelView, extra: { pre?: readonly Header[], post?: readonly Header[] } = {}): EslEvent {
    const headers: Header[] = [...(extra.pre ?? [])]
    headers.push(...view.basicHeaders(channel, name !== 'CHANNEL_HANGUP_COMPLETE'))
    headers.push(...view.profileHeaders(channel))
    if (WITH_VARIABLES.has(name)) headers.push(...view.variableHeaders(channel))
    headers.push(...(extra.post ?? []))
    return this.create(name, { headers })
  }
}
