// Fakes for flow tests: a caller who presses scripted keys (a StepContext, or the
// CallContext the engine receives), an ACD with a chosen outcome, and the shipped config.

import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import type { CallContext } from '../../src/calls/call-session.js'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { loadDirectory } from '../../src/config/directory-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import type { Directory } from '../../src/domain/directory.js'
import { HotlineError, abortError } from '../../src/errors.js'
import type { FlowServices, StepContext } from '../../src/flows/step.js'
import type { Acd, QueueOutcome, QueueRequest } from '../../src/ports/acd.js'
import { type Clock, ManualClock } from '../../src/ports/clock.js'
import type { QueueVisit } from '../../src/ports/store.js'
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

/**
 * An ACD whose every queue call ends with `outcome` (or what the function decides), reporting
 * the visit through `onVisit` as the real one does.
 */
export class FakeAcd implements Acd {
  readonly requests: QueueRequest[] = []
  readonly #outcome: (request: QueueRequest) => Promise<QueueOutcome>
  clock: Clock | undefined

  constructor (outcome: QueueOutcome | ((request: QueueRequest) => Promise<QueueOutcome>), clock?: Clock) {
    this.#outcome = typeof outcome === 'function' ? outcome : async () => outcome
    this.clock = clock
  }

  async queue (request: QueueRequest): Promise<QueueOutcome> {
    this.requests.push({ ...request, choices: { ...request.choices } })
    const now = (): number => this.clock?.now() ?? Date.now()
    const start = now()
    let outcome: QueueOutcome
    try {
      outcome = await this.#outcome(request)
    } catch (err) {
      if (request.signal.aborted) request.onVisit?.({ abandonedAt: now() })
      throw err
    }
    if (outcome.kind === 'served') request.onVisit?.({ servedAt: start + outcome.waitedMs, agentId: outcome.agentId })
    else request.onVisit?.({ overflowAt: start + outcome.waitedMs })
    return outcome
  }
}

export const served: QueueOutcome = { kind: 'served', agentId: 'agent-07', waitedMs: 12_000, talkedMs: 95_000 }
export const overflow: QueueOutcome = { kind: 'overflow', waitedMs: 180_000 }

export function services (options: { now?: number, acd?: Acd, tickets?: FlowServices['tickets'] } = {}): FlowServices & { clock: ManualClock } {
  const clock = new ManualClock(options.now ?? at('2025-03-12T10:00:00'))
  const acd = options.acd ?? new FakeAcd(served)
  if (acd instanceof FakeAcd) acd.clock ??= clock
  return {
    calendar: shippedCalendar,
    directory: shippedDirectory,
    acd,
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
  visits: QueueVisit[]
}

/** A StepContext for one step, with variables already set. */
export function fakeStepContext (actions: CallerAction[], flowServices: FlowServices = services(), vars: Record<string, string> = {}): FakeStep {
  const abort = new AbortController()
  const caller = new Caller(actions, abort)
  const values = new Map(Object.entries(vars))
  const visits: QueueVisit[] = []
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
    recordQueue: (visit) => { visits.push({ ...visit }) }
  }
  return { ctx, caller, signal: abort.signal, abort, visits }
}

export interface FakeCall {
  call: CallContext
  caller: Caller
  signal: AbortSignal
  choices: Record<string, string>
  path: string[]
  visits: QueueVisit[]
}

/** The CallContext a CallSession would hand a script, recording choices, path and queue visits. */
export function fakeCall (actions: CallerAction[]): FakeCall {
  const abort = new AbortController()
  const caller = new Caller(actions, abort)
  const choices: Record<string, string> = {}
  const path: string[] = []
  const visits: QueueVisit[] = []
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
    recordQueue: (visit) => { visits.push({ ...visit }) }
  }
  return { call, caller, signal: abort.signal, choices, path, visits }
}
