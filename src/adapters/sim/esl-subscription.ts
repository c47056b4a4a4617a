// What one Event Socket connection listens to: `event`, `nixevent`, `noevents`, `filter` and
// inbound `myevents <uuid>`, with the reply texts and matching rules of mod_event_socket.c
// (parse_command and event_handler).

import type { EventFormat } from './esl-frame.js'

/** switch_event.c EVENT_NAMES (order irrelevant here); `ALL` selects every one of them. */
const EVENT_NAMES = new Set([
  'CUSTOM', 'CLONE', 'CHANNEL_CREATE', 'CHANNEL_DESTROY', 'CHANNEL_STATE', 'CHANNEL_CALLSTATE',
  'CHANNEL_ANSWER', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HOLD', 'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE',
  'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_UNPARK',
  'CHANNEL_APPLICATION', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID', 'API', 'LOG', 'INBOUND_CHAN',
  'OUTBOUND_CHAN', 'STARTUP', 'SHUTDOWN', 'PUBLISH', 'UNPUBLISH', 'TALK', 'NOTALK', 'SESSION_CRASH',
  'MODULE_LOAD', 'MODULE_UNLOAD', 'DTMF', 'MESSAGE', 'PRESENCE_IN', 'NOTIFY_IN', 'PRESENCE_OUT',
  'PRESENCE_PROBE', 'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER', 'CODEC', 'BACKGROUND_JOB',
  'DETECTED_SPEECH', 'DETECTED_TONE', 'PRIVATE_COMMAND', 'HEARTBEAT', 'TRAP', 'ADD_SCHEDULE',
  'DEL_SCHEDULE', 'EXE_SCHEDULE', 'RE_SCHEDULE', 'RELOADXML', 'NOTIFY', 'PHONE_FEATURE',
  'PHONE_FEATURE_SUBSCRIBE', 'SEND_MESSAGE', 'RECV_MESSAGE', 'REQUEST_PARAMS', 'CHANNEL_DATA',
  'GENERAL', 'COMMAND', 'SESSION_HEARTBEAT', 'CLIENT_DISCONNECTED', 'SERVER_DISCONNECTED',
  'SEND_INFO', 'RECV_INFO', 'RECV_RTCP_MESSAGE', 'SEND_RTCP_MESSAGE', 'CALL_SECURE', 'NAT',
  'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CALL_UPDATE', 'FAILURE',
  'SOCKET_DATA', 'MEDIA_BUG_START', 'MEDIA_BUG_STOP', 'CONFERENCE_DATA_QUERY', 'CONFERENCE_DATA',
  'CALL_SETUP_REQ', 'CALL_SETUP_RESULT', 'CALL_DETAIL', 'DEVICE_STATE', 'TEXT', 'SHUTDOWN_REQUESTED',
  'ALL'
])

/** The events `myevents` turns on (parse_command). */
const MY_EVENTS = [
  'CHANNEL_ANSWER', 'CHANNEL_APPLICATION', 'CHANNEL_BRIDGE', 'CHANNEL_CREATE', 'CHANNEL_DATA',
  'CHANNEL_DESTROY', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID', 'CHANNEL_OUTGOING', 'CHANNEL_PARK',
  'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_STATE', 'CHANNEL_UNBRIDGE', 'CHANNEL_UNPARK',
  'DETECTED_SPEECH', 'DTMF', 'NOTALK', 'TALK'
]

/** switch_name_event: names match whatever their case, with or without `SWITCH_EVENT_`. */
export function eventName (token: string): string | undefined {
  const upper = token.toUpperCase()
  const name = upper.startsWith('SWITCH_EVENT_') ? upper.slice(13) : upper
  return EVENT_NAMES.has(name) ? name : undefined
}

/** What a subscription needs to know of an event. */
export interface Filterable {
  readonly name: string
  readonly subclass: string | undefined
  /** A header's value, its name matched whatever its case. */
  get(header: string): string | undefined
}

/**
 * switch_regex_perform as a filter uses it: `/pattern/flags` (the slashes stripped, `i` makes
 * it caseless) or a bare pattern. A pattern that does not compile matches nothing.
 */
function regexMatches (value: string, expression: string): boolean {
  let pattern = expression
  let flags = ''
  if (pattern.startsWith('/')) {
    const close = pattern.lastIndexOf('/')
    flags = close > 0 && pattern.slice(close + 1).includes('i') ? 'i' : ''
    pattern = close > 0 ? pattern.slice(1, close) : pattern.slice(1)
  }
  try {
    return new RegExp(pattern, flags).test(value)
  } catch {
    return false
  }
}

export class EslSubscription {
  format: EventFormat = 'plain'
  /** LFLAG_EVENTS: set by a successful `event`/`nixevent`, cleared by `noevents`. */
  #enabled = false
  readonly #events = new Set<string>()
  readonly #subclasses = new Set<string>()
  /** Header/value pairs in the order added; repeats allowed (EF_UNIQ_HEADERS cleared). */
  #filters: Array<[string, string]> = []
  /** The channel `myevents <uuid>` bound this connection to. */
  #myUuid: string | undefined

  get enabled (): boolean {
    return this.#enabled
  }

