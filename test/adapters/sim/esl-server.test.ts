import { connect, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { EslServer, type EslServerOptions } from '../../../src/adapters/sim/esl-server.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import type { SimCallHandle, SimSwitchOptions } from '../../../src/adapters/sim/model-types.js'
import { SHIPPED_INSTALL, promptMedia } from '../../helpers/install.js'

const HELLO = promptMedia.esl('welcome')
const MISSING = promptMedia.esl('no-such-prompt')

// --- a raw Event Socket client ---------------------------------------------------------------

interface Frame {
  type: string
  headers: Map<string, string>
  body: string
  /** Event headers (json parsed, plain url-decoded) and `_body`. */
  event: Record<string, string> | undefined
}

function parseFrames (buf: Buffer, out: Frame[]): Buffer {
  for (;;) {
    const end = buf.indexOf('\n\n')
    if (end < 0) return buf
    const headers = new Map<string, string>()
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      const colon = line.indexOf(': ')
      if (colon > 0) headers.set(line.slice(0, colon), line.slice(colon + 2))
    }
    const length = Number(headers.get('Content-Length') ?? '0')
    if (buf.length < end + 2 + length) return buf
    const body = buf.subarray(end + 2, end + 2 + length).toString('utf8')
    const type = headers.get('Content-Type') ?? ''
    let event: Record<string, string> | undefined
    if (type === 'text/event-json') event = JSON.parse(body) as Record<string, string>
    if (type === 'text/event-plain') {
      event = {}
      const split = body.indexOf('\n\n')
      for (const line of (split < 0 ? body : body.slice(0, split)).split('\n')) {
        const colon = line.indexOf(': ')
        if (colon > 0) event[line.slice(0, colon)] = decodeURIComponent(line.slice(colon + 2))
      }
      if (split >= 0 && split + 2 < body.length) event._body = body.slice(split + 2)
    }
    out.push({ type, headers, body, event })
    buf = buf.subarray(end + 2 + length)
  }
}

class Client {
  readonly frames: Frame[] = []
  readonly #socket: Socket
  #buf: Buffer = Buffer.alloc(0)
  #pos = 0
  #closed = false
  #wake: () => void = () => {}

  constructor (socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buf = parseFrames(Buffer.concat([this.#buf, chunk]), this.frames)
      this.#wake()
    })
    socket.on('close', () => { this.#closed = true; this.#wake() })
    socket.on('error', () => {})
  }

  static async open (port: number): Promise<Client> {
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
    return new Client(socket)
  }

  get closed (): boolean {
    return this.#closed
  }

  send (text: string): void {
    this.#socket.write(text.endsWith('\n\n') ? text : `${text}\n\n`)
  }

  write (bytes: Buffer | string): void {
    this.#socket.write(bytes)
  }

  async #wait (ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.#wake = () => { clearTimeout(timer); resolve() }
      })
    }
  }

  /** The next frame, in order. */
  async next (what = 'a frame'): Promise<Frame> {
    await this.#wait(() => this.frames.length > this.#pos, what)
    const frame = this.frames[this.#pos++]
    if (frame === undefined) throw new Error('no frame')
    return frame
  }

  /** Skips frames up to the first one that matches. */
  async until (match: (frame: Frame) => boolean, what: string): Promise<Frame> {
    for (;;) {
      const frame = await this.next(what)
      if (match(frame)) return frame
    }
  }

  async reply (command: string): Promise<string> {
    this.send(command)
    const frame = await this.until((f) => f.type === 'command/reply' || f.type === 'api/response', `the reply to ${command}`)
    return frame.type === 'api/response' ? frame.body : frame.headers.get('Reply-Text') ?? ''
  }

  async waitClosed (): Promise<void> {
    await this.#wait(() => this.#closed, 'the connection to close')
  }

  destroy (): void {
    this.#socket.destroy()
  }
}

