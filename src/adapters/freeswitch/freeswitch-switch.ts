// The FreeSWITCH adapter: SwitchPort over an inbound Event Socket connection.
//
// How the port maps to FreeSWITCH (mod_event_socket, mod_dptools, mod_commands docs):
//  - calls to the hotline are parked by the dialplan (`park`), unanswered; CHANNEL_PARK with
//    `Call-Direction: inbound` offers them to the controller;
//  - answer is `api uuid_answer`; playback / play_and_get_digits (esl-media.ts) run as
//    `sendmsg <uuid>` `call-command: execute` with our own `Event-UUID`; the app's
//    CHANNEL_EXECUTE_COMPLETE carries it back as `Application-UUID` (never from
//    `Application-Response` alone: a later event can carry a stale value, captures 07);
//  - dials (esl-dialer.ts) are `bgapi originate {origination_uuid=…}<dial string> &park()`; the
//    BACKGROUND_JOB body is `+OK <uuid>` or `-ERR <CAUSE>`; we choose the leg's uuid so a
//    cancel (`uuid_kill <uuid> ORIGINATOR_CANCEL`) can reach a leg that is still ringing, and
//    a dial can be followed across a dropped connection;
//  - after a reconnect, legs that ended unheard are reported (esl-reconcile.ts);
//  - conferences are joined with `uuid_transfer <uuid> conference:<room>@<profile> inline`
//    and left with `uuid_transfer <uuid> park inline`; membership is confirmed by the
//    `conference::maintenance` add-member / del-member events.

