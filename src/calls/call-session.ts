// CallSession is the one owner of a call: it alone holds the caller's leg and the call's state
// (call-state.ts), from offered to ended. It answers, runs the call's script (the flow),
// plays every prompt the caller hears, puts the caller in the queue (the ACD only picks and
// rings an agent and hands back their leg) and holds the conversation (conversation.ts: the
// agent, then perhaps a specialist a transfer found). Every change of state is written to the
// store with its time. When the caller hangs up, everything the call is doing is cancelled
// through an AbortSignal; whatever happens, the call ends in exactly one truthful final state
// (call-end.ts), and nothing that happens inside it may escape it.

import { FinalWrites } from './final-writes.js'
import { callIdOf } from './call-id.js'
import type { Logger } from 'pino'
import { callIncrements } from '../domain/call-figures.js'
import { HotlineError, abortError, isHotlineError } from '../errors.js'
import { type PromptHealth, collectKeys, playPrompt } from '../flows/prompt-health.js'
import { maskChoices, maskNumber } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import type { CallRecord, QueueVisit } from '../domain/call-record.js'
import type { InboundCall, LegEvent, PlayOutcome, SwitchPort } from '../ports/switch.js'
import { type CallEnd, type CallSummary, type Cut, endOf } from './call-end.js'
import { type CallState, transition } from '../domain/call-state.js'
import { type AnsweredAgent, Conversation, type ResumedConversation } from './conversation.js'
import type { TransferRecord } from '../domain/transfer-record.js'
import type { AgentCall, CallContext, LineServices, LiveCallView, QueueAsk, QueueResult, Requester, ScriptChoice } from './call-context.js'

/** A record write that failed is tried again after this (if nothing newer was written meanwhile). */
const RESAVE_MS = 1000

export type { CallSummary } from './call-end.js'

export interface CallSessionDeps {
  switch: SwitchPort
  store: Store
  controllerId: string
  logger: Logger
  metrics: Metrics
  clock: Clock
  /** Prompts to the caller: a missing one is skipped, logged and counted. */
  prompts: PromptHealth
  line?: LineServices | undefined
  /** The fencing token new call records are written with (this controller's lease). */
  fence?: () => number
  /**
   * Told after each write of the call's record reached the store (the live pages refresh on
   * it); a throwing listener is ignored. Never told of a failed write.
   */
  onRecordWritten?: (record: CallRecord) => void
  /** Where the call's end is written until stored (the manager's, shared by its calls). */
  finalWrites?: FinalWrites
}

/** What the caller hears as a call taken over ends, the person they talked with gone. */
export const TAKEN_OVER_GOODBYE = 'goodbye'

/**
 * A call found on the switch after its controller stopped, that can go on (recovery.ts): its
 * stored record, the agent it was with, and what the conversation's legs are doing now.
 */
export interface TakeOver {
  record: CallRecord
  /** The fencing token the record is written with from now on (a peer's claim, or the restarted controller's lease). */
  fence?: number
  agent: AnsweredAgent
  /** Legs of the call no part of it holds any more (a second agent leg, an old dial): hung up. */
  stray: string[]
  found: Omit<ResumedConversation, 'transfer'> & {
    transfer?: Omit<NonNullable<ResumedConversation['transfer']>, 'run'> & { record: TransferRecord }
  }
}

export class CallSession {
  readonly callId: string
  readonly #call: InboundCall
  readonly #deps: CallSessionDeps
  readonly #choice: ScriptChoice
  readonly #log: Logger
  readonly #abort = new AbortController()
  readonly #record: CallRecord
  #state: CallState = 'offered'
  #answeredAt: number | undefined
  /** The agent whose phone rings (or who answered) for this caller, while that lasts. */
  #offer: { agentId: string, group: string, at: number } | undefined
  /** The caller hung up: when, and in which state. */
  #gone: { at: number, state: CallState } | undefined
  /** The controller or the switch ended the call. */
  #cut: Cut | undefined
  #conversation: Conversation | undefined
  #stopListening: () => void = () => undefined
  readonly #takeOver: TakeOver | undefined
  /** A write was refused: a peer owns the record now (ports/leases.ts). */
  #fenced = false
  /** Record writes, in order; a failed write is logged, never fatal to the call. */
  #writes: Promise<void> = Promise.resolve()

