// Event Socket framing, both ways, as mod_event_socket does it (src/mod/event_handlers/
// mod_event_socket/mod_event_socket.c: read_packet, parse_command, listener_run, api_exec,
// send_disconnect; switch_event.c: switch_event_serialize, switch_event_serialize_json).
//
// Server → client: `Name: value` lines, a blank line, then `Content-Length` bytes of body.
// Client → server: a command line, optional `Name: value` lines, a blank line, and a body of
// `Content-Length` bytes when that header is present (sendmsg may carry one).

/** The notice FreeSWITCH sends before it closes a connection it was asked to end. */
export const GOODBYE_NOTICE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n'
/** The notice every listener gets when mod_event_socket shuts down (kill_all_listeners). */
export const SHUTDOWN_NOTICE = 'The system is being shut down.\n'

/**
 * read_packet forces the end of a command once it holds 10 MiB (`max_len = 10485760`), so a
 * line without end can never grow past that.
 */
export const MAX_FRAME_BYTES = 10 * 1024 * 1024

export type EventFormat = 'plain' | 'json' | 'xml'

export type Header = readonly [name: string, value: string]

export function authRequest (): Buffer {
  return Buffer.from('Content-Type: auth/request\n\n')
}

/**
 * A `command/reply`. listener_run writes `Reply-Text: <reply>`; replies that carry extra headers
 * (bgapi's `Job-UUID`) are written raw after `Content-Type`, as its `~` replies are.
 */
export function commandReply (text: string, extra: readonly Header[] = []): Buffer {
  let out = `Content-Type: command/reply\nReply-Text: ${text}\n`
  for (const [name, value] of extra) out += `${name}: ${value}\n`
  return Buffer.from(`${out}\n`)
}

/** api_exec: `Content-Type: api/response`, `Content-Length`, blank line, the command's output. */
export function apiResponse (body: string): Buffer {
  return withBody(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n`, body)
}

/** send_disconnect on a listener without a controlled session. */
export function disconnectNotice (body: string): Buffer {
  return withBody(`Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(body)}\n\n`, body)
}

/** read_packet writes `Content-Length` first, then `Content-Type: text/event-<format>`. */
export function eventFrame (format: EventFormat, headers: readonly Header[], body: string | undefined): Buffer {
  const payload = format === 'json'
    ? serializeJson(headers, body)
    : format === 'xml' ? serializeXml(headers, body) : serializePlain(headers, body)
  return withBody(`Content-Length: ${Buffer.byteLength(payload)}\nContent-Type: text/event-${format}\n\n`, payload)
}

function withBody (head: string, body: string): Buffer {
  return Buffer.concat([Buffer.from(head), Buffer.from(body)])
}

/** switch_utils.h SWITCH_URL_UNSAFE. */
const URL_UNSAFE = new Set(Array.from('\r\n #%&+:;<=>?@[\\]^`{|}"', (c) => c.charCodeAt(0)))
const HEX = '0123456789ABCDEF'

function isUpperHex (byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46))
}

/**
 * switch_url_encode as the event serializer calls it: unsafe and non-printable bytes become
 * `%XX`, UTF-8 byte by byte, but a `%` already followed by two upper-case hex digits is kept
 * (it is taken as encoded already: signalwire/freeswitch#85). modesl decodes every plain
 * header value with decodeURIComponent, so nothing it gets may hold a stray `%`.
 */
export function fsUrlEncode (value: string): string {
  const bytes = Buffer.from(value, 'utf8')
  let out = ''
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0
    const encoded = byte === 0x25 && i + 2 < bytes.length && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])
    if (!encoded && (byte < 0x20 || byte > 0x7e || URL_UNSAFE.has(byte))) {
      out += `%${HEX[byte >> 4] ?? '0'}${HEX[byte & 0x0f] ?? '0'}`
    } else {
      out += String.fromCharCode(byte)
    }
  }
  return out
}

/** switch_event_serialize(…, encode = TRUE): empty values print as `_undef_`. */
export function serializePlain (headers: readonly Header[], body: string | undefined): string {
  let out = ''
  for (const [name, value] of headers) {
    const encoded = fsUrlEncode(value)
    out += `${name}: ${encoded === '' ? '_undef_' : encoded}\n`
  }
  if (body !== undefined && body !== '') return `${out}Content-Length: ${Buffer.byteLength(body)}\n\n${body}`
  return `${out}\n`
}

/**
 * switch_event_serialize_json: one flat object of strings in header order (cJSON keeps repeated
 * names, so this is built by hand), then `Content-Length` and `_body` when there is a body.
 */
