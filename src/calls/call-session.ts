// CallSession runs one call: answer, then the call's script step by step, then the end. It
// knows no vendor. When the caller hangs up, everything the script is doing is cancelled
// through an AbortSignal. Nothing that happens inside a call may escape it: errors end the
// call cleanly with a final state, never the process.

import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { HotlineError, isHotlineError } from '../errors.js'
import { maskNumber } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { CallFinalState, CallRecord, QueueVisit, Store } from '../ports/store.js'
import type { CollectOptions, CollectResult, InboundCall, LegEvent, SwitchPort } from '../ports/switch.js'
import { type CallState, transition } from './call-state.js'
import { type PromptHealth, collectKeys, playPrompt } from '../flows/prompt-health.js'

export interface CallContext {
  readonly callId: string
  /** The caller's leg on the switch. */
  readonly legId: string
  /** The caller's number, masked: what logs and screens may show. */
  readonly caller: string
  /** The caller's full number: personal data, only for callbacks (tickets). Never log it. */
  readonly callerNumber: string
  readonly log: Logger
  play(prompt: string): Promise<void>
  collect(options: Omit<CollectOptions, 'signal'>): Promise<CollectResult>
  /** Remembers what the caller chose (shown to the agent, stored with the call). */
  choose(key: string, value: string): void
  /** Records that the call entered a flow step (the call's path). */
  recordStep(stepId: string): void
  /** Records the call's visit to an agent queue. */
  recordQueue(visit: QueueVisit): void
}

/** What a script reports when it ends normally. */
export interface ScriptEnd {
  reason: string
}

export type CallScript = (ctx: CallContext, signal: AbortSignal) => Promise<ScriptEnd>

/** The record of an ended call: exactly one final state, with its reason. */
export type CallSummary = CallRecord & { endedAt: number, finalState: CallFinalState, reason: string }

/** The script a call runs, with the flow and version it comes from (kept for the record). */
export interface ScriptChoice {
  script: CallScript
  flowId?: string
  flowVersion?: string
}

export interface CallSessionDeps {
  switch: SwitchPort
  store: Store
  controllerId: string
  logger: Logger
  metrics: Metrics
  clock: Clock
  /** Prompts to the caller: a missing one is skipped, logged and counted. */
  prompts: PromptHealth
  /**
   * Told after each write of the call's record reached the store (the live pages refresh on
   * it); a throwing listener is ignored. Never told of a failed write.
   */
  onRecordWritten?: (record: CallRecord) => void
}

export class CallSession {
  readonly callId = randomUUID()
  readonly #call: InboundCall
  readonly #deps: CallSessionDeps
  readonly #choice: ScriptChoice
  readonly #log: Logger
  readonly #abort = new AbortController()
  readonly #record: CallRecord
  #state: CallState = 'offered'
  #callerGone = false
  #stopListening: () => void = () => undefined
  /** Record writes, in order; a failed write is logged, never fatal to the call. */
  #writes: Promise<void> = Promise.resolve()