  get myEvents (): string | undefined {
    return this.#myUuid
  }

  /** `event [plain|json|xml] <names…> [CUSTOM <subclasses…>]` — subscriptions add up. */
  event (args: string): string {
    let count = 0
    let keys = 0
    let custom = false
    for (const token of args.split(' ')) {
      const lower = token.toLowerCase()
      if (count++ === 0 && (lower === 'plain' || lower === 'json' || lower === 'xml')) {
        this.format = lower
        continue
      }
      if (custom) {
        this.#subclasses.add(token)
        continue
      }
      const name = eventName(token)
      if (name === undefined) continue
      keys++
      this.#events.add(name)
      if (name === 'CUSTOM') custom = true
    }
    if (keys === 0) return '-ERR no keywords supplied'
    this.#enabled = true
    return `+OK event listener enabled ${this.format}`
  }

  /** `nixevent <names…> [CUSTOM <subclasses…>]`: removing one from ALL keeps all the others. */
  nixevent (args: string): string {
    let keys = 0
    let custom = false
    for (const token of args.split(' ')) {
      if (custom) {
        this.#subclasses.delete(token)
        continue
      }
      const name = eventName(token)
      if (name === undefined) continue
      keys++
      if (name === 'CUSTOM') {
        custom = true
      } else if (name === 'ALL') {
        this.#events.clear()
      } else {
        if (this.#events.delete('ALL')) {
          for (const each of EVENT_NAMES) if (each !== 'ALL') this.#events.add(each)
        }
        this.#events.delete(name)
      }
    }
    if (keys === 0) return '-ERR no keywords supplied'
    this.#enabled = true
    return '+OK events nixed'
  }

  noevents (): string {
    if (!this.#enabled) return '-ERR not listening for events'
    this.#enabled = false
    this.#events.clear()
    this.#subclasses.clear()
    return '+OK no longer listening for events'
  }

  /** `filter <header> <value>`, `filter add …`, `filter delete <header> [value]|all`. */
  filter (rest: string): string {
    let name = rest.replace(/^ +/, '')
    let space = name.indexOf(' ')
    let value: string | undefined = space < 0 ? undefined : name.slice(space + 1)
    if (space >= 0) name = name.slice(0, space)
    if (name.toLowerCase() === 'delete' && value !== undefined) {
      name = value
      space = name.indexOf(' ')
      value = space < 0 ? undefined : name.slice(space + 1)
      if (space >= 0) name = name.slice(0, space)
      if (name.toLowerCase() === 'all') {
        this.#filters = []
      } else {
        const lower = name.toLowerCase()
        this.#filters = this.#filters.filter(([key, val]) => key.toLowerCase() !== lower || (value !== undefined && val !== value))
      }
      return `+OK filter deleted. [${name}][${value ?? ''}]`
    }
    if (value === undefined) return '-ERR invalid syntax'
    if (name.toLowerCase() === 'add') {
      name = value
      space = name.indexOf(' ')
      value = space < 0 ? undefined : name.slice(space + 1)
      if (space >= 0) name = name.slice(0, space)
    }
    // `filter add <header>` without a value adds nothing (switch_event_add_header_string
    // refuses a NULL value) yet replies as if it had.
    if (value !== undefined) this.#filters.push([name, value])
    return `+OK filter added. [${name}]=[${value ?? '(null)'}]`
  }

  /** `myevents <uuid> [format]` (inbound): the session's channel events only, from now on. */
  myevents (uuid: string, format: string | undefined): void {
    this.#myUuid = uuid
    const lower = format?.toLowerCase()
    if (lower === 'plain' || lower === 'json' || lower === 'xml') this.format = lower
    for (const name of MY_EVENTS) this.#events.add(name)
    this.#enabled = true
  }

  /** event_handler: subscription, then filters, then myevents. */
  matches (event: Filterable): boolean {
    if (!this.#enabled) return false
    let send = this.#events.has('ALL') ||
      (this.#events.has(event.name) &&
        (event.name !== 'CUSTOM' || event.subclass === undefined || this.#subclasses.has(event.subclass)))
    if (send && this.#filters.length > 0) send = this.#passesFilters(event)
    if (send && this.#myUuid !== undefined) send = event.get('Unique-ID') === this.#myUuid
    return send
  }

  /**
   * Once a filter exists an event must match one: a leading `-` makes a filter reject, `+`
   * (the default) accept; values compare caselessly, or as a regex when they start with `/`.
   */
  #passesFilters (event: Filterable): boolean {
    let send = false
    for (const [name, value] of this.#filters) {
      const actual = event.get(name)
      if (actual === undefined) continue
      let positive = true
      let i = 0
      for (; i < value.length; i++) {
        const c = value[i]
        if (c === '+') positive = true
        else if (c === '-') positive = false
        else if (c !== ' ') break
      }
      if (send && positive) continue
      const compareTo = value.slice(i)
      const matched = value.startsWith('/')
        ? regexMatches(actual, compareTo)
        : actual.toLowerCase() === compareTo.toLowerCase()
      if (!matched) continue
      if (!positive) return false
      send = true
    }
    return send
  }
}
