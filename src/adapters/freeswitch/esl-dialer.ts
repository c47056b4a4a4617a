// Dials over the Event Socket: `bgapi originate {origination_uuid=<ours>,…}<dial string> &park()`
// with a `Job-UUID` of ours. The leg's uuid and the job's id are ours, so the dial can be
// followed on any connection: FreeSWITCH runs a bgapi job in a thread of its own and fires its
// BACKGROUND_JOB as an ordinary event (mod_event_socket api_exec: switch_event_fire), delivered
// to every connection subscribed to it — the one that asked may be gone by then.
//
// What ends a dial:
//  - its BACKGROUND_JOB: `+OK <uuid>` answered, `-ERR <CAUSE>` the cause's outcome (causes.ts;
//    SYSTEM_SHUTDOWN, MANAGER_REQUEST, CRASH: `lost`). Captures 04–06, 12_transfer_hunt;
//  - once the connection it was sent on has dropped (events may have been missed): the leg's own
//    events on the new connection (CHANNEL_ANSWER / CHANNEL_PARK answered, CHANNEL_HANGUP_COMPLETE
//    its cause), and after the reconnect what FreeSWITCH says of the leg — `uuid_exists` false:
//    gone with no known outcome, `lost`; answered (`uuid_getvar` endpoint_disposition ANSWER, set
//    by switch_channel_perform_mark_answered, or current_application park: its `&park()` runs only
//    after the answer): `answered`; otherwise it still rings and the dial waits;
//  - its deadline, the ring timeout plus a request timeout: the leg is hung up (now, or as soon
//    as the socket is back) and the dial ends `no-answer` if we heard it all along, `lost` if
//    the connection dropped meanwhile (its outcome may have gone with it);
//  - the caller's abort: `uuid_kill <uuid> ORIGINATOR_CANCEL` (at once, or after the reconnect),
//    `cancelled`.
// A dial never fails because the connection dropped: FreeSWITCH keeps the originate running
// (the ring is not the number's fault, and the far end must not be left ringing or answered
// with nobody controlling it).

