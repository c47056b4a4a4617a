// The API commands (`api …`, `bgapi …`) a call controller uses, with mod_commands' and
// mod_conference's output texts; where a capture shows one (test/fixtures/captures/
// freeswitch-1.11.1/ 00, 07, 08, 09, 99) it is copied byte for byte. An unknown command is
// for the caller to report (`-ERR <cmd> Command not found!`, mod_event_socket api_exec).

import { randomUUID } from 'node:crypto'
import { causeName } from './esl-causes.js'
import { EslScheduler } from './esl-scheduler.js'
import { dialLeg, originate, splitArgs, startLeg, type ApiResult } from './esl-originate.js'
import type { EslProjector } from './esl-projector.js'
import type { SimChannel } from './model-types.js'

export type { ApiResult } from './esl-originate.js'

/** Shaped like `api version` of the captured 1.11.1 (capture 00), marked as the simulator. */
export const VERSION = '1.11.1-sim~64bit'
const NO_SUCH_CHANNEL = '-ERR No such channel!\n'
/** A session thread's frame: a parked or conferenced channel looks at its state this often. */
const SESSION_FRAME_MS = 20
const TRANSFER_SYNTAX = '<uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]'

type Command = (arg: string | undefined) => ApiResult | Promise<ApiResult>

function plural (n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

export class EslApi {
  readonly #projector: EslProjector
  readonly #startedAt = Date.now()
  readonly #commands: Readonly<Record<string, Command>>
  readonly scheduler = new EslScheduler(async (command, arg) => await this.execute(command, arg))

  constructor (projector: EslProjector) {
    this.#projector = projector
    this.#commands = {
      version: () => ({ body: `FreeSWITCH Version ${VERSION} ( 64bit)\n` }),
      status: () => ({ body: this.#status() }),
      hostname: () => ({ body: projector.model.hostname }),
      create_uuid: () => ({ body: randomUUID() }),
      echo: (arg) => ({ body: arg ?? '' }),
      sofia: (arg) => ({ body: this.#sofia(arg) }),
      originate: async (arg) => await originate(projector, arg),
      uuid_kill: (arg) => ({ body: this.#kill(arg) }),
      uuid_transfer: (arg) => ({ body: this.#transfer(arg) }),
      uuid_answer: async (arg) => ({ body: await this.#answer(arg) }),
      uuid_exists: (arg) => ({ body: projector.live(arg?.trim() ?? '') === undefined ? 'false' : 'true' }),
      uuid_getvar: (arg) => ({ body: this.#getvar(arg) }),
      uuid_setvar: (arg) => ({ body: this.#setvar(arg) }),
      uuid_break: (arg) => ({ body: this.#break(arg) }),
      hupall: (arg) => ({ body: this.#hupall(arg) }),
      // mod_commands file_exists: `true` or `false`, no newline (seen on FreeSWITCH 1.11.1).
      file_exists: (arg) => ({ body: arg !== undefined && projector.model.install.hasMedia(arg.trim()) ? 'true' : 'false' }),
      conference: async (arg) => await this.#conference(arg),
      show: (arg) => ({ body: this.#show(arg) }),
      sched_api: (arg) => ({ body: this.scheduler.add(arg) }),
      sched_del: (arg) => ({ body: this.scheduler.del(arg) }),
      unsched_api: (arg) => ({ body: this.scheduler.unsched(arg) })
    }
  }

  /** The switch went away: its scheduled tasks with it. */
  close (): void {
    this.scheduler.close()
  }

  /** The command's output, or undefined for a command this switch does not have. */
  async execute (command: string, arg: string | undefined): Promise<ApiResult | undefined> {
    const run = Object.hasOwn(this.#commands, command) ? this.#commands[command] : undefined
    if (run === undefined) return undefined
    return await run(arg)
  }

  /** mod_commands status_function. */
  #status (): string {
    let left = Date.now() - this.#startedAt
    const unit = (ms: number): number => { const n = Math.floor(left / ms); left -= n * ms; return n }
    const years = unit(365 * 86_400_000)
    const days = unit(86_400_000)
    const hours = unit(3_600_000)
    const minutes = unit(60_000)
    const seconds = unit(1000)
    const live = this.#projector.model.channels().length
    return `UP ${plural(years, 'year')}, ${plural(days, 'day')}, ${plural(hours, 'hour')}, ${plural(minutes, 'minute')}, ` +
      `${plural(seconds, 'second')}, ${plural(left, 'millisecond')}, 0 microseconds\n` +
      `FreeSWITCH (Version ${VERSION.replace('~', ' ')}) is ready\n` +
      `${this.#projector.channelsCreated} session(s) since startup\n` +
      `${live} session(s) - peak ${live}, last 5min ${live}\n` +
      '0 session(s) per Sec out of max 30, peak 0, last 5min 0\n' +
      '1000 session(s) max\n' +
      'min idle cpu 0.00/100.00\n' +
      'Current Stack Size/Max 240K/8192K\n'
  }

  /** `sofia status`, shaped as capture 00 shows it; other sofia commands are not simulated. */
  #sofia (arg: string | undefined): string {
    if (arg?.trim() !== 'status') return '-ERR simulated switch: only `sofia status` is available\n'
    const rule = `${'='.repeat(97)}\n`
    const row = (a: string, b: string, c: string, d: string): string => `${a.padStart(25)}\t${b.padStart(7)}\t${c.padStart(42)}\t${d}\n`
    return row('Name', 'Type', 'Data', 'State') + rule +
      row('internal', 'profile', 'sip:mod_sofia@127.0.0.1:5080', 'RUNNING (0)') + rule + '1 profile 0 aliases\n'
  }

  /** `uuid_kill <uuid> [cause]` (capture 08: `+OK`; capture 09: `-ERR No such channel!`). */
  #kill (arg: string | undefined): string {
    if (arg === undefined || arg.trim() === '') return '-USAGE: <uuid> [cause]\n'
    const space = arg.indexOf(' ')
    const id = space < 0 ? arg : arg.slice(0, space)
    const cause = space < 0 || arg.slice(space + 1).trim() === '' ? 'NORMAL_CLEARING' : causeName(arg.slice(space + 1))
    // switch_channel_hangup from the api thread: the channel is hanging up at once (a second
    // kill finds no channel), its session thread tears it down on its next frame, so its events
    // follow the reply (capture 08: 20 ms after each +OK; 12_transfer_hunt: +OK, -ERR No such
    // channel!, then the killed leg's CHANNEL_EXECUTE_COMPLETE and CHANNEL_HANGUP_COMPLETE).
    return this.#projector.model.requestHangup(id, cause, SESSION_FRAME_MS) ? '+OK\n' : NO_SUCH_CHANNEL
  }

  /** `uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>]` (capture 07). */
  #transfer (arg: string | undefined): string {
    const argv = (arg ?? '').split(' ').filter((part) => part !== '')
    if (argv.length < 2 || argv.length > 5) return `-USAGE: ${TRANSFER_SYNTAX}\n`
    const [id = '', ...rest] = argv
    if (this.#projector.live(id) === undefined) return NO_SUCH_CHANNEL
    // There are no bridges here, so -bleg and -both move the channel itself.
    if (rest[0]?.startsWith('-') === true) rest.shift()
    const [dest, dialplan = 'XML', context] = rest
    if (dest === undefined) return `-USAGE: ${TRANSFER_SYNTAX}\n`
    return this.#projector.apps.transfer(id, dest, dialplan, context) ? '+OK\n' : '-ERR\n'
  }

  /** `uuid_answer <uuid>` (capture 09: `-ERROR` for an unknown uuid). */
  async #answer (arg: string | undefined): Promise<string> {
    const id = arg?.trim() ?? ''
    if (this.#projector.live(id) === undefined) return '-ERROR\n'
    try {
      await this.#projector.model.answer(id)
      return '+OK\n'
    } catch {
      return '-ERROR\n'
    }
  }

  /**
   * mod_commands `show channels [as json]`: one row per channel of the core's channels table
   * (the columns of 1.11.1). JSON as show_as_json_callback writes it: unformatted, no newline,
   * and `{"row_count": 0}` and a newline when there is none.
   */
  #show (arg: string | undefined): string {
    const words = (arg ?? '').trim().split(/\s+/)
    if (words[0] !== 'channels') return '-USAGE: show channels [as json]\n'
    const rows = this.#projector.model.channels().filter((c) => c.answerState !== 'hangup').map((c) => this.#channelRow(c))
    if (words[1] === 'as' && words[2] === 'json') {
      return rows.length === 0 ? '{"row_count": 0}\n' : JSON.stringify({ row_count: rows.length, rows })
    }
    const columns = Object.keys(this.#channelRow(undefined))
    return [columns.join(','), ...rows.map((r) => Object.values(r).join(',')), '', `${rows.length} total.`, ''].join('\n')
  }

  #channelRow (c: SimChannel | undefined): Record<string, string> {
    const view = c === undefined ? undefined : this.#projector.view(c)
    const app = c?.variables.get('current_application') ?? ''
    return {
      uuid: c?.id ?? '',
      direction: c?.direction ?? '',
      created: c === undefined ? '' : new Date(c.createdAt).toISOString().replace('T', ' ').slice(0, 19),
      created_epoch: c === undefined ? '' : String(Math.floor(c.createdAt / 1000)),
      name: c?.name ?? '',
      state: view?.stateName ?? '',
      cid_name: c?.callerIdName ?? '',
      cid_num: c?.callerIdNumber ?? '',
      ip_addr: '',
      dest: c?.destination ?? '',
      application: app,
      application_data: c?.variables.get('current_application_data') ?? '',
      dialplan: 'XML',
      context: c?.direction === 'inbound' ? 'public' : 'default',
      read_codec: 'PCMU', read_rate: '8000', read_bit_rate: '64000',
      write_codec: 'PCMU', write_rate: '8000', write_bit_rate: '64000',
      secure: '',
      hostname: this.#projector.model.hostname,
      presence_id: '', presence_data: '', accountcode: '',
      callstate: view?.callState ?? '',
      callee_name: '', callee_num: '', callee_direction: '',
      call_uuid: c?.id ?? '',
      sent_callee_name: '', sent_callee_num: '',
      initial_cid_name: c?.callerIdName ?? '', initial_cid_num: c?.callerIdNumber ?? '', initial_ip_addr: '',
      initial_dest: c?.destination ?? '', initial_dialplan: 'XML', initial_context: c?.direction === 'inbound' ? 'public' : 'default'
    }
  }

  #getvar (arg: string | undefined): string {
    const [id = '', name = ''] = (arg ?? '').split(' ')
    const channel = this.#projector.live(id)
    if (channel === undefined) return NO_SUCH_CHANNEL
    return channel.variables.get(name) ?? '_undef_'
  }

  #setvar (arg: string | undefined): string {
    const argv = (arg ?? '').split(' ')
    const [id = '', name = ''] = argv
    const channel = this.#projector.live(id)
    if (channel === undefined) return NO_SUCH_CHANNEL
    if (name === '') return '-USAGE: <uuid> <var> [value]\n'
    const value = argv.slice(2).join(' ')
    if (value === '') channel.variables.delete(name)
    else channel.variables.set(name, value)
    return '+OK\n'
  }

  #break (arg: string | undefined): string {
    const [id = '', all] = (arg ?? '').split(' ')
    if (this.#projector.live(id) === undefined) return NO_SUCH_CHANNEL
    this.#projector.apps.breakPlayback(id, all?.toLowerCase() === 'all')
    return '+OK\n'
  }

  /** `hupall [cause] [var value]` (capture 99). */
  #hupall (arg: string | undefined): string {
    const argv = (arg ?? '').split(' ').filter((part) => part !== '')
    let cause = argv[0] === undefined ? 'MANAGER_REQUEST' : causeName(argv[0])
    if (cause === 'NONE') cause = 'MANAGER_REQUEST'
    const [, name, value] = argv
    for (const channel of this.#projector.model.channels()) {
      if (channel.answerState === 'hangup') continue
      if (name !== undefined && value !== undefined && channel.variables.get(name) !== value) continue
      this.#projector.model.hangup(channel.id, cause, 'switch')
    }
    return name !== undefined && value !== undefined
      ? `+OK hangup all channels matching [${name}]=[${value}] with cause: ${cause}\n`
      : `+OK hangup all channels with cause ${cause}\n`
  }

  /** mod_conference: `list`, `kick`, `dial` (conference_api_main_real and its subcommands). */
  async #conference (arg: string | undefined): Promise<ApiResult> {
    const argv = splitArgs(arg ?? '')
    const [room = '', sub = '', ...rest] = argv
    const model = this.#projector.model
    if (room === 'list') return { body: this.#listAll() }
    const conference = model.conference(room)
    if (sub.toLowerCase() === 'dial') return await this.#dial(room, rest)
    if (conference === undefined) return { body: `-ERR Conference ${room} not found\n` }
    switch (sub.toLowerCase()) {
      case 'list':
        return { body: this.#projector.conferences.listLines(conference, (id) => this.#describe(id)) }
      case 'kick':
        return { body: this.#kick(room, rest[0] ?? '') }
      case '':
        return { body: 'Conference command, not specified.\nTry \'help\'\n' }
      default:
        return { body: `Conference command '${sub}' not found.\n` }
    }
  }

  #describe (id: string): { name: string, cid: [string, string] } | undefined {
    const channel = this.#projector.model.channel(id)
    if (channel === undefined) return undefined
    return { name: channel.name, cid: this.#projector.view(channel).callerId(channel) }
  }

  #listAll (): string {
    const rooms = new Set<string>()
    for (const channel of this.#projector.model.channels()) {
      if (channel.conference !== undefined) rooms.add(channel.conference.room)
    }
    let out = ''
    for (const room of rooms) {
      const conference = this.#projector.model.conference(room)
      if (conference === undefined) continue
      const size = conference.members.size
      out += `Conference ${room} (${plural(size, 'member')} rate: 8000 flags: running|answered|enforce_min|dynamic|exit_sound|enter_sound)\n`
      out += this.#projector.conferences.listLines(conference, (id) => this.#describe(id))
    }
    return out === '' ? 'No active conferences.\n' : out
  }

  /** `kick <id|all|last>`: `OK kicked <id>`, a kick-member event, then the member leaves. */
  #kick (room: string, target: string): string {
    const conference = this.#projector.model.conference(room)
    if (conference === undefined) return `-ERR Conference ${room} not found\n`
    const members = [...conference.members].sort((a, b) => a[1] - b[1])
    const last = members[members.length - 1]
    const chosen = target === 'all' ? members : target === 'last' ? (last === undefined ? [] : [last]) : members.filter(([, id]) => String(id) === target)
    if (chosen.length === 0) return `Non-Existant ID ${Number.parseInt(target, 10) || 0}\n`
    let out = ''
    for (const [channelId, memberId] of chosen) {
      const channel = this.#projector.model.channel(channelId)
      if (channel === undefined) continue
      out += `OK kicked ${memberId}\n`
      this.#projector.raiseKick(conference, channel, memberId)
      this.#projector.model.leaveConference(channelId)
    }
    return out
  }

  /**
   * `conference <room> dial <endpoint> <cid_num> <cid_name>`: the outcome is reported inside
   * an `+OK` (PROTOCOLS.md: `+OK Call Requested: result: [USER_BUSY]`); an answered leg joins.
   */
  async #dial (room: string, argv: readonly string[]): Promise<ApiResult> {
    const [url, cidNumber, cidName] = argv
    if (url === undefined) return { body: 'dial <endpoint_module_name>/<destination> <callerid number> <callerid name>' }
    const result = await dialLeg(this.#projector, { url, cidNumber, cidName, timeoutSec: 60, app: { name: 'conference', arg: room } })
    if (!result.ok) return { body: `+OK Call Requested: result: [${result.cause}]\n` }
    return {
      body: '+OK Call Requested: result: [SUCCESS]\n',
      after: () => { startLeg(this.#projector, result.id, `&conference(${room})`, 'XML') }
    }
  }
}