export function serializeJson (headers: readonly Header[], body: string | undefined): string {
  const parts = headers.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
  if (body !== undefined) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(body)))}`)
    parts.push(`"_body":${JSON.stringify(body)}`)
  }
  return `{${parts.join(',')}}`
}

function xmlEscape (text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')
}

/** switch_event_xmlize: header values url-encoded inside <headers>, then Content-Length and body. */
export function serializeXml (headers: readonly Header[], body: string | undefined): string {
  let out = '<event>\n  <headers>\n'
  for (const [name, value] of headers) out += `    <${name}>${xmlEscape(fsUrlEncode(value))}</${name}>\n`
  out += '  </headers>\n'
  if (body !== undefined && body !== '') {
    out += `  <Content-Length>${Buffer.byteLength(body)}</Content-Length>\n  <body>${xmlEscape(body)}</body>\n`
  }
  return `${out}</event>`
}

/** One client command: its first line, its headers in order, and its body if it had one. */
export class EslCommand {
  readonly line: string
  readonly headers: readonly Header[]
  readonly body: string | undefined

  constructor (line: string, headers: readonly Header[], body?: string) {
    this.line = line
    this.headers = headers
    this.body = body
  }

  /** switch_event_get_header: names match whatever their case; the first one wins. */
  header (name: string): string | undefined {
    const wanted = name.toLowerCase()
    return this.headers.find(([key]) => key.toLowerCase() === wanted)?.[1]
  }
}

export class FrameError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'FrameError'
  }
}

const LF = 0x0a
const CR = 0x0d

/**
 * Splits client bytes into commands the way read_packet does: CR and LF before a command are
 * skipped, a command ends at the second LF in a row (CRs in between do not count), a header
 * line without `:` is ignored, and `Content-Length` is followed by that many body bytes. A
 * frame that reaches `maxFrameBytes` without its end is cut there and parsed as it is.
 */
export class CommandParser {
  readonly #maxFrameBytes: number
  #buffer: Buffer = Buffer.alloc(0)
  /** Where the scan for the end of the header block resumes. */
  #scanned = 0
  #lineFeeds = 0
  /** A header block whose body has not fully arrived yet. */
  #awaiting: { line: string, headers: Header[], length: number } | undefined

  constructor (maxFrameBytes: number = MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Bytes of a command that has started but not ended (read_packet holds events meanwhile). */
  get hasPartial (): boolean {
    return this.#awaiting !== undefined || this.#buffer.length > 0
  }

  push (chunk: Buffer): EslCommand[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    const commands: EslCommand[] = []
    for (;;) {
      const command = this.#next()
      if (command === undefined) break
      commands.push(command)
    }
    return commands
  }

  #next (): EslCommand | undefined {
    if (this.#awaiting !== undefined) return this.#takeBody()
    this.#skipLeadingBreaks()
    let end = -1
    for (let i = this.#scanned; i < this.#buffer.length; i++) {
      const byte = this.#buffer[i]
      if (byte === LF) {
        this.#lineFeeds++
      } else if (byte !== CR) {
        this.#lineFeeds = 0
      }
      if (this.#lineFeeds === 2 || i + 1 >= this.#maxFrameBytes) {
        end = i + 1
        break
      }
    }
    if (end < 0) {
      this.#scanned = this.#buffer.length
      return undefined
    }
    const block = this.#buffer.subarray(0, end).toString('utf8')
    this.#buffer = this.#buffer.subarray(end)
    this.#scanned = 0
    this.#lineFeeds = 0
    const lines = block.split(/[\r\n]+/)
    const line = lines[0] ?? ''
    const headers: Header[] = []
    let length = 0
    for (const text of lines.slice(1)) {
      const colon = text.indexOf(':')
      if (text === '' || colon < 0) continue
      const name = text.slice(0, colon)
      const value = text.slice(colon + 1).replace(/^ +/, '')
      headers.push([name, value])
      if (name.toLowerCase() === 'content-length') length = Number.parseInt(value, 10)
    }
    if (!Number.isFinite(length) || length <= 0) return new EslCommand(line, headers)
    if (length > this.#maxFrameBytes) throw new FrameError(`body of ${length} bytes refused`)
    this.#awaiting = { line, headers, length }
    return this.#takeBody()
  }

  #takeBody (): EslCommand | undefined {
    const awaiting = this.#awaiting
    if (awaiting === undefined || this.#buffer.length < awaiting.length) return undefined
    const body = this.#buffer.subarray(0, awaiting.length).toString('utf8')
    this.#buffer = this.#buffer.subarray(awaiting.length)
    this.#awaiting = undefined
    return new EslCommand(awaiting.line, awaiting.headers, body)
  }

  #skipLeadingBreaks (): void {
    if (this.#scanned > 0) return
    let start = 0
    while (start < this.#buffer.length && (this.#buffer[start] === LF || this.#buffer[start] === CR)) start++
    if (start > 0) this.#buffer = this.#buffer.subarray(start)
  }
}