const is = (name: string, id?: string) => (frame: Frame): boolean =>
  frame.event?.['Event-Name'] === name && (id === undefined || frame.event['Unique-ID'] === id)
const action = (name: string) => (frame: Frame): boolean => frame.event?.Action === name
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Setup { model: SimSwitch, server: EslServer, port: number, client: () => Promise<Client> }

async function start (t: Test, modelOptions: Partial<SimSwitchOptions> = {}, serverOptions: Partial<EslServerOptions> = {}): Promise<Setup> {
  const model = new SimSwitch({ timeScale: 0.05, install: SHIPPED_INSTALL, ...modelOptions })
  const server = new EslServer(model, { password: 'pw', port: 0, ...serverOptions })
  const { port } = await server.listen()
  const clients: Client[] = []
  t.teardown(async () => {
    for (const c of clients) c.destroy()
    await server.close()
    model.close()
  })
  const client = async (): Promise<Client> => {
    const c = await Client.open(port)
    clients.push(c)
    return c
  }
  return { model, server, port, client }
}

/** A connected, authenticated client subscribed with `event json ALL`. */
async function session (setup: Setup, events = 'ALL'): Promise<Client> {
  const c = await setup.client()
  await c.next('auth/request')
  await c.reply('auth pw')
  if (events !== '') await c.reply(`event json ${events}`)
  return c
}

/** A caller parked and seen parked. */
async function parkedCall (setup: Setup, c: Client, from = '13812345678'): Promise<SimCallHandle> {
  const call = setup.model.placeCall({ from, to: '12345' })
  await c.until(is('CHANNEL_PARK', call.channel.id), 'CHANNEL_PARK')
  return call
}

function sendmsg (c: Client, id: string, app: string, arg = '', uuid = `${app}-${Math.random()}`): string {
  c.send(`sendmsg ${id}\ncall-command: execute\nexecute-app-name: ${app}\nexecute-app-arg: ${arg}\nEvent-UUID: ${uuid}`)
  return uuid
}

