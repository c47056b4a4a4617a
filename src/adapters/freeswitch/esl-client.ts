// One inbound Event Socket connection, on drachtio-modesl, made safe to build on.
//
// Why drachtio-modesl 1.3.x rather than modesl 1.2.1: it is the maintained fork, runs on
// Node 20, and subscribes to nothing by itself (modesl sends its own `event json
// BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE` after auth). Its known faults are fenced here:
//  - `execute()` sends `sendmsg` without queueing a callback for its `command/reply`, so that
//    `+OK` is handed to the next caller waiting on a reply (e.g. a `filter()`), and it never
//    calls back for apps that do not return. We never call `execute()`: every command that
//    answers with a `command/reply` goes through `sendRecv()`, so replies and callbacks stay
//    one-to-one in FIFO order (FreeSWITCH answers commands on one socket strictly in order,
//    mod_event_socket docs), and app completion is tracked by `Application-UUID` elsewhere.
//  - Its reconnect does not re-subscribe, keeps stale callbacks, and when the first connect is
//    refused it retries with a NaN delay (its retry counters are only set after a connect).
//    We switch it off (`closing = true`) and make a fresh connection per attempt in the
//    adapter, so no callback outlives the socket it was queued on.
//  - Nothing times out in the library; a lost reply would stall its queue forever. Every
//    request here has a deadline, and a reply that misses it tears the connection down
//    (after a missed reply the FIFO can no longer be trusted). A silent socket is asked
//    `api status` (probe()), so a link that went dead without a FIN or RST (a path that
//    drops everything) is known within the probe interval and one deadline, not at the
//    next command a call happens to send.
//  - It leaves Nagle's algorithm on and writes a command line by line (one `socket.write` per
//    line): the first line leaves at once, the rest wait for its ACK, which FreeSWITCH delays
//    (~40 ms) because it has no whole command to answer yet. Measured on FreeSWITCH 1.11.1:
//    INVITE→200 OK median 68 ms as shipped, 26 ms with TCP_NODELAY. So TCP_NODELAY is set as
//    soon as the socket exists, and each command is written corked (one writev, one segment).
//
// At log level `trace` every command sent and every reply or event received is logged with a
// high-resolution `t` (ms since the epoch, with decimals) so latency can be read from the log.
// Only ids and names are logged, never a caller's number or whole event.

import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import esl, { type Connection as ModeslConnection, type Event as ModeslEvent } from 'drachtio-modesl'
import type { Logger } from 'pino'
import { HotlineError } from '../../errors.js'

export interface EslEvent {
  name: string
  /** Header value (JSON events: every field is a string). */
  get(header: string): string | undefined
  body: string
}

export interface EslClientOptions {
  host: string
  port: number
  password: string
  /** Deadline for connect + auth and for every command reply. */
  timeoutMs: number
  /** Where the wire trace goes (level `trace`); none without it. */
  log?: Logger
}

interface Pending {
  reject: (err: Error) => void
  timer: NodeJS.Timeout | undefined
}

/**
 * ms since the epoch with sub-ms decimals, on the monotonic clock: differences between lines
 * are exact (pino's `time` has whole ms and follows wall-clock steps).
 */
function wireTime (): number {
  return performance.timeOrigin + performance.now()
}

/** Longest reply or job body put in a trace line. */
const TRACE_BODY_MAX = 200

/** What a trace line shows of a received frame: its kind and ids, never the whole event. */
function traceOf (type: string | undefined, event: ModeslEvent): Record<string, unknown> {
  const header = (name: string): string | undefined => event.getHeader(name) ?? undefined
  switch (type) {
    case 'command/reply':
      return { reply: header('Reply-Text'), jobUuid: header('Job-UUID') }
    case 'api/response':
      return { body: (event.getBody() ?? '').slice(0, TRACE_BODY_MAX) }
    case 'text/event-json':
    case 'text/event-plain': {
      const name = header('Event-Name')
      return {
        event: name,
        subclass: header('Event-Subclass'),
        uuid: header('Unique-ID'),
        app: header('Application'),
        appUuid: header('Application-UUID'),
        jobUuid: header('Job-UUID'),
        seq: header('Event-Sequence'),
        body: name === 'BACKGROUND_JOB' ? (event.getBody() ?? '').slice(0, TRACE_BODY_MAX) : undefined
      }
    }
    default:
      return {}
  }
}

