// The FreeSWITCH adapter: SwitchPort over an inbound Event Socket connection.
//
// How the port maps to FreeSWITCH (mod_event_socket, mod_dptools, mod_commands docs):
//  - calls to the hotline are parked by the dialplan (`park`), unanswered; CHANNEL_PARK with
//    `Call-Direction: inbound` offers them to the controller;
//  - answer / playback / play_and_get_digits run as `sendmsg <uuid>` `call-command: execute`
//    with our own `Event-UUID`; the app's CHANNEL_EXECUTE_COMPLETE carries it back as
//    `Application-UUID` (never from `Application-Response` alone: a later event can carry a
//    stale value, as recorded in test/fixtures/captures/freeswitch-1.11.1/07_conference);
//  - dials are `bgapi originate {origination_uuid=…}<dial string> &park()`; the
//    BACKGROUND_JOB body is `+OK <uuid>` or `-ERR <CAUSE>`; we choose the leg's uuid so a
//    cancel (`uuid_kill <uuid> ORIGINATOR_CANCEL`) can reach a leg that is still ringing;
//  - conferences are joined with `uuid_transfer <uuid> conference:<room>@<profile> inline`
//    and left with `uuid_transfer <uuid> park inline`; membership is confirmed by the
//    `conference::maintenance` add-member / del-member events.

