// The safety net on FreeSWITCH: per caller's leg, a `sched_api` task in a group named after the
// leg that, when it fires, moves the leg to an inline extension playing the apology and hanging
// up. `park_timeout` cannot serve: it counts from the park, so it would cut served calls too.
// Re-arming adds the new task before deleting the old one, so a leg is never without a net.

import { HotlineError } from '../../errors.js'
import type { NetOps } from '../safety-net.js'
import type { EslClient } from './esl-client.js'

const group = (legId: string): string => `hc-net-${legId}`

export class EslNet implements NetOps {
  readonly #connected: () => EslClient
  readonly #apology: string
  /** The task of each leg armed from this process. */
  readonly #tasks = new Map<string, string>()

  /** `apologyPath`: what `playback` gets for the apology; no spaces or commas (it sits in an inline dialplan). */
  constructor (connected: () => EslClient, apologyPath: string) {
    if (/[\s,]/.test(apologyPath)) {
      throw new HotlineError('HC_CONFIG_INVALID', `the apology's file path "${apologyPath}" has a space or a comma: FreeSWITCH's inline dialplan cannot carry it`)
    }
    this.#connected = connected
    this.#apology = `set:hc_net=fired,answer,playback:${apologyPath},hangup:NORMAL_CLEARING`
  }

  async arm (legId: string, seconds: number): Promise<void> {
    const client = this.#connected()
    const previous = this.#tasks.get(legId)
    // A net left by a controller that stopped (its leg now this one's) goes first.
    if (previous === undefined) await client.api(`sched_del ${group(legId)}`)
    const reply = (await client.api(`sched_api +${Math.ceil(seconds)} ${group(legId)} uuid_transfer ${legId} ${this.#apology} inline`)).trim()
    const task = /^\+OK Added: (\d+)/.exec(reply)?.[1]
    if (task === undefined) throw new HotlineError('HC_SWITCH_COMMAND', `sched_api: ${reply}`, { switchCause: reply })
    this.#tasks.set(legId, task)
    if (previous !== undefined) await client.api(`sched_del ${previous}`)
  }

  async disarm (legId: string): Promise<void> {
    this.#tasks.delete(legId)
    await this.#connected().api(`sched_del ${group(legId)}`)
  }

  forget (legId: string): void {
    this.#tasks.delete(legId)
  }
}
