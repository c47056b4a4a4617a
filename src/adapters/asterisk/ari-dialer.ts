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
// The switch going away is `lost`, never the number's doing: a leg whose ChannelHangupRequest
// was soft 4 (shutdown; capture 14: then Dial NOANSWER and ChannelDestroyed 0 "Unknown" — not
// a no-answer), a 503 "Asterisk not booted", a 500 "Allocation failed" while Asterisk shuts
// down (14: "Refusing due to active shutdown"; told from an unknown endpoint by the shutdown's
// soft hangups, which reach the app at the same moment, or the events socket dropping), a leg
// found gone after the events socket came back (its outcome went with the socket).
//
// A dial survives a dropped events socket: the reclaim after the reconnect asks Asterisk about
// its leg (ari-connection.ts, asterisk-switch.ts). A leg that answers while no socket is
// connected cannot enter the inactive Stasis app: Asterisk hangs it up (resource_channels.c
// ari_originate_dial → Stasis fails "not active"), and the dial ends `lost`: the hunt dials the
// number again (docs/asterisk.md).
//
// Every dial ends: if Asterisk's final event never comes, the leg is hung up and the dial ends
// a request timeout after the ring timeout — `no-answer` if it was heard ringing all along,
// `lost` if the socket dropped meanwhile or Asterisk never confirmed the leg.

import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { abortError, isHotlineError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type { DialOutcome, DialRequest, HangupReason } from '../../ports/switch.js'
import { AriReplyError, type AriRest, isGone } from './ari-rest.js'
import { ALLOCATION_FAILED, HANGUP_REASONS, NOT_BOOTED, unansweredOutcome } from './causes.js'
import { fillDialTemplate as buildEndpoint } from '../dial-target.js'
import { tagVariables } from './ari-inventory.js'
import type { LegTracker } from './leg-tracker.js'

/** StasisStart args of the legs we originate; anything else entering the app is not a dial of ours. */
export const DIALED_ARG = 'dialed'

/**
 * How long an originate refused with "Allocation failed" waits for a sign that Asterisk is
 * shutting down (its soft hangups and its refusal race each other to the controller).
 */
export const ALLOCATION_GRACE_MS = 250

export interface DialerDeps {
  tracker: LegTracker
  connected: () => AriRest
  app: string
  endpointTemplate: string
  agentEndpointTemplate: string
  requestTimeoutMs: number
  clock: Clock
  log: Logger
  /** Resolves true if Asterisk is going away, or turns out to be within `graceMs`. */
  goingAway: (graceMs: number) => Promise<boolean>
}

export class AriDialer {
  readonly #deps: DialerDeps
  /** Legs of dials not ended yet: the dial follows them, not the inventory. */
  readonly #inFlight = new Set<string>()

  constructor (deps: DialerDeps) {
    this.#deps = deps
  }

  has (legId: string): boolean {
    return this.#inFlight.has(legId)
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
    this.#inFlight.add(legId)

    return await new Promise<DialOutcome>((resolve, reject) => {
      let settled = false
      let created = false
      let cancelled = false
      let answerSeen = false
      let rang = false
      /** Asterisk confirmed the leg (the originate's reply, or any event of it). */
      let heard = false
      /** The events socket dropped during the dial: its outcome may have gone with it. */
      let disconnected = false
      let lastStatus: string | undefined
      const timers: NodeJS.Timeout[] = []
      const ringMs = (): number => clock.now() - started
      const later = (ms: number, fn: () => void): void => { timers.push(setTimeout(fn, ms)) }

      const finish = (result: DialOutcome | Error): void => {
        if (settled) return
        settled = true
        this.#inFlight.delete(legId)
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
        up: () => { heard = true; answerSeenNow() },
        ringing: () => { heard = true; rang = true },
        dialStatus: (status) => {
          heard = true
          lastStatus = status
          if (status === 'RINGING' || status === 'PROGRESS') rang = true
          if (status === 'ANSWER') answerSeenNow()
        },
        ended: (end) => {
          const kind = cancelled
            ? 'cancelled'
            : end.cause === 'lost' || end.unheard === true ? 'lost' : unansweredOutcome(end.vendor.q850, lastStatus, rang)
          finish({ kind, ringMs: ringMs(), cause: end.vendor })
        },
        // No `lost`: a dial survives a dropped events socket; the reclaim after the reconnect
        // ends it if its leg is gone, and the deadline below ends it in any case.
        disconnected: () => { disconnected = true }
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
        finish(disconnected || !heard
          ? { kind: 'lost', ringMs: ringMs(), cause: { text: 'no outcome from Asterisk: its events were lost during the dial' } }
          : { kind: 'no-answer', ringMs: ringMs(), cause: { text: 'no final event from Asterisk after the ring timeout' } })
      })

      rest.originate({
        endpoint, app: this.#deps.app, appArgs: DIALED_ARG, callerId: request.callerIdNumber, timeout: timeoutSec, channelId: legId,
        ...(request.tag === undefined ? {} : { variables: tagVariables(request.tag) })
      }).then(() => {
        created = true
        heard = true
        if (cancelled && !settled) cancelNow()
      }, (err: unknown) => {
        if (settled) return
        if (cancelled) {
          finish(cancelledOutcome())
        } else if (err instanceof AriReplyError) {
          void this.#refused(err.reply).then((kind) => {
            finish(cancelled ? cancelledOutcome() : { kind, ringMs: ringMs(), cause: { text: err.reply } })
          })
        } else {
          // No reply in time (Asterisk or the way to it gone): the channel may exist, and then
          // rings with our id. Asked once; otherwise the reclaim or the deadline settles it.
          log.warn({ err, legId, code: isHotlineError(err) ? err.code : undefined }, 'no reply to an originate; asking Asterisk about its leg')
          created = true
          rest.getChannelState(legId).then(() => { heard = true }, (gone: unknown) => {
            if (isGone(gone)) finish({ kind: 'lost', ringMs: ringMs(), cause: { text: 'Asterisk did not create the channel' } })
          })
        }
      })
    })
  }

  /**
   * Asterisk refused to create the channel. 500 "Allocation failed" is an endpoint it cannot
   * reach (captures 10) unless it is shutting down (14); 503 "Asterisk not booted" is it
   * starting; anything else is a failed dial.
   */
  async #refused (reply: string): Promise<'lost' | 'unreachable' | 'failed'> {
    if (reply === NOT_BOOTED) return 'lost'
    if (reply !== ALLOCATION_FAILED) return 'failed'
    return await this.#deps.goingAway(ALLOCATION_GRACE_MS) ? 'lost' : 'unreachable'
  }
}
