// The store's health is the controller's: with Redis unreachable /ready answers 503 and says
// why, and a caller is refused (busy) once the claim was tried for five seconds (a Sentinel
// switch-over's time), ringing meanwhile, rather than held in silence on an open line.
import t from 'tap'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { PROTOCOLS, startTestController } from '../helpers/controller.js'
import { startRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: Redis away: not ready, and callers refused within the store timeout`, async (t) => {
    const redis = await startRedis()
    t.teardown(() => redis.stop())
    const store = new RedisStore({ url: redis.url, keyPrefix: `store-down:${protocol}:`, redis: { commandTimeout: 500 }, onError: () => {} })
    t.teardown(() => store.close())
    const { controller, sim } = await startTestController(t, protocol, { store })
    await store.queueLength('g', 0)
    const ready = await controller.app.inject({ url: '/ready' })
    t.equal(ready.statusCode, 200)
    t.match(ready.json(), { ready: true, store: { up: true } })

    await redis.stop()
    await eventually(() => store.health().up ? undefined : true, 'the store seen down')
    const notReady = await controller.app.inject({ url: '/ready' })
    t.equal(notReady.statusCode, 503)
    t.match(notReady.json(), { ready: false, switch: { state: 'ready' }, store: { up: false, detail: /\S/ } })

    const placed = Date.now()
    const caller = sim.model.placeCall({ from: '13800000051', to: '12345' })
    const ended = await caller.ended
    t.equal(ended.cause, 'USER_BUSY', 'refused busy, as a controller that cannot take calls does')
    // Five claims (store timeout 500 ms each at most) and 5 s of pauses between them.
    t.ok(Date.now() - placed < 8500, `refused ${Date.now() - placed} ms after the call came in (store timeout 500 ms)`)
    t.equal(caller.channel.answeredAt, undefined, 'never answered: no silence on an open line')
  })
}
