// Dials over ARI: `POST /channels` (originate) with `app` = our Stasis app, `appArgs` = `dialed`,
// `callerId`, `timeout` in seconds and a `channelId` we choose — so every event about the leg
// can be matched, whether it arrives before or after the originate's HTTP reply, and a ringing
// leg can be cancelled with `DELETE /channels/{id}`.
//
// What real Asterisk 22.10.1 did (test/fixtures/captures/asterisk-22.10.1/):
//  - answered (04): 200 (state Down), Dial "" → RINGING → ANSWER, ChannelStateChange Up, then
//    StasisStart with args ["dialed"]: the leg is ours to bridge once it is in Stasis;
//  - busy (05): ChannelHangupRequest 17, sometimes a Dial BUSY, ChannelDestroyed 17 "User busy";
//  - no answer (06): ChannelDestroyed 19 "User alerting, no answer" at the timeout, with NO
//    final Dial event — so the outcome is read from ChannelDestroyed.cause (causes.ts), and the
//    last dialstatus is only a hint when the cause says nothing specific;
//  - unknown endpoint (10): 500 `{"error":"Allocation failed"}` and no channel → unreachable;
//  - a far end that never answers the INVITE: chan_pjsip's 408 → 18 "No user responding" with
//    no ringing before it → unreachable (causes.ts `unansweredOutcome`).
//
// Every dial ends: if Asterisk's final event never comes (lost while the events socket was
// down and the reclaim after it could not tell), the leg is hung up and the dial ends
// `no-answer` a request timeout after the ring timeout.

import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { abortError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type { DialOutcome, DialRequest, HangupReason } from '../../ports/switch.js'
import { AriReplyError, type AriRest, isGone } from './ari-rest.js'
import { HANGUP_REASONS, unansweredOutcome } from './causes.js'
import { fillDialTemplate as buildEndpoint } from '../dial-target.js'
import type { LegTracker } from './leg-tracker.js'

/** StasisStart args of the legs we originate; anything else entering the app is not a dial of ours. */
export const DIALED_ARG = 'dialed'

export interface DialerDeps {
  tracker: LegTracker
  connected: () => AriRest
  app: string
  endpointTemplate: string
  agentEndpointTemplate: string
  requestTimeoutMs: number
  clock: Clock
  log: Logger
}

export class AriDialer {
  readonly #deps: DialerDeps

  constructor (deps: DialerDeps) {
    this.#deps = deps
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    const { tracker, clock, log, requestTimeoutMs } = this.#deps
    const template = request.target.trunk === 'agent' ? this.#deps.agentEndpointTemplate : this.#deps.endpointTemplate
    const endpoint = buildEndpoint(template, request.target)
    const { signal } = request
    if (signal?.aborted === true) throw abortError(signal)
    const rest = this.#deps.connected()
    const legId = randomUUID()
    // ARI's originate timeout is whole seconds.
    const timeoutSec = Math.max(1, Math.ceil(request.ringTimeoutMs / 1000))
    const started = clock.now()
    tracker.track(legId, 'dialed')

    return await new Promise<DialOutcome>((resolve, reject) => {
      let settled = false
      let created = false
      let cancelled = false
      let answerSeen = false
      let rang = false
      let lastStatus: string | undefined
      const timers: NodeJS.Timeout[] = []
      const ringMs = (): number => clock.now() - started
      const later = (ms: number, fn: () => void): void => { timers.push(setTimeout(fn, ms)) }

      const finish = (result: DialOutcome | Error): void => {
        if (settled) return
        settled = true
        for (const timer of timers) clearTimeout(timer)
        unwatch()
        signal?.removeEventListener('abort', onAbort)
        if (result instanceof Error) {
          tracker.drop(legId)
          reject(result)
          return
        }
        if (result.kind !== 'answered') tracker.drop(legId)
        resolve(result)
      }
      const cancelledOutcome = (): DialOutcome => ({ kind: 'cancelled', ringMs: ringMs(), cause: { text: 'cancelled by the controller' } })

      const hangUp = async (reason: HangupReason, why: string): Promise<void> => {
        const { reason: ariReason, q850 } = HANGUP_REASONS[reason]
        tracker.hangingUpBySwitch(legId, q850)
        try {
          await rest.hangup(legId, ariReason)
        } catch (err) {
          if (!isGone(err)) log.warn({ err, legId }, why)
        }
      }
      /** Hang the leg up; the dial ends when its end is heard, or a request timeout later. */
      const cancelNow = (): void => {
        void hangUp('normal', 'cancelling a dial failed').finally(() => {
          later(requestTimeoutMs, () => { finish(cancelledOutcome()) })
        })
      }
      const answered = (): void => {
        if (settled) return
        if (cancelled) {
          cancelNow()
          return
        }
        finish({ kind: 'answered', legId, ringMs: ringMs() })
      }
      const answerSeenNow = (): void => {
        if (answerSeen) return
        answerSeen = true
        // StasisStart follows the answer at once (captures 04); if it is lost, the leg is
        // answered all the same.
        later(requestTimeoutMs, answered)
      }

      const unwatch = tracker.watch(legId, {
        stasisStarted: answered,
        up: answerSeenNow,
        ringing: () => { rang = true },
        dialStatus: (status) => {
          lastStatus = status
          if (status === 'RINGING' || status === 'PROGRESS') rang = true
          if (status === 'ANSWER') answerSeenNow()
        },
        ended: (end) => {
          finish({
            kind: cancelled ? 'cancelled' : unansweredOutcome(end.vendor.q850, lastStatus, rang),
            ringMs: ringMs(),
            cause: end.vendor
          })
        }
        // No `lost`: a dial survives a dropped events socket; the reclaim after the reconnect
        // ends it if its leg is gone, and the deadline below ends it in any case.
      })

      const onAbort = (): void => {
        if (settled || cancelled) return
        cancelled = true
        // Before the originate's reply the channel may not exist yet: hang up once it does.
        if (created) cancelNow()
      }
      signal?.addEventListener('abort', onAbort, { once: true })

      later(timeoutSec * 1000 + requestTimeoutMs, () => {
        if (answerSeen || cancelled) return
        void hangUp('no-answer', 'hanging up a dial past its ring timeout failed')
        finish({ kind: 'no-answer', ringMs: ringMs(), cause: { text: 'no final event from Asterisk after the ring timeout' } })
      })

      rest.originate({
        endpoint, app: this.#deps.app, appArgs: DIALED_ARG, callerId: request.callerIdNumber, timeout: timeoutSec, channelId: legId
      }).then(() => {
        created = true
        if (cancelled && !settled) cancelNow()
      }, (err: unknown) => {
        if (settled) return
        if (cancelled) {
          finish(cancelledOutcome())
        } else if (err instanceof AriReplyError) {
          // Asterisk refused to create the channel: 500 {"error":"Allocation failed"} for an
          // endpoint it cannot reach (captures 10); anything else is a failed dial.
          finish({
            kind: err.reply === 'Allocation failed' ? 'unreachable' : 'failed',
            ringMs: ringMs(),
            cause: { text: err.reply }
          })
        } else {
          // No reply in time: the channel may exist; it must not ring on with nobody waiting.
          void hangUp('normal', 'hanging up a dial whose originate got no reply failed')
          finish(err as Error)
        }
      })
    })
  }
}
