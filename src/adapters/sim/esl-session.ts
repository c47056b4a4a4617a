// One inbound Event Socket connection, as mod_event_socket's listener_run / read_packet /
// parse_command handle it: `auth/request` first, one command at a time in the order received,
// and events written only between commands. An `api` command runs on the connection itself, so
// whatever it makes happen reaches this connection after its api/response (PROTOCOLS.md); so do
// events raised while a later command is already waiting in the input, or half received.

import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { EslApi } from './esl-api.js'
import { causeName } from './esl-causes.js'
import type { EslEvent } from './esl-events.js'
import {
  apiResponse, authRequest, commandReply, CommandParser, disconnectNotice, eventFrame, GOODBYE_NOTICE,
  type EslCommand, type Header
} from './esl-frame.js'
import type { EslProjector } from './esl-projector.js'
import { EslSubscription } from './esl-subscription.js'

export interface SessionOptions {
  projector: EslProjector
  api: EslApi
  password: string
  /** read_packet gives the first command 25 s; then the connection ends. */
  authTimeoutMs: number
  maxFrameBytes: number
  onClosed: (session: EslSession) => void
}

/** mod_event_socket MAX_QUEUE_LEN: events held for one connection before they are lost. */
const MAX_HELD_EVENTS = 100_000
/** MAX_MISSED: a listener that lost more events than this is killed. */
const MAX_LOST_EVENTS = 500
/** A client that stops reading has this much written to it at most before it is dropped. */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024

const LOG_LEVELS: Readonly<Record<string, number>> = {
  console: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7
}

export class EslSession {
  readonly #socket: Socket
  readonly #options: SessionOptions
  readonly #parser: CommandParser
  readonly #subscription = new EslSubscription()
  readonly #pending: EslCommand[] = []
  readonly #held: EslEvent[] = []
  readonly #unsubscribe: () => void
  #authTimer: NodeJS.Timeout | undefined
  #busy = false
  #authed = false
  #closed = false
  #logging = false
  #lost = 0

