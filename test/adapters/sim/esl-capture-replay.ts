// Replaying recorded FreeSWITCH 1.11.1 Event Socket sessions
// (test/fixtures/captures/freeswitch-1.11.1/) against the simulator: a raw client, the two
// recording formats (00–11: the exact bytes of each message; 12_*: a tap's log, events
// re-serialized from its parse), the order to expect, and the checks of what came back.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import type { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import { RawClient, takeFrames, type Frame } from './esl-raw-client.js'

export { RawClient, type Frame }

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

// --- the captures ---------------------------------------------------------------------------

export type Item = { kind: 'sent', text: string, at: number } | { kind: 'frame', index: number }

export interface Step {
  name: string
  items: Item[]
  frames: Frame[]
}

/** `>>> SENT <ts>` blocks (bytes up to the separator line) and `<<< RECV <ts> (N bytes)` chunks. */
export function loadStep (name: string): Step {
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

export function describe (frame: Frame): string {
  const event = frame.event
  if (event === undefined) return frame.type
  const name = event['Event-Name'] ?? '?'
  return name === 'CUSTOM' ? `${frame.type} ${name} ${event['Event-Subclass'] ?? ''} ${event.Action ?? ''}` : `${frame.type} ${name}`
}

/**
 * FreeSWITCH stamps events with its timer thread's clock, which moves in 20 ms ticks (12_*:
 * stamps .047523, .087522, .127531…): an event was raised within a tick after its stamp.
 */
const STAMP_TICK_MS = 20

/**
 * The order to expect: FreeSWITCH wrote an event raised before a command was even sent after
 * that command's reply when its socket thread lagged (07: floor-change raised 38.098, written
 * after the reply to a command sent at 38.122; 12_transfer_hunt: floor-change stamped .047,
 * written after the reply to a kill sent at .101). The simulator writes it when raised, so such
 * an event is expected before that reply, when its stamp says so even a tick late.
 */
export function expectedOrder (step: Step): Frame[] {
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
      const raisedMs = Number(stamp) / 1000 + STAMP_TICK_MS
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

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** The event headers a call controller reads (the FreeSWITCH adapter, PROTOCOLS.md). */
export const READ_EXACT = [
  'Event-Name', 'Event-Subclass', 'Call-Direction', 'Channel-Call-State', 'Answer-State',
  'Caller-Caller-ID-Number', 'Caller-Destination-Number', 'Hangup-Cause',
  'variable_hangup_cause', 'variable_sip_hangup_disposition', 'variable_sip_term_status',
  'variable_current_application', 'variable_playback_ms', 'variable_playback_seconds',
  'DTMF-Digit', 'DTMF-Duration', 'DTMF-Source', 'Application', 'Application-Data',
  'Application-Response', 'Job-UUID', 'Job-Command', 'Job-Command-Arg', '_body', 'Action',
  'Conference-Name', 'Conference-Size', 'Member-ID'
] as const
/** Read as ids: the simulator's own, one for one with FreeSWITCH's. */
export const READ_MAPPED = ['Unique-ID', 'Caller-Unique-ID', 'Channel-Name', 'Application-UUID'] as const

export class Mapping {
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


/**
 * A step of an ESL tap's log (12_*): `>>> SENT <time> <offset>` blocks hold the exact bytes;
 * `<<< RECV <time> <offset> (N bytes) [..]` messages their headers, a blank line and the body:
 * for text/event-json the JSON line the tap wrote again from its parse (its length may differ
 * from Content-Length, see the file's notes), otherwise Content-Length bytes as sent.
 */
export function loadTapStep (name: string): Step {
  const lines = readFileSync(join(CAPTURES, `${name}.txt`), 'utf8').split('\n')
  const items: Item[] = []
  const frames: Frame[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const sent = /^>>> SENT (\S+) \S+$/.exec(line)
    if (sent !== null) {
      const text: string[] = []
      let j = i + 1
      for (; j < lines.length && !/^(<<< RECV|>>> SENT|### |--- )/.test(lines[j] ?? ''); j++) text.push(lines[j] ?? '')
      // The command ends with its blank line; the recorder added one more.
      items.push({ kind: 'sent', text: `${text.join('\n').replace(/\n+$/, '')}\n\n`, at: Date.parse(sent[1] ?? '') })
      i = j - 1
      continue
    }
    if (!/^<<< RECV \S+ \S+ \(\d+ bytes\)/.test(line)) continue
    const headers = new Map<string, string>()
    let j = i + 1
    for (; j < lines.length && lines[j] !== ''; j++) {
      const header = lines[j] ?? ''
      const colon = header.indexOf(': ')
      if (colon > 0) headers.set(header.slice(0, colon), header.slice(colon + 2))
    }
    const head = `${lines.slice(i + 1, j).join('\n')}\n\n`
    const type = headers.get('Content-Type') ?? ''
    const body = type === 'text/event-json'
      ? lines[j + 1] ?? ''
      : lines.slice(j + 1).join('\n').slice(0, Number(headers.get('Content-Length') ?? '0'))
    frames.push({ raw: head + body, headers, body, type, event: type === 'text/event-json' ? JSON.parse(body) as Record<string, string> : undefined })
    items.push({ kind: 'frame', index: frames.length - 1 })
    i = j
  }
  return { name, items, frames }
}

function isReply (frame: Frame): boolean {
  return frame.type === 'command/reply' || frame.type === 'api/response'
}

/**
 * How many of the expected frames must have come before each command is sent: those the
 * capture shows before it, and events raised before it was sent that expectedOrder moved ahead
 * of its reply (a command is not sent before the switch has raised what preceded it).
 */
function framesBeforeSending (step: Step, expected: readonly Frame[]): Map<number, number> {
  const position = new Map<Frame, number>()
  const replyTo = new Map<number, Frame>()
  const sentQueue: number[] = []
  step.items.forEach((item, index) => {
    if (item.kind === 'sent') {
      sentQueue.push(index)
      return
    }
    const frame = step.frames[item.index]
    if (frame === undefined) return
    position.set(frame, index)
    if (isReply(frame)) {
      const sentIndex = sentQueue.shift()
      if (sentIndex !== undefined) replyTo.set(sentIndex, frame)
    }
  })
  const out = new Map<number, number>()
  for (const [sentIndex, reply] of replyTo) {
    const item = step.items[sentIndex]
    const at = expected.indexOf(reply)
    if (item?.kind !== 'sent' || at < 0) continue
    const raisedBefore = (frame: Frame): boolean => {
      const stamp = frame.event?.['Event-Date-Timestamp']
      return stamp !== undefined && Number(stamp) / 1000 + STAMP_TICK_MS < item.at
    }
    out.set(sentIndex, expected.slice(0, at).filter((frame) => (position.get(frame) ?? 0) < sentIndex || raisedBefore(frame)).length)
  }
  return out
}

/** The simulator's ids for the capture's, from a frame and the one the capture has in its place. */
function learnIds (ids: Mapping, want: Frame, have: Frame | undefined): void {
  if (have?.event === undefined || want.event === undefined) return
  for (const header of READ_MAPPED) ids.learn(want.event[header], have.event[header])
  if (want.event['Event-Name'] === 'BACKGROUND_JOB') {
    ids.learn(/^\+OK (\S+)/.exec(want.event._body ?? '')?.[1], /^\+OK (\S+)/.exec(have.event._body ?? '')?.[1])
  }
}

export interface ReplayHooks {
  /** The text to send for a captured command (capture ids already mapped); undefined leaves it out. */
  send?: (text: string) => string | undefined
  /** Before waiting for a captured frame: make the far ends do what they did then. */
  beforeFrame?: (frame: Frame) => void | Promise<void>
  /** Frames the simulator does not send (what it does not simulate). */
  skipFrame?: (frame: Frame) => boolean
}

/** Sends a step's commands as the capture did and collects as many frames as it expects. */
export async function replayStep (client: RawClient, step: Step, ids: Mapping, base: number, hooks: ReplayHooks = {}): Promise<{ got: Frame[], expected: Frame[] }> {
  const skipFrame = hooks.skipFrame ?? (() => false)
  const expected = expectedOrder(step).filter((frame) => !skipFrame(frame))
  const before = framesBeforeSending(step, expected)
  let waited = 0
  for (const [index, item] of step.items.entries()) {
    if (item.kind === 'sent') {
      const mapped = ids.apply(item.text)
      const text = hooks.send === undefined ? mapped : hooks.send(mapped)
      if (text === undefined) continue
      const count = before.get(index) ?? 0
      if (count > waited) await client.waitFor(base + count, `${step.name}: what the switch raised before ${text.split('\n')[0] ?? ''}`)
      // Commands written in the same millisecond reached the switch together (12_transfer_hunt: two kills).
      const next = step.items[index + 1]
      if (next?.kind === 'sent' && next.at === item.at) client.hold(text)
      else client.send(text)
      continue
    }
    const frame = step.frames[item.index]
    if (frame === undefined || skipFrame(frame)) continue
    await hooks.beforeFrame?.(frame)
    waited++
    await client.waitFor(base + waited, `${step.name}: ${describe(frame)}`)
    // A later command of the step may name a channel that came meanwhile.
    for (let i = 0; i < Math.min(client.frames.length - base, expected.length); i++) {
      const want = expected[i]
      if (want !== undefined) learnIds(ids, want, client.frames[base + i])
    }
  }
  // Anything extra would show as a wrong order here or in the next step.
  await new Promise((resolve) => setTimeout(resolve, 30))
  return { got: client.frames.slice(base, base + expected.length), expected }
}

export interface CheckOptions {
  /** A captured header value as the simulator should have it (values that carry the recording's clock). */
  normalize?: (header: string, value: string) => string
}

/**
 * Compares a step's frames with the capture's: the order of content types and events; replies
 * byte for byte (ids mapped; `api version` by shape); in events the headers a controller reads.
 * Learns the simulator's ids for the capture's; returns the Event-Sequence numbers seen.
 */
export function checkStep (t: Test, model: SimSwitch, name: string, got: readonly Frame[], expected: readonly Frame[], ids: Mapping, options: CheckOptions = {}): number[] {
  const normalize = options.normalize ?? ((_header: string, value: string) => value)
  const sequences: number[] = []
  t.same(got.map(describe), expected.map(describe), `${name}: content types and events in order`)
  expected.forEach((want, i) => { learnIds(ids, want, got[i]) })
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
    const event: Record<string, string | undefined> = have.event ?? {}
    for (const header of READ_EXACT) {
      const value: string | undefined = want.event[header]
      if (value === undefined) {
        if (header === 'variable_sip_term_status') t.equal(event[header], undefined, `${label}: no ${header}`)
        continue
      }
      const seen = event[header]
      t.equal(seen === undefined ? undefined : normalize(header, seen), normalize(header, ids.apply(value)), `${label}: ${header}`)
    }
    for (const header of READ_MAPPED) {
      const value: string | undefined = want.event[header]
      if (value !== undefined) t.equal(event[header], ids.get(value), `${label}: ${header} maps one to one`)
    }
    t.match(event['Event-Sequence'], /^\d+$/, `${label}: Event-Sequence is a number`)
    t.match(event['Event-Date-Timestamp'], /^\d{16}$/, `${label}: Event-Date-Timestamp in microseconds`)
    t.match(event['Core-UUID'], UUID, `${label}: Core-UUID`)
    t.equal(event['Core-UUID'], model.coreId, `${label}: Core-UUID is the switch's`)
    sequences.push(Number(event['Event-Sequence']))
  })
  return sequences
}
