// A TCP proxy between one controller and the switch, to cut that link the ways networks do:
// a reset (every connection gets an RST, as from a firewall or a rebooted NAT), or a silent
// drop (nothing passes either way, nothing is closed: TCP's retransmissions carry the held
// bytes once the path is back, unless an end gave up on the connection meanwhile).
import { type Server, type Socket, createConnection, createServer } from 'node:net'

interface Pair { client: Socket, upstream: Socket, held: Array<[Socket, Buffer]> }

export class TcpProxy {
  readonly #target: { host: string, port: number }
  readonly #pairs = new Set<Pair>()
  #server: Server | undefined
  #heldUntil = 0
  #release: NodeJS.Timeout | undefined
  /** Connections reset and drops begun, for the run's report. */
  readonly counts = { resets: 0, drops: 0 }

  constructor (target: { host: string, port: number }) {
    this.#target = target
  }

  async listen (): Promise<number> {
    const server = createServer((client) => { this.#accept(client) })
    this.#server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('proxy: no port')
    return address.port
  }

  get dropping (): boolean {
    return Date.now() < this.#heldUntil
  }

  /** Every open connection through the proxy is reset (RST both ways). */
  reset (): void {
    this.counts.resets += 1
    for (const pair of this.#pairs) {
      pair.client.resetAndDestroy()
      pair.upstream.resetAndDestroy()
    }
    this.#pairs.clear()
  }

  /** Nothing passes for `ms`, then what was held is delivered in order. */
  drop (ms: number): void {
    this.counts.drops += 1
    this.#heldUntil = Math.max(this.#heldUntil, Date.now() + ms)
    clearTimeout(this.#release)
    this.#release = setTimeout(() => { this.#flush() }, this.#heldUntil - Date.now())
  }

  async close (): Promise<void> {
    clearTimeout(this.#release)
    for (const pair of this.#pairs) {
      pair.client.destroy()
      pair.upstream.destroy()
    }
    this.#pairs.clear()
    await new Promise<void>((resolve) => { if (this.#server === undefined) resolve(); else this.#server.close(() => { resolve() }) })
  }

  #accept (client: Socket): void {
    // A connection opened during a drop: its SYN is lost until the path is back.
    const upstream = createConnection(this.#target)
    const pair: Pair = { client, upstream, held: [] }
    this.#pairs.add(pair)
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        // Held bytes go first: a chunk arriving before the flush waits behind them.
        if (this.dropping || pair.held.length > 0) pair.held.push([to, chunk])
        else to.write(chunk)
      })
    }
    forward(client, upstream)
    forward(upstream, client)
    const end = (): void => {
      this.#pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    // An end that closes while the path is down: the other learns it only once the path is back.
    const closed = (): void => { if (this.dropping) setTimeout(end, this.#heldUntil - Date.now()); else end() }
    client.on('close', closed)
    upstream.on('close', closed)
    client.on('error', () => {})
    upstream.on('error', () => {})
  }

  #flush (): void {
    if (this.dropping) {
      this.#release = setTimeout(() => { this.#flush() }, this.#heldUntil - Date.now())
      return
    }
    for (const pair of this.#pairs) {
      for (const [to, chunk] of pair.held.splice(0)) {
        if (!to.destroyed) to.write(chunk)
      }
    }
  }
}