  constructor (socket: Socket, options: SessionOptions) {
    this.#socket = socket
    this.#options = options
    this.#parser = new CommandParser(options.maxFrameBytes)
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => { this.#onData(chunk) })
    // A connection's own errors end that connection and nothing else.
    socket.on('error', () => { this.destroy() })
    socket.on('close', () => { this.#cleanup() })
    this.#unsubscribe = options.projector.subscribe((event) => { this.#deliver(event) })
    this.#write(authRequest())
    this.#authTimer = setTimeout(() => { this.end(GOODBYE_NOTICE) }, options.authTimeoutMs)
    this.#authTimer.unref()
  }

  /** The disconnect notice, then the socket closes (exit, a wrong password, shutdown). */
  end (notice: string): void {
    if (this.#closed) return
    this.#write(disconnectNotice(notice))
    this.#closed = true
    this.#socket.end(() => { this.#socket.destroy() })
    // A client that does not read must not keep the connection half-open.
    setTimeout(() => { this.#socket.destroy() }, 1000).unref()
    this.#cleanup()
  }

  /** Gone without a word, as a dropped TCP connection is. */
  destroy (): void {
    this.#closed = true
    this.#socket.destroy()
    this.#cleanup()
  }

  #cleanup (): void {
    this.#closed = true
    if (this.#authTimer !== undefined) clearTimeout(this.#authTimer)
    this.#unsubscribe()
    this.#held.length = 0
    this.#pending.length = 0
    this.#options.onClosed(this)
  }

  #write (data: Buffer): void {
    if (this.#closed || this.#socket.destroyed) return
    this.#socket.write(data)
    if (this.#socket.writableLength > MAX_UNREAD_BYTES) this.destroy()
  }

  #reply (text: string, extra: readonly Header[] = []): void {
    this.#write(commandReply(text, extra))
  }

  #onData (chunk: Buffer): void {
    if (this.#closed) return
    try {
      this.#pending.push(...this.#parser.push(chunk))
    } catch {
      this.destroy()
      return
    }
    void this.#pump()
  }

  async #pump (): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    try {
      while (this.#pending.length > 0 && !this.#closed) {
        const command = this.#pending.shift()
        if (command === undefined) break
        if (this.#authTimer !== undefined) {
          clearTimeout(this.#authTimer)
          this.#authTimer = undefined
        }
        await this.#handle(command)
      }
    } catch {
      this.destroy()
    } finally {
      this.#busy = false
    }
    this.#flush()
  }

  #deliver (event: EslEvent): void {
    if (this.#closed || !this.#authed || !this.#subscription.matches(event)) return
    if (this.#busy || this.#pending.length > 0 || this.#parser.hasPartial) {
      if (this.#held.length < MAX_HELD_EVENTS) {
        this.#held.push(event)
      } else if (++this.#lost > MAX_LOST_EVENTS) {
        this.destroy()
      }
      return
    }
    this.#writeEvent(event)
  }

  #flush (): void {
    if (this.#busy || this.#pending.length > 0 || this.#parser.hasPartial) return
    for (const event of this.#held.splice(0)) this.#writeEvent(event)
  }

  #writeEvent (event: EslEvent): void {
    this.#write(eventFrame(this.#subscription.format, event.headers, event.body))
  }

  /** parse_command, in its order of checks (prefixes compared caselessly, as strncasecmp does). */
  async #handle (command: EslCommand): Promise<void> {
    const line = command.line
    const lower = line.toLowerCase()
    if (lower.startsWith('exit') || line.startsWith('...')) {
      this.#reply('+OK bye')
      this.end(GOODBYE_NOTICE)
      return
    }
    if (!this.#authed) {
      this.#unauthenticated(line, lower)
      return
    }
    if (lower.startsWith('filter ')) {
      this.#reply(this.#subscription.filter(line.slice(7)))
      return
    }
    const session = this.#subscription.myEvents
    if (session !== undefined && lower.startsWith('resume')) {
      this.#reply('+OK')
      return
    }
    if (session !== undefined && lower.startsWith('getvar')) {
      const name = line.split(' ')[1] ?? ''
      // An empty value is an empty reply, which parse_command turns into `-ERR command not found`.
      const value = this.#options.projector.model.channel(session)?.variables.get(name) ?? ''
      this.#reply(value === '' ? '-ERR command not found' : value)
      return
    }
    if (lower.startsWith('myevents ')) {
      this.#reply(this.#myevents(line.slice(9)))
      return
    }
    if (lower.startsWith('divert_events')) {
      this.#reply(this.#divert(line.slice(13).trim(), session))
      return
    }
    if (lower.startsWith('sendmsg')) {
      this.#reply(this.#sendmsg(line.slice(7).replace(/^ +/, ''), command, session))
      return
    }
    if (lower.startsWith('api ')) {
      await this.#api(line.slice(4))
      return
    }
    if (lower.startsWith('bgapi ')) {
      this.#bgapi(line.slice(6), command)
      return
    }
    this.#reply(this.#simple(line, lower, session))
  }

  #unauthenticated (line: string, lower: string): void {
    if (lower.startsWith('auth ')) {
      if (line.slice(5) === this.#options.password) {
        this.#authed = true
        this.#reply('+OK accepted')
      } else {
        this.#reply('-ERR invalid')
        this.end(GOODBYE_NOTICE)
      }
      return
    }
    if (lower.startsWith('userauth ')) {
      // No user directory here, so no user can log in.
      this.#reply('-ERR invalid')
      this.end(GOODBYE_NOTICE)
      return
    }
    this.#reply('-ERR command not found')
  }

  /** The commands whose reply is all they do. */
  #simple (line: string, lower: string, session: string | undefined): string {
    if (lower.startsWith('log')) {
      const level = line.length > 3 ? line.slice(4) : ''
      const number = level === '' ? LOG_LEVELS.debug : /^[0-7]$/.test(level) ? Number(level) : LOG_LEVELS[level.toLowerCase()]
      if (number === undefined) return '-ERR invalid log level'
      this.#logging = true
      return `+OK log level ${level} [${number}]`
    }
    if (lower.startsWith('linger')) return session === undefined ? '-ERR not controlling a session' : '+OK will linger'
    if (lower.startsWith('nolinger')) return session === undefined ? '-ERR not controlling a session' : '+OK will not linger'
    if (lower.startsWith('nolog')) {
      const was = this.#logging
      this.#logging = false
      return was ? '+OK no longer logging' : '-ERR not loging'
    }
    if (lower.startsWith('event')) {
      const space = line.indexOf(' ', 5)
      return this.#subscription.event(space < 0 ? '' : line.slice(space + 1))
    }
    if (lower.startsWith('nixevent')) {
      const space = line.indexOf(' ', 5)
      return this.#subscription.nixevent(space < 0 ? '' : line.slice(space + 1))
    }
    if (lower.startsWith('noevents')) {
      this.#held.length = 0
      return this.#subscription.noevents()
    }
    return '-ERR command not found'
  }

  /** Inbound `myevents <uuid> [format]`: this connection now follows that channel. */
  #myevents (rest: string): string {
    if (this.#subscription.myEvents !== undefined) return '-ERR aready enabled.'
    const [uuid = '', format] = rest.split(' ')
    if (this.#options.projector.model.channel(uuid) === undefined) return '-ERR invalid uuid'
    this.#subscription.myevents(uuid, format)
    return '+OK Events Enabled'
  }

  #divert (onoff: string, session: string | undefined): string {
    if (session === undefined) return '-ERR not controlling a session.'
    if (onoff === '') return '-ERR missing value.'
    return onoff.toLowerCase() === 'on' ? '+OK events diverted' : '+OK events not diverted'
  }

  /**
   * `sendmsg <uuid>` (switch_ivr_parse_event): `call-command: execute` queues the app,
   * `hangup` hangs up with `hangup-cause`. Inbound, the reply comes at once.
   */
  #sendmsg (target: string, command: EslCommand, session: string | undefined): string {
    const uuid = target !== '' ? target : command.header('session-id') ?? session
    const projector = this.#options.projector
    if (uuid === undefined || uuid === '' || projector.model.channel(uuid) === undefined) {
      return `-ERR invalid session id [${uuid ?? ''}]`
    }
    const callCommand = command.header('call-command')?.toLowerCase()
    if (callCommand === 'execute') {
      const name = command.header('execute-app-name')
      let arg = command.header('execute-app-arg')
      if (arg === undefined && command.header('content-type')?.toLowerCase() === 'text/plain') arg = command.body
      const loops = Math.max(1, Number.parseInt(command.header('loops') ?? '1', 10) || 1)
      const appUuid = command.header('event-uuid') ?? randomUUID()
      if (name !== undefined && name !== '') {
        for (let i = 0; i < loops; i++) projector.apps.execute(uuid, { name, arg: arg ?? '', uuid: appUuid })
      }
    } else if (callCommand === 'hangup') {
      const cause = command.header('hangup-cause')
      projector.model.hangup(uuid, cause === undefined ? 'NORMAL_CLEARING' : causeName(cause), 'switch')
    }
    return '+OK'
  }

  #raiseApi (name: string, arg: string | undefined): void {
    const headers: Header[] = [['API-Command', name]]
    if (arg !== undefined) headers.push(['API-Command-Argument', arg])
    const projector = this.#options.projector
    projector.raise(projector.factory.create('API', { headers }))
  }

