// The hunt behind busy transfer (遇忙转接): dial a matter's numbers one after another, in the
// directory's order, each with its own ring timeout, until one answers. Busy, no answer,
// rejected, unreachable and failed all move on to the next number at once (report 2023-03:
// "遇忙转接", forward to another line when busy); the caller hanging up cancels the dial in
// progress and ends the hunt.
//
// A switch blip is not the department's doing: while the switch connection is down the hunt
// waits for it (bounded: the number's ring time, or `switchWaitMs`) instead of failing the
// next number at once, and a dial the switch lost (`lost`: shut down, connection dropped) is
// recorded as such and the same number dialled again once the switch is back. A hunt the
// switch does not come back for ends `switch-lost`, never "nobody answered".
//
// Security: the numbers come from the directory's hunt list and nowhere else, and each one is
// checked again against the directory just before it is dialled: nothing a caller keys or an
// API body carries can reach a dial string (directory.ts).

import type { Logger } from 'pino'
import type { HuntEntry } from '../domain/directory.js'
import { isHotlineError } from '../errors.js'
import type { Clock } from '../ports/clock.js'
import type { DialOutcome, LegTag, SwitchPort } from '../ports/switch.js'
import type { TransferAttempt } from '../domain/transfer-record.js'

export interface HuntDeps {
  switch: SwitchPort
  clock: Clock
  /** Caller ID the department's phone shows: the hotline's number, never the caller's. */
  callerIdNumber: string
  /** The dial-time safety check (Directory.isDirectoryNumber). */
  isDirectoryNumber: (number: string) => boolean
  /** How long to wait for a lost switch connection before giving the hunt up; default: the number's ring time. */
  switchWaitMs?: number | undefined
}

/** A number whose dial the switch lost is dialled again at most this many times. */
const LOST_RETRIES = 2

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
  /** The index to start at (a hunt taken over part way); the numbers before it were tried. */
  from?: number
  /** Aborted when the caller hangs up (or the transfer is dropped): the dial in progress is cancelled. */
  signal: AbortSignal
  log: Logger
  /** Written on every leg it dials (LegTag). */
  tag?: LegTag
  /** Told as each dial starts. */
  onDialStart?: (dial: DialStart) => void
  /** Told of each dial's end, in order (awaited: the record is written before the next dial). */
  onAttempt: (attempt: TransferAttempt) => Promise<void> | void
}

export type HuntResult =
  /** A number answered: its leg is up and parked, ready to join the call's room. */
  | { kind: 'answered', legId: string, attempt: TransferAttempt }
  /** Every number was tried and none answered (a number the switch lost every dial of was not tried). */
  | { kind: 'all-failed' }
  /** The switch went away and did not come back in time: the hunt could not finish. */
  | { kind: 'switch-lost' }
  /**
   * The hunt was aborted (the caller hung up): the dial in progress is recorded `cancelled`,
   * or `answered` when the number picked up as the caller went (its leg is hung up).
   */
  | { kind: 'cancelled' }

/** Dials `request.entries` in order; never throws for a failed dial (a switch error is `failed`). */
export async function hunt (deps: HuntDeps, request: HuntRequest): Promise<HuntResult> {
  const { clock } = deps
  const { signal, log } = request
  // A number whose every dial the switch lost was never really tried.
  let untried = 0
  for (const [index, entry] of request.entries.entries()) {
    if (index < (request.from ?? 0)) continue
    const ringTimeoutMs = entry.ringTimeoutSec * 1000
    for (let tries = 0; ; tries++) {
      if (signal.aborted) return { kind: 'cancelled' }
      if (!await switchUp(deps, deps.switchWaitMs ?? ringTimeoutMs, signal)) {
        if (signal.aborted) return { kind: 'cancelled' }
        log.warn({ index, number: entry.number }, 'transfer: the switch did not come back; the hunt cannot finish')
        return { kind: 'switch-lost' }
      }
      const startedAt = clock.now()
      const base = { number: entry.number, matterId: request.matterId, departmentId: request.departmentId, index, startedAt }
      if (!deps.isDirectoryNumber(entry.number)) {
        // Unreachable with a hunt list taken from the directory; kept so that a number from
        // anywhere else is refused here rather than dialled.
        log.error({ index }, 'hunt entry is not a directory number: not dialled')
        await request.onAttempt({ ...base, ringMs: 0, outcome: 'failed', cause: 'not a directory number' })
        break
      }
      request.onDialStart?.({ index, number: entry.number, label: entry.label, startedAt, ringTimeoutMs })
      log.info({ index, number: entry.number, ringTimeoutMs }, 'transfer: dialling')
      const outcome = await dialOnce(deps, entry.number, ringTimeoutMs, signal, request.tag)
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
      // The switch lost the dial, not the department: the same number again once it is back.
      if (kind !== 'lost') break
      if (tries >= LOST_RETRIES) {
        untried++
        break
      }
    }
  }
  if (signal.aborted) return { kind: 'cancelled' }
  // "Nobody answered" only when every number rang out on its own: the department's failure.
  if (untried > 0) {
    log.warn({ untried }, 'transfer: the switch lost every dial of some numbers; the hunt could not finish')
    return { kind: 'switch-lost' }
  }
  return { kind: 'all-failed' }
}

/** True once the switch is connected (at once if it is); false if it is not within `waitMs`. */
async function switchUp (deps: HuntDeps, waitMs: number, signal: AbortSignal): Promise<boolean> {
  const sw = deps.switch
  if (sw.status().state === 'ready') return true
  return await new Promise<boolean>((resolve) => {
    const done = (up: boolean): void => {
      clearTimeout(timer)
      stop()
      signal.removeEventListener('abort', onAbort)
      resolve(up)
    }
    const onAbort = (): void => { done(false) }
    const stop = sw.onStatus((status) => { if (status.state === 'ready') done(true) })
    const timer = setTimeout(() => { done(sw.status().state === 'ready') }, waitMs)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** One dial; an error from the switch (not connected, command refused) is a failed attempt. */
async function dialOnce (deps: HuntDeps, number: string, ringTimeoutMs: number, signal: AbortSignal, tag?: LegTag): Promise<DialOutcome> {
  const started = deps.clock.now()
  try {
    return await deps.switch.dial({
      target: { number, trunk: 'department' },
      callerIdNumber: deps.callerIdNumber,
      ringTimeoutMs,
      signal,
      ...(tag === undefined ? {} : { tag })
    })
  } catch (err) {
    const ringMs = deps.clock.now() - started
    if (signal.aborted) return { kind: 'cancelled', ringMs, cause: { text: 'cancelled by the controller' } }
    // The connection dropped under the dial (or was down): the switch's doing, not the number's.
    if (isHotlineError(err, 'HC_SWITCH_NOT_CONNECTED')) return { kind: 'lost', ringMs, cause: { text: err.code } }
    return { kind: 'failed', ringMs, cause: { text: isHotlineError(err) ? err.code : 'dial error' } }
  }
}
