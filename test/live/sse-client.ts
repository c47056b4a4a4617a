// Reads a server-sent event stream over real HTTP with a bearer token, as the pages do, and
// keeps every event it got (for tests of /api/live/stream).
import type { Test } from 'tap'

export interface SseEvent { event: string, data: unknown }

export interface SseClient {
  readonly status: number
  readonly events: SseEvent[]
  close(): void
}

export async function openStream (t: Test, url: string, token: string): Promise<SseClient> {
  const abort = new AbortController()
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal })
  const events: SseEvent[] = []
  const client: SseClient = { status: res.status, events, close: () => { abort.abort() } }
  t.teardown(() => { abort.abort() })
  if (!res.ok || res.body === null) return client
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  void (async () => {
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          let event = 'message'
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim()
            else if (line.startsWith('data:')) data.push(line.slice(5).trim())
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as unknown })
        }
      }
    } catch {
      // Aborted by the test or closed by the server.
    }
  })()
  return client
}
