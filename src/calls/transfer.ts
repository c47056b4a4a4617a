// Three-way direct transfer (三方通话直转) with busy fallback (遇忙转接): the hunt and its record.
//
// The agent on a call names a matter; the call's owner (conversation.ts) opens a transfer here,
// which dials the matter's hunt list (hunt.ts) with the hotline's number as caller ID and hands
// back the specialist's answered leg — the owner puts it in the call's room, tells the caller
// when nobody answered and raises the ticket. This module never touches the caller's leg.
//
// Every attempt and the request as a whole are written as a TransferRecord, updated as the
// hunt goes: the record is the single source of the connection rate (接通率). The events
// (`transfer.attempted`, `transfer.connected`, `transfer.failed`, `transfer.cancelled`) carry
// the record as written, for counters and pages.

import { setTimeout as sleep } from 'node:timers/promises'
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { ulid } from 'ulidx'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Directory, Matter } from '../domain/directory.js'
import { HotlineError } from '../errors.js'
import type { Clock } from '../ports/clock.js'
import type { SwitchPort } from '../ports/switch.js'
import type { TicketSink } from '../ports/tickets.js'
import type { TransferStore } from '../ports/transfers.js'
import type { TransferAttempt, TransferRecord } from '../domain/transfer-record.js'
import { type DialStart, type HuntResult, hunt } from './hunt.js'

/** What the caller hears when no number answered (ivr-flows/prompts.yaml). */
export const TRANSFER_FAILED_PROMPT = 'transfer-failed'

/** Where a transfer is in its life; the record's `state` says what it came to. */
export type TransferPhase = 'hunting' | 'joining' | 'talking' | 'telling-caller' | 'over'

const PHASES: Readonly<Record<TransferPhase, readonly TransferPhase[]>> = {
  hunting: ['joining', 'telling-caller', 'over'],
  joining: ['talking', 'over'],
  talking: ['over'],
  'telling-caller': ['over'],
  over: []
}

export interface TransfersDeps {
  switch: SwitchPort
  store: TransferStore
  directory: Directory
  calendar: WorkCalendar
  clock: Clock
  /** Caller ID the department's phone shows: the hotline's number. */
  callerIdNumber: string
  log: Logger
  /** How long the hunt waits for a lost switch connection to come back (default: the number's ring time). */
  switchWaitMs?: number
  /** Written with the call's id on every leg the hunt dials (LegTag). */
  controllerId?: string
}

export interface TransferEvents {
  'transfer.attempted': [attempt: TransferAttempt, record: TransferRecord]
  'transfer.connected': [record: TransferRecord]
  'transfer.failed': [record: TransferRecord]
  'transfer.cancelled': [record: TransferRecord]
}

/** Opens transfers and announces what becomes of them; one per controller. */
export class Transfers extends EventEmitter<TransferEvents> {
  readonly #deps: TransfersDeps
  /** Record writes per transfer, in order; a failed write is logged, never fatal to the call. */
  readonly #writes = new Map<string, Promise<void>>()

  constructor (deps: TransfersDeps) {
    super()
    this.#deps = deps
  }

  /** A new request for `matter` on the call, written as hunting before anything is dialled. */
  async open (call: { callId: string, agentId: string, log: Logger }, matter: Matter): Promise<TransferRun> {
    const { calendar, clock } = this.#deps
    const now = clock.now()
    const record: TransferRecord = {
      id: ulid(now),
      callId: call.callId,
      matterId: matter.id,
      departmentId: matter.departmentId,
      agentId: call.agentId,
      requestedAt: now,
      workingTime: calendar.isWorkingTime(now, matter.departmentId),
      state: 'hunting',
      attempts: []
    }
    const run = new TransferRun(record, matter, call.log.child({ transferId: record.id, matterId: matter.id }), this)
    run.log.info({ departmentId: matter.departmentId, numbers: matter.hunt.length, workingTime: record.workingTime }, 'transfer requested')
    await run.save()
    return run
  }

