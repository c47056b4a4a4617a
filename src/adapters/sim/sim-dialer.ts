// The scripted far ends' part in a dial (which numbers exist is the world's, sim-world.ts):
// each rings and answers, is busy, rejects, is unreachable, or rings out. A refusal hangs the leg up
// from the far end with its SIP status (FS 05, 09_errors); a ring timeout is the switch giving
// up (FS 06: NO_ANSWER); an answer hands the leg back to the switch to connect.

import type { EndpointBehaviour, HangupSide, ModelEvent, SimChannel } from './model-types.js'
import type { SimCause } from './sim-causes.js'

/** FreeSWITCH's default `originate_timeout` (60 s). */
const DEFAULT_RING_TIMEOUT_MS = 60_000
const DEFAULT_REFUSE_AFTER_MS = 20

/** Failed dials: the cause and the SIP final response the far end sent (FS 05, 09_errors). */
const REFUSALS = {
  busy: { cause: 'USER_BUSY', sip: 486 },
  reject: { cause: 'CALL_REJECTED', sip: 603 },
  unreachable: { cause: 'NORMAL_TEMPORARY_FAILURE', sip: 503 },
  unallocated: { cause: 'UNALLOCATED_NUMBER', sip: 404 }
} as const satisfies Record<string, { cause: SimCause, sip: number }>

/** The leg being dialled, as the switch lets the dialer act on it. */
export interface DialLeg {
  readonly channel: SimChannel
  isLive(): boolean
  emit(event: ModelEvent): void
  /** Runs `fn` after `ms` (next turn when undefined) unless the leg ends first; returns a cancel function. */
  schedule(ms: number | undefined, fn: () => void): () => void
  hangup(cause: SimCause, side: HangupSide, refusedWith?: number): void
  /** The far end answered: the switch answers the leg, reports the dial's success and parks it. */
  connect(): void
}

export class SimDialer {
  readonly #scaled: (ms: number) => number

  /** `scaled` turns script time into the switch's time. */
  constructor (scaled: (ms: number) => number) {
    this.#scaled = scaled
  }

  /**
   * Plays a far end's part on a leg that is ringing out. `behaviour` is the one the number had
   * when the dial started; `timeoutMs` is the ring timeout in script time (default 60 s).
   */
  dial (leg: DialLeg, behaviour: EndpointBehaviour | undefined, timeoutMs: number | undefined): void {
    if (behaviour === undefined || behaviour.kind === 'busy' || behaviour.kind === 'reject' || behaviour.kind === 'unreachable') {
      const refusal = REFUSALS[behaviour?.kind ?? 'unallocated']
      const afterMs = behaviour?.afterMs ?? DEFAULT_REFUSE_AFTER_MS
      leg.schedule(this.#scaled(afterMs), () => {
        leg.hangup(refusal.cause, 'remote', refusal.sip)
      })
      return
    }
    // FreeSWITCH counts originate_timeout from the start of the dial.
    const cancelRing = leg.schedule(this.#scaled(timeoutMs ?? DEFAULT_RING_TIMEOUT_MS), () => {
      leg.hangup('NO_ANSWER', 'switch')
    })
    // 180 Ringing arrives after the INVITE went out, never in the same turn.
    leg.schedule(undefined, () => {
      leg.emit({ type: 'channel-ringing', channel: leg.channel })
      if (behaviour.kind !== 'answer' || !leg.isLive()) return
      leg.schedule(this.#scaled(behaviour.afterMs), () => {
        cancelRing()
        leg.connect()
        const { hangupAfterMs } = behaviour
        if (hangupAfterMs !== undefined) {
          leg.schedule(this.#scaled(hangupAfterMs), () => { leg.hangup('NORMAL_CLEARING', 'remote') })
        }
      })
    })
  }
}