  async #run (text: string): Promise<{ name: string, arg: string | undefined, body: string | undefined, after?: () => void }> {
    const space = text.indexOf(' ')
    const name = space < 0 ? text : text.slice(0, space)
    const arg = space < 0 ? undefined : text.slice(space + 1)
    this.#raiseApi(name, arg)
    let result
    try {
      result = await this.#options.api.execute(name, arg)
    } catch {
      result = { body: `-ERR ${name} failed\n` }
    }
    return { name, arg, body: result?.body, ...(result?.after === undefined ? {} : { after: result.after }) }
  }

  /** `api <cmd> [arg]`: the output as api/response; events it causes come after it. */
  async #api (text: string): Promise<void> {
    const { name, body, after } = await this.#run(text)
    const output = body === undefined ? `-ERR ${name} Command not found!\n` : body === '' ? '-ERR no reply\n' : body
    this.#write(apiResponse(output))
    after?.()
  }

  /** `bgapi <cmd> [arg]` + optional `Job-UUID`: the reply now, a BACKGROUND_JOB later. */
  #bgapi (text: string, command: EslCommand): void {
    const job = (command.header('job-uuid') ?? randomUUID()).slice(0, 36)
    this.#reply(`+OK Job-UUID: ${job}`, [['Job-UUID', job]])
    const projector = this.#options.projector
    void this.#run(text).then(({ name, arg, body, after }) => {
      const headers: Header[] = [['Job-UUID', job], ['Job-Command', name]]
      if (arg !== undefined) headers.push(['Job-Command-Arg', arg])
      const output = body ?? `-ERR ${name} Command not found!\n`
      projector.raise(projector.factory.create('BACKGROUND_JOB', { headers, body: output }))
      after?.()
    }).catch(() => undefined)
  }
}