  /**
   * A transfer another process started, from its record (a call taken over after its
   * controller stopped): `hunting` goes on from the number that was being dialled (`next`),
   * `connected` has its specialist in the room. Undefined for a matter no longer in the directory.
   */
  resume (record: TransferRecord, log: Logger): TransferRun | undefined {
    const matter = this.#deps.directory.matter(record.matterId)
    if (matter === undefined) return undefined
    const run = new TransferRun(structuredClone(record), matter, log.child({ transferId: record.id, matterId: matter.id }), this)
    if (record.state === 'connected') {
      run.phase = 'talking'
    } else {
      // The number being dialled when the controller stopped: the one after the last attempt,
      // or the same one again if the switch lost that attempt.
      const last = record.attempts.at(-1)
      run.from = last === undefined ? 0 : last.outcome === 'lost' ? last.index : last.index + 1
    }
    return run
  }

  /** Waits for the records still being written. */
  async close (): Promise<void> {
    await Promise.allSettled([...this.#writes.values()])
  }

  /** @internal the run's hunt, with the deps it needs. */
  async hunt (run: TransferRun, signal: AbortSignal): Promise<HuntResult> {
    const { directory, switch: sw, clock, callerIdNumber, switchWaitMs } = this.#deps
    return await hunt({ switch: sw, clock, callerIdNumber, isDirectoryNumber: (n) => directory.isDirectoryNumber(n), switchWaitMs }, {
      matterId: run.matter.id,
      departmentId: run.matter.departmentId,
      entries: run.matter.hunt,
      from: run.from,
      signal,
      log: run.log,
      ...(this.#deps.controllerId === undefined ? {} : { tag: { controllerId: this.#deps.controllerId, callId: run.record.callId, role: 'specialist' } }),
      onDialStart: (dial) => { run.ringing = dial },
      onAttempt: async (attempt) => {
        run.ringing = undefined
        run.record.attempts.push(attempt)
        await run.save()
        this.notify(() => this.emit('transfer.attempted', { ...attempt }, structuredClone(run.record)))
      }
    })
  }

  /** @internal queues a write of the record as it is now; resolves once written (or failed). */
  save (run: TransferRun): Promise<void> {
    const snapshot = structuredClone(run.record)
    const previous = this.#writes.get(snapshot.id) ?? Promise.resolve()
    const next = previous
      .then(async () => { await this.#deps.store.putTransfer(snapshot) })
      .catch((err: unknown) => { run.log.error({ err }, 'saving the transfer record failed') })
    this.#writes.set(snapshot.id, next)
    void next.then(() => { if (this.#writes.get(snapshot.id) === next) this.#writes.delete(snapshot.id) })
    return next
  }

  /** @internal emits to the counters; a listener that throws must not stop the call. */
  notify (emit: () => void): void {
    try {
      emit()
    } catch (err) {
      this.#deps.log.error({ err }, 'a transfer event listener failed')
    }
  }

  get clock (): Clock {
    return this.#deps.clock
  }
}

/** One transfer request while it runs: its record, its phase and the number ringing now. */
export class TransferRun {
  phase: TransferPhase = 'hunting'
  ringing: DialStart | undefined
  specialistLeg: string | undefined
  /** Where the hunt starts in the matter's list (past 0 for a hunt taken over part way). */
  from = 0
  readonly abort = new AbortController()

  constructor (
    readonly record: TransferRecord, readonly matter: Matter, readonly log: Logger, readonly transfers: Transfers
  ) {}

  /** The one transition function: impossible moves are errors. */
  move (to: TransferPhase): void {
    if (!PHASES[this.phase].includes(to)) {
      throw new HotlineError('HC_TRANSFER_STATE', `impossible transfer transition ${this.phase} → ${to}`)
    }
    this.phase = to
  }

  async save (): Promise<void> {
    await this.transfers.save(this)
  }

  /** Dials the hunt list; every attempt is recorded as it ends. */
  async hunt (signal: AbortSignal): Promise<HuntResult> {
    try {
      return await this.transfers.hunt(this, AbortSignal.any([signal, this.abort.signal]))
    } finally {
      this.ringing = undefined
    }
  }

  /** A number answered: the specialist's leg joins the room next. */
  async connected (legId: string, attempt: TransferAttempt): Promise<void> {
    this.record.state = 'connected'
    this.record.answeredNumber = attempt.number
    this.record.connectedAt = this.transfers.clock.now()
    this.specialistLeg = legId
    this.move('joining')
    await this.save()
    this.transfers.notify(() => this.transfers.emit('transfer.connected', structuredClone(this.record)))
  }

  /** The specialist's part is over (they hung up, the conversation ended); once only. */
  specialistEnded (why: string): void {
    if (this.phase !== 'joining' && this.phase !== 'talking') return
    this.record.endedAt ??= this.transfers.clock.now()
    this.log.info({ why }, 'specialist leg ended')
    this.move('over')
    void this.save()
  }

  /** No number answered (`all-failed`), or the switch went away (`switch-lost`). */
  async failed (state: 'all-failed' | 'switch-lost', ticketId: string | undefined): Promise<void> {
    this.record.state = state
    this.record.endedAt ??= this.transfers.clock.now()
    if (ticketId !== undefined) this.record.ticketId = ticketId
    await this.save()
    this.transfers.notify(() => this.transfers.emit('transfer.failed', structuredClone(this.record)))
  }

  /** The caller hung up during the hunt (or the call was cut). */
  async cancelled (): Promise<void> {
    this.record.state = 'cancelled'
    this.record.endedAt ??= this.transfers.clock.now()
    const last = this.record.attempts.at(-1)
    if (last?.outcome === 'answered') this.record.answeredNumber = last.number
    this.log.info({ attempts: this.record.attempts.length }, 'transfer cancelled: the caller hung up')
    this.finish()
    await this.save()
    this.transfers.notify(() => this.transfers.emit('transfer.cancelled', structuredClone(this.record)))
  }

  agentLeft (at: number): void {
    if (this.phase === 'over') return
    this.record.agentLeftAt = at
    this.log.info({ phase: this.phase }, 'agent left the transfer')
    void this.save()
  }

  finish (): void {
    if (this.phase !== 'over') this.move('over')
  }
}

/**
 * Pauses between attempts to raise a transfer-failed ticket the store did not take: together
 * about 15 s, longer than a Redis failover, so a failover does not cost the business its call
 * back. A raise is idempotent per call and kind, so a retry never makes a second ticket.
 */
export const TICKET_RETRY_DELAYS_MS: readonly number[] = [1000, 2000, 4000, 8000]

/**
 * The transfer-failed ticket for a hunt nobody answered (or the switch cut short): to the
 * matter's department, with the caller's number to call back. Tried again while the store
 * refuses it (the caller's hangup does not stop it: the ticket is the call back). Undefined if
 * none could be raised: the agent must register one.
 */
export async function raiseTransferTicket (
  deps: { tickets?: TicketSink | undefined, clock: Clock, ticketRetryDelaysMs?: readonly number[] },
  call: { callId: string, callerNumber: string, choices: () => Record<string, string> },
  run: TransferRun,
  state: 'all-failed' | 'switch-lost'
): Promise<string | undefined> {
  const { tickets } = deps
  const { log, matter } = run
  if (tickets === undefined) {
    log.error('no transfer-failed ticket raised: the agent must register one')
    return undefined
  }
  // One request for every attempt: the same instant, so the same due time.
  const request = {
    kind: 'transfer-failed' as const,
    callId: call.callId,
    matterId: matter.id,
    departmentId: matter.departmentId,
    callbackNumber: call.callerNumber,
    choices: call.choices(),
    failure: state === 'switch-lost' ? 'switch-lost' as const : 'no-answer' as const,
    at: deps.clock.now()
  }
  const delays = deps.ticketRetryDelaysMs ?? TICKET_RETRY_DELAYS_MS
  for (let attempt = 0; ; attempt++) {
    try {
      const ticket = await tickets.raise(request)
      log.info({ ticketId: ticket.id, departmentId: matter.departmentId, why: state, attempts: attempt + 1 }, 'transfer-failed ticket raised')
      return ticket.id
    } catch (err) {
      const delay = delays[attempt]
      if (delay === undefined) {
        log.error({ err, attempts: attempt + 1 }, 'raising the transfer-failed ticket failed: the agent must register one')
        return undefined
      }
      log.warn({ err, attempt: attempt + 1, retryInMs: delay }, 'raising the transfer-failed ticket failed; trying again')
      await sleep(delay)
    }
  }
}