import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { HotlineError, abortError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type { DialOutcome, DialRequest, VendorCause } from '../../ports/switch.js'
import { fillDialTemplate as buildDialString } from '../dial-target.js'
import { dialOutcomeOf, q850Of } from './causes.js'
import type { EslClient } from './esl-client.js'
import { tagVariables } from './esl-inventory.js'
import type { LegRegistry } from './leg-registry.js'

export interface EslDialerDeps {
  /** The live client; throws HC_SWITCH_NOT_CONNECTED without one. */
  connected: () => EslClient
  legs: LegRegistry
  /** uuid_kill now, or once the event socket is back. */
  kill: (legId: string, cause: string) => void
  /** A dial ended SYSTEM_SHUTDOWN: FreeSWITCH is shutting down (told before the dial's outcome). */
  shuttingDown: () => void
  dialTemplate: string
  agentDialTemplate: string
  requestTimeoutMs: number
  clock: Clock
  log: Logger
}

interface Dial {
  readonly legId: string
  readonly jobId: string
  /** The connection it was sent on dropped: its job or its events may have been missed. */
  orphaned: boolean
  cancelled: boolean
  finish: (result: DialOutcome | Error) => void
  ringMs: () => number
}

/** How often a cancel is sent again while the job has not reported it. */
const CANCEL_AGAIN_MS = 250
const CANCELLED: VendorCause = { text: 'ORIGINATOR_CANCEL', q850: 487 }

function vendor (cause: string): VendorCause {
  const q850 = q850Of(cause)
  return q850 === undefined ? { text: cause } : { text: cause, q850 }
}

export class EslDialer {
  readonly #deps: EslDialerDeps
  readonly #dials = new Map<string, Dial>()
  readonly #jobs = new Map<string, Dial>()

  constructor (deps: EslDialerDeps) {
    this.#deps = deps
  }

  /** A dial on this leg is in flight. */
  has (legId: string): boolean {
    return this.#dials.has(legId)
  }

  get size (): number {
    return this.#dials.size
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    const { signal } = request
    if (signal?.aborted === true) throw abortError(signal)
    const { legs, clock, requestTimeoutMs, log } = this.#deps
    const client = this.#deps.connected()
    const legId = randomUUID()
    const jobId = randomUUID()
    const template = request.target.trunk === 'agent' ? this.#deps.agentDialTemplate : this.#deps.dialTemplate
    const dialString = buildDialString(template, request.target)
    const timeoutSec = Math.max(1, Math.ceil(request.ringTimeoutMs / 1000))
    const vars = [
      `origination_uuid=${legId}`,
      `originate_timeout=${timeoutSec}`,
      `origination_caller_id_number=${request.callerIdNumber}`,
      `origination_caller_id_name=${request.callerIdNumber}`,
      'ignore_early_media=true',
      ...(request.tag === undefined ? [] : tagVariables(request.tag))
    ].join(',')
    const started = clock.now()
    legs.track(legId)

    return await new Promise<DialOutcome>((resolve, reject) => {
      let settled = false
      const dial: Dial = {
        legId,
        jobId,
        orphaned: false,
        cancelled: false,
        ringMs: () => clock.now() - started,
        finish: (result) => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          clearInterval(cancelling)
          signal?.removeEventListener('abort', onAbort)
          this.#dials.delete(legId)
          this.#jobs.delete(jobId)
          if (result instanceof Error) {
            legs.drop(legId, 'dial failed')
            reject(result)
            return
          }
          if (result.kind !== 'answered') legs.drop(legId, result.cause.text)
          resolve(result)
        }
      }
      this.#dials.set(legId, dial)
      this.#jobs.set(jobId, dial)

      let cancelling: NodeJS.Timeout | undefined
      const onAbort = (): void => {
        if (settled || dial.cancelled) return
        dial.cancelled = true
        this.#deps.kill(legId, 'ORIGINATOR_CANCEL')
        // Heard all along: the job reports the cancel. Otherwise its report may never come.
        if (dial.orphaned) {
          dial.finish({ kind: 'cancelled', ringMs: dial.ringMs(), cause: CANCELLED })
          return
        }
        // The originate runs in a thread of its own: a kill that reached FreeSWITCH before the
        // leg existed (`-ERR No such channel!`) is sent again until the job reports.
        cancelling = setInterval(() => { this.#deps.kill(legId, 'ORIGINATOR_CANCEL') }, CANCEL_AGAIN_MS)
      }
      signal?.addEventListener('abort', onAbort, { once: true })

      // FreeSWITCH gives up 0.5 s before originate_timeout (captures 06, 12); its clock ticks in
      // whole seconds, and the job's event follows at once: a request timeout is margin enough.
      const deadline = setTimeout(() => {
        if (settled) return
        this.#deps.kill(legId, 'NO_ANSWER')
        dial.finish(dial.orphaned
          ? { kind: 'lost', ringMs: dial.ringMs(), cause: { text: 'no outcome from FreeSWITCH: the event socket dropped during the dial' } }
          : { kind: 'no-answer', ringMs: dial.ringMs(), cause: { text: 'no outcome from FreeSWITCH after the ring timeout' } })
      }, timeoutSec * 1000 + requestTimeoutMs)

      client.command(`bgapi originate {${vars}}${dialString} &park()`, { 'Job-UUID': jobId }).then((reply) => {
        if (!reply.startsWith('+OK')) {
          dial.finish(new HotlineError('HC_SWITCH_COMMAND', `bgapi refused: ${reply}`, { switchCause: reply }))
        }
      }, (err: unknown) => {
        // No reply: the connection dropped (a reply that misses its deadline drops it too).
        // FreeSWITCH may be running the originate: the dial waits for the reconnect.
        dial.orphaned = true
        log.warn({ err, legId }, 'the event socket dropped as a dial was sent; following it by its uuid')
      })
    })
  }

  /** BACKGROUND_JOB, on whichever connection it came. */
  onJob (jobId: string, body: string): void {
    const dial = this.#jobs.get(jobId)
    if (dial === undefined) return
    const line = body.trim()
    if (line.startsWith('+OK')) {
      this.#answered(dial)
      return
    }
    const cause = line.replace(/^-ERR\s*/, '') || 'UNKNOWN'
    if (cause === 'SYSTEM_SHUTDOWN') this.#deps.shuttingDown()
    dial.finish({ kind: dial.cancelled ? 'cancelled' : dialOutcomeOf(cause), ringMs: dial.ringMs(), cause: vendor(cause) })
  }

  /** CHANNEL_ANSWER or CHANNEL_PARK of a dialled leg (its `&park()` runs once answered). */
  onAnswered (legId: string): void {
    const dial = this.#dials.get(legId)
    // Heard all along, the job reports it (captures 04: ANSWER, BACKGROUND_JOB, PARK).
    if (dial?.orphaned === true) this.#answered(dial)
  }

  /** CHANNEL_HANGUP_COMPLETE of a dialled leg. */
  onHangup (legId: string, cause: string): void {
    const dial = this.#dials.get(legId)
    // Heard all along, the job reports it (captures 05: HANGUP_COMPLETE, then BACKGROUND_JOB).
    if (dial?.orphaned !== true) return
    dial.finish({ kind: dial.cancelled ? 'cancelled' : dialOutcomeOf(cause), ringMs: dial.ringMs(), cause: vendor(cause) })
  }

  /** The event socket dropped: every dial in flight may miss its job or its events. */
  disconnected (): void {
    for (const dial of this.#dials.values()) dial.orphaned = true
  }

  /**
   * Subscribed again on a new connection: each dial that may have missed its outcome asks
   * FreeSWITCH about its leg. `restarted`: FreeSWITCH started again meanwhile — no channel of
   * before exists.
   */
  async reconnected (client: EslClient, restarted: boolean): Promise<void> {
    for (const dial of [...this.#dials.values()]) {
      if (!dial.orphaned) continue
      if (restarted) {
        dial.finish({ kind: 'lost', ringMs: dial.ringMs(), cause: { text: 'FreeSWITCH restarted during the dial' } })
        continue
      }
      try {
        const exists = (await client.api(`uuid_exists ${dial.legId}`)).trim()
        if (exists === 'false') {
          dial.finish({ kind: 'lost', ringMs: dial.ringMs(), cause: { text: 'the leg ended while the event socket was down' } })
        } else if (exists === 'true' && await this.#answeredNow(client, dial.legId)) {
          this.#answered(dial)
        }
        // Still ringing: its events and its job come on this connection; the deadline holds.
      } catch (err) {
        // The new connection dropped too: the next reconnect asks again.
        this.#deps.log.warn({ err, legId: dial.legId }, 'asking FreeSWITCH about a dial failed')
        return
      }
    }
  }

  /** The adapter closes: nothing will be heard of the dials in flight any more. */
  closeAll (why: string): void {
    for (const dial of [...this.#dials.values()]) {
      this.#deps.kill(dial.legId, 'NORMAL_CLEARING')
      dial.finish({ kind: 'lost', ringMs: dial.ringMs(), cause: { text: why } })
    }
  }

  #answered (dial: Dial): void {
    if (dial.cancelled) {
      // Answered as it was cancelled: nobody wants the leg.
      this.#deps.kill(dial.legId, 'NORMAL_CLEARING')
      dial.finish({ kind: 'cancelled', ringMs: dial.ringMs(), cause: CANCELLED })
      return
    }
    dial.finish({ kind: 'answered', legId: dial.legId, ringMs: dial.ringMs() })
  }

  /** mod_commands `uuid_getvar` answers `_undef_` for a variable the channel does not have. */
  async #answeredNow (client: EslClient, legId: string): Promise<boolean> {
    if ((await client.api(`uuid_getvar ${legId} endpoint_disposition`)).trim() === 'ANSWER') return true
    return (await client.api(`uuid_getvar ${legId} current_application`)).trim() === 'park'
  }
}
