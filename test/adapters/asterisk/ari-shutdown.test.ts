// Asterisk going away under a dial (capture 14_restart_mid_dial): its refusals then are not the
// number's failure. Through the real ari-client against the simulated Asterisk, and the dialer
// alone for replies the simulator cannot be made to give at the right moment.
import t from 'tap'
import { pino } from 'pino'
import { AriDialer } from '../../../src/adapters/asterisk/ari-dialer.js'
import { AriReplyError, type AriRest } from '../../../src/adapters/asterisk/ari-rest.js'
import { AsteriskSwitch } from '../../../src/adapters/asterisk/asterisk-switch.js'
import { LegTracker } from '../../../src/adapters/asterisk/leg-tracker.js'
import { systemClock } from '../../../src/ports/clock.js'
import type { SwitchStatus } from '../../../src/ports/switch.js'
import { startAriSim } from '../../helpers/ari-sim.js'
import { eventually } from '../../helpers/sim.js'

void t.test('500 Allocation failed while Asterisk shuts down is lost, and the port is not ready meanwhile', async (t) => {
  // Real time: REST answers for 1.1 s after the shutdown began, as capture 14 shows.
  const sim = await startAriSim(t, { timeScale: 1 })
  const sw = new AsteriskSwitch({
    url: sim.url, user: sim.user, password: sim.password, app: sim.app, requestTimeoutMs: 2000, maxRequestsInFlight: 20,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 }, endpointTemplate: 'PJSIP/{number}@department',
    agentEndpointTemplate: 'PJSIP/{number}', lineNumbers: ['12345'], promptUri: (p) => `sound:hotline12345/${p}`,
    promptLanguage: 'zh', clock: systemClock, logger: pino({ level: 'silent' })
  })
  t.teardown(() => { sw.destroy() })
  await sw.start()
  const offered = new Promise<string>((resolve) => { const stop = sw.onInboundCall((c) => { stop(); resolve(c.legId) }) })
  sim.model.placeCall({ from: '13800000061', to: '12345' })
  await sw.answer(await offered)
  sim.model.defineEndpoint('02100000061', { kind: 'answer', afterMs: 100 })
  const statuses: SwitchStatus[] = []
  sw.onStatus((s) => statuses.push(s))
  sim.model.shutdown()
  await eventually(() => statuses.find((s) => s.detail === 'Asterisk is shutting down'), 'the shutdown seen on the caller\'s leg')
  const outcome = await sw.dial({ target: { number: '02100000061' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  t.match(outcome, { kind: 'lost', cause: { text: 'Allocation failed' } })
  t.not(sw.status().state, 'ready')
})

function dialerRefusedWith (reply: string, goingAway: boolean): AriDialer {
  const rest = {
    originate: async () => { throw new AriReplyError('originate', reply, undefined) },
    hangup: async () => undefined,
    getChannelState: async () => undefined
  } as unknown as AriRest
  return new AriDialer({
    tracker: new LegTracker({ destroyGraceMs: 100, now: () => Date.now(), onListenerError: () => undefined }),
    connected: () => rest,
    app: 'hotline',
    endpointTemplate: 'PJSIP/{number}@department',
    agentEndpointTemplate: 'PJSIP/{number}',
    requestTimeoutMs: 500,
    clock: systemClock,
    log: pino({ level: 'silent' }),
    goingAway: async () => goingAway
  })
}

void t.test('the refusals of an originate, by what they mean', async (t) => {
  const dial = async (reply: string, goingAway = false): Promise<unknown> =>
    await dialerRefusedWith(reply, goingAway).dial({ target: { number: '02100000062' }, callerIdNumber: '12345', ringTimeoutMs: 5000 })
  t.match(await dial('Asterisk not booted'), { kind: 'lost', cause: { text: 'Asterisk not booted' } }, '503 while Asterisk starts')
  t.match(await dial('Allocation failed', true), { kind: 'lost' }, 'Allocation failed while it shuts down')
  t.match(await dial('Allocation failed', false), { kind: 'unreachable' }, 'Allocation failed otherwise: an endpoint it cannot reach (captures 10)')
  t.match(await dial('Something else'), { kind: 'failed', cause: { text: 'Something else' } })
})
