// Two controllers on one Redis (two RedisStore connections, each with its own service and
// metrics, as two processes would have): the connection-rate figures either one reports are
// the figures of both together, the Prometheus counters of the two add up to the same counts,
// and a controller restarted onto the same Redis loses nothing.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { Metrics, countTransfer } from '../../src/metrics.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { TransferRecord, TransferState } from '../../src/domain/transfer-record.js'
import { ConnectionRateService } from '../../src/stats/connection-rate-service.js'
import { withRedis } from '../helpers/redis.js'

/** Monday 2026-01-05 in Shanghai (UTC+8). */
const cst = (h: number, mi = 0): number => Date.UTC(2026, 0, 5, h - 8, mi)
const SETTINGS = { target: 0.9, minAttemptsForAlarm: 5, refreshSec: 60 }

function rec (id: string, time: number, state: TransferState, dials: DialOutcomeKind[]): TransferRecord {
  return {
    id,
    callId: `call-${id}`,
    matterId: 'vat-invoice',
    departmentId: 'tax',
    requestedAt: time,
    workingTime: true,
    state,
    attempts: dials.map((outcome, index) => ({
      number: `0216111000${index + 1}`, matterId: 'vat-invoice', departmentId: 'tax', index, startedAt: time, ringMs: 1000, outcome
    }))
  }
}

/** Sum of a counter's series matching `labels`, over several controllers' metrics. */
async function total (all: Metrics[], pick: (m: Metrics) => Metrics['transferRequests'] | Metrics['transferAttempts'],
  labels: Record<string, string>): Promise<number> {
  let sum = 0
  for (const metrics of all) {
    for (const v of (await pick(metrics).get()).values) {
      if (Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)) sum += v.value
    }
  }
  return sum
}

void t.test('two controllers on one Redis add up; a restart loses nothing', async (t) => {
  const server = await withRedis(t)
  const keyPrefix = `stats:${randomUUID()}:`
  const clock = new ManualClock(cst(16))
  const controllers = ['a', 'b'].map((name) => {
    const store = new RedisStore({ url: server.url, keyPrefix })
    const metrics = new Metrics()
    const stats = new ConnectionRateService({ store, clock, metrics, settings: SETTINGS })
    return { name, store, metrics, stats }
  })
  t.teardown(() => Promise.all(controllers.map((c) => c.store.close())))
  const [a, b] = controllers as [typeof controllers[number], typeof controllers[number]]

  // Controller a: 3 connected (one after a busy first number), 1 failed → 3 of 4 alone.
  // Controller b: 2 connected, 2 failed, 1 cancelled → 2 of 4 alone.
  // Together: 5 connected, 3 failed, 1 cancelled → 5 of 8 = 62.5 %, below 90 % over 8 ≥ 5.
  const ofA = [
    rec('a1', cst(9, 5), 'connected', ['busy', 'answered']),
    rec('a2', cst(9, 40), 'connected', ['answered']),
    rec('a3', cst(11, 0), 'connected', ['answered']),
    rec('a4', cst(14, 0), 'all-failed', ['no-answer', 'busy'])
  ]
  const ofB = [
    rec('b1', cst(9, 20), 'connected', ['answered']),
    rec('b2', cst(10, 0), 'all-failed', ['busy', 'busy']),
    rec('b3', cst(10, 30), 'connected', ['rejected', 'answered']),
    rec('b4', cst(13, 45), 'all-failed', ['unreachable', 'no-answer']),
    rec('b5', cst(15, 0), 'cancelled', ['cancelled'])
  ]
  // Each controller writes its own requests, a hunting record first and the result after,
  // as the transfer code does; both write at once.
  const write = async (c: typeof a, records: TransferRecord[]): Promise<void> => {
    for (const r of records) {
      await c.store.putTransfer({ ...r, state: 'hunting', attempts: [] })
      await c.store.putTransfer(r)
      countTransfer(c.metrics, r)
    }
  }
  await Promise.all([write(a, ofA), write(b, ofB)])

  for (const c of controllers) {
    const figures = await c.stats.figures('today')
    t.strictSame(figures.overall.workingTime.requests, { counted: 8, connected: 5, failed: 3, cancelled: 1, 'switch-lost': 0, hunting: 0, rate: 5 / 8 },
      `controller ${c.name} reports both controllers' requests`)
    // Dials: a 2+1+1+2, b 1+2+2+2 (+1 cancelled) → 5 answered of 13.
    t.match(figures.overall.workingTime.attempts, { counted: 13, answered: 5, rate: 5 / 13 }, `controller ${c.name}: every dial`)
    t.same(figures.departmentsBelowTarget, ['tax'])
    t.same((await c.stats.refresh()).map((x) => [x.departmentId, x.below]), [['tax', true]], `controller ${c.name} raises the alarm`)
  }

  // The counters: each controller counted only its own requests; summed, they match the store.
  const both = controllers.map((c) => c.metrics)
  const requests = (m: Metrics) => m.transferRequests
  const attempts = (m: Metrics) => m.transferAttempts
  t.equal(await total([a.metrics], requests, { result: 'connected' }), 3, 'a alone counts its own')
  t.equal(await total(both, requests, { department: 'tax', working_time: 'true', result: 'connected' }), 5)
  t.equal(await total(both, requests, { department: 'tax', working_time: 'true', result: 'failed' }), 3)
  t.equal(await total(both, requests, { result: 'cancelled' }), 1)
  t.equal(await total(both, attempts, { outcome: 'answered' }), 5)
  t.equal(await total(both, attempts, {}) - await total(both, attempts, { outcome: 'cancelled' }), 13)

  // Controller a restarts: a new connection to the same Redis, nothing kept in memory.
  await a.store.close()
  const restarted = new RedisStore({ url: server.url, keyPrefix })
  t.teardown(() => restarted.close())
  const again = new ConnectionRateService({ store: restarted, clock, settings: SETTINGS })
  t.strictSame((await again.figures('today')).overall, (await b.stats.figures('today')).overall, 'the restarted controller sees it all')
  t.equal((await again.figures('today')).rate, 5 / 8)
})