import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { HotlineError, abortError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type {
  CollectOptions, CollectResult, DialOutcome, DialRequest, HangupReason, InboundCall,
  LegListener, PlayOptions, PlayOutcome, SwitchPort, SwitchStatus
} from '../../ports/switch.js'
import { HANGUP_REASON_CAUSE, dialOutcomeOf, hangupCauseOf, q850Of } from './causes.js'
import { fillDialTemplate as buildDialString } from '../dial-target.js'
import { EslClient, type EslEvent } from './esl-client.js'
import { LegRegistry } from './leg-registry.js'
import { Reconnector } from '../reconnector.js'

/** The events the adapter reads, and nothing more (PROTOCOLS.md: subscribe to what you use). */
export const SUBSCRIBED_EVENTS = [
  'CHANNEL_PARK', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', 'DTMF', 'CHANNEL_EXECUTE_COMPLETE',
  'BACKGROUND_JOB', 'CUSTOM', 'conference::maintenance'
] as const

/** Played in place of a missing prompt while keys are collected, and between tries. */
const SILENCE = 'silence_stream://250'

export interface FreeswitchOptions {
  host: string
  port: number
  password: string
  requestTimeoutMs: number
  reconnect: { initialDelayMs: number, maxDelayMs: number }
  /** e.g. `sofia/gateway/department/{number}` */
  dialTemplate: string
  /** e.g. `user/{number}`: the enterprise-seat agents' phones. */
  agentDialTemplate: string
  conferenceProfile: string
  /** Destination numbers whose parked calls belong to this controller (e.g. `12345`). */
  lineNumbers: readonly string[]
  /** Prompt id → what `playback` gets (a file path or a sound URI). */
  promptPath: (prompt: string) => string
  clock: Clock
  logger: Logger
}

export class FreeswitchSwitch implements SwitchPort {
  readonly vendor = 'freeswitch'
  readonly #options: FreeswitchOptions
  readonly #log: Logger
  readonly #legs = new LegRegistry()
  readonly #bus = new EventEmitter<{ status: [SwitchStatus], inbound: [InboundCall] }>()
  readonly #reconnector: Reconnector
  #client: EslClient | undefined
  #status: SwitchStatus
  /** Prompts the switch has no file for (file_exists, FILE NOT FOUND): skipped, never played. */
  readonly #missing = new Set<string>()
  /** Hangups asked for while disconnected, sent after the reconnect. */
  readonly #pendingHangups = new Map<string, HangupReason>()

  constructor (options: FreeswitchOptions) {
    this.#options = options
    this.#log = options.logger.child({ component: 'freeswitch' })
    this.#status = { state: 'connecting', detail: 'not connected yet', since: options.clock.now() }
    this.#reconnector = new Reconnector({
      ...options.reconnect,
      connect: async () => { await this.#connect() },
      onRetry: (attempt, delayMs, err) => {
        this.#setStatus('disconnected', `ESL ${options.host}:${options.port} unreachable: ${err.message}`)
        this.#log.warn({ attempt, delayMs, err }, 'ESL connect failed; retrying')
      }
    })
  }

  async start (): Promise<void> {
    await this.#reconnector.start()
  }

  status (): SwitchStatus {
    return this.#status
  }

  /** The live ESL socket, for diagnostics (its options and addresses); none while disconnected. */
  get socket (): Socket | undefined {
    return this.#client?.socket
  }

  onStatus (listener: (status: SwitchStatus) => void): () => void {
    this.#bus.on('status', listener)
    return () => { this.#bus.off('status', listener) }
  }

  onInboundCall (listener: (call: InboundCall) => void): () => void {
    this.#bus.on('inbound', listener)
    return () => { this.#bus.off('inbound', listener) }
  }

  onLegEvent (legId: string, listener: LegListener): () => void {
    return this.#legs.listen(legId, listener)
  }

  /**
   * `api uuid_answer` answers from the event socket's own thread. `sendmsg … execute answer`
   * waits for the parked channel's loop to pick the app up, which runs on FreeSWITCH's 20 ms
   * clock: measured on 1.11.1 at 1 call/s, INVITE → 200 OK median 28 ms that way.
   */
  async answer (legId: string): Promise<void> {
    const client = this.#connected()
    if (!this.#legs.has(legId)) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is not in progress`)
    const reply = (await client.api(`uuid_answer ${legId}`)).trim()
    if (reply.startsWith('+OK')) return
    // `-ERROR` for a uuid it does not know (capture 09): the caller has gone.
    if (reply.startsWith('-ERR') || !this.#legs.has(legId)) {
      throw new HotlineError('HC_CALL_GONE', `uuid_answer ${legId}: ${reply}`, { switchCause: reply })
    }
    throw new HotlineError('HC_SWITCH_COMMAND', `uuid_answer: ${reply}`, { switchCause: reply })
  }

  async play (legId: string, prompt: string, options: PlayOptions = {}): Promise<PlayOutcome> {
    if (this.#missing.has(prompt)) return 'missing'
    const event = await this.#execute(legId, 'playback', this.#media(prompt), options.signal)
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
    const client = this.#connected()
    const missing: string[] = []
    for (const prompt of prompts) {
      const answer = (await client.api(`file_exists ${this.#media(prompt)}`)).trim()
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
      missing ? SILENCE : this.#media(options.prompt), SILENCE, variable, '^[0-9*#]+$',
      options.interDigitTimeoutMs ?? 3000
    ].join(' ')
    const event = await this.#execute(legId, 'play_and_get_digits', arg, options.signal)
    const digits = event.get(`variable_${variable}`) ?? ''
    const reason = digits.length >= options.minDigits && digits !== '' ? 'complete' : 'timeout'
    return missing ? { digits, reason, promptMissing: true } : { digits, reason }
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    const { signal } = request
    if (signal?.aborted === true) throw abortError(signal)
    const client = this.#connected()
    const legId = randomUUID()
    const template = request.target.trunk === 'agent' ? this.#options.agentDialTemplate : this.#options.dialTemplate
    const dialString = buildDialString(template, request.target)
    const timeoutSec = Math.max(1, Math.ceil(request.ringTimeoutMs / 1000))
    const vars = [
      `origination_uuid=${legId}`,
      `originate_timeout=${timeoutSec}`,
      `origination_caller_id_number=${request.callerIdNumber}`,
      `origination_caller_id_name=${request.callerIdNumber}`,
      'ignore_early_media=true'
    ].join(',')
    const started = this.#options.clock.now()
    this.#legs.track(legId)
    let cancelled = false
    const onAbort = (): void => {
      cancelled = true
      client.api(`uuid_kill ${legId} ORIGINATOR_CANCEL`).catch((err: unknown) => {
        this.#log.warn({ err, legId }, 'cancel of a ringing dial failed')
      })
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      // The job can take the whole ring time; allow for FreeSWITCH's 1 s timer resolution.
      const body = await client.bgapi(`originate {${vars}}${dialString} &park()`,
        timeoutSec * 1000 + this.#options.requestTimeoutMs)
      const ringMs = this.#options.clock.now() - started
      const line = body.trim()
      if (line.startsWith('+OK')) {
        if (cancelled) {
          await this.hangup(legId, 'normal')
          return { kind: 'cancelled', ringMs, cause: { text: 'ORIGINATOR_CANCEL', q850: 487 } }
        }
        return { kind: 'answered', legId, ringMs }
      }
      this.#legs.drop(legId, line)
      const cause = line.replace(/^-ERR\s*/, '') || 'UNKNOWN'
      const kind = cancelled ? 'cancelled' : dialOutcomeOf(cause)
      return { kind, ringMs, cause: { text: cause, q850: q850Of(cause) } }
    } catch (err) {
      this.#legs.drop(legId, 'dial failed')
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async joinConference (legId: string, room: string): Promise<void> {
    await this.#transfer(legId, `conference:${room}@${this.#options.conferenceProfile}`, 'add-member')
  }

  async leaveConference (legId: string, _room: string): Promise<void> {
    await this.#transfer(legId, 'park', 'del-member')
  }

  async hangup (legId: string, reason: HangupReason = 'normal'): Promise<void> {
    const client = this.#client
    if (client === undefined || client.closed) {
      // The channel lives on in FreeSWITCH while we are away; hang it up once reconnected
      // rather than leave a caller parked with nobody controlling the call.
      this.#pendingHangups.set(legId, reason)
      return
    }
    // `-ERR No such channel!` means it is gone already, which is what we wanted.
    await client.api(`uuid_kill ${legId} ${HANGUP_REASON_CAUSE[reason]}`)
  }

  async close (): Promise<void> {
    this.#reconnector.stop()
    this.#client?.close()
    this.#setStatus('closed', 'closed')
    await Promise.resolve()
  }

  destroy (): void {
    this.#reconnector.stop()
    this.#client?.destroy()
    this.#setStatus('closed', 'destroyed')
  }

  // --- connection ---------------------------------------------------------------------------

  async #connect (): Promise<void> {
    const { host, port, password, requestTimeoutMs } = this.#options
    const client = await EslClient.connect({ host, port, password, timeoutMs: requestTimeoutMs, log: this.#log })
    client.on('event', (event) => { this.#onEvent(event) })
    try {
      const reply = await client.command(`event json ${SUBSCRIBED_EVENTS.join(' ')}`)
      if (!reply.startsWith('+OK')) throw new HotlineError('HC_SWITCH_COMMAND', `event subscription refused: ${reply}`)
    } catch (err) {
      client.destroy()
      throw err
    }
    this.#client = client
    client.once('close', () => { this.#onDisconnect(client) })
    this.#setStatus('ready', `ESL ${host}:${port} connected`)
    this.#log.info({ host, port }, 'ESL connected and subscribed')
    await this.#reconcile(client)
    for (const [legId, reason] of this.#pendingHangups) {
      this.#pendingHangups.delete(legId)
      await client.api(`uuid_kill ${legId} ${HANGUP_REASON_CAUSE[reason]}`)
        .catch((err: unknown) => { this.#log.warn({ err, legId }, 'deferred hangup failed') })
    }
  }

  #onDisconnect (client: EslClient): void {
    if (this.#client !== client) return
    this.#client = undefined
    // Apps in flight may have completed while we could not hear it.
    this.#legs.failInFlight(new HotlineError('HC_SWITCH_NOT_CONNECTED', 'ESL connection lost'))
    if (this.#status.state === 'closed') return
    this.#setStatus('disconnected', 'ESL connection lost')
    this.#log.error('ESL connection lost; reconnecting')
    this.#reconnector.kick()
  }

  /** After a reconnect: legs that ended while we were away are reported ended. */
  async #reconcile (client: EslClient): Promise<void> {
    for (const legId of this.#legs.ids()) {
      const exists = await client.api(`uuid_exists ${legId}`).catch(() => 'true')
      if (exists.trim() === 'false') {
        this.#legs.emit(legId, {
          type: 'hangup', cause: 'failed', vendor: { text: 'ENDED_WHILE_DISCONNECTED' }, at: this.#options.clock.now()
        })
        this.#legs.drop(legId, 'ended while the event socket was down')
      }
    }
  }

  #connected (): EslClient {
    const client = this.#client
    if (client === undefined || client.closed) {
      throw new HotlineError('HC_SWITCH_NOT_CONNECTED', 'FreeSWITCH event socket is not connected')
    }
    return client
  }

  #setStatus (state: SwitchStatus['state'], detail: string): void {
    if (this.#status.state === 'closed' && state !== 'closed') return
    this.#status = { state, detail, since: this.#options.clock.now() }
    this.#bus.emit('status', this.#status)
  }

  // --- commands -----------------------------------------------------------------------------
  #media (prompt: string): string {
    const media = this.#options.promptPath(prompt)
    if (/[\s\n]/.test(media)) throw new HotlineError('HC_SWITCH_COMMAND', `prompt path has white space: ${prompt}`)
    return media
  }

  async #execute (legId: string, app: string, arg: string, signal?: AbortSignal): Promise<EslEvent> {
    if (signal?.aborted === true) throw abortError(signal)
    const client = this.#connected()
    if (!this.#legs.has(legId)) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is not in progress`)
    const appUuid = randomUUID()
    // The leg can end (and this reject) before the sendmsg reply arrives: awaited below (the
    // registry marks it handled meanwhile).
    const completed = this.#legs.expectExecute(legId, appUuid)
    const onAbort = (): void => {
      this.#legs.cancelExecute(legId, appUuid, abortError(signal as AbortSignal))
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
        this.#legs.cancelExecute(legId, appUuid, new HotlineError('HC_CALL_GONE', reply))
      }
      return await completed
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async #transfer (legId: string, destination: string, expect: 'add-member' | 'del-member'): Promise<void> {
    const client = this.#connected()
    const waiter = this.#legs.expectConference(legId, expect)
    const timer = setTimeout(() => {
      waiter.cancel(new HotlineError('HC_SWITCH_TIMEOUT', `no ${expect} for ${legId}`))
    }, this.#options.requestTimeoutMs)
    try {
      const reply = (await client.api(`uuid_transfer ${legId} ${destination} inline`)).trim()
      if (!reply.startsWith('+OK')) {
        waiter.cancel(new HotlineError('HC_SWITCH_COMMAND', `uuid_transfer: ${reply}`, { switchCause: reply }))
      }
      await waiter.done
    } finally {
      clearTimeout(timer)
    }
  }

  // --- events -------------------------------------------------------------------------------
  #onEvent (event: EslEvent): void {
    try {
      this.#dispatch(event)
    } catch (err) {
      // A malformed event must never take a call (or the process) down.
      this.#log.error({ err, event: event.name }, 'failed to handle a FreeSWITCH event')
    }
  }

  #dispatch (event: EslEvent): void {
    const legId = event.get('Unique-ID')
    if (legId === undefined) return
    const at = this.#options.clock.now()
    switch (event.name) {
      case 'CHANNEL_PARK':
        this.#onPark(legId, event, at)
        break
      case 'CHANNEL_ANSWER':
        this.#legs.emit(legId, { type: 'answered', at })
        break
      case 'DTMF': {
        const digit = event.get('DTMF-Digit')
        if (digit !== undefined) this.#legs.emit(legId, { type: 'dtmf', digit, at })
        break
      }
      case 'CHANNEL_EXECUTE_COMPLETE': {
        const appUuid = event.get('Application-UUID')
        if (appUuid !== undefined) this.#legs.executeComplete(legId, appUuid, event)
        break
      }
      case 'CHANNEL_HANGUP_COMPLETE': {
        const cause = event.get('Hangup-Cause') ?? 'NORMAL_CLEARING'
        this.#legs.emit(legId, {
          type: 'hangup',
          cause: hangupCauseOf(cause, event.get('variable_sip_hangup_disposition')),
          vendor: { text: cause, q850: q850Of(cause) },
          at
        })
        this.#legs.drop(legId, cause)
        break
      }
      case 'CUSTOM':
        if (event.get('Event-Subclass') === 'conference::maintenance') this.#onConference(legId, event, at)
        break
    }
  }

  #onPark (legId: string, event: EslEvent, at: number): void {
    if (event.get('Call-Direction') !== 'inbound' || this.#legs.has(legId)) return
    const to = event.get('Caller-Destination-Number') ?? ''
    if (!this.#options.lineNumbers.includes(to)) return
    this.#legs.track(legId)
    this.#bus.emit('inbound', { legId, from: event.get('Caller-Caller-ID-Number') ?? '', to, at })
  }

  #onConference (legId: string, event: EslEvent, at: number): void {
    const action = event.get('Action')
    const room = event.get('Conference-Name') ?? ''
    if (action === 'add-member') this.#legs.emit(legId, { type: 'conference-joined', room, at })
    if (action === 'del-member') this.#legs.emit(legId, { type: 'conference-left', room, at })
    if (action !== undefined) this.#legs.conferenceAction(legId, action)
  }
}
