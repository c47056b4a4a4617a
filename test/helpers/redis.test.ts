import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import t from 'tap'
import { Redis } from 'ioredis'
import { startRedis, withRedis } from './redis.js'

/** Resolves with the error code of a TCP connect to 127.0.0.1:port, or 'connected'. */
async function tryConnect (port: number): Promise<string> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve('connected') })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

void t.test('a started server stores and returns values', async (t) => {
  const server = await withRedis(t)
  t.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/)
  const client = new Redis(server.url)
  t.teardown(() => client.disconnect())
  await client.set('hotline:greeting', '您好，这里是12345')
  t.equal(await client.get('hotline:greeting'), '您好，这里是12345')
  t.same(await client.config('GET', 'appendonly'), ['appendonly', 'no'])
  t.same(await client.config('GET', 'save'), ['save', ''], 'nothing is persisted')
})

void t.test('two servers run side by side on different ports', async (t) => {
  const [a, b] = await Promise.all([withRedis(t), withRedis(t)])
  t.not(a.port, b.port)
  t.not(a.dir, b.dir)
  const ca = new Redis(a.url)
  const cb = new Redis(b.url)
  t.teardown(() => { ca.disconnect(); cb.disconnect() })
  await ca.set('k', 'a')
  t.equal(await cb.get('k'), null, 'the servers do not share data')
})

void t.test('stop() closes the port and removes the directory', async (t) => {
  const server = await startRedis()
  t.teardown(() => server.stop())
  t.equal(await tryConnect(server.port), 'connected')
  t.ok(existsSync(server.dir))
  await server.stop()
  t.equal(await tryConnect(server.port), 'ECONNREFUSED')
  t.notOk(existsSync(server.dir))
  await server.stop()
  t.pass('a second stop() is harmless')
})

void t.test('a missing redis-server is reported with the way to install it', async (t) => {
  await t.rejects(startRedis({ bin: 'redis-server-not-installed-here' }), {
    message: /not installed.*ensure-deps\.sh --test/
  })
})
