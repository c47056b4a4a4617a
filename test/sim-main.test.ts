// `npm run sim`: the simulated switch as its own process. Its options, and on each protocol: a
// controller connects to it as to a real switch and is offered its callers; the controller
// goes away and the switch lives on with its calls; another controller connects.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { SIM_USAGE, simOptions } from '../src/wiring/sim-options.js'
import { startController } from '../src/wiring/controller.js'
import { resolveAppConfig } from '../src/config/app-config.js'
import { createLogger } from '../src/logger.js'
import { eventually } from './helpers/sim.js'
import { startSimProcess } from './helpers/processes.js'

const ROOT = new URL('../', import.meta.url).pathname
const PASSWORD = 'sim-secret-0123'

void t.test('options: flags over the environment over the defaults; bad values named', async (t) => {
  t.match(simOptions([], {}), {
    protocol: 'esl', host: '127.0.0.1', port: 8021, password: 'hotline-sim', apps: ['hotline'], callsPerHour: 180,
    answer: { default: 0.9 }, timeScale: 1, seed: undefined, controlPort: 0
  })
  t.match(simOptions(['--protocol', 'ari'], {}), { protocol: 'ari', port: 8088 })
  t.match(simOptions(['--port', '9000', '--answer', 'tax=0.5,default=0.2', '--apps', 'hotline-a,hotline-b'],
    { SIM_PORT: '7000', SIM_CALLS_PER_HOUR: '600', SIM_SEED: '42' }),
  { port: 9000, callsPerHour: 600, seed: 42, answer: { default: 0.2, tax: 0.5 }, apps: ['hotline-a', 'hotline-b'] })
  t.throws(() => simOptions(['--protocol', 'sip'], {}), /--protocol: "sip" is not esl or ari/)
  t.throws(() => simOptions([], { SIM_TIME_SCALE: 'fast' }), /--time-scale: "fast" is not a number/)
  t.throws(() => simOptions(['--answer', 'tax=2'], {}), /--answer tax: "2" is not a number from 0 to 1/)
  t.throws(() => simOptions(['--bogus'], {}), /bogus/)
  t.match(SIM_USAGE, /--calls-per-hour N/)
})

for (const protocol of ['esl', 'ari'] as const) {
  void t.test(`${protocol}: controllers come and go; the switch and its calls stay`, async (t) => {
    const sim = await startSimProcess(t, ['--protocol', protocol, '--port', '0', '--password', PASSWORD, '--calls-per-hour', '3600', '--time-scale', '0.02', '--seed', '7'])
    const config = resolveAppConfig(protocol === 'esl'
      ? { switch: { kind: 'freeswitch', freeswitch: { host: '127.0.0.1', port: sim.port } } }
      : { switch: { kind: 'asterisk', asterisk: { url: `http://127.0.0.1:${sim.port}` } } },
    'sim-main test', { ESL_PASSWORD: PASSWORD, ARI_PASSWORD: PASSWORD })
    const start = async () => await startController({ config, logger: createLogger({ level: 'silent' }) })
    const first = await start()
    await eventually(() => first.switch.status().state === 'ready' ? true : undefined, 'the first controller connected', 10_000)
    await eventually(() => first.calls.recent().length >= 2 ? true : undefined, 'callers offered to the first controller', 20_000)
    const placed = (await sim.status()).traffic?.placed ?? 0
    t.ok(placed >= 2, `the simulator's traffic reached the controller (${placed} placed)`)
    await first.shutdown(100)
    t.equal(sim.child.exitCode, null, 'the switch lives on without a controller')
    const second = await start()
    t.teardown(async () => { await second.shutdown(100) })
    await eventually(() => second.switch.status().state === 'ready' ? true : undefined, 'another controller connected', 10_000)
    await eventually(() => second.calls.recent().length >= 1 ? true : undefined, 'callers offered to the next controller', 20_000)
    const after = await sim.status()
    t.ok((after.traffic?.placed ?? 0) > placed, 'the traffic went on')
    t.type(after.channels, 'number')
    t.type(after.conferences, 'number')
  })
}

void t.test('a bad option: refused with the usage, exit 64', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim-main.ts', '--protocol', 'h323'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.equal(code, 64)
  t.match(stderr, /--protocol: "h323" is not esl or ari/)
  t.match(stderr, /usage: npm run sim/)
})
