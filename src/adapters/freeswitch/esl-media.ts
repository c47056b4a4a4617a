// Prompts and keys over the Event Socket: `playback` and `play_and_get_digits` run as
// `sendmsg <uuid>` `call-command: execute` with our own `Event-UUID`; the app's
// CHANNEL_EXECUTE_COMPLETE carries it back as `Application-UUID` (never read from
// `Application-Response` alone: a later event can carry a stale value, as recorded in
// captures 07 and 12_transfer_hunt_setup). `api file_exists` tells which prompts are missing.

import { randomUUID } from 'node:crypto'
import { HotlineError, abortError } from '../../errors.js'
import type { CollectOptions, CollectResult, PlayOptions, PlayOutcome } from '../../ports/switch.js'
import type { EslClient, EslEvent } from './esl-client.js'
import type { LegRegistry } from './leg-registry.js'

/** Played in place of a missing prompt while keys are collected, and between tries. */
const SILENCE = 'silence_stream://250'

export interface EslMediaDeps {
  /** The live client; throws HC_SWITCH_NOT_CONNECTED without one. */
  connected: () => EslClient
  legs: LegRegistry
  /** Prompt id → what `playback` gets (a file path or a sound URI). */
  promptPath: (prompt: string) => string
}

export class EslMedia {
  readonly #deps: EslMediaDeps
  /** Prompts the switch has no file for (file_exists, FILE NOT FOUND): skipped, never played. */
  readonly #missing = new Set<string>()

  constructor (deps: EslMediaDeps) {
    this.#deps = deps
  }

  async play (legId: string, prompt: string, options: PlayOptions = {}): Promise<PlayOutcome> {
    if (this.#missing.has(prompt)) return 'missing'
    const event = await this.#execute(legId, 'playback', this.#path(prompt), options.signal)
    const response = event.get('Application-Response') ?? ''
    if (response === 'FILE NOT FOUND') {
      this.#missing.add(prompt)
      return 'missing'
    }
    if (response !== 'FILE PLAYED') {
      throw new HotlineError('HC_SWITCH_COMMAND', `playback of ${prompt} ended: ${response}`, { switchCause: response })
    }
    return 'played'
  }

  /**
   * `api file_exists <path>` (mod_commands) for each prompt's file. A missing file is also what
   * play_and_get_digits cannot tell apart from silence: seen on FreeSWITCH 1.11.1, it completes
   * at once with no digits, so collecting waits with a short silence in its place instead.
   */
  async missingPrompts (prompts: readonly string[]): Promise<string[]> {
    const client = this.#deps.connected()
    const missing: string[] = []
    for (const prompt of prompts) {
      const answer = (await client.api(`file_exists ${this.#path(prompt)}`)).trim()
      if (answer === 'true') {
        this.#missing.delete(prompt)
      } else if (answer === 'false') {
        this.#missing.add(prompt)
        missing.push(prompt)
      } else {
        throw new HotlineError('HC_SWITCH_COMMAND', `file_exists answered: ${answer.slice(0, 80)}`, { switchCause: answer })
      }
    }
    return missing
  }

  async collectDigits (legId: string, options: CollectOptions): Promise<CollectResult> {
    const missing = this.#missing.has(options.prompt)
    const variable = `hc_digits_${randomUUID().slice(0, 8)}`
    // The argument cannot be empty (arguments are split on spaces); `none` holds no DTMF key,
    // so it terminates on nothing.
    const terminators = options.terminators === undefined || options.terminators === '' ? 'none' : options.terminators
    // play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file>
    // <var> <regexp> [digit_timeout] (mod_dptools docs). One try: retries and validation are
    // the flow's, so the regexp accepts any keys and the invalid file is a short silence.
    const arg = [
      options.minDigits, options.maxDigits, 1, options.timeoutMs, terminators,
      missing ? SILENCE : this.#path(options.prompt), SILENCE, variable, '^[0-9*#]+$',
      options.interDigitTimeoutMs ?? 3000
    ].join(' ')
    const event = await this.#execute(legId, 'play_and_get_digits', arg, options.signal)
    const digits = event.get(`variable_${variable}`) ?? ''
    const reason = digits.length >= options.minDigits && digits !== '' ? 'complete' : 'timeout'
    return missing ? { digits, reason, promptMissing: true } : { digits, reason }
  }

  #path (prompt: string): string {
    const media = this.#deps.promptPath(prompt)
    if (/[\s\n]/.test(media)) throw new HotlineError('HC_SWITCH_COMMAND', `prompt path has white space: ${prompt}`)
    return media
  }

  async #execute (legId: string, app: string, arg: string, signal?: AbortSignal): Promise<EslEvent> {
    if (signal?.aborted === true) throw abortError(signal)
    const client = this.#deps.connected()
    if (!this.#deps.legs.has(legId)) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is not in progress`)
    const appUuid = randomUUID()
    // The leg can end (and this reject) before the sendmsg reply arrives: awaited below (the
    // registry marks it handled meanwhile).
    const completed = this.#deps.legs.expectExecute(legId, appUuid)
    const onAbort = (): void => {
      this.#deps.legs.cancelExecute(legId, appUuid, abortError(signal as AbortSignal))
      // Stop what the leg is playing; the app then completes on the switch side.
      client.api(`uuid_break ${legId} all`).catch(() => undefined)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const reply = await client.command(`sendmsg ${legId}`, {
        'call-command': 'execute',
        'execute-app-name': app,
        'execute-app-arg': arg,
        'Event-UUID': appUuid
      })
      if (!reply.startsWith('+OK')) {
        this.#deps.legs.cancelExecute(legId, appUuid, new HotlineError('HC_CALL_GONE', reply))
      }
      return await completed
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }
}