  constructor (call: InboundCall, choice: ScriptChoice, deps: CallSessionDeps) {
    this.#call = call
    this.#choice = choice
    this.#deps = deps
    this.#log = deps.logger.child({ callId: this.callId, leg: call.legId, flow: choice.flowId })
    this.#record = {
      callId: this.callId,
      legId: call.legId,
      controllerId: deps.controllerId,
      caller: maskNumber(call.from),
      ...(choice.flowId === undefined ? {} : { flowId: choice.flowId }),
      ...(choice.flowVersion === undefined ? {} : { flowVersion: choice.flowVersion }),
      startedAt: call.at,
      choices: {},
      path: []
    }
  }

  get state (): CallState {
    return this.#state
  }

  get legId (): string {
    return this.#call.legId
  }

  /** Runs the call to its end; never throws. */
  async run (): Promise<CallSummary> {
    const { metrics, clock } = this.#deps
    metrics.callsInProgress.inc()
    this.#log.info({ from: this.#call.from, to: this.#call.to }, 'call offered')
    this.#stopListening = this.#deps.switch.onLegEvent(this.#call.legId, (e) => { this.#onLegEvent(e) })
    let finalState: CallFinalState
    let reason: string
    this.#save()
    try {
      this.#move('answering')
      await this.#deps.switch.answer(this.#call.legId)
      this.#log.info('answered')
      this.#move('in-ivr')
      const end = await this.#choice.script(this.#context(), this.#abort.signal)
      finalState = 'completed'
      reason = end.reason
    } catch (err) {
      if (this.#callerGone) {
        finalState = 'abandoned'
        reason = `caller hung up while ${this.#state}`
      } else {
        finalState = 'failed'
        reason = isHotlineError(err) ? err.code : 'HC_INTERNAL'
        metrics.callErrors.inc({ code: reason })
        this.#log.error({ err }, 'call failed')
      }
    }
    await this.#end()
    const endedAt = clock.now()
    const summary: CallSummary = { ...this.#record, endedAt, finalState, reason }
    Object.assign(this.#record, { endedAt, finalState, reason })
    this.#save()
    await this.#writes
    metrics.callsInProgress.dec()
    metrics.callsEnded.inc({ final_state: finalState, reason: reasonLabel(reason) })
    metrics.callDuration.observe({ final_state: finalState }, (endedAt - this.#call.at) / 1000)
    this.#log.info({ finalState, reason, durationMs: endedAt - this.#call.at, choices: summary.choices }, 'call ended')
    return summary
  }

  /** Ends the call from outside (shutdown deadline): the script is cancelled, the leg hung up. */
  cancel (why: string): void {
    this.#abort.abort(new HotlineError('HC_SHUTTING_DOWN', why))
  }

  #context (): CallContext {
    const { switch: sw } = this.#deps
    const legId = this.#call.legId
    const signal = this.#abort.signal
    return {
      callId: this.callId,
      legId,
      caller: this.#record.caller,
      callerNumber: this.#call.from,
      log: this.#log,
      play: async (prompt) => {
        this.#log.info({ prompt }, 'playing prompt')
        await playPrompt(sw, legId, prompt, { signal, health: this.#deps.prompts, log: this.#log })
      },
      collect: async (options) => {
        this.#log.info({ prompt: options.prompt }, 'waiting for keys')
        const result = await collectKeys(sw, legId, { ...options, signal }, { health: this.#deps.prompts, log: this.#log })
        this.#deps.metrics.ivrInputs.inc({ result: result.digits === '' ? 'timeout' : 'digits' })
        this.#log.info({ digits: result.digits, result: result.reason },
          result.digits === '' ? 'no key pressed' : `caller pressed ${result.digits}`)
        return result
      },
      choose: (key, value) => {
        this.#record.choices[key] = value
      },
      recordStep: (stepId) => {
        this.#record.path.push(stepId)
        this.#log.info({ step: stepId }, 'flow step')
        this.#save()
      },
      recordQueue: (visit) => {
        this.#record.queue = { ...visit }
        this.#save()
      }
    }
  }

  #onLegEvent (event: LegEvent): void {
    if (event.type !== 'hangup') return
    if (this.#state === 'ending' || this.#state === 'ended') {
      this.#log.debug({ switchCause: event.vendor.text }, 'leg ended')
      return
    }
    this.#callerGone = true
    this.#log.info({ cause: event.cause, switchCause: event.vendor.text }, 'caller leg hung up')
    this.#abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
  }

  async #end (): Promise<void> {
    this.#move('ending')
    if (!this.#callerGone) {
      try {
        await this.#deps.switch.hangup(this.#call.legId, 'normal')
        this.#log.info('hung up by the controller')
      } catch (err) {
        this.#log.warn({ err }, 'hangup failed (leg may be gone already)')
      }
    }
    this.#stopListening()
    this.#move('ended')
  }

  /** Queues a write of the record as it is now. */
  #save (): void {
    const snapshot = structuredClone(this.#record)
    this.#writes = this.#writes
      .then(async () => {
        await this.#deps.store.putCall(snapshot)
        this.#written(snapshot)
      })
      .catch((err: unknown) => { this.#log.error({ err }, 'saving the call record failed') })
  }

  #written (record: CallRecord): void {
    try {
      this.#deps.onRecordWritten?.(record)
    } catch (err) {
      // A watcher's failure must never reach the call.
      this.#log.warn({ err }, 'call record watcher failed')
    }
  }

  #move (to: CallState): void {
    this.#state = transition(this.#state, to)
  }
}

/** Reasons become a metric label: keep the set small and free of numbers or ids. */
function reasonLabel (reason: string): string {
  return /^[a-z0-9_ -]{1,40}$/i.test(reason) && !/\d{3,}/.test(reason) ? reason : 'other'
}
