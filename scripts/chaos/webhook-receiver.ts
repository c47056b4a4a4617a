// The departments' ticket webhook, as an unreliable one: some requests answered 500, some
// left hanging past the controllers' request timeout, the rest taken (200; 409 for a ticket it
// already has, as docs/tickets.md asks of a department). Every signature is checked. It keeps
// what it took, by ticket id and by call, so the harness can count tickets delivered, lost
// and duplicated (two ticket ids of one kind for one call).
import { createHmac, timingSafeEqual } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'

export interface ReceiverOptions {
  secret: string
  /** Chance a request is answered 500. */
  failRate: number
  /** Chance a request is held, unanswered, for `stallMs` and then dropped. */
  stallRate: number
  stallMs: number
  random: () => number
}

export class WebhookReceiver {
  readonly #options: ReceiverOptions
  #server: Server | undefined
  #calm = false
  /** Ticket ids taken, with the call and kind each was for. */
  readonly taken = new Map<string, { callId: string, kind: string }>()
  readonly counts = { requests: 0, failed: 0, stalled: 0, repeats: 0, badSignatures: 0 }

  constructor (options: ReceiverOptions) {
    this.#options = options
  }

  async listen (): Promise<string> {
    const server = createServer((req, res) => { void this.#handle(req, res) })
    this.#server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('receiver: no port')
    return `http://127.0.0.1:${address.port}/tickets`
  }

  /** From now on every request is taken: the run is over and the outboxes drain. */
  calm (): void {
    this.#calm = true
  }

  /** Ticket ids of one kind for one call, when there is more than one. */
  duplicates (): Array<{ callId: string, kind: string, ids: string[] }> {
    const byCall = new Map<string, string[]>()
    for (const [id, { callId, kind }] of this.taken) {
      const key = `${callId} ${kind}`
      byCall.set(key, [...(byCall.get(key) ?? []), id])
    }
    return [...byCall].filter(([, ids]) => ids.length > 1).map(([key, ids]) => {
      const [callId = '', kind = ''] = key.split(' ')
      return { callId, kind, ids }
    })
  }

  async close (): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise<void>((resolve) => { if (this.#server === undefined) resolve(); else this.#server.close(() => { resolve() }) })
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests += 1
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.#options.secret).update(body, 'utf8').digest('hex')}`)
    const given = Buffer.from(String(req.headers['x-hotline-signature'] ?? ''))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.counts.badSignatures += 1
      res.writeHead(401).end()
      return
    }
    const { random, failRate, stallRate, stallMs } = this.#options
    if (!this.#calm) {
      const roll = random()
      if (roll < failRate) {
        this.counts.failed += 1
        res.writeHead(500).end()
        return
      }
      if (roll < failRate + stallRate) {
        this.counts.stalled += 1
        setTimeout(() => { res.destroy() }, stallMs).unref()
        return
      }
    }
    const ticket = JSON.parse(body) as { id: string, callId: string, kind: string }
    const key = String(req.headers['idempotency-key'] ?? '')
    if (key !== ticket.id) {
      res.writeHead(400).end()
      return
    }
    if (this.taken.has(key)) {
      this.counts.repeats += 1
      res.writeHead(409).end()
      return
    }
    this.taken.set(key, { callId: ticket.callId, kind: ticket.kind })
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  }
}
