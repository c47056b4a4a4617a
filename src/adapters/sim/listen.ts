// Starts a simulator server listening and tells where: the port it got when asked for 0.

import type { Server } from 'node:net'

export async function listenOn (server: Server, host: string, port: number): Promise<{ host: string, port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  return { host, port: typeof address === 'object' && address !== null ? address.port : port }
}