function wrap (event: ModeslEvent): EslEvent {
  return {
    name: event.getHeader('Event-Name') ?? event.getType(),
    get: (header) => event.getHeader(header) ?? undefined,
    body: event.getBody() ?? ''
  }
}

export class EslClient extends EventEmitter<{ event: [EslEvent], close: [Error | undefined] }> {
  readonly #conn: ModeslConnection
  readonly #timeoutMs: number
  readonly #log: Logger | undefined
  readonly #pending = new Set<Pending>()
  readonly #jobs = new Map<string, (body: string) => void>()
  #closed = false
  #closeError: Error | undefined
  #heardAt = Date.now()
  #probe: NodeJS.Timeout | undefined

  private constructor (conn: ModeslConnection, timeoutMs: number, log: Logger | undefined) {
    super()
    this.#conn = conn
    this.#timeoutMs = timeoutMs
    this.#log = log
    conn.onAny((name, ...args) => {
      this.#heardAt = Date.now()
      const eventName = Array.isArray(name) ? name.join('::') : name
      if (!eventName.startsWith('esl::event::')) return
      const headers = args[1] as Record<string, string> | undefined
      const type = headers?.['Content-Type']
      // Frames only: the library also emits events of its own (auth::success) without headers.
      if (type !== undefined && log?.isLevelEnabled('trace') === true) {
        log.trace({ t: wireTime(), esl: 'in', type, ...traceOf(type, args[0] as ModeslEvent) }, 'ESL received')
      }
      if (type === 'text/disconnect-notice') {
        this.#closeError = new HotlineError('HC_SWITCH_NOT_CONNECTED', 'FreeSWITCH sent a disconnect notice')
        return
      }
      if (type !== 'text/event-json' && type !== 'text/event-plain') return
      const event = wrap(args[0] as ModeslEvent)
      if (event.name === 'BACKGROUND_JOB') {
        const jobId = event.get('Job-UUID')
        const done = jobId === undefined ? undefined : this.#jobs.get(jobId)
        if (done !== undefined && jobId !== undefined) {
          this.#jobs.delete(jobId)
          done(event.body)
        }
      }
      this.emit('event', event)
    })
    conn.on('esl::end', () => { this.#onClosed() })
  }

  /** Connects and authenticates; rejects with HC_SWITCH_AUTH on a wrong password. */
  static async connect (options: EslClientOptions): Promise<EslClient> {
    return await new Promise<EslClient>((resolve, reject) => {
      const conn = new esl.Connection(options.host, options.port, options.password)
      // The library has just made its socket (net.createConnection in its constructor) and has
      // not connected it yet: Node applies the option as soon as it connects, before auth.
      conn.socket?.setNoDelay(true)
      // We own reconnection (see the header comment): stop the library's own.
      conn.closing = true
      const client = new EslClient(conn, options.timeoutMs, options.log)
      let settled = false
      const fail = (err: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        client.destroy()
        reject(err)
      }
      const timer = setTimeout(() => {
        fail(new HotlineError('HC_SWITCH_TIMEOUT', `no ESL auth within ${options.timeoutMs} ms`))
      }, options.timeoutMs)
      conn.once('esl::ready', () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(client)
      })
      conn.once('esl::event::auth::fail', () => {
        fail(new HotlineError('HC_SWITCH_AUTH', 'FreeSWITCH refused the ESL password'))
      })
      conn.on('error', (err: unknown) => {
        client.#closeError = err as Error
        fail(new HotlineError('HC_SWITCH_NOT_CONNECTED', `ESL connect failed: ${(err as Error).message}`, { cause: err }))
      })
      client.once('close', (err) => {
        fail(err ?? new HotlineError('HC_SWITCH_NOT_CONNECTED', 'ESL connection closed during auth'))
      })
    })
  }

  get closed (): boolean {
    return this.#closed
  }

  /** The live socket to FreeSWITCH (for diagnostics: its options and addresses), if any. */
  get socket (): Socket | undefined {
    return this.#conn.socket ?? undefined
  }

  /**
   * Sends a command answered by `command/reply`; resolves with its Reply-Text. `headers` are
   * the command's header lines (`sendmsg`, `bgapi`); no body is ever sent.
   */
  async command (line: string, headers: Record<string, string> | null = null): Promise<string> {
    return await this.#request<string>(`command ${line.split(' ')[0] ?? ''}`, (done) => {
      this.#send(line, headers, () => {
        this.#conn.sendRecv(line, headers, (event) => { done(event.getHeader('Reply-Text') ?? '') })
      })
    })
  }

  /** `api <cmd>`: resolves with the api/response body (within `timeoutMs`, by default the client's deadline). */
  async api (command: string, timeoutMs?: number): Promise<string> {
    return await this.#request<string>(`api ${command.split(' ')[0] ?? ''}`, (done) => {
      this.#send(`api ${command}`, null, () => {
        this.#conn.api(command, (event) => { done(event.getBody() ?? '') })
      })
    }, timeoutMs)
  }

  /**
   * `bgapi <cmd>`: resolves with the BACKGROUND_JOB body. `jobTimeoutMs` bounds the job
   * itself (an originate rings for its own timeout first).
   */
  async bgapi (command: string, jobTimeoutMs: number): Promise<string> {
    const jobId = randomUUID()
    const job = this.#request<string>(`job ${command.split(' ')[0] ?? ''}`, (done) => {
      this.#jobs.set(jobId, done)
    }, jobTimeoutMs, () => { this.#jobs.delete(jobId) })
    // Registered before sending: the job's event cannot be missed whatever the order.
    const reply = await this.command(`bgapi ${command}`, { 'Job-UUID': jobId })
    if (!reply.startsWith('+OK')) {
      this.#jobs.delete(jobId)
      throw new HotlineError('HC_SWITCH_COMMAND', `bgapi refused: ${reply}`, { switchCause: reply })
    }
    return await job
  }

  /** Graceful close: `exit`, then the socket ends. */
  close (): void {
    if (this.#closed) return
    this.#send('exit', null, () => { this.#conn.disconnect() })
  }

  /** Drops the socket now; every request in flight fails. */
  destroy (): void {
    this.#conn.socket?.destroy()
    this.#onClosed()
  }

  /**
   * Runs one library send with the socket corked: the library's writes (a line each) then
   * leave in one writev, so a command is one TCP segment instead of one per line. Uncorked in
   * `finally`, so a throwing send cannot leave the socket holding later commands back.
   */
  #send (line: string, headers: Record<string, string> | null, send: () => void): void {
    const log = this.#log
    if (log?.isLevelEnabled('trace') === true) {
      log.trace({ t: wireTime(), esl: 'out', command: line, headers: headers ?? undefined }, 'ESL sent')
    }
    const socket = this.#conn.socket
    socket?.cork()
    try {
      send()
    } finally {
      socket?.uncork()
    }
  }

  async #request<T> (
    what: string,
    send: (done: (value: T) => void) => void,
    timeoutMs = this.#timeoutMs,
    cleanup?: () => void
  ): Promise<T> {
    if (this.#closed) {
      throw new HotlineError('HC_SWITCH_NOT_CONNECTED', `ESL connection closed (${what})`)
    }
    return await new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        reject: (err) => { cleanup?.(); reject(err) },
        timer: setTimeout(() => {
          this.#pending.delete(pending)
          cleanup?.()
          reject(new HotlineError('HC_SWITCH_TIMEOUT', `no reply to ${what} within ${timeoutMs} ms`))
          // A reply that missed its deadline may still come and would be handed to the next
          // waiter: the connection is no longer trustworthy.
          this.destroy()
        }, timeoutMs)
      }
      this.#pending.add(pending)
      send((value) => {
        if (!this.#pending.delete(pending)) return
        clearTimeout(pending.timer)
        resolve(value)
      })
    })
  }

  /**
   * Every `intervalMs`, if nothing came from FreeSWITCH meanwhile, asks `api status`: no reply
   * within `timeoutMs` tears the connection down (see #request), and the adapter reconnects.
   * FreeSWITCH answers it from memory in well under a millisecond.
   */
  probe (intervalMs: number, timeoutMs: number): void {
    clearInterval(this.#probe)
    let asking = false
    this.#probe = setInterval(() => {
      // A request in flight has its own deadline; a probe queued behind a slow one would cut it short.
      if (asking || this.#closed || this.#pending.size > 0 || Date.now() - this.#heardAt < intervalMs) return
      asking = true
      this.api('status', timeoutMs).catch(() => undefined).finally(() => { asking = false })
    }, intervalMs)
    this.#probe.unref()
  }

  #onClosed (): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#probe)
    const err = new HotlineError('HC_SWITCH_NOT_CONNECTED', 'ESL connection lost', { cause: this.#closeError })
    for (const p of this.#pending) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.#pending.clear()
    this.#jobs.clear()
    this.#conn.removeAllListeners()
    this.emit('close', this.#closeError)
  }
}
