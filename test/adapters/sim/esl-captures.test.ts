// Replays the client side of the real FreeSWITCH 1.11.1 session recorded in
// test/fixtures/captures/freeswitch-1.11.1/ against the simulator, over a real socket with a raw
// client written here, and compares what comes back with what FreeSWITCH sent:
//  - command/reply, api/response and disconnect-notice frames byte for byte (uuids the
//    simulator chose mapped from the ones FreeSWITCH chose), except `api version`;
//  - the order of content types, Event-Names and conference actions;
//  - the headers a controller reads, present with the same value (or shape) in each event.
// Steps 10 (dialplan bridge) and 11 (ACL) exercise the dialplan and SIP, which the simulator
// does not model.

import { existsSync, readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { EslServer } from '../../../src/adapters/sim/esl-server.js'
import { defaultMediaDurationMs } from '../../../src/adapters/sim/media.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import type { SimCallHandle } from '../../../src/adapters/sim/model-types.js'
import { FREESWITCH_CAPTURE_INSTALL } from '../../fixtures/capture-installs.js'

function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'adapters', 'sim'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('repository root not found above the test file')
    dir = parent
  }
}

const CAPTURES = resolve(repoRoot(), 'test/fixtures/captures/freeswitch-1.11.1')

// --- frames, as a client reads them -------------------------------------------------------

interface Frame {
  raw: string
  headers: Map<string, string>
  body: string
  type: string
  /** The parsed body of a text/event-json frame. */
  event: Record<string, string> | undefined
}

/** Cuts `Name: value` lines + blank line + Content-Length body frames off the front of `buf`. */
function takeFrames (buf: Buffer, out: Frame[]): Buffer {
  for (;;) {
    const end = buf.indexOf('\n\n')
    if (end < 0) return buf
    const head = buf.subarray(0, end).toString('utf8')
    const headers = new Map<string, string>()
    for (const line of head.split('\n')) {
      const colon = line.indexOf(': ')
      if (colon > 0) headers.set(line.slice(0, colon), line.slice(colon + 2))
    }
    const length = Number(headers.get('Content-Length') ?? '0')
    if (buf.length < end + 2 + length) return buf
    const raw = buf.subarray(0, end + 2 + length).toString('utf8')
    const body = buf.subarray(end + 2, end + 2 + length).toString('utf8')
    const type = headers.get('Content-Type') ?? ''
    out.push({ raw, headers, body, type, event: type === 'text/event-json' ? JSON.parse(body) as Record<string, string> : undefined })
    buf = buf.subarray(end + 2 + length)
  }
}

class RawClient {
  readonly frames: Frame[] = []
  readonly #socket: Socket
  #buf: Buffer = Buffer.alloc(0)
  #notify: () => void = () => {}

