// Fakes for flow tests: a caller who presses scripted keys (a StepContext, or the
// CallContext the engine receives), a queue with a chosen outcome, and the shipped config.

import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { stringify } from 'yaml'
import type { CallContext, QueueAsk, QueueResult } from '../../src/calls/call-context.js'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { loadDirectory } from '../../src/config/directory-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import type { Directory } from '../../src/domain/directory.js'
import { HotlineError, abortError } from '../../src/errors.js'
import type { FlowServices, StepContext } from '../../src/flows/step.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { CollectOptions, CollectResult } from '../../src/ports/switch.js'

export const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))
export const FLOWS_DIR = fileURLToPath(new URL('../../ivr-flows', import.meta.url))

export const silentLog = pino({ level: 'silent' })

/** Epoch ms of an Asia/Shanghai wall-clock time. */
export const at = (local: string): number => {
  const ms = Date.parse(`${local}+08:00`)
  if (Number.isNaN(ms)) throw new Error(`bad test time ${local}`)
  return ms
}

export const shippedDirectory: Directory = await loadDirectory(`${CONFIG_DIR}/directory.yaml`)
export const shippedCalendar = new WorkCalendar(await loadCalendar(CONFIG_DIR))

/** The caller hangs up while this collect waits. */
export const HANGUP = Symbol('hangup')

/** What the caller does at each collect: keys pressed ('' = nothing in time), or hang up. */
export type CallerAction = string | typeof HANGUP

/** What the queue was asked, with the caller's choices at that moment. */
export interface QueueAskSeen extends QueueAsk {
  choices: Record<string, string>
}

/**
 * The call owner's queue, reduced to its result: every ask ends with `outcome` (or what the
 * function decides). How the owner waits, rings and records the visit is tested with it.
 */
export class FakeQueue {
  readonly asks: QueueAskSeen[] = []
  readonly #outcome: (ask: QueueAsk, signal: AbortSignal) => Promise<QueueResult>

  constructor (outcome: QueueResult | ((ask: QueueAsk, signal: AbortSignal) => Promise<QueueResult>)) {
    this.#outcome = typeof outcome === 'function' ? outcome : async () => outcome
  }

  async run (ask: QueueAsk, choices: Record<string, string>, signal: AbortSignal): Promise<QueueResult> {
    if (signal.aborted) throw abortError(signal)
    this.asks.push({ ...ask, choices: { ...choices } })
    return await this.#outcome(ask, signal)
  }
}

export const served: QueueResult = { kind: 'served', agentId: 'agent-07', waitedMs: 12_000, talkedMs: 95_000 }
export const overflow: QueueResult = { kind: 'overflow', waitedMs: 180_000 }

export function services (options: { now?: number, tickets?: FlowServices['tickets'] } = {}): FlowServices & { clock: ManualClock } {
  const clock = new ManualClock(options.now ?? at('2025-03-12T10:00:00'))
  return {
    calendar: shippedCalendar,
    directory: shippedDirectory,
    clock,
    ...(options.tickets === undefined ? {} : { tickets: options.tickets })
  }
}

/** The caller's side: scripted actions, and a log of what they heard (`play:x`, `ask:x`). */
class Caller {
  readonly heard: string[] = []
  readonly asked: Array<Omit<CollectOptions, 'signal'>> = []
  readonly #actions: CallerAction[]
  readonly #abort: AbortController

  constructor (actions: CallerAction[], abort: AbortController) {
    this.#actions = [...actions]
    this.#abort = abort
  }

  get unused (): number {
    return this.#actions.length
  }

  async play (prompt: string): Promise<void> {
    if (this.#abort.signal.aborted) throw abortError(this.#abort.signal)
    this.heard.push(`play:${prompt}`)
  }

  async collect (options: Omit<CollectOptions, 'signal'>): Promise<CollectResult> {
    if (this.#abort.signal.aborted) throw abortError(this.#abort.signal)
    this.heard.push(`ask:${options.prompt}`)
    this.asked.push(options)
    const action = this.#actions.shift()
    if (action === undefined) throw new Error(`the test scripted no key for prompt ${options.prompt}`)
    if (action === HANGUP) {
      this.#abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
      throw abortError(this.#abort.signal)
    }
    return { digits: action, reason: action === '' ? 'timeout' : 'complete' }
  }
}

export interface FakeStep {
  ctx: StepContext
  caller: Caller
  signal: AbortSignal
  abort: AbortController
  queue: FakeQueue
}

/** A StepContext for one step, with variables already set. */
export function fakeStepContext (actions: CallerAction[], flowServices: FlowServices = services(), vars: Record<string, string> = {},
  queue = new FakeQueue(served)): FakeStep {
  const abort = new AbortController()
  const caller = new Caller(actions, abort)
  const values = new Map(Object.entries(vars))
  let callback: string | undefined
  const ctx: StepContext = {
    callId: 'call-1',
    legId: 'leg-1',
    callerNumber: '13812345678',
    log: silentLog,
    services: flowServices,
    now: () => flowServices.clock.now(),
    play: async (prompt) => { await caller.play(prompt) },
    collect: async (options) => await caller.collect(options),
    get: (name) => values.get(name),
    set: (name, value) => { values.set(name, value) },
    vars: () => Object.fromEntries(values),
    callbackNumber: () => callback,
    setCallbackNumber: (number) => { callback = number },
    queue: async (ask) => await queue.run(ask, Object.fromEntries(values), abort.signal)
  }
  return { ctx, caller, signal: abort.signal, abort, queue }
}

export interface FakeCall {
  call: CallContext
  caller: Caller
  signal: AbortSignal
  choices: Record<string, string>
  path: string[]
  queue: FakeQueue
}

/** The CallContext a CallSession would hand a script, recording choices, path and queue asks. */
export function fakeCall (actions: CallerAction[], queue = new FakeQueue(served)): FakeCall {
  const abort = new AbortController()
  const caller = new Caller(actions, abort)
  const choices: Record<string, string> = {}
  const path: string[] = []
  const call: CallContext = {
    callId: 'call-1',
    legId: 'leg-1',
    caller: '138****5678',
    callerNumber: '13812345678',
    log: silentLog,
    play: async (prompt) => { await caller.play(prompt) },
    collect: async (options) => await caller.collect(options),
    choose: (key, value) => { choices[key] = value },
    recordStep: (stepId) => { path.push(stepId) },
    queue: async (ask) => await queue.run(ask, choices, abort.signal)
  }
  return { call, caller, signal: abort.signal, choices, path, queue }
}

/** A flow file's text: a line that greets, then hangs up with `last` (goodbye, closed…). */
export const lineFlow = (id: string, last: string): string => stringify({
  id,
  name: id,
  start: 'welcome',
  steps: {
    welcome: { kind: 'play', prompt: 'welcome', next: 'bye' },
    bye: { kind: 'hangup', prompt: last, reason: last }
  }
})
