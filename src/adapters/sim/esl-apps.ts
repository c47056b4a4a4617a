// Dialplan applications on a channel, as FreeSWITCH runs them: the extension's app (here the
// dialplan's `park`, an originate's `&app()`, or the apps of a transfer to an `inline`
// extension) and, while it parks, the apps sent with `sendmsg … call-command: execute`, one at
// a time in the order received (switch_ivr_parse_all_events). Each app raises CHANNEL_EXECUTE
// when it starts and CHANNEL_EXECUTE_COMPLETE (Application, Application-Data,
// Application-Response, Application-UUID) when it ends (switch_core_session_exec).
// Application-Response is the channel's `current_application_response` variable: cleared when
// an app starts and set by some apps only, so an app that was running while another one set it
// ends with that one's value (capture 07: park ends `FILE PLAYED` after a playback ran in it).

import { randomUUID } from 'node:crypto'
import { AppContext, type AppHost, type AppSpec, RESPONSE_VARIABLE, type Running } from './esl-app-context.js'
import { DPTOOLS } from './esl-dptools.js'
import type { Header } from './esl-frame.js'
import type { SimChannel } from './model-types.js'

interface ChannelApps {
  readonly channel: SimChannel
  outer: Running | undefined
  nested: Running | undefined
  readonly queue: AppSpec[]
  /** The apps of the extension still to run after the current outer one. */
  inline: AppSpec[]
  /** After the extension's last app: hang up (NORMAL_CLEARING) or stay. */
  whenDone: 'hangup' | 'stay'
  readonly digits: string[]
  down: boolean
  lastApp: AppSpec | undefined
}

/**
 * Runs `fn` later (next turn, or after the current one), keeping anything it throws away from
 * the event loop: one channel's trouble must not take the switch down.
 */
function later (fn: () => void, when: 'turn' | 'microtask'): void {
  const safe = (): void => {
    try {
      fn()
    } catch {
      // The channel that failed ends up with nothing running; the others carry on.
    }
  }
  if (when === 'turn') setImmediate(safe)
  else queueMicrotask(safe)
}

/** FreeSWITCH's DTMF queue holds a few dozen keys; older ones are dropped beyond this. */
const MAX_QUEUED_DIGITS = 128

/** The `inline` dialplan (mod_dptools inline_dialplan_hunt): `app:arg,app:arg`. */
export function parseInline (extension: string): Array<{ name: string, arg: string }> {
  return extension.split(',').filter((part) => part !== '').map((part) => {
    const colon = part.indexOf(':')
    return colon < 0 ? { name: part, arg: '' } : { name: part.slice(0, colon), arg: part.slice(colon + 1) }
  })
}

export class AppRunner {
  readonly #host: AppHost
  readonly #channels = new Map<string, ChannelApps>()

  constructor (host: AppHost) {
    this.#host = host
  }

