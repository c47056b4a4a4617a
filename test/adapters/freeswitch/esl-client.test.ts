// The ESL client wrapper against the simulator and against a deliberately silent server:
// the library faults it fences must not reach the adapter.
import { createServer, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import esl, { type Event as ModeslEvent } from 'drachtio-modesl'
import { EslClient } from '../../../src/adapters/freeswitch/esl-client.js'
import { startSim } from '../../helpers/sim.js'
import { TcpProxy } from '../../../scripts/chaos/proxy.js'

void t.test('the library fault we fence: execute() leaves its +OK for the next command', async (t) => {
  const sim = await startSim(t)
  const call = sim.model.placeCall({ from: '13800000000', to: '12345' })
  const conn = new esl.Connection(sim.host, sim.port, sim.password)
  conn.closing = true
  t.teardown(() => { conn.socket?.destroy() })
  await new Promise<void>((resolve) => conn.once('esl::ready', () => { resolve() }))
  const raw = conn as unknown as {
    execute: (app: string, arg: string, uuid: string, cb: () => void) => void
    filter: (h: string, v: string, cb: (e: ModeslEvent) => void) => void
  }
  raw.execute('answer', '', call.channel.id, () => undefined)
  const filterReply = await new Promise<string>((resolve) => {
    raw.filter('Unique-ID', call.channel.id, (e) => { resolve(e.getHeader('Reply-Text') ?? '') })
  })
  t.equal(filterReply, '+OK', 'the filter got the sendmsg reply, not its own (+OK filter added…)')
})

void t.test('through EslClient every command gets its own reply', async (t) => {
  const sim = await startSim(t)
  const call = sim.model.placeCall({ from: '13800000000', to: '12345' })
  const client = await EslClient.connect({ host: sim.host, port: sim.port, password: sim.password, timeoutMs: 2000 })
  t.teardown(() => { client.destroy() })
  const [sendmsg, filter, api, bad] = await Promise.all([
    client.command(`sendmsg ${call.channel.id}`, {
      'call-command': 'execute', 'execute-app-name': 'answer', 'execute-app-arg': '', 'Event-UUID': 'e1'
    }),
    client.command(`filter Unique-ID ${call.channel.id}`),
    client.api('uuid_exists 00000000-0000-0000-0000-000000000000'),
    client.command('sendmsg 00000000-0000-0000-0000-000000000000', { 'call-command': 'execute', 'execute-app-name': 'answer' })
  ])
  t.equal(sendmsg, '+OK')
  t.match(filter, /^\+OK filter added/)
  t.equal(api.trim(), 'false')
  t.equal(bad, '-ERR invalid session id [00000000-0000-0000-0000-000000000000]')
})

void t.test('bgapi resolves with its own BACKGROUND_JOB body', async (t) => {
  const sim = await startSim(t)
  sim.model.defineEndpoint('02100000002', { kind: 'busy' })
  const client = await EslClient.connect({ host: sim.host, port: sim.port, password: sim.password, timeoutMs: 2000 })
  t.teardown(() => { client.destroy() })
  await client.command('event json BACKGROUND_JOB')
  const [busy, missing] = await Promise.all([
    client.bgapi('originate sofia/gateway/department/02100000002 &park()', 5000),
    client.bgapi('originate sofia/gateway/department/02100000009 &park()', 5000)
  ])
  t.equal(busy, '-ERR USER_BUSY\n')
  t.equal(missing, '-ERR UNALLOCATED_NUMBER\n')
})

void t.test('a wrong password is an auth error', async (t) => {
  const sim = await startSim(t)
  await t.rejects(EslClient.connect({ host: sim.host, port: sim.port, password: 'nope', timeoutMs: 2000 }),
    { code: 'HC_SWITCH_AUTH' })
})

/** A server that authenticates and then never answers anything. */
async function silentServer (t: Test): Promise<{ port: number, connections: () => number }> {
  let count = 0
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    count++
    sockets.add(socket)
    socket.write('Content-Type: auth/request\n\n')
    socket.once('data', () => { socket.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n') })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, connections: () => count }
}

void t.test('a reply that never comes times out and drops the connection', async (t) => {
  const server = await silentServer(t)
  const client = await EslClient.connect({ host: '127.0.0.1', port: server.port, password: 'x', timeoutMs: 200 })
  const closed = new Promise<void>((resolve) => client.once('close', () => { resolve() }))
  await t.rejects(client.api('status'), { code: 'HC_SWITCH_TIMEOUT' })
  await closed
  t.ok(client.closed, 'no later reply can be handed to the wrong caller')
  await t.rejects(client.command('event json ALL'), { code: 'HC_SWITCH_NOT_CONNECTED' })
})

void t.test('a refused connection fails once; the library does not retry behind our back', async (t) => {
  const server = await silentServer(t)
  const closing = createServer((socket) => { socket.destroy() })
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { closing.close() })
  let attempts = 0
  closing.on('connection', () => { attempts++ })
  const address = closing.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await t.rejects(EslClient.connect({ host: '127.0.0.1', port: address.port, password: 'x', timeoutMs: 500 }),
    { code: 'HC_SWITCH_NOT_CONNECTED' })
  // Give a hidden retry loop the time to show itself, then count.
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(attempts, 1)
  t.equal(server.connections(), 0)
})

void t.test('a link that goes silent (no FIN, no RST) is torn down by the probe; a quiet live one is not', async (t) => {
  const sim = await startSim(t)
  const proxy = new TcpProxy({ host: sim.host, port: sim.port })
  const port = await proxy.listen()
  t.teardown(() => proxy.close())
  const client = await EslClient.connect({ host: '127.0.0.1', port, password: sim.password, timeoutMs: 2000 })
  t.teardown(() => { client.destroy() })
  const closed = new Promise<number>((resolve) => { client.once('close', () => { resolve(Date.now()) }) })
  client.probe(200, 300)
  // Quiet but alive: probed and answered, for a second.
  const alive = await Promise.race([closed.then(() => 'closed'), new Promise((resolve) => setTimeout(() => { resolve('alive') }, 1000))])
  t.equal(alive, 'alive', 'a quiet link that answers the probe stays up')
  const droppedAt = Date.now()
  proxy.drop(10_000)
  const at = await closed
  t.ok(at - droppedAt <= 1500, `torn down ${at - droppedAt} ms after the path went silent (probe 200 ms, deadline 300 ms)`)
  t.ok(client.closed)
})
