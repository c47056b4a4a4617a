// Two controllers on one Redis and one simulated switch: a dashboard stream opened on
// controller B shows what happens on controller A — an agent logging in, calls each of them
// runs, A's switch connection lost, A stopping — and its figures add up to what the
// two controllers hold.
import t from 'tap'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import type { SimCallHandle } from '../../src/adapters/sim/model-types.js'
import type { LiveSnapshot } from '../../src/features/live/schema.js'
import { listen } from '../helpers/browser.js'
import { startTestController } from '../helpers/controller.js'
import { withRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'
import { type SseClient, openStream } from './sse-client.js'
import { SHIPPED_INSTALL } from '../helpers/install.js'

const WORKING = '2026-03-02T10:00:00+08:00'
const SUPERVISOR = 'supervisor-token-two-0001'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor` }

const snapshots = (client: SseClient): LiveSnapshot[] =>
  client.events.filter((e) => e.event === 'snapshot').map((e) => e.data as LiveSnapshot)

void t.test('a change on controller A reaches a dashboard opened on controller B, and the figures add up', async (t) => {
  const redis = await withRedis(t)
  const model = new SimSwitch({ timeScale: 0.02, install: SHIPPED_INSTALL })
  t.teardown(() => { model.close() })
  const stores = [0, 1].map(() => new RedisStore({ url: redis.url, keyPrefix: 'live-two:' }))
  t.teardown(async () => { for (const s of stores) await s.close() })
  const config = {
    // Tickets shared too, and the live signals over the same Redis.
    store: { kind: 'redis', redisUrl: redis.url },
    switch: {
      kind: 'sim',
      sim: { protocol: 'esl', timeScale: 0.02, traffic: { callsPerHour: 0 } },
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 }
    }
  }
  const a = await startTestController(t, 'esl', { ivr: { at: WORKING }, store: stores[0], model, env, config })
  const b = await startTestController(t, 'esl', { ivr: { at: WORKING }, store: stores[1], model, env, config })
  const idOf = async (app: typeof a.controller.app): Promise<string> =>
    (await app.inject({ url: '/api/live/snapshot', headers: { authorization: `Bearer ${SUPERVISOR}` } })).json<LiveSnapshot>().controllerId
  const [idA, idB] = [await idOf(a.controller.app), await idOf(b.controller.app)]
  t.not(idA, idB)

  const base = await listen(b.controller.app)
  const stream = await openStream(t, `${base}/api/live/stream`, SUPERVISOR)
  t.equal(stream.status, 200)
  const on = async (what: string, test: (s: LiveSnapshot) => boolean, timeoutMs?: number): Promise<LiveSnapshot> =>
    await eventually(() => { const s = snapshots(stream).at(-1); return s !== undefined && test(s) ? s : undefined }, what, timeoutMs)

  const both = await on('both controllers listed on B', (s) => s.controllers.length === 2 && s.controllers.every((c) => c.alive))
  t.same(both.controllers.map((c) => c.controllerId).sort(), [idA, idB].sort())
  t.equal(both.controllerId, idB, 'computed on B')

  // An agent logs in through A: B's page shows it.
  await a.controller.ivr!.agents.login('agent01', { ready: true })
  await on('agent01 ready, seen on B', (s) => s.agents?.list.find((x) => x.id === 'agent01')?.state === 'ready')

  // Callers: whichever controller claims each, B's page counts them all, each under its controller.
  model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
  const callers: SimCallHandle[] = ['13812340031', '13812340032', '13812340033', '13812340034']
    .map((from) => model.placeCall({ from, to: '12345' }))
  const running = await on('four calls on B', (s) => s.calls?.total === 4 &&
    s.calls.list.filter((c) => c.controllerId === idA).length === a.controller.calls.activeCount() &&
    s.calls.list.filter((c) => c.controllerId === idB).length === b.controller.calls.activeCount())
  t.equal(a.controller.calls.activeCount() + b.controller.calls.activeCount(), 4, 'every call run by one of them')
  const calls = running.calls!
  t.equal(calls.ivr + calls.waiting + calls.agent + calls.threeWay, calls.total, 'the phases add up')
  t.ok(calls.list.every((c) => /^138\*{4}\d{4}$/.test(c.caller)), 'callers masked')

  for (const caller of callers) caller.hangup()
  await on('no calls left on B', (s) => s.calls?.total === 0, 10_000)

  // A loses its switch for good (its simulator's server closes; A keeps retrying): B raises
  // the alarm.
  await a.sim.close()
  const down = await on('A\'s switch down, seen on B', (s) => s.alarms.some((x) => x.key === `switch:${idA}`))
  t.match(down.alarms.find((x) => x.key === `switch:${idA}`), { severity: 'critical', message: new RegExp(`${idA}.*交换机`) })
  t.match(down.controllers.find((c) => c.controllerId === idA), { alive: true, switchState: 'disconnected' })
  t.notOk(down.alarms.some((x) => x.key === `switch:${idB}`), 'B\'s own switch is fine')

  // A stops: it leaves the list at once, without a "lost" alarm, and its switch alarm goes.
  await a.controller.shutdown(100)
  const alone = await on('only B left', (s) => s.controllers.length === 1, 10_000)
  t.equal(alone.controllers[0]?.controllerId, idB)
  t.same(alone.alarms, [], 'a controller that stopped on purpose is no alarm')
})
