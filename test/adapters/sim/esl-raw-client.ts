// A raw Event Socket client for the simulator's tests: it writes what it is given and cuts what
// comes back into frames (headers, blank line, Content-Length body), parsing text/event-json.

import { connect, type Socket } from 'node:net'

export interface Frame {
  raw: string
  headers: Map<string, string>
  body: string
  type: string
  /** The parsed body of a text/event-json frame. */
  event: Record<string, string> | undefined
}

/** Cuts `Name: value` lines + blank line + Content-Length body frames off the front of `buf`. */
export function takeFrames (buf: Buffer, out: Frame[]): Buffer {
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

export class RawClient {
  readonly frames: Frame[] = []
  readonly #socket: Socket
  #buf: Buffer = Buffer.alloc(0)
  #notify: () => void = () => {}

  /** Resolves when the switch closed the connection (or it was closed here). */
  readonly closed: Promise<void>

  constructor (socket: Socket) {
    this.#socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#buf = takeFrames(Buffer.concat([this.#buf, chunk]), this.frames)
      this.#notify()
    })
    socket.on('error', () => {})
    this.closed = new Promise((resolve) => { socket.once('close', () => { resolve() }) })
  }

  static async open (port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve).once('error', reject) })
    return new RawClient(socket)
  }

  #held = ''

  /** Keeps a command to go out with the next one, in one write. */
  hold (text: string): void {
    this.#held += text
  }

  send (text: string): void {
    this.#socket.write(this.#held + text)
    this.#held = ''
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

  /** `api <command>` on an authenticated connection (no events subscribed): the reply's body. */
  async api (command: string): Promise<string> {
    const before = this.frames.length
    this.send(`api ${command}\n\n`)
    await this.waitFor(before + 1, command)
    return this.frames[before]?.body ?? ''
  }

  close (): void {
    this.#socket.destroy()
  }
}

