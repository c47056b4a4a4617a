// Three-way direct transfer (三方通话直转) with busy fallback (遇忙转接).
//
// The agent on a call names a matter; the controller dials the matter's hunt list (hunt.ts)
// with the hotline's number as caller ID, and the first number that answers joins the call's
// conference room: caller, agent and specialist talk together, and the agent may leave while
// caller and specialist go on (Shanghai plan 2022-11; report 2023-03: "全程掌握接通率", 12345
// keeps sight of the whole call). When no number answers, a transfer-failed ticket goes to the
// owning department, which calls the business back before 10:00 of the next working day; the
// caller is told so and the agent, who stays with the caller, sees it through the API.
//
// Every attempt and the request as a whole are written as a TransferRecord, updated as the
// hunt goes: the record is the single source of the connection rate (接通率). The events
// (`transfer.attempted`, `transfer.connected`, `transfer.failed`, `transfer.cancelled`) carry
// the record as written, for counters.
//
// This service is the ACD's ConversationWatcher (agent-leg.ts): it learns of each conversation
// when caller and agent are connected, and tells the ACD when nobody but the caller is left
// in the room.

import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { ulid } from 'ulidx'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Directory, Matter } from '../domain/directory.js'
import { HotlineError } from '../errors.js'
import type { Clock } from '../ports/clock.js'
import type { SwitchPort } from '../ports/switch.js'
import type { TicketSink } from '../ports/tickets.js'
import type { TransferAttempt, TransferRecord, TransferStore } from '../ports/transfers.js'
import type { ConversationWatcher, LiveConversation } from './agent-leg.js'
import { hunt } from './hunt.js'
import { activeOf, type LiveCall, type LiveCallView, Transfer, viewOf } from './transfer-state.js'
import { type PromptHealth, playPrompt } from '../flows/prompt-health.js'

export type { ConversationState, LiveCallView, TransferPhase } from './transfer-state.js'

/** What the caller hears when no number answered (ivr-flows/prompts.yaml). */
export const TRANSFER_FAILED_PROMPT = 'transfer-failed'

export interface TransferServiceDeps {
  switch: SwitchPort
  store: TransferStore
  directory: Directory
  calendar: WorkCalendar
  clock: Clock
  /** Caller ID the department's phone shows: the hotline's number. */
  callerIdNumber: string
  /** Where transfer-failed tickets go; none: the agent, told by the API, registers it by hand. */
  tickets?: TicketSink
  /** The caller's full number while the call runs: the ticket's callback number. */
  callerNumber: (callId: string) => string | undefined
  log: Logger
  /** The prompt to the caller (a missing one is skipped and counted). */
  prompts: PromptHealth
}

export interface TransferEvents {
  'transfer.attempted': [attempt: TransferAttempt, record: TransferRecord]
  'transfer.connected': [record: TransferRecord]
  'transfer.failed': [record: TransferRecord]
  'transfer.cancelled': [record: TransferRecord]
}

/** Who asks: an agent token's agent, or nobody in particular (supervisor, admin). */
export interface Requester {
  agentId?: string
}

export type TransferAnswer<T> = { ok: true, value: T } | { ok: false, status: 400 | 403 | 404 | 409, reason: string }

export class TransferService extends EventEmitter<TransferEvents> implements ConversationWatcher {
  readonly #deps: TransferServiceDeps
  readonly #calls = new Map<string, LiveCall>()
  /** Record writes per transfer, in order; a failed write is logged, never fatal to the call. */
  readonly #writes = new Map<string, Promise<void>>()
  readonly #running = new Set<Promise<void>>()
  readonly #closing = new AbortController()

  constructor (deps: TransferServiceDeps) {
    super()
    this.#deps = deps
  }

  /** The agent on a call in conversation here (after they left too, while the call lasts). */
  agentOf (callId: string): string | undefined {
    return this.#calls.get(callId)?.conversation.agentId
  }

  live (callId: string): LiveCallView | undefined {
    const call = this.#calls.get(callId)
    if (call === undefined) return undefined
    return viewOf(call)
  }

