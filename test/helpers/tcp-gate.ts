// A TCP listener in front of a simulated switch that either passes connections through or
// refuses them (accepts and resets at once), recording when each refused one came: the gaps
// between those are a reconnect loop's delays, measured from outside the adapter.
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Test } from 'tap'

export interface TcpGate {
  port: number
  /** performance.now() of each refused connection, in order. */
  readonly refusals: number[]
  /** Refuse every new connection and cut those passed through so far. */
  refuse: () => void
  /** Pass new connections through to the switch again. */
  pass: () => void
}

export async function startTcpGate (t: Test, target: { host: string, port: number }): Promise<TcpGate> {
  const refusals: number[] = []
  const live = new Set<net.Socket>()
  let refusing = false
  const server = net.createServer((client) => {
    if (refusing) {
      refusals.push(performance.now())
      client.resetAndDestroy()
      return
    }
    const upstream = net.connect(target.port, target.host)
    for (const s of [client, upstream]) {
      live.add(s)
      s.on('close', () => { live.delete(s) })
      s.on('error', () => { client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of live) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    refusals,
    refuse: () => {
      refusing = true
      for (const s of live) s.destroy()
    },
    pass: () => { refusing = false }
  }
}
