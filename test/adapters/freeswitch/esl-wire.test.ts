// The ESL connection on the wire: TCP_NODELAY on the socket the adapter really uses, each
// command in one write, and the trace at log level `trace` (and none above it).
import { createServer, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import type { Logger } from 'pino'
import { EslClient } from '../../../src/adapters/freeswitch/esl-client.js'
import { FreeswitchSwitch } from '../../../src/adapters/freeswitch/freeswitch-switch.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { InboundCall } from '../../../src/ports/switch.js'
import { type RunningSim, startSim } from '../../helpers/sim.js'
import { TRACE, capturedLogger, noDelayOf } from '../wire.js'
import { promptMedia } from '../../helpers/install.js'

async function adapterFor (t: Test, sim: RunningSim, logger: Logger): Promise<FreeswitchSwitch> {
  const sw = new FreeswitchSwitch({
    host: sim.host,
    port: sim.port,
    password: sim.password,
    requestTimeoutMs: 3000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    dialTemplate: 'sofia/gateway/department/{number}',
    agentDialTemplate: 'user/{number}',
    conferenceProfile: 'hotline',
    lineNumbers: ['12345'],
    promptPath: promptMedia.esl,
    clock: systemClock,
    logger
  })
  t.teardown(() => { sw.destroy() })
  await sw.start()
  return sw
}

function nextInbound (sw: FreeswitchSwitch): Promise<InboundCall> {
  return new Promise((resolve) => {
    const stop = sw.onInboundCall((call) => { stop(); resolve(call) })
  })
}

/** Offer, answer, play, dial, hang up: a short exchange with every kind of command and reply. */
async function shortCall (sw: FreeswitchSwitch, sim: RunningSim): Promise<string> {
  sim.model.defineEndpoint('02100000002', { kind: 'busy' })
  const offered = nextInbound(sw)
  const caller = sim.model.placeCall({ from: '13812345678', to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  await sw.play(call.legId, 'welcome')
  await sw.dial({ target: { number: '02100000002' }, callerIdNumber: '12345', ringTimeoutMs: 2000 })
  await sw.hangup(call.legId, 'normal')
  await caller.ended
  return call.legId
}

void t.test('the ESL socket the adapter uses has TCP_NODELAY', async (t) => {
  const sim = await startSim(t)
  const sw = await adapterFor(t, sim, capturedLogger('silent').logger)
  const socket = sw.socket
  if (socket === undefined) throw new Error('no ESL socket')
  t.equal(socket.remotePort, sim.port, 'the socket to the switch')
  t.equal(noDelayOf(socket), true, 'TCP_NODELAY on')
  // Commands still work over it.
  const offered = nextInbound(sw)
  sim.model.placeCall({ from: '13800000000', to: '12345' })
  await sw.answer((await offered).legId)
})

/** An ESL server that records what arrives, one entry per read, and answers each command +OK (auth included). */
async function recordingServer (t: Test): Promise<{ port: number, reads: string[] }> {
  const reads: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.write('Content-Type: auth/request\n\n')
    socket.on('data', (data) => {
      reads.push(data.toString())
      socket.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, reads }
}

void t.test('each command leaves in one write, headers included', async (t) => {
  const server = await recordingServer(t)
  const client = await EslClient.connect({ host: '127.0.0.1', port: server.port, password: 'x', timeoutMs: 2000 })
  t.teardown(() => { client.destroy() })
  server.reads.length = 0
  // One at a time, so that no read can hold two commands.
  await client.command('sendmsg 3f1c', { 'call-command': 'execute', 'execute-app-name': 'answer', 'Event-UUID': 'e1' })
  await client.command('event json CHANNEL_PARK')
  t.same(server.reads, [
    'sendmsg 3f1c\ncall-command: execute\nexecute-app-name: answer\nEvent-UUID: e1\n\n',
    'event json CHANNEL_PARK\n\n'
  ], 'one read per command: one segment, not one per line')
})

void t.test('at level trace every command and every reply or event is logged, in order, with t', async (t) => {
  const sim = await startSim(t)
  const log = capturedLogger('trace')
  const sw = await adapterFor(t, sim, log.logger)
  const legId = await shortCall(sw, sim)
  const wire = log.lines.filter((l) => l.level === TRACE && l.component === 'freeswitch')

  t.ok(wire.length > 10, 'a trace line per frame')
  for (const line of wire) t.type(line.t, 'number', `${line.msg} has a high-resolution t`)
  const ts = wire.map((l) => l.t as number)
  t.same(ts, [...ts].sort((a, b) => a - b), 't never goes back')
  t.ok(wire.some((l) => !Number.isInteger(l.t)), 't has sub-millisecond decimals')

  const at = (pred: (l: typeof wire[number], i: number) => boolean, what: string): number => {
    const i = wire.findIndex(pred)
    t.ok(i >= 0, what)
    return i
  }
  const subscribe = at((l) => l.msg === 'ESL sent' && String(l.command).startsWith('event json CHANNEL_PARK'), 'the subscription sent')
  const subscribed = at((l) => l.msg === 'ESL received' && l.type === 'command/reply' && String(l.reply).startsWith('+OK event'), 'its reply')
  const park = at((l) => l.event === 'CHANNEL_PARK' && l.uuid === legId, 'the CHANNEL_PARK, with the leg uuid')
  const answer = at((l) => l.msg === 'ESL sent' && l.command === `api uuid_answer ${legId}`, 'the answer api')
  const play = at((l) => l.msg === 'ESL sent' && l.command === `sendmsg ${legId}` &&
    (l.headers as Record<string, string>)['execute-app-name'] === 'playback', 'the playback sendmsg, with its headers')
  const appUuid = (wire[play]?.headers as Record<string, string> | undefined)?.['Event-UUID']
  const played = at((l) => l.event === 'CHANNEL_EXECUTE_COMPLETE' && l.appUuid === appUuid && l.app === 'playback', 'its completion, by Application-UUID')
  const originate = at((l) => l.msg === 'ESL sent' && String(l.command).startsWith('bgapi originate'), 'the originate')
  const jobUuid = (wire[originate]?.headers as Record<string, string> | undefined)?.['Job-UUID']
  const job = at((l) => l.event === 'BACKGROUND_JOB' && l.jobUuid === jobUuid, 'its BACKGROUND_JOB, by Job-UUID')
  t.equal(wire[job]?.body, '-ERR USER_BUSY\n', 'with its body')
  const kill = at((l) => l.msg === 'ESL sent' && l.command === `api uuid_kill ${legId} NORMAL_CLEARING`, 'the hangup api')
  const killed = at((l, i) => i > kill && l.type === 'api/response', 'its api/response')
  t.ok(subscribe < subscribed && subscribed < park && park < answer && answer < play && play < played &&
    played < originate && originate < job && job < kill && kill < killed, 'in the order they happened')
  t.type(wire[park]?.seq, 'string', 'Event-Sequence is there')

  t.notOk(log.raw().includes('13812345678'), 'the caller number never reaches the log')
  t.notOk(log.raw().includes(sim.password), 'nor the ESL password')
})

void t.test('at level info nothing of the wire is logged', async (t) => {
  const sim = await startSim(t)
  const log = capturedLogger('info')
  const sw = await adapterFor(t, sim, log.logger)
  await shortCall(sw, sim)
  t.ok(log.lines.length > 0, 'the adapter did log (ESL connected)')
  t.same(log.lines.filter((l) => l.level < 30 || l.t !== undefined), [], 'no trace line')
})
