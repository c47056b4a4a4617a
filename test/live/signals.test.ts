// Live signals and controller presence: in one process, and between two RedisSignals on one
// real redis-server (what two controllers do); the choice between them from the config.
import t from 'tap'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { resolveAppConfig } from '../../src/config/app-config.js'
import { LocalSignals, MemoryPresence } from '../../src/adapters/memory/memory-signals.js'
import { RedisSignals } from '../../src/adapters/redis/redis-signals.js'
import { type ControllerBeat, LOST_KEPT_MS, type LiveTopic } from '../../src/ports/live-signals.js'
import { createLiveSignals } from '../../src/wiring/live-signals.js'
import { withRedis } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'

const silent = pino({ level: 'silent' })

const beat = (controllerId: string, at: number, extra: Partial<ControllerBeat> = {}): ControllerBeat => ({
  controllerId, vendor: 'freeswitch', switchState: 'ready', switchDetail: 'connected', switchSince: at, callsInProgress: 0, promptsMissing: [], draining: false, at, ...extra
})

void t.test('local signals: every listener hears every topic, a throwing one stops nobody', async (t) => {
  const signals = new LocalSignals()
  const heard: LiveTopic[] = []
  signals.subscribe(() => { throw new Error('broken page') })
  const stop = signals.subscribe((topic) => { heard.push(topic) })
  signals.publish('agents')
  signals.publish('calls')
  stop()
  signals.publish('tickets')
  t.same(heard, ['agents', 'calls'])
  await signals.close()
})

void t.test('memory presence: alive within the time to live, then lost, then forgotten; leaving forgets at once', async (t) => {
  const presence = new MemoryPresence()
  const start = 1_000_000
  await presence.beat(beat('ctl-b', start, { switchState: 'disconnected' }), 15_000)
  await presence.beat(beat('ctl-a', start), 15_000)
  t.same((await presence.list(start + 1000)).map((c) => [c.controllerId, c.alive, c.switchState]),
    [['ctl-a', true, 'ready'], ['ctl-b', true, 'disconnected']])
  await presence.beat(beat('ctl-a', start + 20_000), 15_000)
  t.same((await presence.list(start + 20_000)).map((c) => [c.controllerId, c.alive]), [['ctl-a', true], ['ctl-b', false]], 'ctl-b stopped beating')
  t.same((await presence.list(start + 15_000 + LOST_KEPT_MS + 1)).map((c) => c.controllerId), ['ctl-a'], 'forgotten after a while')
  await presence.leave('ctl-a')
  t.same(await presence.list(start + 20_000), [])
})

void t.test('Redis: a signal published on one controller reaches the other once, and the publisher\'s own listeners at once', async (t) => {
  const redis = await withRedis(t)
  const a = new RedisSignals({ url: redis.url, keyPrefix: 'sig:', logger: silent })
  const b = new RedisSignals({ url: redis.url, keyPrefix: 'sig:', logger: silent })
  const other = new RedisSignals({ url: redis.url, keyPrefix: 'other:', logger: silent })
  t.teardown(async () => { await a.close(); await b.close(); await other.close() })
  await Promise.all([a.ready(), b.ready(), other.ready()])
  t.equal(a.channel, 'sig:live')
  const onA: LiveTopic[] = []
  const onB: LiveTopic[] = []
  const onOther: LiveTopic[] = []
  a.subscribe((topic) => { onA.push(topic) })
  b.subscribe((topic) => { onB.push(topic) })
  other.subscribe((topic) => { onOther.push(topic) })
  a.publish('agents')
  t.same(onA, ['agents'], 'the publisher\'s listeners are called synchronously')
  await eventually(() => onB.length > 0 ? true : undefined, 'the signal on b')
  t.same(onB, ['agents'])
  b.publish('calls')
  await eventually(() => onA.length > 1 ? true : undefined, 'the signal on a')
  // One round trip more: a's own echo of `agents` would have arrived before b's `calls`.
  a.publish('tickets')
  await eventually(() => onB.length > 2 ? true : undefined, 'tickets on b')
  t.same(onA, ['agents', 'calls', 'tickets'], 'a never hears its own messages twice')
  t.same(onB, ['agents', 'calls', 'tickets'])
  t.same(onOther, [], 'another key prefix is another line')
})

void t.test('Redis presence: one controller\'s beat is seen by the other; an expired beat is a lost controller; leaving removes it', async (t) => {
  const redis = await withRedis(t)
  const a = new RedisSignals({ url: redis.url, keyPrefix: 'pres:', logger: silent })
  const b = new RedisSignals({ url: redis.url, keyPrefix: 'pres:', logger: silent })
  t.teardown(async () => { await a.close(); await b.close() })
  const now = Date.now()
  await a.presence.beat(beat('ctl-a', now, { callsInProgress: 3 }), 60_000)
  await b.presence.beat(beat('ctl-b', now, { switchState: 'disconnected', switchDetail: 'ESL closed' }), 60_000)
  const seen = await b.presence.list(now)
  t.same(seen.map((c) => [c.controllerId, c.alive, c.switchState, c.callsInProgress]),
    [['ctl-a', true, 'ready', 3], ['ctl-b', true, 'disconnected', 0]])
  // The key expires on the server's clock: a short time to live stands for a dead controller.
  await a.presence.beat(beat('ctl-a', now), 30)
  const lost = await eventually(async () => {
    const list = await b.presence.list(now)
    return list.find((c) => c.controllerId === 'ctl-a' && !c.alive)
  }, 'ctl-a lost')
  t.equal(lost.callsInProgress, 0, 'its last beat is shown')
  t.same((await b.presence.list(now + LOST_KEPT_MS + 1)).map((c) => c.controllerId), ['ctl-b'], 'forgotten after a while')
  await b.presence.leave('ctl-b')
  t.same(await a.presence.list(now), [])
})

void t.test('createLiveSignals: Redis pub/sub when the store is Redis, in process otherwise', async (t) => {
  const redis = await withRedis(t)
  const memory = createLiveSignals({ config: resolveAppConfig({}, 'test.yaml', {}), store: new MemoryStore(), logger: silent })
  t.ok(memory instanceof LocalSignals)
  await memory.close()
  const fromConfig = createLiveSignals({
    config: resolveAppConfig({ store: { kind: 'redis', redisUrl: redis.url } }, 'test.yaml', {}), store: new MemoryStore(), logger: silent
  })
  t.ok(fromConfig instanceof RedisSignals)
  t.equal((fromConfig as RedisSignals).channel, 'hotline:live')
  await fromConfig.close()
  const store = new RedisStore({ url: redis.url, keyPrefix: 'mine:' })
  t.teardown(() => store.close())
  const handedIn = createLiveSignals({ config: resolveAppConfig({ store: { redisUrl: redis.url } }, 'test.yaml', {}), store, logger: silent })
  t.ok(handedIn instanceof RedisSignals, 'a Redis store handed in, its server named by store.redisUrl')
  t.equal((handedIn as RedisSignals).channel, 'mine:live', 'the store\'s key prefix')
  await handedIn.close()
  const warnings: string[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
  const noUrl = createLiveSignals({ config: resolveAppConfig({}, 'test.yaml', {}), store, logger })
  t.ok(noUrl instanceof LocalSignals, 'without a URL it stays in process')
  t.match(warnings.join(''), /store\.redisUrl is not set/, 'and says so')
  await noUrl.close()
})
