// A controller killed with SIGKILL while a caller is in the IVR, on a switch that outlives it
// (the standalone simulator) and a Redis store: the caller is stranded — until the controller
// starts again under the same CONTROLLER_ID, finds the call's leg by its tag, tells the caller
// the call cannot go on, hangs up and records the call `cut`, `controller-restarted`. Nothing
// is left on the switch.
import t from 'tap'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { PROTOCOLS } from '../helpers/controller.js'
import { startControllerProcess, startSimProcess } from '../helpers/processes.js'
import { startRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'

const PASSWORD = 'crash-secret-0123'

interface PlacedCall { id: string, answerState: string, heard: string[], ended?: { cause: string, side: string } }

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: killed mid-IVR, restarted: the caller is told and hung up, the record ends cut`, async (t) => {
    const redis = await startRedis()
    t.teardown(() => redis.stop())
    const sim = await startSimProcess(t, ['--protocol', protocol, '--port', '0', '--password', PASSWORD, '--calls-per-hour', '0'])
    const env: Record<string, string> = {
      ...(protocol === 'esl'
        ? { SWITCH_KIND: 'freeswitch', ESL_HOST: '127.0.0.1', ESL_PORT: String(sim.port), ESL_PASSWORD: PASSWORD }
        : { SWITCH_KIND: 'asterisk', ARI_URL: `http://127.0.0.1:${sim.port}`, ARI_PASSWORD: PASSWORD }),
      STORE_KIND: 'redis', REDIS_URL: redis.url, CONTROLLER_ID: 'ctl-crash', API_TOKENS: 'crash-supervisor-token-0123:supervisor'
    }
    const first = await startControllerProcess(t, env)
    const placed = await sim.control<{ id: string }>('POST', '/calls?from=13800000081')
    t.equal(placed.status, 201)
    const call = async (): Promise<PlacedCall> => (await sim.control<PlacedCall>('GET', `/calls/${placed.body.id}`)).body
    await eventually(async () => (await call()).heard.includes('welcome') ? true : undefined, 'the caller in the IVR', 20_000)

    first.child.kill('SIGKILL')
    t.equal(await first.exited, 'SIGKILL')
    const stranded = await call()
    t.match(stranded, { answerState: 'answered' }, 'the caller is still on the line')
    t.equal(stranded.ended, undefined)

    const second = await startControllerProcess(t, env)
    const ended = await eventually(async () => { const c = await call(); return c.ended === undefined ? undefined : c }, 'the caller hung up by the restarted controller', 30_000)
    t.match(ended.heard.at(-1), 'service-interrupted', 'told why before the hangup')
    t.match(ended.ended, { side: 'switch' })
    t.ok(second.lines.some((l) => l.msg === 'a call this controller left when it stopped: ending it with an apology'))
    const status = await sim.status()
    t.equal(status.channels, 0, 'no leg left on the switch')
    t.equal(status.conferences, 0, 'no room left on the switch')

    const store = new RedisStore({ url: redis.url, onError: () => {} })
    t.teardown(() => store.close())
    const record = (await store.listCalls({ limit: 10 })).find((r) => r.legId === placed.body.id)
    t.match(record, { controllerId: 'ctl-crash', finalState: 'cut', reason: 'controller-restarted', endedBy: 'controller' })
    t.same((await store.listCalls({ active: true, limit: 10 })).map((r) => r.callId), [], 'no record left in progress')
  })
}
