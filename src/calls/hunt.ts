// The hunt behind busy transfer (遇忙转接): dial a matter's numbers one after another, in the
// directory's order, each with its own ring timeout, until one answers. Busy, no answer,
// rejected, unreachable and failed all move on to the next number at once (report 2023-03:
// "遇忙转接", forward to another line when busy); the caller hanging up cancels the dial in
// progress and ends the hunt.
//
// Security: the numbers come from the directory's hunt list and nowhere else, and each one is
// checked again against the directory just before it is dialled: nothing a caller keys or an
// API body carries can reach a dial string (directory.ts).

import type { Logger } from 'pino'
import type { HuntEntry } from '../domain/directory.js'
import { isHotlineError } from '../errors.js'
import type { Clock } from '../ports/clock.js'
import type { DialOutcome, SwitchPort } from '../ports/switch.js'
import type { TransferAttempt } from '../ports/transfers.js'

export interface HuntDeps {
  switch: SwitchPort
  clock: Clock
  /** Caller ID the department's phone shows: the hotline's number, never the caller's. */
  callerIdNumber: string
  /** The dial-time safety check (Directory.isDirectoryNumber). */
  isDirectoryNumber: (number: string) => boolean
}

/** A dial that has started and not ended yet: what the agent sees as "ringing". */
export interface DialStart {
  index: number
  number: string
  label?: string
  startedAt: number
  ringTimeoutMs: number
}

export interface HuntRequest {
  matterId: string
  departmentId: string
  /** The matter's hunt list, in order. */
  entries: readonly HuntEntry[]
  /** Aborted when the caller hangs up (or the transfer is dropped): the dial in progress is cancelled. */
  signal: AbortSignal
  log: Logger
  /** Told as each dial starts. */
  onDialStart?: (dial: DialStart) => void
  /** Told of each dial's end, in order (awaited: the record is written before the next dial). */
  onAttempt: (attempt: TransferAttempt) => Promise<void> | void
}

export type HuntResult =
  /** A number answered: its leg is up and parked, ready to join the call's room. */
  | { kind: 'answered', legId: string, attempt: TransferAttempt }
  /** Every number was tried and none answered. */
  | { kind: 'all-failed' }
  /**
   * The hunt was aborted (the caller hung up): the dial in progress is recorded `cancelled`,
   * or `answered` when the number picked up as the caller went (its leg is hung up).
   */
  | { kind: 'cancelled' }

/** Dials `request.entries` in order; never throws for a failed dial (a switch error is `failed`). */
export async function hunt (deps: HuntDeps, request: HuntRequest): Promise<HuntResult> {
  const { clock } = deps
  const { signal, log } = request
  for (const [index, entry] of request.entries.entries()) {
    if (signal.aborted) return { kind: 'cancelled' }
    const startedAt = clock.now()
    const base = { number: entry.number, matterId: request.matterId, departmentId: request.departmentId, index, startedAt }
    if (!deps.isDirectoryNumber(entry.number)) {
      // Unreachable with a hunt list taken from the directory; kept so that a number from
      // anywhere else is refused here rather than dialled.
      log.error({ index }, 'hunt entry is not a directory number: not dialled')
      await request.onAttempt({ ...base, ringMs: 0, outcome: 'failed', cause: 'not a directory number' })
      continue
    }
    const ringTimeoutMs = entry.ringTimeoutSec * 1000
    request.onDialStart?.({ index, number: entry.number, label: entry.label, startedAt, ringTimeoutMs })
    log.info({ index, number: entry.number, ringTimeoutMs }, 'transfer: dialling')
    const outcome = await dialOnce(deps, entry.number, ringTimeoutMs, signal)
    if (outcome.kind === 'answered' && signal.aborted) {
      // Answered in the same moment the caller hung up: nobody to put them through to. The
      // number did answer, and the record says so (the department did its part).
      await deps.switch.hangup(outcome.legId, 'normal').catch((err: unknown) => { log.warn({ err }, 'hanging up a late answer failed') })
      await request.onAttempt({ ...base, ringMs: outcome.ringMs, outcome: 'answered', cause: 'the caller hung up as the number answered' })
      return { kind: 'cancelled' }
    }
    if (outcome.kind === 'answered') {
      const attempt: TransferAttempt = { ...base, ringMs: outcome.ringMs, outcome: 'answered' }
      log.info({ index, number: entry.number, ringMs: outcome.ringMs }, 'transfer: answered')
      await request.onAttempt(attempt)
      return { kind: 'answered', legId: outcome.legId, attempt }
    }
    // A dial that ended any other way while the caller was hanging up was cut by the hangup.
    const kind = signal.aborted ? 'cancelled' : outcome.kind
    log.info({ index, number: entry.number, outcome: kind, switchCause: outcome.cause.text }, 'transfer: not answered')
    await request.onAttempt({ ...base, ringMs: outcome.ringMs, outcome: kind, cause: outcome.cause.text })
    if (kind === 'cancelled') return { kind: 'cancelled' }
  }
  return signal.aborted ? { kind: 'cancelled' } : { kind: 'all-failed' }
}

/** One dial; an error from the switch (not connected, command refused) is a failed attempt. */
async function dialOnce (deps: HuntDeps, number: string, ringTimeoutMs: number, signal: AbortSignal): Promise<DialOutcome> {
  const started = deps.clock.now()
  try {
    return await deps.switch.dial({
      target: { number, trunk: 'department' },
      callerIdNumber: deps.callerIdNumber,
      ringTimeoutMs,
      signal
    })
  } catch (err) {
    const ringMs = deps.clock.now() - started
    if (signal.aborted) return { kind: 'cancelled', ringMs, cause: { text: 'cancelled by the controller' } }
    return { kind: 'failed', ringMs, cause: { text: isHotlineError(err) ? err.code : 'dial error' } }
  }
}
