// The reconnect loop as the switch adapters run it: each adapter talks to its simulated switch
// through a gate that can refuse connections, and the gaps between refused attempts must
// double from the initial delay, stop growing at the cap, and start small again after a
// connection that worked. (reconnector.test.ts checks delayFor() alone.)
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { FreeswitchSwitch } from '../../src/adapters/freeswitch/freeswitch-switch.js'
import { AsteriskSwitch } from '../../src/adapters/asterisk/asterisk-switch.js'
import { systemClock } from '../../src/ports/clock.js'
import { promptMedia } from '../helpers/install.js'
import { eventually, startSim } from '../helpers/sim.js'
import { startAriSim } from '../helpers/ari-sim.js'
import { type TcpGate, startTcpGate } from '../helpers/tcp-gate.js'

const INITIAL_MS = 200
const MAX_MS = 1600
// Timers fire late on a loaded machine, never early; the jitter is ±20 %. The delays are long
// enough that 600 ms late still tells a capped gap (≤ 1 920 ms) from an uncapped one (≥ 2 560)
// and a reset backoff (≤ 240) from one that kept growing (≥ 1 280).
const EARLY_MS = 15
const LATE_MS = 600

const base = (attempt: number): number => Math.min(MAX_MS, INITIAL_MS * 2 ** (attempt - 1))

/** Refuses from now on and waits for `count` attempts; returns the gaps between them. */
async function refusedGaps (gate: TcpGate, count: number): Promise<number[]> {
  const from = gate.refusals.length
  gate.refuse()
  await eventually(() => gate.refusals.length >= from + count ? true : undefined, `${count} refused attempts`, 15_000)
  const times = gate.refusals.slice(from, from + count)
  return times.slice(1).map((at, i) => Math.round(at - (times[i] as number)))
}

function checkGaps (t: Test, gaps: number[], what: string): void {
  gaps.forEach((gap, i) => {
    const expected = base(i + 1)
    t.ok(gap >= expected * 0.8 - EARLY_MS && gap <= expected * 1.2 + LATE_MS,
      `${what}: gap ${i + 1} is ${gap} ms, backoff says ${expected} ms ±20 %`)
  })
}

async function checkLoop (t: Test, gate: TcpGate, ready: () => boolean): Promise<void> {
  await eventually(() => ready() ? true : undefined, 'connected through the gate')
  // Dropped and refused: one attempt at once, then 200, 400, 800, 1 600 (the cap), 1 600 ms.
  const gaps = await refusedGaps(gate, 6)
  checkGaps(t, gaps, 'refused')

  gate.pass()
  await eventually(() => ready() ? true : undefined, 'reconnected once the switch accepts', 10_000)
  // After a connection that worked, a new outage starts from the initial delay again.
  const again = await refusedGaps(gate, 3)
  checkGaps(t, again, 'after a success')
}

void t.test('FreeSWITCH adapter: backoff between ESL attempts, capped, reset after a success', async (t) => {
  const sim = await startSim(t)
  const gate = await startTcpGate(t, sim)
  const sw = new FreeswitchSwitch({
    host: '127.0.0.1',
    port: gate.port,
    password: sim.password,
    requestTimeoutMs: 3000,
    reconnect: { initialDelayMs: INITIAL_MS, maxDelayMs: MAX_MS },
    dialTemplate: 'sofia/gateway/department/{number}',
    agentDialTemplate: 'user/{number}',
    conferenceProfile: 'hotline',
    lineNumbers: ['12345'],
    promptPath: promptMedia.esl,
    clock: systemClock,
    logger: pino({ level: 'silent' })
  })
  t.teardown(() => { sw.destroy() })
  await sw.start()
  await checkLoop(t, gate, () => sw.status().state === 'ready')
})

void t.test('Asterisk adapter: backoff between ARI attempts, capped, reset after a success', async (t) => {
  const sim = await startAriSim(t)
  const target = new URL(sim.url)
  const gate = await startTcpGate(t, { host: target.hostname, port: Number(target.port) })
  const sw = new AsteriskSwitch({
    url: `http://127.0.0.1:${gate.port}`,
    user: sim.user,
    password: sim.password,
    app: sim.app,
    requestTimeoutMs: 3000,
    maxRequestsInFlight: 20,
    reconnect: { initialDelayMs: INITIAL_MS, maxDelayMs: MAX_MS },
    endpointTemplate: 'PJSIP/{number}@department',
    agentEndpointTemplate: 'PJSIP/{number}',
    lineNumbers: ['12345'],
    promptUri: (p) => `sound:hotline12345/${p}`,
    promptLanguage: 'zh',
    clock: systemClock,
    logger: pino({ level: 'silent' })
  })
  t.teardown(() => { sw.destroy() })
  await sw.start()
  await checkLoop(t, gate, () => sw.status().state === 'ready')
})