async function complete (c: Client, uuid: string): Promise<Record<string, string>> {
  const frame = await c.until((f) => f.event?.['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && f.event['Application-UUID'] === uuid, `completion of ${uuid}`)
  return frame.event ?? {}
}

// --- tests ---------------------------------------------------------------------------------------

void t.test('authentication: a command before auth, a wrong password, exit', async (t) => {
  const setup = await start(t)
  const c = await setup.client()
  t.equal((await c.next()).type, 'auth/request')
  t.equal(await c.reply('api status'), '-ERR command not found', 'mod_event_socket answers anything but auth so')
  t.notOk(c.closed, 'and keeps the connection')
  t.equal(await c.reply('auth nope'), '-ERR invalid')
  const notice = await c.next()
  t.equal(notice.type, 'text/disconnect-notice')
  t.equal(notice.body, 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n')
  await c.waitClosed()

  const d = await session(setup, '')
  t.equal(await d.reply('exit'), '+OK bye')
  t.equal((await d.next()).type, 'text/disconnect-notice')
  await d.waitClosed()
  t.equal(setup.server.connectionCount(), 0)
})

void t.test('the first command must come in time', async (t) => {
  const setup = await start(t, {}, { authTimeoutMs: 30 })
  const c = await setup.client()
  await c.next('auth/request')
  t.equal((await c.next('the notice')).type, 'text/disconnect-notice')
  await c.waitClosed()
})

void t.test('subscriptions add up, formats switch, CUSTOM takes subclasses', async (t) => {
  const setup = await start(t)
  const c = await session(setup, '')
  t.equal(await c.reply('event json'), '-ERR no keywords supplied')
  t.equal(await c.reply('event json CHANNEL_PARK'), '+OK event listener enabled json')
  t.equal(await c.reply('event plain CHANNEL_ANSWER NOT_AN_EVENT'), '+OK event listener enabled plain')
  const call = setup.model.placeCall({ from: '13800000000', to: '12345', callerIdName: '张 三%' })
  const park = await c.next('CHANNEL_PARK')
  t.equal(park.type, 'text/event-plain', 'the last format asked for applies to all')
  t.equal(park.event?.['Caller-Caller-ID-Name'], '张 三%', 'plain values decode with decodeURIComponent')
  t.equal(park.event?.['Answer-State'], 'ringing')
  const uuid = sendmsg(c, call.channel.id, 'answer')
  t.equal((await c.next()).headers.get('Reply-Text'), '+OK')
  const answer = await c.next('CHANNEL_ANSWER')
  t.equal(answer.event?.['Event-Name'], 'CHANNEL_ANSWER', 'CHANNEL_EXECUTE_COMPLETE is not subscribed')
  t.equal(await c.reply('nixevent CHANNEL_ANSWER'), '+OK events nixed')
  t.equal(await c.reply('event json CUSTOM conference::maintenance'), '+OK event listener enabled json')
  sendmsg(c, call.channel.id, 'conference', 'r1')
  const add = await c.until(action('add-member'), 'add-member')
  t.equal(add.event?.['Event-Subclass'], 'conference::maintenance')
  t.equal(add.event?.['Conference-Name'], 'r1')
  t.equal(await c.reply('noevents'), '+OK no longer listening for events')
  t.equal(await c.reply('noevents'), '-ERR not listening for events')
  void uuid
})

void t.test('filters: only matching events once one exists', async (t) => {
  const setup = await start(t)
  const c = await session(setup, 'CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB')
  const one = setup.model.placeCall({ from: '1001', to: '12345' })
  const two = setup.model.placeCall({ from: '1002', to: '12345' })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(await c.reply(`filter Unique-ID ${one.channel.id}`), `+OK filter added. [Unique-ID]=[${one.channel.id}]`)
  t.equal(await c.reply('filter Unique-ID'), '-ERR invalid syntax')
  c.send('bgapi status\nJob-UUID: job-filtered')
  t.match((await c.next()).headers.get('Reply-Text'), /^\+OK Job-UUID: job-filtered$/)
  two.hangup()
  one.hangup()
  const done = await c.next('a HANGUP_COMPLETE')
  t.equal(done.event?.['Unique-ID'], one.channel.id, 'the other call and the BACKGROUND_JOB were filtered out')
  t.equal(await c.reply(`filter delete Unique-ID ${one.channel.id}`), `+OK filter deleted. [Unique-ID][${one.channel.id}]`)
  c.send('bgapi status\nJob-UUID: job-open')
  const events: Frame[] = []
  const job = await c.until((f) => { events.push(f); return f.event?.['Event-Name'] === 'BACKGROUND_JOB' }, 'BACKGROUND_JOB')
  t.equal(job.event?.['Job-UUID'], 'job-open', 'with no filter left, all events pass again')
  t.notOk(events.some((f) => f.event?.['Job-UUID'] === 'job-filtered'), 'the filtered job never came')
})

void t.test('api is synchronous: replies in order, events after them', async (t) => {
  const setup = await start(t)
  const c = await session(setup)
  const call = await parkedCall(setup, c)
  c.write(`api uuid_kill ${call.channel.id}\n\napi uuid_exists ${call.channel.id}\n\n`)
  const first = await c.next()
  const second = await c.next()
  t.equal(first.type, 'api/response')
  t.equal(first.body, '+OK\n')
  t.equal(second.type, 'api/response', 'the second reply comes before any event the first caused')
  t.equal(second.body, 'false')
  const complete = await c.until(is('CHANNEL_HANGUP_COMPLETE', call.channel.id), 'HANGUP_COMPLETE')
  t.equal(complete.event?.['Hangup-Cause'], 'NORMAL_CLEARING')
  t.equal(complete.event?.variable_sip_hangup_disposition, 'send_refuse', 'an unanswered call refused by the switch')
})

void t.test('api originate: +OK first, then the leg; failures as -ERR <CAUSE>', async (t) => {
  const setup = await start(t)
  setup.model.defineEndpoint('02150008101', { kind: 'answer', afterMs: 10 })
  const c = await session(setup)
  const id = '11111111-2222-3333-4444-555555555555'
  c.send(`api originate {origination_uuid=${id},origination_caller_id_number=12345,hc_tag=x}sofia/gateway/department/02150008101 &park()`)
  const reply = await c.until((f) => f.type === 'api/response' || is('CHANNEL_CREATE')(f), 'the reply')
  t.equal(reply.type, 'api/response', 'nothing of the new leg before the reply')
  t.equal(reply.body, `+OK ${id}\n`)
  const park = await c.until(is('CHANNEL_PARK', id), 'CHANNEL_PARK')
  t.equal(park.event?.['Caller-Caller-ID-Number'], '02150008101', 'caller and callee swap once the leg runs its app')
  t.equal(park.event?.['Caller-Callee-ID-Number'], '12345')
  t.equal(park.event?.variable_hc_tag, 'x', 'other variables stay on the channel')
  t.equal(await c.reply('api originate error/user_busy &park()'), '-ERR USER_BUSY\n')
  t.equal(await c.reply('api originate foo/02150008101 &park()'), '-ERR CHAN_NOT_IMPLEMENTED\n')
  t.equal(await c.reply('api originate sofia/gateway/department/7777 &park()'), '-ERR UNALLOCATED_NUMBER\n')
  // What the installed configuration has: one gateway and profile, the agents' phones.
  t.equal(await c.reply('api originate sofia/gateway/gw/7777 &park()'), '-ERR INVALID_GATEWAY\n')
  t.equal(await c.reply('api originate sofia/internal/7777@10.0.0.1 &park()'), '-ERR INVALID_PROFILE\n')
  t.equal(await c.reply('api originate user/9999 &park()'), '-ERR SUBSCRIBER_ABSENT\n', 'not a phone of agents.yaml')
  t.equal(await c.reply('api originate user/8001 &park()'), '-ERR USER_NOT_REGISTERED\n', 'a phone that has not registered')
  setup.model.registerPhone('8001', { kind: 'busy' })
  t.equal(await c.reply('api originate user/8001 &park()'), '-ERR USER_BUSY\n', 'a registered phone is dialled')
  t.match(await c.reply('api originate sofia/gateway/department/02150008101'), /^-USAGE: <call url>/)
  t.equal(await c.reply('api no_such_command'), '-ERR no_such_command Command not found!\n')
})

void t.test('bgapi: the Job-UUID now, a BACKGROUND_JOB later', async (t) => {
  const setup = await start(t)
  setup.model.defineEndpoint('02150008201', { kind: 'busy' })
  const c = await session(setup)
  c.send('bgapi status')
  const reply = await c.next()
  const job = reply.headers.get('Job-UUID') ?? ''
  t.match(job, UUID, 'a Job-UUID is made up when none is given')
  t.equal(reply.headers.get('Reply-Text'), `+OK Job-UUID: ${job}`)
  const done = await c.until(is('BACKGROUND_JOB'), 'BACKGROUND_JOB')
  t.equal(done.event?.['Job-UUID'], job)
  t.equal(done.event?.['Job-Command'], 'status')
  t.equal(done.event?.['Job-Command-Arg'], undefined)
  t.match(done.event?._body, /^UP 0 years, 0 days/)
  c.send('bgapi originate {origination_caller_id_number=12345}sofia/hotline/02150008201@10.0.0.1 &park()\nJob-UUID: busy-1')
  const busy = await c.until((f) => is('BACKGROUND_JOB')(f) && f.event?.['Job-UUID'] === 'busy-1', 'the busy job')
  t.equal(busy.event?._body, '-ERR USER_BUSY\n')
  t.equal(busy.event?.['Job-Command-Arg'], '{origination_caller_id_number=12345}sofia/hotline/02150008201@10.0.0.1 &park()')
  c.send('bgapi nope 1\nJob-UUID: nope-1')
  const nope = await c.until((f) => is('BACKGROUND_JOB')(f) && f.event?.['Job-UUID'] === 'nope-1', 'the unknown job')
  t.equal(nope.event?._body, '-ERR nope Command not found!\n')
})

void t.test('sendmsg: unknown uuids, apps one at a time in order, variables, stale responses', async (t) => {
  const setup = await start(t)
  const c = await session(setup)
  t.equal(await c.reply('sendmsg 00000000-0000-0000-0000-000000000000\ncall-command: execute\nexecute-app-name: answer'),
    '-ERR invalid session id [00000000-0000-0000-0000-000000000000]')
  t.equal(await c.reply('sendmsg\ncall-command: execute\nexecute-app-name: answer'), '-ERR invalid session id []')
  const call = await parkedCall(setup, c)
  const id = call.channel.id
  const a = sendmsg(c, id, 'answer')
  const b = sendmsg(c, id, 'playback', 'tone_stream://%(100,0,440)')
  c.send(`sendmsg ${id}\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: hc_x=1 2\nevent-uuid: lower-case`)
  const order: string[] = []
  for (let i = 0; i < 3; i++) {
    const done = await c.until(is('CHANNEL_EXECUTE_COMPLETE', id), 'a completion')
    order.push(done.event?.['Application-UUID'] ?? '')
    if (i === 2) {
      t.equal(done.event?.Application, 'set')
      t.equal(done.event?.['Application-Response'], '_none_', 'set sets no response, and its start cleared the last one')
      t.equal(done.event?.variable_hc_x, '1 2')
    }
  }
  t.same(order, [a, b, 'lower-case'], 'one at a time, in the order sent; event-uuid in any case')
  const x = sendmsg(c, id, 'hangup', 'USER_BUSY')
  const hungUp = await complete(c, x)
  t.equal(hungUp.Application, 'hangup')
  const complete2 = await c.until(is('CHANNEL_HANGUP_COMPLETE', id), 'HANGUP_COMPLETE')
  t.equal(complete2.event?.['Hangup-Cause'], 'USER_BUSY')
  t.equal(complete2.event?.variable_last_app, 'hangup')
})

void t.test('playback: PLAYBACK_START/STOP, FILE PLAYED, FILE NOT FOUND, terminators', async (t) => {
  const setup = await start(t)
  const c = await session(setup)
  const call = await parkedCall(setup, c)
  const id = call.channel.id
  await complete(c, sendmsg(c, id, 'answer'))
  const played = sendmsg(c, id, 'playback', HELLO)
  const startEvent = await c.until(is('PLAYBACK_START', id), 'PLAYBACK_START')
  t.equal(startEvent.event?.['Playback-File-Path'], HELLO)
  const stop = await c.until(is('PLAYBACK_STOP', id), 'PLAYBACK_STOP')
  t.equal(stop.event?.['Playback-Status'], 'done')
  const done = await complete(c, played)
  t.equal(done['Application-Response'], 'FILE PLAYED')
  t.equal(done.variable_playback_ms, '1000')
  t.equal(done.variable_playback_seconds, '1')

  const frames: Frame[] = []
  const missing = sendmsg(c, id, 'playback', MISSING)
  const failed = await c.until((f) => { frames.push(f); return is('CHANNEL_EXECUTE_COMPLETE')(f) && f.event?.['Application-UUID'] === missing }, 'the failed playback')
  t.equal(failed.event?.['Application-Response'], 'FILE NOT FOUND')
  t.notOk(frames.some((f) => f.event?.['Event-Name'] === 'PLAYBACK_START'), 'a file that cannot be opened raises no PLAYBACK_START')

  await complete(c, sendmsg(c, id, 'set', 'playback_terminators=#'))
  const long = sendmsg(c, id, 'playback', 'silence_stream://600000')
  await c.until(is('PLAYBACK_START', id), 'the long playback')
  call.sendDtmf('5#')
  const broke = await c.until(is('PLAYBACK_STOP', id), 'PLAYBACK_STOP')
  t.equal(broke.event?.['Playback-Status'], 'break', '# is a terminator, 5 is not')
  const ended = await complete(c, long)
  t.equal(ended['Application-Response'], 'FILE PLAYED')
  t.equal(ended.variable_playback_terminator_used, '#')

  // The caller's BYE mid-prompt: switch_ivr_play_file finds the channel down (SWITCH_STATUS_FALSE).
  const cut = sendmsg(c, id, 'playback', 'silence_stream://600000')
  await c.until(is('PLAYBACK_START', id), 'the playback the caller cuts')
  call.hangup()
  const gone = await complete(c, cut)
  t.match(gone, { 'Application-Response': 'PLAYBACK ERROR', 'Answer-State': 'hangup' })
})

void t.test('play_and_get_digits copies switch_play_and_get_digits', async (t) => {
  const setup = await start(t)
  const c = await session(setup)
  const call = await parkedCall(setup, c)
  const id = call.channel.id
  await complete(c, sendmsg(c, id, 'answer'))
  const prompt = 'silence_stream://600000'

  // A key stops the prompt; digits until the terminator, which is not kept.
  const a = sendmsg(c, id, 'play_and_get_digits', `1 4 1 5000 # ${prompt} silence_stream://250 got \\d+`)
  await c.until(is('PLAYBACK_START', id), 'the prompt')
  call.sendDtmf('12#')
  t.equal((await c.until(is('PLAYBACK_STOP', id), 'the prompt stopping')).event?.['Playback-Status'], 'break')
  const gotA = await complete(c, a)
  t.equal(gotA.variable_got, '12')
  t.equal(gotA.variable_read_terminator_used, '#')
  t.equal(gotA.variable_read_result, 'success')

  // Up to max digits without a terminator.
  const b = sendmsg(c, id, 'play_and_get_digits', `2 3 1 5000 # ${prompt} silence_stream://250 got \\d+`)
  await c.until(is('PLAYBACK_START', id), 'the prompt')
  call.sendDtmf('1234')
  t.equal((await complete(c, b)).variable_got, '123')

  // A regex mismatch: the invalid file, another try, then nothing accepted.
  const r = sendmsg(c, id, 'play_and_get_digits', `1 1 2 5000 # ${prompt} silence_stream://250 got ^9$`)
  await c.until((f) => is('PLAYBACK_START', id)(f) && f.event?.['Playback-File-Path'] === prompt, 'try 1')
  call.sendDtmf('1')
  const invalid = await c.until((f) => is('PLAYBACK_START', id)(f), 'the invalid file')
  t.equal(invalid.event?.['Playback-File-Path'], 'silence_stream://250')
  await c.until((f) => is('PLAYBACK_START', id)(f) && f.event?.['Playback-File-Path'] === prompt, 'try 2')
  call.sendDtmf('2')
  const gotR = await complete(c, r)
  t.equal(gotR.variable_got, undefined, 'a rejected entry leaves the variable unset')
  t.equal(gotR.variable_got_invalid, '2', 'and names it in <var>_invalid')

  // Nothing keyed: the variable stays unset.
  const n = sendmsg(c, id, 'play_and_get_digits', '1 1 1 1000 # silence_stream://10 silence_stream://10 got \\d')
  const gotN = await complete(c, n)
  t.equal(gotN.variable_got, undefined)
  t.equal(gotN.variable_read_result, 'failure')
  t.equal(gotN.Application, 'play_and_get_digits')
})

void t.test('DTMF events for every key', async (t) => {
  const setup = await start(t)
  const c = await session(setup, 'DTMF CHANNEL_EXECUTE_COMPLETE')
  const call = setup.model.placeCall({ from: '1003', to: '12345' })
  await new Promise((resolve) => setImmediate(resolve))
  await complete(c, sendmsg(c, call.channel.id, 'answer'))
  call.sendDtmf('1*')
  const keys = [await c.next(), await c.next()].map((f) => [f.event?.['DTMF-Digit'], f.event?.['DTMF-Source'], f.event?.['DTMF-Duration']])
  t.same(keys, [['1', 'RTP', '2240'], ['*', 'RTP', '2240']])
})

void t.test('conferences: the app, list, kick, transfers in and out', async (t) => {
  const setup = await start(t)
  const c = await session(setup, 'CHANNEL_EXECUTE_COMPLETE CHANNEL_PARK CUSTOM conference::maintenance')
  const call = await parkedCall(setup, c)
  const id = call.channel.id
  const conf = sendmsg(c, id, 'conference', 'room9@default')
  const add = await c.until(action('add-member'), 'add-member')
  t.equal(add.event?.['Member-ID'], '1')
  t.equal(add.event?.['Conference-Size'], '1')
  t.equal((await c.until(action('floor-change'), 'floor-change')).event?.['New-ID'], '1')
  t.equal(await c.reply('api conference room9 list'), `1;${call.channel.name};${id};13812345678;13812345678;hear|speak|floor;0;0;0\n`)
  t.equal(await c.reply('api conference nope list'), '-ERR Conference nope not found\n')
  t.equal(await c.reply('api conference room9 kick 7'), 'Non-Existant ID 7\n')
  t.equal(await c.reply('api conference room9 kick 1'), 'OK kicked 1\n')
  t.equal((await c.until(action('del-member'), 'del-member')).event?.['Conference-Size'], '0')
  t.equal((await complete(c, conf)).Application, 'conference', 'the app ends when the member leaves')
  t.equal(setup.model.channel(id)?.answerState, 'answered', 'a kicked caller is back in park, still up')

  t.equal(await c.reply(`api uuid_transfer ${id} conference:room1 inline`), '+OK\n')
  const parkDone = await c.until((f) => f.event?.['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE', 'park ending')
  t.equal(parkDone.event?.Application, 'park')
  t.equal(parkDone.event?.['Caller-Destination-Number'], 'conference:room1')
  t.equal(parkDone.event?.['Caller-RDNIS'], '12345')
  const joined = await c.until(action('add-member'), 'add-member')
  t.equal(joined.event?.['Caller-Destination-Number'], '12345', 'routed, the profile names the number called again')
  t.equal(await c.reply(`api uuid_transfer ${id} park inline`), '+OK\n')
  await c.until(action('del-member'), 'del-member')
  t.equal((await c.until((f) => f.event?.['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE', 'conference ending')).event?.Application, 'conference')
  t.equal((await c.until(is('CHANNEL_PARK', id), 'parked again')).event?.['Caller-Destination-Number'], '12345')
  t.equal(await c.reply('api uuid_transfer 00000000-0000-0000-0000-000000000000 park inline'), '-ERR No such channel!\n')
  t.match(await c.reply(`api uuid_transfer ${id}`), /^-USAGE: /)
})

void t.test('uuid_* commands and the rest of mod_commands', async (t) => {
  const setup = await start(t)
  const c = await session(setup, '')
  const call = setup.model.placeCall({ from: '1004', to: '12345' })
  await new Promise((resolve) => setImmediate(resolve))
  const id = call.channel.id
  t.equal(await c.reply(`api uuid_exists ${id}`), 'true')
  t.equal(await c.reply('api uuid_exists nope'), 'false')
  t.equal(await c.reply('api uuid_answer 00000000-0000-0000-0000-000000000000'), '-ERROR\n')
  t.equal(await c.reply(`api uuid_answer ${id}`), '+OK\n')
  t.equal(setup.model.channel(id)?.answerState, 'answered')
  t.equal(await c.reply(`api uuid_setvar ${id} hc_y a b`), '+OK\n')
  t.equal(await c.reply(`api uuid_getvar ${id} hc_y`), 'a b')
  t.equal(await c.reply(`api uuid_getvar ${id} nothing`), '_undef_')
  t.equal(await c.reply(`api uuid_break ${id} all`), '+OK\n')
  t.equal(await c.reply('api uuid_kill nope'), '-ERR No such channel!\n')
  t.match(await c.reply('api version'), /^FreeSWITCH Version 1\.11\.1-\S+ \( 64bit\)\n$/)
  t.match(await c.reply('api status'), /^UP \d+ years?, .*\nFreeSWITCH \(Version .*\) is ready\n1 session\(s\) since startup\n/s)
  t.equal(await c.reply('api hupall'), '+OK hangup all channels with cause MANAGER_REQUEST\n')
  t.equal((await call.ended).cause, 'MANAGER_REQUEST')
})

void t.test('log, linger, myevents and divert_events in inbound mode', async (t) => {
  const setup = await start(t)
  const c = await session(setup, '')
  t.equal(await c.reply('nolog'), '-ERR not loging')
  t.equal(await c.reply('log info'), '+OK log level info [6]')
  t.equal(await c.reply('log nonsense'), '-ERR invalid log level')
  t.equal(await c.reply('nolog'), '+OK no longer logging')
  t.equal(await c.reply('linger'), '-ERR not controlling a session')
  t.equal(await c.reply('nolinger'), '-ERR not controlling a session')
  t.equal(await c.reply('divert_events on'), '-ERR not controlling a session.')
  t.equal(await c.reply('myevents nope json'), '-ERR invalid uuid')
  const other = setup.model.placeCall({ from: '1005', to: '12345' })
  const mine = setup.model.placeCall({ from: '1006', to: '12345' })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(await c.reply(`myevents ${mine.channel.id} json`), '+OK Events Enabled')
  t.equal(await c.reply(`myevents ${mine.channel.id}`), '-ERR aready enabled.')
  t.equal(await c.reply('linger'), '+OK will linger')
  t.equal(await c.reply('divert_events'), '-ERR missing value.')
  other.hangup()
  mine.hangup()
  const frame = await c.until(is('CHANNEL_HANGUP'), 'CHANNEL_HANGUP')
  t.equal(frame.event?.['Unique-ID'], mine.channel.id, 'only the channel myevents named')
})

void t.test('close notifies every client; dropConnections does not', async (t) => {
  const setup = await start(t)
  const a = await session(setup, '')
  const b = await session(setup, '')
  t.equal(setup.server.connectionCount(), 2)
  setup.server.dropConnections()
  await a.waitClosed()
  await b.waitClosed()
  t.notOk(a.frames.some((f) => f.type === 'text/disconnect-notice'), 'dropped without a notice')
  t.equal(setup.server.connectionCount(), 0)
  const c = await session(setup, '')
  await setup.server.close()
  const notice = await c.next('the shutdown notice')
  t.equal(notice.type, 'text/disconnect-notice')
  t.equal(notice.body, 'The system is being shut down.\n')
  await c.waitClosed()
})

void t.test('a misbehaving client harms nobody else', async (t) => {
  const setup = await start(t, {}, { maxFrameBytes: 64 * 1024 })
  const good = await session(setup, '')
  const bad = await setup.client()
  await bad.next('auth/request')
  bad.write(Buffer.from([0, 255, 1, 2, 10, 10]))
  t.equal((await bad.next()).headers.get('Reply-Text'), '-ERR command not found', 'garbage is a command like any')
  bad.write('api sta')
  bad.write(Buffer.alloc(200 * 1024, 'x'))
  t.equal(await good.reply('api uuid_exists nope'), 'false', 'the others are served meanwhile')
  const huge = await setup.client()
  await huge.next('auth/request')
  huge.write('sendmsg x\nContent-Length: 999999999\n\n')
  await huge.waitClosed()
  t.equal(await good.reply('api uuid_exists nope'), 'false')
})
