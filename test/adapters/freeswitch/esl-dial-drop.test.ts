// A dial through drachtio-modesl whose event socket drops (a TCP proxy between the adapter and
// the simulated FreeSWITCH is cut): FreeSWITCH keeps the originate running, so the dial is
// followed by its uuid, never failed, and its leg is never left ringing with nobody to end it.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { FreeswitchSwitch } from '../../../src/adapters/freeswitch/freeswitch-switch.js'
import { systemClock } from '../../../src/ports/clock.js'
import { promptMedia } from '../../helpers/install.js'
import { type RunningSim, eventually, startSim } from '../../helpers/sim.js'
import { reconnected } from '../contract/port.js'
import { TcpProxy } from '../contract/tcp-proxy.js'

async function behindProxy (t: Test, sim: RunningSim, requestTimeoutMs = 300): Promise<{ sw: FreeswitchSwitch, proxy: TcpProxy }> {
  const proxy = await TcpProxy.start({ host: sim.host, port: sim.port })
  const sw = new FreeswitchSwitch({
    host: '127.0.0.1', port: proxy.port, password: sim.password, requestTimeoutMs,
    reconnect: { initialDelayMs: 20, maxDelayMs: 50 }, dialTemplate: 'sofia/gateway/department/{number}',
    agentDialTemplate: 'user/{number}', conferenceProfile: 'hotline', lineNumbers: ['12345'],
    promptPath: promptMedia.esl, clock: systemClock, logger: pino({ level: 'silent' })
  })
  t.teardown(async () => {
    sw.destroy()
    await proxy.close()
  })
  await sw.start()
  return { sw, proxy }
}

void t.test('cancelled while the socket is down: cancelled at once, the leg hung up once the socket is back', async (t) => {
  const sim = await startSim(t)
  const { sw, proxy } = await behindProxy(t, sim)
  sim.model.defineEndpoint('02100000051', { kind: 'no-answer' })
  const abort = new AbortController()
  const dialling = sw.dial({ target: { number: '02100000051' }, callerIdNumber: '12345', ringTimeoutMs: 60_000, signal: abort.signal })
  const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000051'), 'the number rings')
  proxy.cut()
  await eventually(() => sw.status().state === 'disconnected' ? true : undefined, 'disconnected')
  abort.abort()
  t.match(await dialling, { kind: 'cancelled', cause: { text: 'ORIGINATOR_CANCEL' } })
  t.equal(leg.answerState, 'ringing', 'still ringing: nobody could tell FreeSWITCH yet')
  proxy.restore()
  await eventually(() => leg.hangupCause, 'hung up once the socket is back')
  t.equal(leg.hangupCause, 'ORIGINATOR_CANCEL')
})

void t.test('answered while the socket is down and it stays down: the dial ends lost in bounded time, the answered leg is hung up once the socket is back', async (t) => {
  const sim = await startSim(t, { timeScale: 1 })
  const { sw, proxy } = await behindProxy(t, sim)
  sim.model.defineEndpoint('02100000052', { kind: 'answer', afterMs: 200 })
  const dialling = sw.dial({ target: { number: '02100000052' }, callerIdNumber: '12345', ringTimeoutMs: 1000 })
  const leg = await eventually(() => sim.model.channels().find((c) => c.destination === '02100000052'), 'the number rings')
  proxy.cut()
  const outcome = await dialling
  t.match(outcome, { kind: 'lost', cause: { text: /event socket dropped/ } }, 'its outcome went with the socket')
  t.ok(outcome.ringMs >= 1000, `after the ring timeout and a margin (${outcome.ringMs} ms)`)
  t.equal(leg.answerState, 'answered', 'the number answered meanwhile, and nobody controls its leg')
  proxy.restore()
  await eventually(() => leg.hangupAt, 'hung up once the socket is back')
  t.equal(leg.hangupCause, 'NO_ANSWER', 'by the controller')
})

void t.test('a dial sent as the socket drops is followed by its uuid: a leg that never came to be is lost', async (t) => {
  const sim = await startSim(t)
  const { sw, proxy } = await behindProxy(t, sim)
  sim.model.defineEndpoint('02100000053', { kind: 'answer', afterMs: 100 })
  const back = reconnected(sw)
  // Cut before FreeSWITCH can read the bgapi: no reply, no channel.
  const dialling = sw.dial({ target: { number: '02100000053' }, callerIdNumber: '12345', ringTimeoutMs: 30_000 })
  proxy.cut()
  proxy.restore()
  await back
  t.match(await dialling, { kind: 'lost' })
  t.same(sim.model.channels().filter((c) => c.destination === '02100000053'), [], 'nothing rings there')
})