  #state (id: string): ChannelApps | undefined {
    let state = this.#channels.get(id)
    if (state === undefined) {
      const channel = this.#host.live(id)
      if (channel === undefined) return undefined
      state = { channel, outer: undefined, nested: undefined, queue: [], inline: [], whenDone: 'stay', digits: [], down: false, lastApp: undefined }
      this.#channels.set(id, state)
    }
    return state
  }

  /** `sendmsg … execute`: queued behind the app running on the channel. */
  execute (id: string, spec: AppSpec): void {
    const state = this.#state(id)
    if (state === undefined || state.down) return
    state.queue.push(spec)
    later(() => { this.#pump(state) }, 'turn')
  }

  /** The extension's apps: the first starts now, the others after it; then `whenDone`. */
  startOuter (id: string, specs: readonly AppSpec[], whenDone: 'hangup' | 'stay'): void {
    const state = this.#state(id)
    const [first, ...rest] = specs
    if (state === undefined || state.down || first === undefined) return
    state.inline = rest
    state.whenDone = whenDone
    this.#start(state, first, 'outer')
  }

  /**
   * switch_ivr_session_transfer: a new caller profile (the old destination as RDNIS), the app in
   * progress broken off and completed, then routing on a later turn: `inline` runs the
   * extension's apps, any other dialplan finds no route here.
   */
  transfer (id: string, destination: string, dialplan: string, context: string | undefined): boolean {
    const state = this.#state(id)
    if (state === undefined || state.down) return false
    const { channel } = state
    const view = this.#host.view(channel)
    const now = Date.now()
    view.profileIndex++
    view.profileCreatedMs = now
    view.rdnis = view.destination
    view.destination = destination
    view.dialplan = dialplan
    view.context = context ?? view.context
    view.transferSource = `${Math.floor(now / 1000)}:${randomUUID()}:bl_xfer:${destination}/${view.context}/${dialplan}`
    channel.variables.set('transfer_history', view.transferSource)
    channel.variables.set('transfer_source', view.transferSource)
    // Routing again: the running state is CS_ROUTING while the name still says CS_EXECUTE (capture 07).
    view.stateNumber = 2
    state.inline = []
    state.whenDone = 'stay'
    for (const level of ['nested', 'outer'] as const) {
      const running = state[level]
      if (running === undefined) continue
      if (running.playing) this.#host.model.stopPlayback(id)
      if (running.conference) this.#host.model.leaveConference(id)
      this.#finish(state, running)
    }
    later(() => { this.#route(state, destination, dialplan) }, 'turn')
    return true
  }

  #route (state: ChannelApps, destination: string, dialplan: string): void {
    const { channel } = state
    if (state.down || this.#host.live(channel.id) === undefined) return
    const view = this.#host.view(channel)
    // Once routed the profile names the original destination again, without RDNIS (capture 07).
    view.destination = view.rdnis ?? view.destination
    view.rdnis = undefined
    this.#host.setState(channel, 'CS_EXECUTE', 4)
    if (dialplan.toLowerCase() !== 'inline') {
      this.#host.model.hangup(channel.id, 'NO_ROUTE_DESTINATION', 'switch')
      return
    }
    const specs = parseInline(destination).map((app) => ({ ...app, uuid: randomUUID() }))
    this.startOuter(channel.id, specs, 'hangup')
  }

  /**
   * A key from the far end. The app running reads it; with none, park (or the conference) takes
   * it and drops it; an app that reads no keys (answer, sleep…) leaves it queued.
   */
  dtmf (id: string, digit: string): void {
    const state = this.#channels.get(id)
    if (state === undefined) return
    if (state.nested === undefined && this.#outerEatsDigits(state)) return
    state.digits.push(digit)
    if (state.digits.length > MAX_QUEUED_DIGITS) state.digits.shift()
    state.nested?.onDigit?.()
    if (state.digits.length > 0) state.outer?.onDigit?.()
  }

  #outerEatsDigits (state: ChannelApps): boolean {
    return state.outer !== undefined && (state.outer.park || state.outer.conference)
  }

  playbackFinished (id: string, status: 'done' | 'stopped' | 'failed'): void {
    const state = this.#channels.get(id)
    for (const running of [state?.nested, state?.outer]) {
      if (running?.playing === true) running.onPlayback?.(status)
    }
  }

  /** The member left its conference: its conference app ends now. */
  memberLeft (id: string): void {
    const state = this.#channels.get(id)
    if (state === undefined) return
    const running = state.nested?.conference === true ? state.nested : state.outer?.conference === true ? state.outer : undefined
    if (running !== undefined) this.#finish(state, running)
  }

  /** `uuid_break [all]`: the playback stops; `all` also drops the queued apps. */
  breakPlayback (id: string, all: boolean): void {
    const state = this.#channels.get(id)
    if (all && state !== undefined) state.queue.length = 0
    this.#host.model.stopPlayback(id)
  }

  hangingUp (id: string): void {
    const state = this.#channels.get(id)
    if (state === undefined) return
    state.down = true
    state.queue.length = 0
    state.inline = []
    state.nested?.controller.abort()
    state.outer?.controller.abort()
  }

  /** Before CHANNEL_HANGUP_COMPLETE: what still runs completes (nested first, then park). */
  hangupComplete (id: string): void {
    const state = this.#channels.get(id)
    if (state === undefined) return
    state.down = true
    // A playback cut by the hangup: switch_ivr_play_file finds the channel not ready and ends
    // SWITCH_STATUS_FALSE, which mod_dptools reports `PLAYBACK ERROR`.
    if (state.nested?.playing === true || state.outer?.playing === true) {
      state.channel.variables.set(RESPONSE_VARIABLE, 'PLAYBACK ERROR')
    }
    if (state.nested !== undefined) this.#finish(state, state.nested)
    if (state.outer !== undefined) this.#finish(state, state.outer)
    if (state.lastApp !== undefined) {
      state.channel.variables.set('last_app', state.lastApp.name)
      if (state.lastApp.arg !== '') state.channel.variables.set('last_arg', state.lastApp.arg)
    }
    this.#channels.delete(id)
  }

  close (): void {
    for (const state of this.#channels.values()) {
      state.down = true
      state.nested?.controller.abort()
      state.outer?.controller.abort()
    }
    this.#channels.clear()
  }

  #pump (state: ChannelApps): void {
    if (state.down || state.nested !== undefined) return
    const next = state.queue.shift()
    if (next !== undefined) this.#start(state, next, 'nested')
  }

  #start (state: ChannelApps, spec: AppSpec, level: 'outer' | 'nested'): void {
    const { channel } = state
    const impl = Object.hasOwn(DPTOOLS, spec.name.toLowerCase()) ? DPTOOLS[spec.name.toLowerCase()] : undefined
    if (impl === undefined) {
      // switch_core_session_execute_application: "Invalid Application" hangs the channel up.
      this.#host.model.hangup(channel.id, 'DESTINATION_OUT_OF_ORDER', 'switch')
      return
    }
    const running: Running = {
      spec, level, controller: new AbortController(), finished: false, park: false, conference: false, playing: false
    }
    state[level] = running
    state.lastApp = spec
    // An originated leg swaps caller and callee once it runs its app (capture 04: PARK after ANSWER).
    if (channel.direction === 'outbound') this.#host.view(channel).flipped = true
    // switch_core_session_exec clears the response as an app starts, so only an app that was
    // running while another one set it ends with a stale value (07: park `FILE PLAYED`, then
    // 08: the conference app that followed ends `_none_`).
    channel.variables.delete(RESPONSE_VARIABLE)
    channel.variables.set('current_application', spec.name)
    if (spec.arg === '') channel.variables.delete('current_application_data')
    else channel.variables.set('current_application_data', spec.arg)
    this.#host.raiseChannel('CHANNEL_EXECUTE', channel, { post: [...appHeaders(spec), ['Application-UUID', spec.uuid]] })
    const ctx = new AppContext(this.#host, channel.id, spec.arg, running, state.digits)
    // An app broken off by the hangup completes as the channel is taken down (hangupComplete,
    // memberLeft), which may be later than the hangup itself (uuid_kill; capture 08: del-member,
    // then the conference app's CHANNEL_EXECUTE_COMPLETE, then CHANNEL_HANGUP_COMPLETE).
    impl(ctx).catch(() => undefined).finally(() => {
      later(() => { if (!state.down) this.#finish(state, running) }, 'microtask')
    })
  }

  #finish (state: ChannelApps, running: Running): void {
    if (running.finished) return
    running.finished = true
    running.controller.abort()
    const { channel } = state
    if (running.park) this.#host.raiseChannel('CHANNEL_UNPARK', channel)
    const response = channel.variables.get(RESPONSE_VARIABLE) ?? '_none_'
    this.#host.raiseChannel('CHANNEL_EXECUTE_COMPLETE', channel, {
      post: [...appHeaders(running.spec), ['Application-Response', response], ['Application-UUID', running.spec.uuid]]
    })
    if (state[running.level] === running) state[running.level] = undefined
    if (state.down) return
    if (running.level === 'nested') {
      // Back in park with nothing queued, park takes the keys left over.
      if (state.queue.length === 0 && this.#outerEatsDigits(state)) state.digits.length = 0
      later(() => { this.#pump(state) }, 'microtask')
    } else {
      later(() => { this.#nextOuter(state) }, 'microtask')
    }
  }

  #nextOuter (state: ChannelApps): void {
    if (state.down || state.outer !== undefined) return
    const next = state.inline.shift()
    if (next !== undefined) {
      this.#start(state, next, 'outer')
    } else if (state.whenDone === 'hangup') {
      this.#host.model.hangup(state.channel.id, 'NORMAL_CLEARING', 'switch')
    }
  }
}

function appHeaders (spec: AppSpec): Header[] {
  return spec.arg === '' ? [['Application', spec.name]] : [['Application', spec.name], ['Application-Data', spec.arg]]
}