  constructor (socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buf = takeFrames(Buffer.concat([this.#buf, chunk]), this.frames)
      this.#notify()
    })
  }

  static async open (port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
    return new RawClient(socket)
  }

  send (text: string): void {
    this.#socket.write(text)
  }

  async waitFor (count: number, what: string): Promise<void> {
    const deadline = Date.now() + 10_000
    while (this.frames.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (have ${this.frames.length} of ${count} frames)`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.#notify = () => { clearTimeout(timer); resolve() }
      })
    }
  }

  close (): void {
    this.#socket.destroy()
  }
}

// --- the captures ---------------------------------------------------------------------------

type Item = { kind: 'sent', text: string, at: number } | { kind: 'frame', index: number }

interface Step {
  name: string
  items: Item[]
  frames: Frame[]
}

/** `>>> SENT <ts>` blocks (bytes up to the separator line) and `<<< RECV <ts> (N bytes)` chunks. */
function loadStep (name: string): Step {
  const data = readFileSync(join(CAPTURES, `${name}.txt`))
  const items: Item[] = []
  const frames: Frame[] = []
  let pending: Buffer = Buffer.alloc(0)
  let pos = 0
  const lineAt = (at: number): { text: string, next: number } => {
    const nl = data.indexOf('\n', at)
    const end = nl < 0 ? data.length : nl
    return { text: data.subarray(at, end).toString('utf8'), next: end + 1 }
  }
  while (pos < data.length) {
    const { text, next } = lineAt(pos)
    const recv = /^<<< RECV (\S+) \((\d+) bytes\)$/.exec(text)
    const sent = /^>>> SENT (\S+)$/.exec(text)
    if (recv !== null) {
      const length = Number(recv[2])
      const before = frames.length
      pending = takeFrames(Buffer.concat([pending, data.subarray(next, next + length)]), frames)
      for (let i = before; i < frames.length; i++) items.push({ kind: 'frame', index: i })
      pos = next + length
    } else if (sent !== null) {
      let end = next
      for (;;) {
        const line = lineAt(end)
        if (/^(<<< RECV|>>> SENT|### )/.test(line.text) || end >= data.length) break
        end = line.next
      }
      // The recorder puts one more newline after what was written.
      items.push({ kind: 'sent', text: data.subarray(next, end - 1).toString('utf8'), at: Date.parse(sent[1] ?? '') })
      pos = end
    } else {
      pos = next
    }
  }
  return { name, items, frames }
}

function describe (frame: Frame): string {
  const event = frame.event
  if (event === undefined) return frame.type
  const name = event['Event-Name'] ?? '?'
  return name === 'CUSTOM' ? `${frame.type} ${name} ${event['Event-Subclass'] ?? ''} ${event.Action ?? ''}` : `${frame.type} ${name}`
}

/**
 * The order to expect: FreeSWITCH wrote an event raised before a command was even sent after
 * that command's reply when its socket thread lagged (07: floor-change raised 38.098, written
 * after the reply to a command sent at 38.122). The simulator writes it when raised, so such an
 * event is expected before that reply.
 */
function expectedOrder (step: Step): Frame[] {
  const entries: Array<{ frame: Frame, sentAt: number | undefined }> = []
  const sent: number[] = []
  for (const item of step.items) {
    if (item.kind === 'sent') {
      sent.push(item.at)
      continue
    }
    const frame = step.frames[item.index]
    if (frame === undefined) continue
    const isReply = frame.type === 'command/reply' || frame.type === 'api/response'
    entries.push({ frame, sentAt: isReply ? sent.shift() : undefined })
  }
  const result: typeof entries = []
  for (const entry of entries) {
    let at = result.length
    const stamp = entry.frame.event?.['Event-Date-Timestamp']
    if (stamp !== undefined) {
      const raisedMs = Number(stamp) / 1000
      for (; at > 0; at--) {
        const sentAt = result[at - 1]?.sentAt
        if (sentAt === undefined || raisedMs >= sentAt) break
      }
    }
    result.splice(at, 0, entry)
  }
  return result.map((entry) => entry.frame)
}

// --- comparisons ------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The event headers a call controller reads (the FreeSWITCH adapter, PROTOCOLS.md). */
const READ_EXACT = [
  'Event-Name', 'Event-Subclass', 'Call-Direction', 'Channel-Call-State', 'Answer-State',
  'Caller-Caller-ID-Number', 'Caller-Destination-Number', 'Hangup-Cause',
  'variable_hangup_cause', 'variable_sip_hangup_disposition', 'variable_sip_term_status',
  'variable_current_application', 'variable_playback_ms', 'variable_playback_seconds',
  'DTMF-Digit', 'DTMF-Duration', 'DTMF-Source', 'Application', 'Application-Data',
  'Application-Response', 'Job-UUID', 'Job-Command', 'Job-Command-Arg', '_body', 'Action',
  'Conference-Name', 'Conference-Size', 'Member-ID'
] as const
/** Read as ids: the simulator's own, one for one with FreeSWITCH's. */
const READ_MAPPED = ['Unique-ID', 'Caller-Unique-ID', 'Channel-Name', 'Application-UUID'] as const

class Mapping {
  readonly #map = new Map<string, string>()

  learn (captured: string | undefined, simulated: string | undefined): void {
    if (captured === undefined || simulated === undefined || this.#map.has(captured)) return
    this.#map.set(captured, simulated)
  }

  get (captured: string): string | undefined {
    return this.#map.get(captured)
  }

  /** Capture text with every known capture id replaced by the simulator's. */
  apply (text: string): string {
    let out = text
    for (const [from, to] of this.#map) out = out.split(from).join(to)
    return out
  }

  /** A captured frame as the simulator should send it: ids mapped, Content-Length to match. */
  frame (frame: Frame): string {
    const body = this.apply(frame.body)
    const head = this.apply(frame.raw.slice(0, frame.raw.length - frame.body.length))
    return head.replace(/^Content-Length: \d+$/m, `Content-Length: ${Buffer.byteLength(body)}`) + body
  }
}

void t.test('the simulator answers the captured FreeSWITCH 1.11.1 session as FreeSWITCH did', async (t) => {
  const model = new SimSwitch({
    install: FREESWITCH_CAPTURE_INSTALL,
    timeScale: 0.02,
    hostname: 'sim',
    // The captured prompt played 1404 ms (capture 03: playback_ms 1404); tones 800 ms.
    mediaDurationMs: (media) => media.includes('hello-world') ? 1404 : defaultMediaDurationMs(media)
  })
  model.defineEndpoint('8101', { kind: 'answer', afterMs: 20 })
  model.defineEndpoint('8201', { kind: 'busy' })
  model.defineEndpoint('8301', { kind: 'no-answer' })
  const server = new EslServer(model, { password: 'ClueCon', port: 0 })
  const { port } = await server.listen()
  const client = await RawClient.open(port)
  t.teardown(async () => {
    client.close()
    await server.close()
    model.close()
  })

  const ids = new Mapping()
  let caller: SimCallHandle | undefined
  let base = 0
  const sequences: number[] = []
  const steps = ['00_connect', '01_inbound_park', '02_answer', '03_playback_dtmf', '04_originate_answer',
    '05_originate_busy', '06_originate_noanswer', '07_conference', '08_uuid_kill', '09_errors', '99_summary']

  for (const name of steps) {
    const step = loadStep(name)
    // Not simulated: per-profile sofia details (00); the refused caller of step 11 (99).
    const skipSent = (text: string): boolean => text.startsWith('api sofia status profile')
    const skipFrame = (frame: Frame): boolean =>
      (frame.type === 'api/response' && frame.body.startsWith('=====')) ||
      (name === '99_summary' && frame.event?.['Hangup-Cause'] === 'CALL_REJECTED')
    const expected = expectedOrder(step).filter((frame) => !skipFrame(frame))

    let waited = 0
    for (const item of step.items) {
      if (item.kind === 'sent') {
        if (skipSent(item.text)) continue
        // The capture's unreachable target (09: 127.0.0.1:5999, nobody listening).
        if (item.text.includes('@127.0.0.1:5999')) model.defineEndpoint('8101', { kind: 'unreachable' })
        client.send(ids.apply(item.text))
        continue
      }
      const frame = step.frames[item.index]
      if (frame === undefined || skipFrame(frame)) continue
      if (name === '01_inbound_park' && caller === undefined) caller = model.placeCall({ from: 'sipp', to: '12345' })
      // SIPp keyed 1 after the first prompt (03).
      if (frame.event?.['Event-Name'] === 'DTMF') caller?.sendDtmf('1')
      waited++
      await client.waitFor(base + waited, `${name}: ${describe(frame)}`)
    }
    // Anything extra would show as a wrong order here or in the next step.
    await new Promise((resolve) => setTimeout(resolve, 30))
    const got = client.frames.slice(base, base + expected.length)
    base += expected.length

    t.same(got.map(describe), expected.map(describe), `${name}: content types and events in order`)
    expected.forEach((want, i) => {
      const have = got[i]
      if (have?.event !== undefined && want.event !== undefined) {
        for (const header of READ_MAPPED) ids.learn(want.event[header], have.event[header])
        if (want.event['Event-Name'] === 'BACKGROUND_JOB') {
          ids.learn(/^\+OK (\S+)/.exec(want.event._body ?? '')?.[1], /^\+OK (\S+)/.exec(have.event._body ?? '')?.[1])
        }
      }
    })
    expected.forEach((want, i) => {
      const have = got[i]
      if (have === undefined) return
      const label = `${name} #${i} ${describe(want)}`
      if (want.event === undefined) {
        if (want.body.startsWith('FreeSWITCH Version')) {
          t.match(have.body, /^FreeSWITCH Version \d+\.\d+\.\d+\S* \( 64bit\)\n$/, `${label}: version shape`)
        } else {
          t.equal(have.raw, ids.frame(want), `${label}: byte for byte`)
        }
        return
      }
      const event = have.event ?? {}
      for (const header of READ_EXACT) {
        const value = want.event[header]
        if (value === undefined) {
          if (header === 'variable_sip_term_status') t.equal(event[header], undefined, `${label}: no ${header}`)
          continue
        }
        t.equal(event[header], ids.apply(value), `${label}: ${header}`)
      }
      for (const header of READ_MAPPED) {
        const value = want.event[header]
        if (value !== undefined) t.equal(event[header], ids.get(value), `${label}: ${header} maps one to one`)
      }
      t.match(event['Event-Sequence'], /^\d+$/, `${label}: Event-Sequence is a number`)
      t.match(event['Event-Date-Timestamp'], /^\d{16}$/, `${label}: Event-Date-Timestamp in microseconds`)
      t.match(event['Core-UUID'], UUID, `${label}: Core-UUID`)
      t.equal(event['Core-UUID'], model.coreId, `${label}: Core-UUID is the switch's`)
      sequences.push(Number(event['Event-Sequence']))
    })
    if (name === '02_answer') {
      // 478 → 480: CHANNEL_CALLSTATE was raised between them and not delivered.
      const answer = got.find((f) => f.event?.['Event-Name'] === 'CHANNEL_ANSWER')
      const done = got.find((f) => f.event?.['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE')
      t.ok(Number(done?.event?.['Event-Sequence']) - Number(answer?.event?.['Event-Sequence']) >= 2,
        'an undelivered event between CHANNEL_ANSWER and CHANNEL_EXECUTE_COMPLETE leaves a gap')
    }
  }

  t.same(sequences, [...sequences].sort((a, b) => a - b), 'Event-Sequence rises through the session')
  t.equal(new Set(sequences).size, sequences.length, 'no Event-Sequence repeats')
  t.equal(client.frames.length, base, 'nothing came that FreeSWITCH did not send')
})