import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { HotlineError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import {
  type CollectOptions, type CollectResult, type DialOutcome, type DialRequest, type FoundLeg, type HangupReason, type InboundCall,
  type LegListener, type LegTag, type PlayOptions, type PlayOutcome, SERVICE_INTERRUPTED_PROMPT, type SwitchPort, type SwitchStatus
} from '../../ports/switch.js'
import { HANGUP_REASON_CAUSE, hangupCauseOf, q850Of } from './causes.js'
import { EslClient, type EslEvent } from './esl-client.js'
import { EslDialer } from './esl-dialer.js'
import { findLegs, tagOf, writeTag } from './esl-inventory.js'
import { EslMedia } from './esl-media.js'
import { reconcileLegs, restartedSince } from './esl-reconcile.js'
import { LegRegistry } from './leg-registry.js'
import { Reconnector } from '../reconnector.js'
import { SafetyNet } from '../safety-net.js'
import { EslNet } from './esl-net.js'

/** The events the adapter reads, and nothing more (PROTOCOLS.md: subscribe to what you use). */
export const SUBSCRIBED_EVENTS = [
  'CHANNEL_PARK', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', 'DTMF', 'CHANNEL_EXECUTE_COMPLETE',
  'BACKGROUND_JOB', 'CUSTOM', 'conference::maintenance'
] as const

/** How long a shutdown's socket may stay open before the adapter counts it called off. */
const SHUTDOWN_SETTLE_MS = 5000
/** A socket silent this long is asked whether it is alive, and has as long to answer (esl-client.ts probe()). */
const PROBE_MS = 2000

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
  /** Seconds after which a caller out of a room with nobody re-arming hears the apology from the switch (absent: no net). */
  safetyNetSec?: number
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
  readonly #mediaOps: EslMedia
  /** Hangups (uuid_kill causes) asked for while disconnected, sent after the reconnect. */
  readonly #pendingKills = new Map<string, string>()
  /** The cause of our own uuid_kill of each leg, until its CHANNEL_HANGUP_COMPLETE. */
  readonly #killed = new Map<string, string>()
  readonly #dialer: EslDialer
  readonly #net: SafetyNet
  /** When the event socket was lost, until the reconnect has asked about what happened. */
  #lostAt: number | undefined
  /** Not ready while FreeSWITCH shuts down with the socket still open; ready again if it does not close. */
  #shutdownTimer: NodeJS.Timeout | undefined

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
    this.#mediaOps = new EslMedia({ connected: () => this.#connected(), legs: this.#legs, promptPath: options.promptPath })
    this.#net = new SafetyNet({
      seconds: options.safetyNetSec ?? 0,
      ops: new EslNet(() => this.#connected(), options.promptPath(SERVICE_INTERRUPTED_PROMPT)),
      listen: (legId, listener) => this.#legs.listen(legId, listener),
      log: this.#log
    })
    this.#dialer = new EslDialer({
      connected: () => this.#connected(),
      legs: this.#legs,
      kill: (legId, cause) => { this.#kill(legId, cause) },
      shuttingDown: () => { this.#shuttingDown() },
      dialTemplate: options.dialTemplate,
      agentDialTemplate: options.agentDialTemplate,
      requestTimeoutMs: options.requestTimeoutMs,
      clock: options.clock,
      log: this.#log
    })
  }

  async start (): Promise<void> {
    this.#net.start()
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
    return await this.#mediaOps.play(legId, prompt, options)
  }

  async missingPrompts (prompts: readonly string[]): Promise<string[]> {
    return await this.#mediaOps.missingPrompts(prompts)
  }

  async collectDigits (legId: string, options: CollectOptions): Promise<CollectResult> {
    return await this.#mediaOps.collectDigits(legId, options)
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    return await this.#dialer.dial(request)
  }

  async joinConference (legId: string, room: string): Promise<void> {
    await this.#net.enteringRoom(legId)
    try {
      await this.#transfer(legId, `conference:${room}@${this.#options.conferenceProfile}`, 'add-member')
    } catch (err) {
      await this.#net.leftRoom(legId)
      throw err
    }
  }

  async leaveConference (legId: string, _room: string): Promise<void> {
    await this.#transfer(legId, 'park', 'del-member')
    await this.#net.leftRoom(legId)
  }

  async hangup (legId: string, reason: HangupReason = 'normal'): Promise<void> {
    const client = this.#client
    const cause = HANGUP_REASON_CAUSE[reason]
    if (client === undefined || client.closed) {
      // The channel lives on in FreeSWITCH while we are away; hang it up once reconnected
      // rather than leave a caller parked with nobody controlling the call.
      this.#pendingKills.set(legId, cause)
      return
    }
    this.#killed.set(legId, cause)
    // `-ERR No such channel!` means it is gone already, which is what we wanted.
    const reply = await client.api(`uuid_kill ${legId} ${cause}`)
    if (reply.startsWith('-ERR')) this.#killed.delete(legId)
  }

  async tagLeg (legId: string, tag: LegTag): Promise<void> {
    await writeTag(this.#connected(), legId, tag)
    // Not awaited: the answer need not wait for it; a join later waits for it (one queue per leg).
    if (tag.role === undefined) void this.#net.caller(legId)
  }

  async legTag (legId: string): Promise<LegTag | undefined> {
    return await tagOf(this.#connected(), legId)
  }

  async findLegs (): Promise<FoundLeg[]> {
    const found = await findLegs(this.#connected(), {
      legs: this.#legs,
      dialling: (legId) => this.#dialer.has(legId),
      lineNumbers: this.#options.lineNumbers,
      offer: (call) => { this.#bus.emit('inbound', call) },
      now: () => this.#options.clock.now()
    })
    this.#net.found(found)
    return found
  }

  peerInfo (): Readonly<Record<string, string>> {
    return {}
  }

  /** Every channel's events reach every controller's event socket already: nothing to do. */
  async adopt (): Promise<void> {
    await Promise.resolve()
  }

  async close (): Promise<void> {
    this.#net.stop()
    clearTimeout(this.#shutdownTimer)
    this.#reconnector.stop()
    this.#dialer.closeAll('the FreeSWITCH adapter closed')
    this.#client?.close()
    this.#setStatus('closed', 'closed')
    await Promise.resolve()
  }

  destroy (): void {
    this.#net.stop()
    clearTimeout(this.#shutdownTimer)
    this.#reconnector.stop()
    this.#dialer.closeAll('the FreeSWITCH adapter was destroyed')
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
    client.probe(Math.min(PROBE_MS, requestTimeoutMs), Math.min(PROBE_MS, requestTimeoutMs))
    this.#setStatus('ready', `ESL ${host}:${port} connected`)
    this.#log.info({ host, port }, 'ESL connected and subscribed')
    const lostAt = this.#lostAt
    if (lostAt !== undefined && (this.#legs.size > 0 || this.#dialer.size > 0)) {
      // Subscribed first: whatever happens from here on is heard; what happened before is asked.
      const restarted = await restartedSince(client, lostAt, () => this.#options.clock.now())
      await reconcileLegs(client, {
        legs: this.#legs, dialling: (legId) => this.#dialer.has(legId), now: () => this.#options.clock.now(), log: this.#log
      }, restarted)
      await this.#dialer.reconnected(client, restarted === true)
    }
    // Asked on a connection that stayed up: settled. Otherwise the next one asks again.
    if (!client.closed && this.#lostAt === lostAt) this.#lostAt = undefined
    for (const [legId, cause] of this.#pendingKills) {
      this.#pendingKills.delete(legId)
      this.#kill(legId, cause)
    }
  }

  /**
   * FreeSWITCH hangs its channels up SYSTEM_SHUTDOWN and then closes the event socket: not ready
   * meanwhile, so nothing is dialled into a switch going away. Should the socket stay open,
   * ready again after a while.
   */
  #shuttingDown (): void {
    if (this.#status.state !== 'ready') return
    this.#setStatus('disconnected', 'FreeSWITCH is shutting down')
    this.#log.warn('FreeSWITCH is shutting down: its channels are being hung up')
    clearTimeout(this.#shutdownTimer)
    this.#shutdownTimer = setTimeout(() => {
      if (this.#status.state === 'disconnected' && this.#client !== undefined && !this.#client.closed) {
        this.#setStatus('ready', 'FreeSWITCH did not shut down after all')
      }
    }, SHUTDOWN_SETTLE_MS)
  }

  #onDisconnect (client: EslClient): void {
    if (this.#client !== client) return
    this.#client = undefined
    clearTimeout(this.#shutdownTimer)
    this.#lostAt ??= this.#options.clock.now()
    // Apps in flight may have completed while we could not hear it; dials are followed on.
    this.#legs.failInFlight(new HotlineError('HC_SWITCH_NOT_CONNECTED', 'ESL connection lost'))
    this.#dialer.disconnected()
    if (this.#status.state === 'closed') return
    this.#setStatus('disconnected', 'ESL connection lost')
    this.#log.error('ESL connection lost; reconnecting')
    this.#reconnector.kick()
  }

  /** uuid_kill now, or once the event socket is back; a leg already gone is not an error. */
  #kill (legId: string, cause: string): void {
    const client = this.#client
    if (client === undefined || client.closed) {
      this.#pendingKills.set(legId, cause)
      return
    }
    this.#killed.set(legId, cause)
    client.api(`uuid_kill ${legId} ${cause}`).then((reply) => {
      if (reply.startsWith('-ERR')) this.#killed.delete(legId)
    }, (err: unknown) => {
      this.#log.warn({ err, legId }, 'hanging up a leg failed')
    })
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
    if (event.name === 'BACKGROUND_JOB') {
      const jobId = event.get('Job-UUID')
      if (jobId !== undefined) this.#dialer.onJob(jobId, event.body)
      return
    }
    const legId = event.get('Unique-ID')
    if (legId === undefined) return
    const at = this.#options.clock.now()
    switch (event.name) {
      case 'CHANNEL_PARK':
        this.#onPark(legId, event, at)
        this.#dialer.onAnswered(legId)
        break
      case 'CHANNEL_ANSWER':
        this.#legs.emit(legId, { type: 'answered', at })
        this.#dialer.onAnswered(legId)
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
        const ours = this.#killed.get(legId) === cause
        this.#killed.delete(legId)
        // switch_core_destroy hangs every channel up SYSTEM_SHUTDOWN, then closes the sockets
        // (mod_sofia also refuses dials SYSTEM_SHUTDOWN while paused: not ready either way).
        if (cause === 'SYSTEM_SHUTDOWN' && !ours) this.#shuttingDown()
        this.#legs.emit(legId, {
          type: 'hangup',
          cause: hangupCauseOf(cause, event.get('variable_sip_hangup_disposition'), ours),
          vendor: { text: cause, q850: q850Of(cause) },
          at
        })
        this.#legs.drop(legId, cause)
        this.#dialer.onHangup(legId, cause)
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
