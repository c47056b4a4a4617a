// A controller killed with SIGKILL while a caller is in the IVR, on a switch that outlives it
// (the standalone simulator) and a Redis store: the caller is stranded — until the controller
// starts again under the same CONTROLLER_ID, finds the call's leg by its tag, tells the caller
// the call cannot go on, hangs up and records the call `cut`, `controller-restarted`. Nothing
// is left on the switch.
import { readdirSync } from 'node:fs'
import { Redis } from 'ioredis'
import t from 'tap'
import { callDay } from '../../src/domain/call-figures.js'
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

// A caller who hangs up while Redis is away, then the controller killed before Redis is back:
// the end was kept on disk (JOURNAL_DIR), so the restarted controller writes it (abandoned, by
// the caller) rather than reaping the record as cut. Redis is frozen (SIGSTOP), not stopped,
// so it keeps the call's record as a server that stops answering does.
void t.test('esl: the end kept on disk while Redis was away is written after a kill and restart', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const probe = new Redis(redis.url)
  const redisPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1])
  probe.disconnect()
  t.ok(redisPid > 0)
  // Resumed even when the test fails while it is frozen (already gone: nothing to do).
  t.teardown(() => { try { process.kill(redisPid, 'SIGCONT') } catch { /* exited */ } })
  const sim = await startSimProcess(t, ['--protocol', 'esl', '--port', '0', '--password', PASSWORD, '--calls-per-hour', '0'])
  const journalDir = t.testdir()
  const env: Record<string, string> = {
    SWITCH_KIND: 'freeswitch', ESL_HOST: '127.0.0.1', ESL_PORT: String(sim.port), ESL_PASSWORD: PASSWORD,
    STORE_KIND: 'redis', REDIS_URL: redis.url, CONTROLLER_ID: 'ctl-journal', JOURNAL_DIR: journalDir,
    API_TOKENS: 'crash-supervisor-token-0123:supervisor'
  }
  const first = await startControllerProcess(t, env)
  const placed = await sim.control<{ id: string }>('POST', '/calls?from=13800000082')
  const call = async (): Promise<PlacedCall> => (await sim.control<PlacedCall>('GET', `/calls/${placed.body.id}`)).body
  await eventually(async () => (await call()).heard.includes('welcome') ? true : undefined, 'the caller in the IVR', 20_000)

  process.kill(redisPid, 'SIGSTOP')
  await sim.control('POST', `/calls/${placed.body.id}/hangup`)
  await eventually(() => readdirSync(journalDir).some((n) => n.endsWith('.json')) ? true : undefined, 'the end kept on disk', 15_000)
  t.ok(first.lines.some((l) => l.msg === 'storing the call\'s final record failed: trying again until it is stored'))
  first.child.kill('SIGKILL')
  t.equal(await first.exited, 'SIGKILL')
  process.kill(redisPid, 'SIGCONT')

  const second = await startControllerProcess(t, env)
  const store = new RedisStore({ url: redis.url, onError: () => {} })
  t.teardown(() => store.close())
  const record = await eventually(async () => {
    const r = (await store.listCalls({ limit: 10 })).find((c) => c.legId === placed.body.id)
    return r?.finalState === undefined ? undefined : r
  }, 'the call ended in the store', 20_000)
  t.match(record, { controllerId: 'ctl-journal', finalState: 'abandoned', endedBy: 'caller' }, 'the truth, not cut by the restart')
  t.ok(second.lines.some((l) => l.msg === 'writing the call ends an earlier run kept while the store was away'))
  t.notOk(second.lines.some((l) => l.callId === record.callId && l.msg === 'a call this controller left when it stopped: ending it with an apology'))
  const day = callDay(record.startedAt)
  t.match(await store.callCounts([day]), { offered: 1, abandoned: 1 }, 'counted once, as abandoned')
  t.notOk((await store.callCounts([day])).cut, 'never counted cut')
  await eventually(() => readdirSync(journalDir).length === 0 ? true : undefined, 'the journal emptied', 10_000)
})