  /** `takeOver`: a call another controller (or this one before a restart) ran, going on here. */
  constructor (call: InboundCall, choice: ScriptChoice, deps: CallSessionDeps, takeOver?: TakeOver) {
    this.#call = call
    this.#choice = choice
    this.#deps = deps
    this.#takeOver = takeOver
    this.callId = takeOver?.record.callId ?? callIdOf(call.legId)
    this.#log = deps.logger.child({ callId: this.callId, leg: call.legId, flow: choice.flowId })
    if (takeOver !== undefined) {
      const { record } = takeOver
      const at = deps.clock.now()
      this.#record = {
        ...structuredClone(record),
        controllerId: deps.controllerId,
        ...(takeOver.fence === undefined ? {} : { fence: takeOver.fence }),
        takenOver: [...(record.takenOver ?? []), { from: record.controllerId, by: deps.controllerId, at }]
      }
      this.#state = record.state ?? 'with-agent'
      this.#answeredAt = record.servedAt
      this.#offer = { agentId: takeOver.agent.agentId, group: takeOver.agent.group, at: record.servedAt ?? at }
      return
    }
    this.#record = {
      callId: this.callId,
      legId: call.legId,
      controllerId: deps.controllerId,
      ...(deps.fence === undefined || deps.fence() === 0 ? {} : { fence: deps.fence() }),
      caller: maskNumber(call.from),
      ...(choice.flowId === undefined ? {} : { flowId: choice.flowId }),
      ...(choice.flowVersion === undefined ? {} : { flowVersion: choice.flowVersion }),
      startedAt: call.at,
      choices: {},
      path: [],
      state: 'offered',
      stateSince: call.at,
      states: [{ state: 'offered', at: call.at }]
    }
  }

  get state (): CallState {
    return this.#state
  }

  get legId (): string {
    return this.#call.legId
  }

  /** The agent the caller is (or was last) talking with, while the conversation lasts. */
  get agentId (): string | undefined {
    return this.#conversation?.agentId
  }

  /** The caller's full number, for a ticket the agent raises by hand: never for display. */
  get callerNumber (): string {
    return this.#call.from
  }

  /** The call as its agent sees it while they are on it (the store may not have it yet). */
  agentCall (): AgentCall | undefined {
    const offer = this.#offer
    if (offer === undefined) return undefined
    const view = this.#conversation?.view()
    return {
      agentId: offer.agentId,
      callId: this.callId,
      group: offer.group,
      choices: { ...this.#record.choices },
      ...(this.#record.queue?.enqueuedAt === undefined ? {} : { enqueuedAt: this.#record.queue.enqueuedAt }),
      offeredAt: offer.at,
      ...(view === undefined ? {} : { answeredAt: view.connectedAt })
    }
  }

  /** The conversation as the agent's screen shows it; undefined when the caller is not with a person. */
  view (): LiveCallView | undefined {
    return this.#conversation?.view()
  }

  /** A three-way transfer to `matterId`'s hunt list (HC_TRANSFER_STATE when not with an agent). */
  async transfer (matterId: string, by: Requester): Promise<TransferRecord> {
    return await this.#talking().transfer(matterId, by)
  }

  /** The agent leaves the three-way call (HC_TRANSFER_STATE when no specialist is in it). */
  async leave (by: Requester): Promise<void> {
    await this.#talking().leave(by)
  }

  /** Runs the call to its end; never throws. */
  async run (): Promise<CallSummary> {
    const { metrics } = this.#deps
    metrics.callsInProgress.inc()
    metrics.callsInState.inc({ state: this.#state })
    if (this.#takeOver === undefined) this.#log.info({ from: this.#call.from, to: this.#call.to }, 'call offered')
    this.#stopListening = this.#deps.switch.onLegEvent(this.#call.legId, (e) => { this.#onLegEvent(e) })
    this.#save()
    let scriptEnd: { reason: string } | undefined
    let error: unknown
    try {
      scriptEnd = this.#takeOver === undefined ? await this.#start() : await this.#goOn(this.#takeOver)
    } catch (err) {
      error = err
      // A command refused because the leg is gone is the caller gone, even before the hangup
      // event (FreeSWITCH: a menu's completion can arrive before CHANNEL_HANGUP_COMPLETE).
      if (isHotlineError(err, 'HC_CALL_GONE') && this.#cut === undefined) this.#callerGone()
    }
    return await this.#finish(scriptEnd, error)
  }

  /** A new call: tagged, its record stored, answered, then its flow. */
  async #start (): Promise<{ reason: string }> {
    // Whose the leg is, on the switch, before anything else happens to it: a controller
    // killed at any moment after the answer leaves a leg it finds again when it restarts,
    // and a peer that could not claim the call sees it is taken.
    await this.#deps.switch.tagLeg(this.#call.legId, { controllerId: this.#deps.controllerId, callId: this.callId })
      .catch((err: unknown) => { if (!isHotlineError(err, 'HC_CALL_GONE')) this.#log.warn({ err }, 'tagging the caller\'s leg failed') })
    // Stored before the caller is answered (bounded by the store's timeout; a failure is
    // tried again by #save): a controller killed from here on leaves a record to end.
    await this.#writes
    this.#move('answering')
    await this.#deps.switch.answer(this.#call.legId)
    // Hung up as the answer went through: no flow for a caller who is gone.
    if (this.#abort.signal.aborted) throw abortError(this.#abort.signal)
    this.#answeredAt = this.#deps.clock.now()
    this.#log.info('answered')
    this.#move('in-ivr')
    return await this.#choice.script(this.#context(), this.#abort.signal)
  }

  /**
   * A call taken over: its legs tagged as this controller's, its conversation watched to the
   * end as if it had begun here; then the caller is thanked and hung up (where the flow was
   * after the conversation died with the controller that ran it).
   */
  async #goOn (takeOver: TakeOver): Promise<{ reason: string }> {
    const { switch: sw, controllerId } = this.#deps
    const line = this.#deps.line
    if (line === undefined) throw new HotlineError('HC_CONFIG_INVALID', 'no agents on this line to go on with')
    this.#log.warn({ previousController: takeOver.record.controllerId, state: this.#state }, 'taking over a call left by a stopped controller')
    // The caller's leg first: refused if the caller went meanwhile (HC_CALL_GONE ends the call).
    await sw.tagLeg(this.#call.legId, { controllerId, callId: this.callId })
    const { found, agent } = takeOver
    await Promise.all(takeOver.stray.map(async (legId) => { await sw.hangup(legId, 'normal').catch(() => undefined) }))
    const retag = async (legId: string, role: 'agent' | 'specialist'): Promise<void> => {
      await sw.tagLeg(legId, { controllerId, callId: this.callId, role }).catch((err: unknown) => { this.#log.debug({ err, legId }, 'retagging a leg failed') })
    }
    if (found.agentUp) await retag(agent.legId, 'agent')
    if (found.transfer?.specialist !== undefined) await retag(found.transfer.specialist.legId, 'specialist')
    const run = found.transfer === undefined ? undefined : line.transfers.resume(found.transfer.record, this.#log)
    const conversation = this.#conversation = this.#newConversation(agent)
    try {
      const { transfer, ...rest } = found
      await conversation.resume({ ...rest, ...(transfer === undefined || run === undefined ? {} : { transfer: { ...transfer, run } }) })
    } finally {
      this.#conversation = undefined
      this.#offer = undefined
    }
    this.#move('in-ivr')
    await this.#play(TAKEN_OVER_GOODBYE, this.#abort.signal)
    return { reason: 'served' }
  }

  /** The call's one end, from what happened: the final state written, the figures counted. */
  async #finish (scriptEnd: { reason: string } | undefined, error: unknown): Promise<CallSummary> {
    const { metrics, clock } = this.#deps
    const end = endOf({
      state: this.#state,
      gone: this.#gone,
      cut: this.#cut,
      scriptEnd,
      error,
      answeredAt: this.#answeredAt,
      startedAt: this.#call.at,
      queue: this.#record.queue,
      servedAt: this.#record.servedAt
    })
    if (end.unexpected === true) metrics.unexpectedErrors.inc({ kind: 'call' })
    if (end.finalState === 'failed' || end.unexpected === true) {
      metrics.callErrors.inc({ code: end.reason })
      this.#log.error({ err: error }, 'call failed')
    }
    await this.#end(end)
    const endedAt = clock.now()
    Object.assign(this.#record, {
      endedAt, finalState: end.finalState, reason: end.reason, endedBy: end.endedBy,
      ...(end.abandon === undefined ? {} : { abandon: end.abandon })
    })
    // After the earlier writes: the day's figures, then the final record (whoever its write
    // wakes, the dashboard, reads the figures with this call in), tried until stored.
    const increments = callIncrements({ ...this.#record, finalState: end.finalState })
    await this.#writes
    if (!this.#fenced) {
      const finalWrites = this.#deps.finalWrites ?? new FinalWrites({ store: this.#deps.store, log: this.#log, onStored: (r) => { this.#written(r) } })
      await finalWrites.submit(this.#record, increments)
    }
    metrics.callsInProgress.dec()
    metrics.callsEnded.inc({ final_state: end.finalState, reason: reasonLabel(end.reason), ended_by: end.endedBy })
    if (end.abandon !== undefined) {
      metrics.callsAbandoned.inc({ phase: end.abandon.phase })
      metrics.abandonWait.observe({ phase: end.abandon.phase }, end.abandon.waitedMs / 1000)
    }
    metrics.callDuration.observe({ final_state: end.finalState }, (endedAt - this.#call.at) / 1000)
    this.#log.info({
      finalState: end.finalState, reason: end.reason, endedBy: end.endedBy, abandon: end.abandon,
      durationMs: endedAt - this.#call.at, choices: maskChoices(this.#record.choices)
    }, 'call ended')
    return { ...structuredClone(this.#record), endedAt, finalState: end.finalState, reason: end.reason }
  }

  /** Ends the call from outside (the drain deadline, the switch lost): everything stops, the leg is hung up. */
  cancel (why: Cut['reason'], by: Cut['by'] = 'controller'): void {
    if (this.#gone !== undefined || this.#cut !== undefined) return
    this.#cut = { reason: why, by }
    this.#abort.abort(new HotlineError('HC_SHUTTING_DOWN', why))
  }

  #talking (): Conversation {
    const conversation = this.#conversation
    if (conversation === undefined) {
      throw new HotlineError('HC_TRANSFER_STATE', `call ${this.callId} is ${this.#state}, not with an agent`)
    }
    return conversation
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
      play: async (prompt, options) => {
        const quiet = options?.quiet === true
        if (!quiet) this.#log.info({ prompt }, 'playing prompt')
        await this.#play(prompt, signal, quiet)
      },
      collect: async (options) => {
        this.#log.info({ prompt: options.prompt }, 'waiting for keys')
        const result = await collectKeys(sw, legId, { ...options, signal }, { health: this.#deps.prompts, log: this.#log })
        this.#deps.metrics.ivrInputs.inc({ result: result.digits === '' ? 'timeout' : 'digits' })
        // Never the digits in the message: they may be a number; `digits` is masked (logger.ts).
        this.#log.info({ digits: result.digits, result: result.reason },
          result.digits === '' ? 'no key pressed' : 'caller pressed keys')
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
      queue: async (ask) => await this.#queue(ask)
    }
  }

  async #play (prompt: string, signal: AbortSignal, quiet = false): Promise<PlayOutcome> {
    return await playPrompt(this.#deps.switch, this.#call.legId, prompt, { signal, health: this.#deps.prompts, log: this.#log, quiet })
  }

  /** The queue, then the conversation with whoever answers; the caller comes back to the flow after it. */
  async #queue (ask: QueueAsk): Promise<QueueResult> {
    const line = this.#deps.line
    if (line === undefined) throw new HotlineError('HC_CONFIG_INVALID', 'no queue to agents on this line')
    const { clock } = this.#deps
    const signal = this.#abort.signal
    const enqueuedAt = clock.now()
    if (this.#record.queue === undefined) this.#deps.metrics.callsQueued.inc()
    this.#record.queue = { group: ask.group, enqueuedAt }
    this.#save()
    this.#move('queued')
    for (;;) {
      const outcome = await line.acd.queue({
        callId: this.callId,
        group: ask.group,
        choices: { ...this.#record.choices },
        maxWaitMs: ask.maxWaitMs,
        announceEveryMs: ask.announceEveryMs,
        enqueuedAt,
        signal,
        log: this.#log,
        announce: async (prompt, s) => await this.#play(prompt, s),
        onRinging: (agentId) => {
          this.#offer = { agentId, group: ask.group, at: clock.now() }
          this.#move('ringing-agent')
        },
        onRequeued: () => {
          this.#offer = undefined
          this.#move('queued')
        },
        onVisit: (change) => { this.#visit(change) }
      }).catch((err: unknown) => {
        this.#offer = undefined
        throw err
      })
      if (outcome.kind === 'overflow') {
        this.#offer = undefined
        this.#move('in-ivr')
        return outcome
      }
      const conversation = this.#newConversation(outcome)
      this.#conversation = conversation
      let how: 'talked' | 'agent-gone'
      try {
        how = await conversation.run()
      } finally {
        this.#conversation = undefined
        this.#offer = undefined
      }
      if (how === 'agent-gone') {
        // Nobody served the caller: back to the head of the queue, their first place kept.
        this.#record.queue = { group: ask.group, enqueuedAt }
        this.#save()
        this.#move('queued')
        continue
      }
      this.#move('in-ivr')
      return { kind: 'served', agentId: outcome.agentId, waitedMs: outcome.waitedMs, talkedMs: clock.now() - outcome.answeredAt }
    }
  }

  #newConversation (agent: AnsweredAgent): Conversation {
    const { line, clock, metrics } = this.#deps
    if (line === undefined) throw new HotlineError('HC_CONFIG_INVALID', 'no agents on this line')
    return new Conversation({
      callId: this.callId,
      callerLegId: this.#call.legId,
      callerNumber: this.#call.from,
      choices: () => ({ ...this.#record.choices }),
      signal: this.#abort.signal,
      log: this.#log,
      state: () => this.#state,
      move: (to) => { this.#move(to) },
      play: async (prompt, s) => { await this.#play(prompt, s) }
    }, { ...line, switch: this.#deps.switch, clock, metrics }, agent)
  }

  #visit (change: Partial<QueueVisit>): void {
    const visit = { ...this.#record.queue, ...change } as QueueVisit
    this.#record.queue = visit
    this.#save()
  }

  #onLegEvent (event: LegEvent): void {
    if (event.type !== 'hangup') return
    if (this.#state === 'ending' || this.#state === 'ended') {
      this.#log.debug({ switchCause: event.vendor.text }, 'leg ended')
      return
    }
    if (event.cause === 'lost') {
      // The switch hung the caller up going away (a shutdown, a restart).
      this.#log.warn({ switchCause: event.vendor.text }, 'the switch ended the call')
      this.cancel('switch-lost', 'switch')
      return
    }
    this.#log.info({ cause: event.cause, switchCause: event.vendor.text }, 'caller leg hung up')
    this.#callerGone()
  }

  #callerGone (): void {
    if (this.#gone !== undefined || this.#cut !== undefined) return
    this.#gone = { at: this.#deps.clock.now(), state: this.#state }
    this.#abort.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
  }

  async #end (end: CallEnd): Promise<void> {
    this.#move('ending')
    // A leg the switch already ended (the caller's hangup, the switch going away) is not hung up again.
    if (this.#gone === undefined && this.#cut?.by !== 'switch') {
      try {
        await this.#deps.switch.hangup(this.#call.legId, this.#cut?.reason === 'drain-deadline' ? 'shutdown' : 'normal')
        this.#log.info({ why: end.reason }, 'hung up by the controller')
      } catch (err) {
        this.#log.warn({ err }, 'hangup failed (leg may be gone already)')
      }
    }
    this.#stopListening()
    this.#move('ended')
  }

  /** Queues a write of the record as it is now; none once another controller owns the record. */
  #save (): void {
    const snapshot = structuredClone(this.#record)
    this.#writes = this.#writes
      .then(async () => {
        if (this.#fenced) return
        await this.#deps.store.putCall(snapshot)
        this.#written(snapshot)
      })
      .catch((err: unknown) => {
        if (isHotlineError(err, 'HC_FENCED')) {
          this.#fenced = true
          this.#log.error('the call\'s record is another controller\'s now (it took the call over): this controller writes it no more')
          return
        }
        this.#log.error({ err }, 'saving the call record failed')
        // Tried again while nothing newer is queued (a newer write carries all of it).
        const failed = this.#writes
        setTimeout(() => { if (this.#writes === failed && this.#state !== 'ending' && this.#state !== 'ended') this.#save() }, RESAVE_MS).unref()
      })
  }

  #written (record: CallRecord): void {
    try {
      this.#deps.onRecordWritten?.(record)
    } catch (err) {
      // A watcher's failure must never reach the call.
      this.#log.warn({ err }, 'call record watcher failed')
    }
  }

  /** The one way the state changes: checked against the table, recorded with its time. */
  #move (to: CallState): void {
    const from = this.#state
    this.#state = transition(from, to)
    const inState = this.#deps.metrics.callsInState
    inState.dec({ state: from })
    if (to !== 'ended') inState.inc({ state: to })
    const at = this.#deps.clock.now()
    if (to === 'with-agent' && this.#record.servedAt === undefined) this.#record.servedAt = at
    this.#record.state = to
    this.#record.stateSince = at
    this.#record.states?.push({ state: to, at })
    if (to !== 'ending' && to !== 'ended') this.#save()
  }
}

/** Reasons become a metric label: keep the set small and free of numbers or ids. */
function reasonLabel (reason: string): string {
  return /^[a-z0-9_ -]{1,40}$/i.test(reason) && !/\d{3,}/.test(reason) ? reason : 'other'
}
