// TIMEOUT(absolute) on a simulated Asterisk channel (func_timeout.c): a value in seconds sets the
// hangup time from now, 0 (or less) clears it, and reading it gives the seconds left ("0" when
// none). When it comes, the channel's next frame read fails with the soft hangup TIMEOUT: a
// playback stops, Stasis() returns, and the PBX goes to the context's `T` extension — in the
// generated dialplan the safety net's apology for a channel a controller tagged (HC_CALL), and
// an unallocated-number hangup for any other (src/switch-config/asterisk.ts).

import { SERVICE_INTERRUPTED_PROMPT } from '../../ports/switch.js'
import type { AriChannel } from './ari-channel.js'
import type { SimSwitch } from './sim-switch.js'

export const ABSOLUTE_TIMEOUT = /^TIMEOUT\(absolute\)$/i

export interface TimeoutHost {
  readonly model: SimSwitch
  /** Takes the channel out of its bridge and out of Stasis (StasisEnd), with no hangup. */
  leaveStasis: (channel: AriChannel) => void
}

export class AriTimeouts {
  readonly #host: TimeoutHost
  readonly #timers = new Map<string, { at: number, timer: NodeJS.Timeout }>()

  constructor (host: TimeoutHost) {
    this.#host = host
  }

  /** `Set(TIMEOUT(absolute)=value)` on the channel. */
  set (channel: AriChannel, value: string): void {
    this.clear(channel.id)
    const seconds = Number.parseFloat(value)
    if (!(seconds > 0)) return
    const at = Date.now() + seconds * 1000
    const timer = setTimeout(() => {
      this.#timers.delete(channel.id)
      void this.#timedOut(channel)
    }, seconds * 1000)
    this.#timers.set(channel.id, { at, timer })
  }

  /** `${TIMEOUT(absolute)}`: seconds left to three places, "0" when none is set. */
  read (channelId: string): string {
    const entry = this.#timers.get(channelId)
    return entry === undefined ? '0' : (Math.max(0, entry.at - Date.now()) / 1000).toFixed(3)
  }

  clear (channelId: string): void {
    clearTimeout(this.#timers.get(channelId)?.timer)
    this.#timers.delete(channelId)
  }

  close (): void {
    for (const { timer } of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  async #timedOut (channel: AriChannel): Promise<void> {
    const { model } = this.#host
    if (channel.cause !== undefined || model.channel(channel.id) === undefined) return
    model.stopPlayback(channel.id)
    this.#host.leaveStasis(channel)
    if ((channel.vars.get('HC_CALL') ?? '') === '') {
      model.hangup(channel.id, 'UNALLOCATED_NUMBER', 'switch')
      return
    }
    try {
      await model.answer(channel.id)
      const sound = model.install.sounds.find((id) => id.endsWith(`/${SERVICE_INTERRUPTED_PROMPT}`))
      // Playback() of a sound that is not there fails, and the dialplan goes on to Hangup().
      if (sound !== undefined) await model.play(channel.id, { media: `sound:${sound}` })
    } finally {
      model.hangup(channel.id, 'NORMAL_CLEARING', 'switch')
    }
  }
}
