// A TCP proxy between the controller and a switch (simulated or real), that can be cut: every
// connection through it is dropped at once, without a FIN from the switch's side (a cable
// pulled, a firewall restarting), and while it is cut new connections are accepted and reset
// at once. Neither end is told; the switch goes on with its calls.
import { type Server, type Socket, createServer, connect } from 'node:net'

export class TcpProxy {
  readonly #server: Server
  readonly #target: { host: string, port: number }
  readonly #pairs = new Set<[Socket, Socket]>()
  #cut = false
  #port = 0

  private constructor (target: { host: string, port: number }) {
    this.#target = target
    this.#server = createServer((client) => { this.#accept(client) })
  }

  /** Listens on a free loopback port in front of `target`. */
  static async start (target: { host: string, port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target)
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(0, '127.0.0.1', () => { resolve() })
    })
    const address = proxy.#server.address()
    if (address === null || typeof address === 'string') throw new Error('proxy has no port')
    proxy.#port = address.port
    return proxy
  }

  get port (): number {
    return this.#port
  }

  get isCut (): boolean {
    return this.#cut
  }

  /** Connections through the proxy now. */
  get connections (): number {
    return this.#pairs.size
  }

  /** Drops every connection now, and every new one until `restore()`. */
  cut (): void {
    this.#cut = true
    for (const [client, upstream] of this.#pairs) {
      client.resetAndDestroy()
      upstream.destroy()
    }
    this.#pairs.clear()
  }

  restore (): void {
    this.#cut = false
  }

  /** Cuts for `ms`, then restores; resolves with when the cut began and ended (Date.now()). */
  async cutFor (ms: number): Promise<{ from: number, to: number }> {
    const from = Date.now()
    this.cut()
    await new Promise((resolve) => setTimeout(resolve, ms))
    this.restore()
    return { from, to: Date.now() }
  }

  async close (): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => { this.#server.close(() => { resolve() }) })
  }

  #accept (client: Socket): void {
    if (this.#cut) {
      client.resetAndDestroy()
      return
    }
    client.setNoDelay(true)
    const upstream = connect({ host: this.#target.host, port: this.#target.port, noDelay: true })
    const pair: [Socket, Socket] = [client, upstream]
    this.#pairs.add(pair)
    const end = (): void => {
      if (!this.#pairs.delete(pair)) return
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
  }
}
