// Two controllers on one switch and one Redis: every call is run by exactly one of them, and
// the agents they share are never given two calls at once. On both switches, against a real
// redis-server.
import t from 'tap'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import type { ModelEvent } from '../../src/adapters/sim/model-types.js'
import { PROTOCOLS, sounds, startTestController } from '../helpers/controller.js'
import { withRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'
import { SHIPPED_INSTALL } from '../helpers/install.js'

const WORKING = '2025-03-12T10:00:00+08:00'

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: two controllers, one Redis, one agent for two callers`, async (t) => {
    const redis = await withRedis(t)
    const model = new SimSwitch({ timeScale: 0.02, install: SHIPPED_INSTALL })
    t.teardown(() => { model.close() })
    const stores = [0, 1].map(() => new RedisStore({ url: redis.url, keyPrefix: `two-${protocol}:` }))
    t.teardown(async () => { for (const s of stores) await s.close() })
    // Both controllers connect to the same simulated switch (each through its own server).
    const [a, b] = await Promise.all(stores.map(async (store) =>
      await startTestController(t, protocol, { ivr: { at: WORKING }, store, model })))
    if (a === undefined || b === undefined) throw new Error('controllers')

    // The agent's phone: at most one call on it at any moment.
    let onAgentPhone = 0
    let mostAtOnce = 0
    model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
    model.registerPhone('8002', { kind: 'answer', afterMs: 100 })
    const agentLegs = new Set<string>()
    model.on('event', (e: ModelEvent) => {
      if (e.type === 'channel-answered' && e.channel.destination === '8001') {
        agentLegs.add(e.channel.id)
        onAgentPhone++
        mostAtOnce = Math.max(mostAtOnce, onAgentPhone)
      }
      if (e.type === 'channel-hangup-complete' && agentLegs.delete(e.channel.id)) onAgentPhone--
    })

    await a.controller.ivr!.agents.login('agent01', { ready: true })
    const callers = ['13812340020', '13812340021'].map((from) => model.placeCall({ from, to: '12345' }))
    for (const caller of callers) {
      await eventually(() => sounds(caller.heard).includes('priority-menu') ? true : undefined, 'menu')
      caller.sendDtmf('1')
    }
    for (const caller of callers) {
      await eventually(() => sounds(caller.heard).includes('category-menu') ? true : undefined, 'category menu')
      caller.sendDtmf('0')
    }
    // One caller gets agent01; the other waits — it is not offered the busy agent.
    const agentLeg = await eventually(() => model.channels().find((c) => c.destination === '8001' && c.conference !== undefined), 'agent talking')
    const served = callers.find((c) => c.channel.conference?.room === agentLeg.conference?.room)
    const waiting = callers.find((c) => c !== served)
    if (served === undefined || waiting === undefined) throw new Error('one caller should be with the agent')
    await eventually(() => sounds(waiting.heard).includes('queue-position-1') ? true : undefined, 'the other waits first in line')
    t.equal(mostAtOnce, 1)

    // A second agent logs in through the other controller: the waiting caller gets them.
    await b.controller.ivr!.agents.login('agent02', { ready: true })
    const second = await eventually(() => model.channels().find((c) => c.destination === '8002' && c.conference !== undefined), 'second agent talking')
    t.equal(waiting.channel.conference?.room, second.conference?.room)
    t.equal(mostAtOnce, 1, 'agent01 never had two calls')

    for (const caller of callers) caller.hangup()
    const records = await eventually(() => {
      const ended = [...a.controller.calls.recent(), ...b.controller.calls.recent()]
      return ended.length >= 2 ? ended : undefined
    }, 'both calls ended')
    t.equal(records.length, 2, 'each call was run by exactly one controller')
    t.same(new Set(records.map((r) => r.legId)), new Set(callers.map((c) => c.channel.id)))
    const agents = await stores[0]!.listAgents()
    t.match(agents.find((x) => x.id === 'agent01'), { state: 'wrap-up' })
    t.match(agents.find((x) => x.id === 'agent02'), { state: 'wrap-up' })
  })
}
