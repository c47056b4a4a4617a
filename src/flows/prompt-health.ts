// Whether the switch has every prompt a call can hear, known before a caller finds out: the
// switch is asked each time its connection comes up and after each reload of the flows, and
// what it lacks is shown on /ready, in `hotline_prompts_missing` and on the dashboard. A
// missing prompt never ends a call: the adapter skips it and the call goes on as if it had
// been played (logged and counted here).

import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'
import type { CollectOptions, CollectResult, PlayOptions, PlayOutcome, SwitchPort } from '../ports/switch.js'

export interface PromptCheck {
  /** Prompts the switch lacks, by the last check; empty before the first. */
  missing: string[]
  /** When the last check answered (ms), or undefined. */
  checkedAt?: number
  /** Why the last check could not be made (switch gone meanwhile), if it could not. */
  error?: string
}

export class PromptHealth {
  readonly #switch: SwitchPort
  readonly #prompts: () => readonly string[]
  readonly #metrics: Metrics
  readonly #log: Logger
  readonly #now: () => number
  #state: PromptCheck = { missing: [] }
  #running: Promise<void> | undefined
  #again = false
  #stop: () => void = () => undefined

  constructor (deps: { switch: SwitchPort, prompts: () => readonly string[], metrics: Metrics, logger: Logger, now: () => number }) {
    this.#switch = deps.switch
    this.#prompts = deps.prompts
    this.#metrics = deps.metrics
    this.#log = deps.logger.child({ component: 'prompts' })
    this.#now = deps.now
  }

  /** Checks now if the switch is up, and again whenever its connection comes up. */
  start (): void {
    this.#stop = this.#switch.onStatus((status) => { if (status.state === 'ready') void this.check() })
    if (this.#switch.status().state === 'ready') void this.check()
  }

  stop (): void {
    this.#stop()
  }

  get state (): PromptCheck {
    return this.#state
  }

  /** Asks the switch; a check asked for while one runs runs once more after it. Never throws. */
  async check (): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true
      await this.#running
      return
    }
    this.#running = this.#run().finally(() => { this.#running = undefined })
    await this.#running
    if (this.#again) {
      this.#again = false
      await this.check()
    }
  }

  /** A prompt a call could not hear (found missing while playing): counted, and shown until the next check. */
  skipped (prompt: string, log: Logger | undefined): void {
    this.#metrics.promptsSkipped.inc({ prompt })
    log?.warn({ prompt }, 'prompt missing on the switch; the call goes on as if it had been played')
    if (!this.#state.missing.includes(prompt)) {
      this.#state = { ...this.#state, missing: [...this.#state.missing, prompt].sort() }
      this.#metrics.promptsMissing.set(this.#state.missing.length)
    }
  }

  async #run (): Promise<void> {
    const prompts = this.#prompts()
    try {
      const missing = (await this.#switch.missingPrompts(prompts)).sort()
      this.#state = { missing, checkedAt: this.#now() }
      this.#metrics.promptsMissing.set(missing.length)
      if (missing.length > 0) {
        this.#log.warn({ missing, of: prompts.length }, 'the switch lacks prompts: calls will skip them (npm run prompts)')
      } else {
        this.#log.info({ prompts: prompts.length }, 'the switch has every prompt')
      }
    } catch (err) {
      this.#state = { ...this.#state, error: (err as Error).message }
      this.#log.warn({ err }, 'could not ask the switch for its prompts; will ask again when it is back')
    }
  }
}

/**
 * Plays a prompt to a caller; a missing one is skipped, logged and counted, never fatal. A
 * `quiet` one (a digit read back) is counted and listed, not logged: its name is a digit.
 */
export async function playPrompt (
  sw: SwitchPort, legId: string, prompt: string, options: PlayOptions & { health: PromptHealth, log: Logger, quiet?: boolean }
): Promise<PlayOutcome> {
  const outcome = await sw.play(legId, prompt, options.signal === undefined ? {} : { signal: options.signal })
  if (outcome === 'missing') options.health.skipped(prompt, options.quiet === true ? undefined : options.log)
  return outcome
}

/** Collects keys; a missing prompt is waited past the same way. */
export async function collectKeys (
  sw: SwitchPort, legId: string, options: CollectOptions, extra: { health: PromptHealth, log: Logger }
): Promise<CollectResult> {
  const result = await sw.collectDigits(legId, options)
  if (result.promptMissing === true) extra.health.skipped(options.prompt, extra.log)
  return result
}
