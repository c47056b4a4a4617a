// A scripted caller: the channel the switch created for it, what it heard, promises for its
// answer and its end, and its script (digits keyed after the answer, hanging up after a while).
// The switch drives it through the mark* methods.

import { HotlineError } from '../../errors.js'
import type { DtmfVia, HangupSide, PlaceCallOptions, SimCallHandle, SimChannel } from './model-types.js'

/** What a caller can do to the switch: key digits, hang up from its own end, wait. */
export interface SimCallControl {
  sendDtmf(channelId: string, digits: string, options?: { via?: DtmfVia }): boolean
  /** The far end hangs up: BYE when answered, CANCEL before. */
  remoteHangup(channelId: string): boolean
  /** Runs `fn` after `ms` of script time (the switch scales it) while the call lasts; returns a cancel function. */
  after(ms: number, fn: () => void): () => void
}

export interface CallEnd {
  cause: string
  q850: number
  side: HangupSide
}

export class SimCall implements SimCallHandle {
  readonly channel: SimChannel
  readonly heard: string[] = []
  readonly ended: Promise<CallEnd>
  readonly answered: Promise<void>
  readonly #control: SimCallControl
  readonly #script: PlaceCallOptions
  #cancelHangup: () => void = () => {}
  #resolveEnded!: (end: CallEnd) => void
  #resolveAnswered!: () => void
  #rejectAnswered!: (err: HotlineError) => void

  constructor (channel: SimChannel, script: PlaceCallOptions, control: SimCallControl) {
    this.channel = channel
    this.#script = script
    this.#control = control
    this.ended = new Promise((resolve) => { this.#resolveEnded = resolve })
    this.answered = new Promise((resolve, reject) => {
      this.#resolveAnswered = resolve
      this.#rejectAnswered = reject
    })
    // A call that ends unanswered rejects `answered`; nobody has to be listening.
    this.answered.catch(() => {})
  }

  /**
   * A call placed while the switch is down: its INVITE gets no answer, so the switch never
   * hears of it and the caller gives up (NORMAL_TEMPORARY_FAILURE, as a SIP stack reports a
   * request nobody answered).
   */
  static unreached (channel: SimChannel, script: PlaceCallOptions): SimCall {
    const call = new SimCall(channel, script, { sendDtmf: () => false, remoteHangup: () => false, after: () => () => {} })
    channel.answerState = 'hangup'
    channel.hangupAt = Date.now()
    channel.hangupCause = 'NORMAL_TEMPORARY_FAILURE'
    channel.hangupSide = 'switch'
    call.markEnded({ cause: 'NORMAL_TEMPORARY_FAILURE', q850: 41, side: 'switch' })
    return call
  }

  sendDtmf (digits: string, options: { via?: DtmfVia } = {}): void {
    this.#control.sendDtmf(this.channel.id, digits, options)
  }

  hangup (): void {
    this.#control.remoteHangup(this.channel.id)
  }

  /** @internal the dialplan parked the call: an unanswered caller's patience starts. */
  markParked (): void {
    this.#hangUpAfter()
  }

  /** @internal the switch answered the call: the script's digits and hangup count from here. */
  markAnswered (): void {
    this.#resolveAnswered()
    for (const step of this.#script.dtmf ?? []) {
      this.#control.after(step.afterAnswerMs, () => {
        this.#control.sendDtmf(this.channel.id, step.digits, step.via === undefined ? {} : { via: step.via })
      })
    }
    this.#hangUpAfter()
  }

  /** @internal a medium started playing to the caller. */
  markHeard (media: string): void {
    this.heard.push(media)
  }

  /** @internal the call is over (after hangup-complete). */
  markEnded (end: CallEnd): void {
    this.#rejectAnswered(new HotlineError('HC_CALL_GONE', `call ${this.channel.id} ended unanswered (${end.cause})`))
    this.#resolveEnded(end)
  }

  #hangUpAfter (): void {
    const ms = this.#script.hangupAfterMs
    if (ms === undefined) return
    this.#cancelHangup()
    this.#cancelHangup = this.#control.after(ms, () => { this.#control.remoteHangup(this.channel.id) })
  }
}