  /** Starts a transfer of the call to `matterId`'s hunt list; the hunt goes on in the background. */
  async request (callId: string, matterId: string, by: Requester): Promise<TransferAnswer<TransferRecord>> {
    const { directory, calendar, clock } = this.#deps
    const matter = directory.matter(matterId)
    if (matter === undefined) return { ok: false, status: 400, reason: `body/matterId: no matter "${matterId}" in the directory` }
    const call = this.#calls.get(callId)
    if (call === undefined) return { ok: false, status: 409, reason: `call ${callId} is not with an agent` }
    const refusal = this.#agentRefusal(call, by)
    if (refusal !== undefined) return refusal
    const active = activeOf(call)
    if (active !== undefined) {
      return { ok: false, status: 409, reason: `transfer ${active.record.id} of this call is still ${active.phase}: one at a time` }
    }
    if (this.#closing.signal.aborted) return { ok: false, status: 409, reason: 'the controller is shutting down' }
    const now = clock.now()
    const record: TransferRecord = {
      id: ulid(now),
      callId,
      matterId,
      departmentId: matter.departmentId,
      agentId: call.conversation.agentId,
      requestedAt: now,
      workingTime: calendar.isWorkingTime(now, matter.departmentId),
      state: 'hunting',
      attempts: []
    }
    // Registered before anything is awaited: a second request, or the agent hanging up, sees it.
    const transfer = new Transfer(record, call.conversation.log.child({ transferId: record.id, matterId }))
    call.transfers.push(transfer)
    transfer.log.info({ departmentId: matter.departmentId, numbers: matter.hunt.length, workingTime: record.workingTime }, 'transfer requested')
    await this.#save(transfer)
    const running = this.#run(call, transfer, matter).finally(() => { this.#running.delete(running) })
    this.#running.add(running)
    return { ok: true, value: structuredClone(record) }
  }

  /** The agent leaves the three-way call: caller and specialist go on, the agent wraps up. */
  async leave (callId: string, by: Requester): Promise<TransferAnswer<LiveCallView>> {
    const call = this.#calls.get(callId)
    if (call === undefined) return { ok: false, status: 409, reason: `call ${callId} is not with an agent` }
    const refusal = this.#agentRefusal(call, by)
    if (refusal !== undefined) return refusal
    const active = activeOf(call)
    if (active?.phase !== 'talking') {
      return { ok: false, status: 409, reason: 'no specialist is in the call: leaving would leave the caller alone (hang up instead)' }
    }
    await call.conversation.releaseAgent()
    this.agentGone(callId, this.#deps.clock.now())
    const view = this.live(callId)
    return view === undefined ? { ok: false, status: 409, reason: `call ${callId} has ended` } : { ok: true, value: view }
  }

  /** Stops: transfers still running are cancelled (their calls are being cut anyway). */
  async close (): Promise<void> {
    this.#closing.abort(new HotlineError('HC_SHUTTING_DOWN', 'the transfer service is closed'))
    await Promise.allSettled([...this.#running])
    await Promise.allSettled([...this.#writes.values()])
  }

  // --- ConversationWatcher -------------------------------------------------------------------

  started (conversation: LiveConversation): void {
    this.#calls.set(conversation.callId, { conversation, transfers: [] })
  }

  agentGone (callId: string, at: number): void {
    const call = this.#calls.get(callId)
    if (call === undefined || call.agentLeftAt !== undefined) return
    call.agentLeftAt = at
    const active = activeOf(call)
    if (active === undefined) return
    active.record.agentLeftAt = at
    active.log.info({ phase: active.phase }, 'agent left the transfer')
    void this.#save(active)
  }

  othersDone (callId: string): Promise<void> {
    const call = this.#calls.get(callId)
    const active = call === undefined ? undefined : activeOf(call)
    return active?.done ?? Promise.resolve()
  }

  ended (callId: string): void {
    const call = this.#calls.get(callId)
    if (call === undefined) return
    this.#calls.delete(callId)
    const active = activeOf(call)
    if (active === undefined) return
    // The caller is gone: the hunt's dial is cancelled, and a specialist must not stay on alone.
    active.abort.abort(new HotlineError('HC_CALL_GONE', 'the conversation ended'))
    if (active.specialistLeg !== undefined && (active.phase === 'joining' || active.phase === 'talking')) {
      this.#specialistEnded(active, this.#deps.clock.now(), 'the conversation ended')
      this.#deps.switch.hangup(active.specialistLeg, 'normal')
        .catch((err: unknown) => { active.log.warn({ err }, 'specialist leg hangup failed') })
    }
  }

  // --- the transfer --------------------------------------------------------------------------

  #agentRefusal (call: LiveCall, by: Requester): TransferAnswer<never> | undefined {
    if (by.agentId !== undefined && by.agentId !== call.conversation.agentId) {
      return { ok: false, status: 403, reason: 'an agent token acts on its own call only' }
    }
    if (call.agentLeftAt !== undefined) return { ok: false, status: 409, reason: 'the agent has left this call' }
    return undefined
  }

  async #run (call: LiveCall, transfer: Transfer, matter: Matter): Promise<void> {
    const { conversation } = call
    const signal = AbortSignal.any([conversation.signal, transfer.abort.signal, this.#closing.signal])
    const { record, log } = transfer
    try {
      const result = await hunt({
        switch: this.#deps.switch,
        clock: this.#deps.clock,
        callerIdNumber: this.#deps.callerIdNumber,
        isDirectoryNumber: (n) => this.#deps.directory.isDirectoryNumber(n)
      }, {
        matterId: matter.id,
        departmentId: matter.departmentId,
        entries: matter.hunt,
        signal,
        log,
        onDialStart: (dial) => { transfer.ringing = dial },
        onAttempt: async (attempt) => {
          transfer.ringing = undefined
          record.attempts.push(attempt)
          await this.#save(transfer)
          this.#notify(() => this.emit('transfer.attempted', { ...attempt }, structuredClone(record)))
        }
      })
      if (result.kind === 'answered') await this.#connect(conversation, transfer, result.legId, result.attempt, signal)
      else if (result.kind === 'all-failed') await this.#failed(conversation, transfer, matter, signal)
      else await this.#cancelled(transfer)
    } catch (err) {
      // Nothing in a transfer may take the call down: it ends, recorded as far as it got.
      log.error({ err }, 'transfer stopped by an error')
      if (record.state === 'hunting') record.state = 'cancelled'
      record.endedAt ??= this.#deps.clock.now()
      const leg = transfer.specialistLeg
      if (leg !== undefined && transfer.phase !== 'over') await this.#deps.switch.hangup(leg, 'error').catch(() => undefined)
      transfer.finish()
      await this.#save(transfer)
    } finally {
      transfer.ringing = undefined
      // A specialist in the room keeps the transfer going until their leg ends.
      if (transfer.phase === 'hunting' || transfer.phase === 'telling-caller') transfer.finish()
    }
  }

  async #connect (conversation: LiveConversation, transfer: Transfer, legId: string, attempt: TransferAttempt, signal: AbortSignal): Promise<void> {
    const { switch: sw, clock } = this.#deps
    const { record, log } = transfer
    record.state = 'connected'
    record.answeredNumber = attempt.number
    record.connectedAt = clock.now()
    transfer.specialistLeg = legId
    transfer.move('joining')
    transfer.stopWatch = sw.onLegEvent(legId, (event) => {
      if (event.type === 'hangup') this.#specialistEnded(transfer, event.at, 'the specialist hung up')
    })
    await this.#save(transfer)
    this.#notify(() => this.emit('transfer.connected', structuredClone(record)))
    if (signal.aborted) {
      this.#specialistEnded(transfer, clock.now(), 'the caller hung up as the specialist answered')
      await sw.hangup(legId, 'normal').catch((err: unknown) => { log.warn({ err }, 'specialist leg hangup failed') })
      return
    }
    try {
      await sw.joinConference(legId, conversation.room)
    } catch (err) {
      if (transfer.phase === 'over') return
      log.error({ err }, 'the specialist could not join the room')
      this.#specialistEnded(transfer, clock.now(), 'joining the room failed')
      await sw.hangup(legId, 'error').catch(() => undefined)
      return
    }
    if (transfer.phase !== 'joining') return
    transfer.move('talking')
    log.info({ room: conversation.room, number: attempt.number }, 'specialist joined: caller, agent and specialist in one room')
  }

  /** The specialist's part is over (they hung up, or the conversation ended); once only. */
  #specialistEnded (transfer: Transfer, at: number, why: string): void {
    if (transfer.phase !== 'joining' && transfer.phase !== 'talking') return
    transfer.record.endedAt ??= at
    transfer.log.info({ why }, 'specialist leg ended')
    transfer.move('over')
    void this.#save(transfer)
  }

  async #failed (conversation: LiveConversation, transfer: Transfer, matter: Matter, signal: AbortSignal): Promise<void> {
    const { record, log } = transfer
    record.state = 'all-failed'
    record.endedAt = this.#deps.clock.now()
    transfer.move('telling-caller')
    log.warn({ attempts: record.attempts.length }, 'transfer failed: no number answered')
    const ticketId = await this.#raiseTicket(conversation, record, matter, log)
    if (ticketId !== undefined) record.ticketId = ticketId
    await this.#save(transfer)
    this.#notify(() => this.emit('transfer.failed', structuredClone(record)))
    // The prompt promises the call back: only say it when the ticket exists.
    if (ticketId !== undefined && !signal.aborted) await this.#tellCaller(conversation, signal, log)
  }

  async #raiseTicket (conversation: LiveConversation, record: TransferRecord, matter: Matter, log: Logger): Promise<string | undefined> {
    const { tickets } = this.#deps
    const callbackNumber = this.#deps.callerNumber(conversation.callId)
    if (tickets === undefined || callbackNumber === undefined) {
      log.error({ sink: tickets !== undefined, callbackNumber: callbackNumber !== undefined }, 'no transfer-failed ticket raised: the agent must register one')
      return undefined
    }
    try {
      const ticket = await tickets.raise({
        kind: 'transfer-failed',
        callId: conversation.callId,
        matterId: matter.id,
        departmentId: matter.departmentId,
        callbackNumber,
        choices: { ...conversation.choices },
        at: this.#deps.clock.now()
      })
      log.info({ ticketId: ticket.id, departmentId: matter.departmentId }, 'transfer-failed ticket raised')
      return ticket.id
    } catch (err) {
      log.error({ err }, 'raising the transfer-failed ticket failed: the agent must register one')
      return undefined
    }
  }

  /**
   * Out of the room for the prompt, then back to the agent. The port plays to a leg, not into a
   * room, and the controller only plays to legs outside a conference (the ACD likewise takes
   * the caller out of the room before the survey), so both switches behave the same.
   */
  async #tellCaller (conversation: LiveConversation, signal: AbortSignal, log: Logger): Promise<void> {
    const { switch: sw } = this.#deps
    const { callerLegId, room } = conversation
    let out = false
    try {
      await sw.leaveConference(callerLegId, room)
      out = true
      log.info({ prompt: TRANSFER_FAILED_PROMPT }, 'telling the caller the transfer failed')
      await playPrompt(sw, callerLegId, TRANSFER_FAILED_PROMPT, { signal, health: this.#deps.prompts, log })
    } catch (err) {
      if (!signal.aborted) log.warn({ err }, 'telling the caller the transfer failed did not work')
    } finally {
      if (out && !signal.aborted) {
        await sw.joinConference(callerLegId, room).catch((err: unknown) => { log.error({ err }, 'caller could not rejoin the agent') })
      }
    }
  }

  async #cancelled (transfer: Transfer): Promise<void> {
    const { record, log } = transfer
    record.state = 'cancelled'
    record.endedAt = this.#deps.clock.now()
    const last = record.attempts.at(-1)
    if (last?.outcome === 'answered') record.answeredNumber = last.number
    log.info({ attempts: record.attempts.length }, 'transfer cancelled: the caller hung up')
    await this.#save(transfer)
    this.#notify(() => this.emit('transfer.cancelled', structuredClone(record)))
  }

  /** Emits to the counters; a listener that throws must not stop the hunt. */
  #notify (emit: () => void): void {
    try {
      emit()
    } catch (err) {
      this.#deps.log.error({ err }, 'a transfer event listener failed')
    }
  }

  /** Queues a write of the record as it is now; resolves once it is written (or failed). */
  #save (transfer: Transfer): Promise<void> {
    const snapshot = structuredClone(transfer.record)
    const previous = this.#writes.get(snapshot.id) ?? Promise.resolve()
    const next = previous
      .then(async () => { await this.#deps.store.putTransfer(snapshot) })
      .catch((err: unknown) => { transfer.log.error({ err }, 'saving the transfer record failed') })
    this.#writes.set(snapshot.id, next)
    void next.then(() => { if (this.#writes.get(snapshot.id) === next) this.#writes.delete(snapshot.id) })
    return next
  }
}
