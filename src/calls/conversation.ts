// The conversation part of a call's owner (call-session.ts): from the agent answering to the
// caller going back to the flow (the survey) — the caller, the agent and perhaps a department
// specialist in the call's room (a FreeSWITCH conference, an Asterisk mixing bridge). It holds
// the agent's and the specialist's legs; the caller's leg stays the session's, and the session
// moves the call's state when told. The queue hands it the agent's answered leg; a transfer
// (transfer.ts) hands it the specialist's. Every leg it holds is hung up when it is done with
// it — once — whatever way the conversation ends.

import type { Logger } from 'pino'
import type { Directory } from '../domain/directory.js'
import { HotlineError, abortError, isHotlineError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { LegEvent, SwitchPort } from '../ports/switch.js'
import type { TicketSink } from '../ports/tickets.js'
import type { TransferRecord } from '../domain/transfer-record.js'
import type { CallState } from '../domain/call-state.js'
import type { Agents } from './agents.js'
import { TRANSFER_FAILED_PROMPT, type TransferRun, type Transfers, raiseTransferTicket } from './transfer.js'
import type { ConversationState, LiveCallView, Requester } from './call-context.js'

/** The conference room of a call: one per call, so a specialist can join it. */
export const roomOf = (callId: string): string => `call-${callId}`

/** What the call's owner gives the conversation. */
export interface ConversationHost {
  readonly callId: string
  readonly callerLegId: string
  /** The caller's full number: a transfer-failed ticket's callback number. */
  readonly callerNumber: string
  choices(): Record<string, string>
  /** Aborted when the caller hangs up or the call is cut. */
  readonly signal: AbortSignal
  readonly log: Logger
  state(): CallState
  move(to: CallState): void
  /** Plays a prompt to the caller (out of the room). */
  play(prompt: string, signal: AbortSignal): Promise<void>
}

export interface ConversationDeps {
  switch: SwitchPort
  agents: Agents
  transfers: Transfers
  directory: Directory
  clock: Clock
  metrics: Metrics
  /** Where transfer-failed tickets go; none: the agent registers one by hand. */
  tickets?: TicketSink | undefined
  /** Pauses between attempts at a ticket the store refused (default TICKET_RETRY_DELAYS_MS). */
  ticketRetryDelaysMs?: readonly number[]
}

export interface AnsweredAgent {
  agentId: string
  legId: string
  group: string
}

/**
 * A conversation taken over from a controller that stopped (recovery.ts): what its legs are
 * doing on the switch now. The caller's leg is up and answered; the rest may be gone.
 */
export interface ResumedConversation {
  /** When the caller was first put through (the record's servedAt). */
  connectedAt: number
  callerInRoom: boolean
  /** The agent's leg is still up. */
  agentUp: boolean
  /** The agent had left the call before it was taken over (when, if known). */
  agentLeftBefore?: number
  transfer?: ResumedTransfer
}

export interface ResumedTransfer {
  run: TransferRun
  /** The specialist's answered leg: talking, or answered while no controller watched. */
  specialist?: { legId: string, inRoom: boolean }
  /** Dialled legs of the hunt that had not answered: hung up, the hunt dials that number again. */
  ringing: string[]
}

export class Conversation {
  readonly room: string
  readonly #host: ConversationHost
  readonly #deps: ConversationDeps
  readonly #agent: AnsweredAgent
  readonly #runs: TransferRun[] = []
  readonly #tasks = new Set<Promise<void>>()
  readonly #stops: Array<() => void> = []
  #connectedAt = 0
  #agentLeftAt: number | undefined
  #agentLegUp = true
  #agentEnded = false
  #specialistUp = false
  #callerInRoom = false
  #wake: () => void = () => undefined

  constructor (host: ConversationHost, deps: ConversationDeps, agent: AnsweredAgent) {
    this.#host = host
    this.#deps = deps
    this.#agent = agent
    this.room = roomOf(host.callId)
  }

  get agentId (): string {
    return this.#agent.agentId
  }

  /**
   * Puts the caller through to the agent and lasts until nobody but the caller is left (the
   * agent gone, no specialist, no hunt); the caller is then out of the room, for the rest of
   * the flow. `agent-gone` when the agent hung up before they were put through: nobody talked,
   * the caller goes back to the head of the queue. Throws the caller's abort error when the
   * caller hangs up (or the call is cut).
   */
  async run (): Promise<'talked' | 'agent-gone'> {
    const { switch: sw } = this.#deps
    const host = this.#host
    const log = host.log.child({ agentId: this.#agent.agentId })
    this.#stops.push(sw.onLegEvent(this.#agent.legId, (e) => { this.#onAgentLeg(e) }))
    return await this.#guarded(log, async () => {
      await sw.joinConference(host.callerLegId, this.room)
      this.#callerInRoom = true
      const joined = await sw.joinConference(this.#agent.legId, this.room).then(() => true, (err: unknown) => {
        if (host.signal.aborted || !isHotlineError(err, 'HC_CALL_GONE')) throw err
        return false
      })
      // Joined is joined: an agent who hangs up the moment after was put through, and served.
      if (!joined) {
        log.info('the agent hung up before being put through: the caller goes back to the head of the queue')
        await sw.leaveConference(host.callerLegId, this.room)
        this.#callerInRoom = false
        return 'agent-gone'
      }
      this.#connectedAt = this.#deps.clock.now()
      host.move('with-agent')
      log.info({ room: this.room }, 'caller connected to agent')
      return await this.#converse(log)
    })
  }

  /**
   * Goes on with a conversation found on the switch after its controller stopped: the caller's
   * leg in the room (put back if it was out), the agent's if still up, the specialist's, or the
   * hunt from the number it was dialling. Lasts until nobody but the caller is left, as run().
   */
  async resume (found: ResumedConversation): Promise<'talked'> {
    const { switch: sw, clock } = this.#deps
    const host = this.#host
    const log = host.log.child({ agentId: this.#agent.agentId })
    this.#connectedAt = found.connectedAt
    this.#callerInRoom = found.callerInRoom
    if (found.agentLeftBefore !== undefined) {
      this.#agentLeftAt = found.agentLeftBefore
      this.#agentLegUp = false
      this.#agentEnded = true
    } else if (found.agentUp) {
      this.#stops.push(sw.onLegEvent(this.#agent.legId, (e) => { this.#onAgentLeg(e) }))
    } else {
      this.#agentLegUp = false
    }
    return await this.#guarded(log, async () => {
      if (!this.#callerInRoom) {
        await sw.joinConference(host.callerLegId, this.room)
        this.#callerInRoom = true
      }
      // The agent hung up while no controller watched: their part is over now.
      if (found.agentLeftBefore === undefined && !found.agentUp) this.#track(this.#agentGone('hung-up'))
      if (found.transfer !== undefined) await this.#resumeTransfer(found.transfer)
      log.info({ room: this.room, agentUp: this.#agentLegUp, state: host.state(), sinceMs: clock.now() - found.connectedAt }, 'conversation taken over')
      return await this.#converse(log)
    })
  }

  /** Until nobody but the caller is left; then the caller is out of the room, for the flow. */
  async #converse (log: Logger): Promise<'talked'> {
    const { switch: sw, clock } = this.#deps
    await this.#until(() => this.#over())
    log.info({ talkedMs: clock.now() - this.#connectedAt }, 'conversation over: the caller goes on alone')
    // Out of the room, so the flow's prompts reach the caller.
    if (this.#callerInRoom) await sw.leaveConference(this.#host.callerLegId, this.room)
    this.#callerInRoom = false
    return 'talked'
  }

  /** Runs the conversation's body; whatever way it ends, every leg it holds is let go once. */
  async #guarded<T> (log: Logger, body: () => Promise<T>): Promise<T> {
    const host = this.#host
    try {
      return await body()
    } catch (err) {
      if (host.signal.aborted) throw abortError(host.signal)
      throw err
    } finally {
      for (const stop of this.#stops) stop()
      for (const run of this.#runs) run.abort.abort(new HotlineError('HC_CALL_GONE', 'the conversation ended'))
      await Promise.allSettled([...this.#tasks])
      // A specialist must not stay on alone.
      for (const run of this.#runs) this.#specialistGone(run, 'the conversation ended')
      await this.#endAgent(log)
    }
  }

  /** Starts a transfer of the call to `matterId`'s hunt list; the hunt goes on in the background. */
  async transfer (matterId: string, by: Requester): Promise<TransferRecord> {
    const matter = this.#deps.directory.matter(matterId)
    if (matter === undefined) throw new HotlineError('HC_BAD_REQUEST', `body/matterId: no matter "${matterId}" in the directory`)
    this.#refuseOtherAgent(by)
    if (this.#agentLeftAt !== undefined) throw new HotlineError('HC_TRANSFER_STATE', 'the agent has left this call')
    const active = this.#active()
    if (active !== undefined) {
      throw new HotlineError('HC_TRANSFER_STATE', `transfer ${active.record.id} of this call is still ${active.phase}: one at a time`)
    }
    const host = this.#host
    if (host.state() !== 'with-agent') throw new HotlineError('HC_TRANSFER_STATE', `the call is ${host.state()}, not with the agent`)
    // Moved before the first await: a second request meanwhile finds the call transferring.
    host.move('transferring')
    let run: TransferRun
    try {
      run = await this.#deps.transfers.open({ callId: host.callId, agentId: this.#agent.agentId, log: host.log }, matter)
    } catch (err) {
      if (!host.signal.aborted && host.state() === 'transferring') host.move(this.#agentLeftAt === undefined ? 'with-agent' : 'in-ivr')
      this.#changed()
      throw err
    }
    this.#runs.push(run)
    this.#track(this.#transfer(run))
    return structuredClone(run.record)
  }

  /** The agent leaves the three-way call: caller and specialist go on, the agent wraps up. */
  async leave (by: Requester): Promise<void> {
    this.#refuseOtherAgent(by)
    if (this.#agentLeftAt !== undefined) throw new HotlineError('HC_TRANSFER_STATE', 'the agent has left this call')
    if (this.#host.state() !== 'three-way') {
      throw new HotlineError('HC_TRANSFER_STATE', 'no specialist is in the call: leaving would leave the caller alone (hang up instead)')
    }
    await this.#agentGone('left')
  }

  view (): LiveCallView {
    const active = this.#active()
    return {
      callId: this.#host.callId,
      agentId: this.#agent.agentId,
      group: this.#agent.group,
      choices: this.#host.choices(),
      connectedAt: this.#connectedAt,
      agentPresent: this.#agentLeftAt === undefined,
      ...(this.#agentLeftAt === undefined ? {} : { agentLeftAt: this.#agentLeftAt }),
      state: this.#viewState(active),
      ...(active?.ringing === undefined ? {} : { ringing: active.ringing }),
      transfers: this.#runs.map((r) => structuredClone(r.record))
    }
  }

  // --- the course of the conversation ------------------------------------------------------

  #over (): boolean {
    return this.#agentLeftAt !== undefined && this.#active() === undefined && !this.#specialistUp
  }

  #active (): TransferRun | undefined {
    const last = this.#runs.at(-1)
    return last === undefined || last.phase === 'over' ? undefined : last
  }

  #viewState (active: TransferRun | undefined): ConversationState {
    switch (active?.phase) {
      case 'hunting': return 'hunting'
      case 'joining': return 'connecting-specialist'
      case 'telling-caller': return 'telling-caller'
      default: break
    }
    const state = this.#host.state()
    if (state === 'three-way' || state === 'with-specialist' || state === 'with-agent') return state
    return 'closing'
  }

  /** Resolves once `done()` holds; rejects when the caller hangs up. Re-checked on every change. */
  async #until (done: () => boolean): Promise<void> {
    const { signal } = this.#host
    while (!done()) {
      if (signal.aborted) throw abortError(signal)
      await new Promise<void>((resolve) => {
        const wake = (): void => { signal.removeEventListener('abort', wake); resolve() }
        this.#wake = wake
        signal.addEventListener('abort', wake, { once: true })
      })
    }
    if (signal.aborted) throw abortError(signal)
  }

  #changed (): void {
    this.#wake()
  }

  #onAgentLeg (event: LegEvent): void {
    if (event.type === 'hangup') {
      this.#agentLegUp = false
      this.#track(this.#agentGone('hung-up'))
    } else if (event.type === 'conference-left' && event.room === this.room && this.#agentLeftAt === undefined && this.#connectedAt !== 0) {
      this.#track(this.#agentGone('left'))
    }
  }

  /** The agent's part is over (hung up, left, or sent away by `leave`); once only. */
  async #agentGone (how: 'hung-up' | 'left'): Promise<void> {
    if (this.#agentLeftAt !== undefined) return
    const at = this.#deps.clock.now()
    this.#agentLeftAt = at
    this.#host.log.info({ agentId: this.#agent.agentId, how }, 'agent ended their part of the conversation')
    this.#active()?.agentLeft(at)
    if (this.#host.state() === 'three-way') this.#host.move('with-specialist')
    await this.#endAgent(this.#host.log)
    this.#changed()
  }

  /** Hangs the agent's leg up (if still up) and puts the agent in wrap-up; once only. */
  async #endAgent (log: Logger): Promise<void> {
    if (this.#agentEnded) return
    this.#agentEnded = true
    if (this.#agentLegUp) {
      this.#agentLegUp = false
      await this.#deps.switch.hangup(this.#agent.legId, 'normal').catch((err: unknown) => { log.warn({ err }, 'agent leg hangup failed') })
    }
    await this.#deps.agents.ended(this.#agent.agentId, this.#host.callId, this.#agent.group)
      .catch((err: unknown) => { log.warn({ err }, 'the agent could not be put in wrap-up') })
  }

  #refuseOtherAgent (by: Requester): void {
    if (by.agentId !== undefined && by.agentId !== this.#agent.agentId) {
      throw new HotlineError('HC_FORBIDDEN', 'an agent token acts on its own call only')
    }
  }

  /** Runs a background part of the conversation; nothing in it may escape (it is logged and counted). */
  #track (task: Promise<void>): void {
    const tracked = task.catch((err: unknown) => {
      if (this.#host.signal.aborted && isHotlineError(err)) return
      this.#deps.metrics.unexpectedErrors.inc({ kind: 'conversation' })
      this.#host.log.error({ err }, 'conversation task failed')
    }).finally(() => {
      this.#tasks.delete(tracked)
      this.#changed()
    })
    this.#tasks.add(tracked)
  }

  // --- a transfer ---------------------------------------------------------------------------

  /** A transfer found part way: its specialist back in the room, or its hunt going on. */
  async #resumeTransfer (found: ResumedTransfer): Promise<void> {
    const { switch: sw } = this.#deps
    const { run } = found
    this.#runs.push(run)
    await Promise.all(found.ringing.map(async (legId) => {
      await sw.hangup(legId, 'normal').catch((err: unknown) => { run.log.warn({ err, legId }, 'hanging up a dial left behind failed') })
    }))
    if (run.phase === 'talking') {
      const legId = found.specialist?.legId
      if (legId === undefined) {
        run.specialistLeg = undefined
        this.#specialistUp = true
        this.#specialistGone(run, 'the specialist hung up while no controller watched')
        return
      }
      run.specialistLeg = legId
      this.#specialistUp = true
      this.#stops.push(sw.onLegEvent(legId, (event) => {
        if (event.type !== 'hangup') return
        this.#specialistUp = false
        this.#specialistGone(run, 'the specialist hung up')
      }))
      if (!found.specialist?.inRoom) await sw.joinConference(legId, this.room)
      return
    }
    const entry = run.matter.hunt[run.from]
    const { clock } = this.#deps
    if (found.specialist !== undefined && entry !== undefined) {
      // The number answered while no controller watched: put through now.
      const attempt = { number: entry.number, matterId: run.matter.id, departmentId: run.matter.departmentId, index: run.from, startedAt: clock.now(), ringMs: 0, outcome: 'answered' as const }
      run.record.attempts.push(attempt)
      this.#track(this.#specialistAnswered(run, found.specialist.legId, attempt, this.#host.signal))
      return
    }
    if (found.specialist !== undefined) await sw.hangup(found.specialist.legId, 'normal').catch(() => undefined)
    if (found.ringing.length > 0 && entry !== undefined) {
      // Its dial was lost with the controller: not the number's failure; it is dialled again.
      run.record.attempts.push({
        number: entry.number, matterId: run.matter.id, departmentId: run.matter.departmentId, index: run.from,
        startedAt: clock.now(), ringMs: 0, outcome: 'lost', cause: 'the controller stopped during the dial'
      })
      await run.save()
    }
    this.#track(this.#transfer(run))
  }

  async #transfer (run: TransferRun): Promise<void> {
    const host = this.#host
    const signal = AbortSignal.any([host.signal, run.abort.signal])
    try {
      const result = await run.hunt(signal)
      if (result.kind === 'answered') await this.#specialistAnswered(run, result.legId, result.attempt, signal)
      else if (result.kind === 'cancelled') await run.cancelled()
      else await this.#nobody(run, result.kind === 'switch-lost' ? 'switch-lost' : 'all-failed', signal)
    } catch (err) {
      // Nothing in a transfer may take the call down: it ends, recorded as far as it got.
      run.log.error({ err }, 'transfer stopped by an error')
      if (run.specialistLeg !== undefined && this.#specialistUp) {
        this.#specialistUp = false
        await this.#deps.switch.hangup(run.specialistLeg, 'error').catch(() => undefined)
      }
      if (run.record.state === 'hunting') await run.cancelled()
      run.finish()
    } finally {
      if (run.phase === 'hunting' || run.phase === 'telling-caller') run.finish()
      // Back to the agent; with the agent gone the conversation is over (the owner goes on).
      if (!host.signal.aborted && run.phase === 'over' && host.state() === 'transferring' && this.#agentLeftAt === undefined) {
        host.move('with-agent')
      }
    }
  }

  async #specialistAnswered (run: TransferRun, legId: string, attempt: Parameters<TransferRun['connected']>[1], signal: AbortSignal): Promise<void> {
    const { switch: sw } = this.#deps
    this.#specialistUp = true
    this.#stops.push(sw.onLegEvent(legId, (event) => {
      if (event.type !== 'hangup') return
      this.#specialistUp = false
      this.#specialistGone(run, 'the specialist hung up')
    }))
    await run.connected(legId, attempt)
    if (signal.aborted) {
      this.#specialistGone(run, 'the caller hung up as the specialist answered')
      return
    }
    try {
      await sw.joinConference(legId, this.room)
    } catch (err) {
      if (run.phase === 'over') return
      run.log.error({ err }, 'the specialist could not join the room')
      this.#specialistGone(run, 'joining the room failed')
      return
    }
    if (run.phase !== 'joining') return
    if (signal.aborted) {
      this.#specialistGone(run, 'the caller hung up as the specialist joined')
      return
    }
    run.move('talking')
    this.#host.move(this.#agentLeftAt === undefined ? 'three-way' : 'with-specialist')
    run.log.info({ room: this.room, number: attempt.number }, 'specialist joined: caller, agent and specialist in one room')
  }

  /** The specialist's part is over: their leg is hung up if still up, the call goes on without them. */
  #specialistGone (run: TransferRun, why: string): void {
    if (run.phase !== 'joining' && run.phase !== 'talking') return
    run.specialistEnded(why)
    if (this.#specialistUp && run.specialistLeg !== undefined) {
      this.#specialistUp = false
      this.#deps.switch.hangup(run.specialistLeg, 'normal').catch((err: unknown) => { run.log.warn({ err }, 'specialist leg hangup failed') })
    }
    const host = this.#host
    if (!host.signal.aborted && this.#agentLeftAt === undefined && (host.state() === 'three-way' || host.state() === 'transferring')) {
      host.move('with-agent')
    }
    this.#changed()
  }

  /** Nobody answered (or the switch went away): a ticket to the department, and the caller told. */
  async #nobody (run: TransferRun, state: 'all-failed' | 'switch-lost', signal: AbortSignal): Promise<void> {
    run.move('telling-caller')
    run.log.warn({ attempts: run.record.attempts.length, state }, state === 'switch-lost'
      ? 'transfer could not finish: the switch went away'
      : 'transfer failed: no number answered')
    const ticketId = await raiseTransferTicket(this.#deps, this.#host, run, state)
    await run.failed(state, ticketId)
    // The prompt promises the call back: only say it when the ticket exists.
    if (ticketId !== undefined && !signal.aborted) await this.#tellCaller(run, signal)
  }

  /**
   * Out of the room for the prompt, then back to the agent (if still there). The port plays to
   * a leg, not into a room, so both switches behave the same.
   */
  async #tellCaller (run: TransferRun, signal: AbortSignal): Promise<void> {
    const { switch: sw } = this.#deps
    const host = this.#host
    let out = false
    try {
      await sw.leaveConference(host.callerLegId, this.room)
      this.#callerInRoom = false
      out = true
      run.log.info({ prompt: TRANSFER_FAILED_PROMPT }, 'telling the caller the transfer failed')
      await host.play(TRANSFER_FAILED_PROMPT, signal)
    } catch (err) {
      if (!signal.aborted) run.log.warn({ err }, 'telling the caller the transfer failed did not work')
    } finally {
      if (out && !signal.aborted && this.#agentLeftAt === undefined) {
        await sw.joinConference(host.callerLegId, this.room)
          .then(() => { this.#callerInRoom = true })
          .catch((err: unknown) => { run.log.error({ err }, 'caller could not rejoin the agent') })
      }
    }
  }
}
