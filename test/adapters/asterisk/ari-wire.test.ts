// ARI on the wire: TCP_NODELAY on every socket the adapter commands Asterisk over (the REST
// requests' and the events WebSocket's), and the trace at log level `trace` (and none above it).
// Node's http.Agent and `ws` already set TCP_NODELAY; these tests prove it stays so.
import diagnostics from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import t, { type Test } from 'tap'
import type { Logger } from 'pino'
import { AsteriskSwitch } from '../../../src/adapters/asterisk/asterisk-switch.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { InboundCall } from '../../../src/ports/switch.js'
import { type RunningAriSim, startAriSim } from '../../helpers/ari-sim.js'
import { TRACE, capturedLogger, noDelayOf } from '../wire.js'

async function adapterFor (t: Test, sim: RunningAriSim, logger: Logger): Promise<AsteriskSwitch> {
  const sw = new AsteriskSwitch({
    url: sim.url,
    user: sim.user,
    password: sim.password,
    app: sim.app,
    requestTimeoutMs: 3000,
    maxRequestsInFlight: 20,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    endpointTemplate: 'PJSIP/{number}@department',
    agentEndpointTemplate: 'PJSIP/{number}',
    lineNumbers: ['12345'],
    promptUri: (p) => `sound:hotline12345/${p}`, promptLanguage: 'zh',
    clock: systemClock,
    logger
  })
  t.teardown(() => { sw.destroy() })
  await sw.start()
  return sw
}

function nextInbound (sw: AsteriskSwitch): Promise<InboundCall> {
  return new Promise((resolve) => {
    const stop = sw.onInboundCall((call) => { stop(); resolve(call) })
  })
}

/** Offer, answer, play, dial, hang up: a short exchange with REST requests and events. */
async function shortCall (sw: AsteriskSwitch, sim: RunningAriSim): Promise<string> {
  sim.model.defineEndpoint('02100000002', { kind: 'busy' })
  const offered = nextInbound(sw)
  const caller = sim.model.placeCall({ from: '13812345678', to: '12345' })
  const call = await offered
  await sw.answer(call.legId)
  // Played or not found (whatever sounds the simulator has), its completion crosses the wire.
  await sw.play(call.legId, 'welcome').catch(() => undefined)
  await sw.dial({ target: { number: '02100000002' }, callerIdNumber: '12345', ringTimeoutMs: 2000 })
  await sw.hangup(call.legId, 'normal')
  await caller.ended
  return call.legId
}

void t.test('every socket to Asterisk has TCP_NODELAY: REST, events, the declarations probe', async (t) => {
  const sim = await startAriSim(t)
  const port = Number(new URL(sim.url).port)
  // The probe of the API declarations is our own fetch (undici, bundled with Node).
  const fetched: Socket[] = []
  const onConnected = (message: unknown): void => {
    const { socket } = message as { socket: Socket }
    if (socket.remotePort === port) fetched.push(socket)
  }
  diagnostics.subscribe('undici:client:connected', onConnected)
  t.teardown(() => { diagnostics.unsubscribe('undici:client:connected', onConnected) })
  const sw = await adapterFor(t, sim, capturedLogger('silent').logger)
  await shortCall(sw, sim)

  const { events, rest } = sw.sockets()
  if (events === undefined) throw new Error('no events socket')
  t.equal(events.remotePort, port, 'the events socket goes to the ARI server')
  t.equal(noDelayOf(events), true, 'TCP_NODELAY on the events WebSocket (set by ws)')
  t.ok(rest.length > 0, 'REST requests went over sockets the adapter saw')
  for (const socket of rest) {
    t.equal(socket.remotePort, port, 'a REST socket to the ARI server')
    t.equal(noDelayOf(socket), true, 'TCP_NODELAY on it (Node\'s http.Agent default)')
  }
  t.ok(fetched.length > 0, 'the probe connected')
  for (const socket of fetched) t.equal(noDelayOf(socket), true, 'TCP_NODELAY on the probe (undici sets it)')
})

void t.test('at level trace every REST request, reply and event is logged, in order, with t', async (t) => {
  const sim = await startAriSim(t)
  const log = capturedLogger('trace')
  const sw = await adapterFor(t, sim, log.logger)
  const legId = await shortCall(sw, sim)
  const wire = log.lines.filter((l) => l.level === TRACE && l.component === 'asterisk')

  t.ok(wire.length > 10, 'a trace line per request, reply and event')
  for (const line of wire) t.type(line.t, 'number', `${line.msg} has a high-resolution t`)
  const ts = wire.map((l) => l.t as number)
  t.same(ts, [...ts].sort((a, b) => a - b), 't never goes back')
  t.ok(wire.some((l) => !Number.isInteger(l.t)), 't has sub-millisecond decimals')

  const at = (pred: (l: typeof wire[number], i: number) => boolean, what: string): number => {
    const i = wire.findIndex(pred)
    t.ok(i >= 0, what)
    return i
  }
  const start = at((l) => l.msg === 'ARI event' && l.type === 'StasisStart' && l.channel === legId, 'the StasisStart, with the channel id')
  t.type(wire[start]?.switchTime, 'string', 'with Asterisk\'s own timestamp')
  const answerPath = `/ari/channels/${legId}/answer`
  const answer = at((l) => l.msg === 'ARI request' && l.method === 'POST' && l.path === answerPath, 'the answer request')
  const answered = at((l) => l.msg === 'ARI reply' && l.path === answerPath, 'its reply')
  t.equal(wire[answered]?.status, 204, 'with its status')
  t.type(wire[answered]?.ms, 'number', 'and its duration')
  const play = at((l) => l.msg === 'ARI request' && String(l.path).startsWith(`/ari/channels/${legId}/play`), 'the play request')
  const playbackId = new URL(String(wire[play]?.path), sim.url).searchParams.get('playbackId')
  const played = at((l) => l.type === 'PlaybackFinished' && l.playback === playbackId && l.channel === legId, 'its PlaybackFinished, by playback id')
  t.type(wire[played]?.playbackState, 'string', 'with its state')
  const originate = at((l) => l.msg === 'ARI request' && String(l.path).startsWith('/ari/channels?'), 'the originate')
  const dialled = new URL(String(wire[originate]?.path), sim.url).searchParams.get('channelId')
  const destroyed = at((l) => l.type === 'ChannelDestroyed' && l.channel === dialled, 'the dialled leg destroyed')
  t.equal(wire[destroyed]?.cause, 17, 'with its cause')
  const hangup = at((l) => l.msg === 'ARI request' && l.method === 'DELETE' && String(l.path).startsWith(`/ari/channels/${legId}?`), 'the hangup')
  const ended = at((l, i) => i > hangup && l.type === 'StasisEnd' && l.channel === legId, 'the caller leaves Stasis')
  t.ok(start < answer && answer < answered && answered < play && play < played && played < originate &&
    originate < destroyed && destroyed < hangup && hangup < ended, 'in the order they happened')

  const raw = log.raw()
  t.notOk(raw.includes('13812345678'), 'the caller number never reaches the log')
  t.notOk(raw.includes(sim.password), 'nor the ARI password (the events URL carries it)')
})

void t.test('at level info nothing of the wire is logged', async (t) => {
  const sim = await startAriSim(t)
  const log = capturedLogger('info')
  const sw = await adapterFor(t, sim, log.logger)
  await shortCall(sw, sim)
  t.ok(log.lines.length > 0, 'the adapter did log (ARI connected)')
  t.same(log.lines.filter((l) => l.level < 30 || l.t !== undefined), [], 'no trace line')
})
