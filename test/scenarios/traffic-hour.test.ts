// An hour of simulated time under the traffic generator (what `npm start` runs: callers keying
// through the menus, departments answering a share of the dials, synthetic agents who
// transfer and leave), on each protocol: nothing ends the process, every call ends in exactly
// one final state, and the final states add up to the calls offered — in the metrics, the
// day's counts and the call records alike. The simulator runs 100 times faster than real
// time, so the hour is 36 s; the drain at the end ends what is still in progress. The
// controller's own times (wrap-up, the queue's limits) stay real, so at this pace agents are
// scarce and many callers give up in the queue: a hard day for the queue's paths, as meant.
import t from 'tap'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { callDay, callFigures } from '../../src/domain/call-figures.js'
import { CALL_FINAL_STATES } from '../../src/domain/call-record.js'
import { installProcessPolicy } from '../../src/wiring/process-policy.js'
import { PROTOCOLS, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

// Two simulated hours of 36 s each, plus the drains: over a minute, more on a loaded machine.
t.setTimeout(300_000)

const TIME_SCALE = 0.01
/** What `npm start` runs (config/default.yaml). */
const CALLS_PER_HOUR = 180
const HOUR_MS = 3_600_000
const WORKING = '2025-03-12T09:30:00+08:00'

async function counter (metrics: { get: () => Promise<{ values: Array<{ value: number, labels: Record<string, unknown> }> }> }): Promise<number> {
  return (await metrics.get()).values.reduce((sum, v) => sum + v.value, 0)
}

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: an hour of simulated traffic, every call one truthful final state`, async (t) => {
    const store = new MemoryStore()
    t.teardown(async () => { await store.close() })
    const { controller, sim, lines } = await startTestController(t, protocol, {
      store,
      ivr: { at: WORKING },
      config: {
        switch: {
          kind: 'sim',
          sim: { protocol, timeScale: TIME_SCALE, traffic: { callsPerHour: CALLS_PER_HOUR, humanAgents: 0 } },
          reconnect: { initialDelayMs: 20, maxDelayMs: 100 }
        },
        shutdown: { drainDeadlineMs: 5000 }
      }
    })
    const { metrics } = controller
    const stopPolicy = installProcessPolicy(process, pino({ level: 'silent' }), metrics)
    t.teardown(stopPolicy)
    const started = Date.now()
    // The hour, in the simulator's time: this is the load, not a wait for things to settle.
    await new Promise((resolve) => setTimeout(resolve, sim.model.scaled(HOUR_MS)))
    const offeredDuring = await counter(metrics.callsOffered)
    t.ok(offeredDuring > CALLS_PER_HOUR / 2, `${offeredDuring} calls offered in the hour (${Date.now() - started} ms)`)
    await controller.shutdown(5000)

    const offered = await counter(metrics.callsOffered)
    const ended = await counter(metrics.callsEnded)
    t.equal(await counter(metrics.unexpectedErrors), 0, 'no unexpected error: nothing could have ended the process')
    t.equal(ended, offered, `ended ${ended} of ${offered} offered`)
    const endings = new Map<string, number>()
    for (const line of lines) {
      if ((line.msg === 'call ended' || line.msg === 'call refused') && typeof line.callId === 'string') endings.set(line.callId, (endings.get(line.callId) ?? 0) + 1)
    }
    t.equal(endings.size, offered, 'one line per call saying how it ended (ended, or refused)')
    t.same([...endings.values()].filter((n) => n !== 1), [], 'none ended twice')

    const records = await store.listCalls({ limit: 100_000 })
    t.equal(records.length, offered, 'a record per call offered')
    const unended = records.filter((r) => r.finalState === undefined || !CALL_FINAL_STATES.includes(r.finalState))
    t.same(unended.map((r) => r.callId), [], 'every record has a final state')
    const days = [...new Set(records.map((r) => callDay(r.startedAt)))]
    const figures = callFigures(await store.callCounts(days))
    t.equal(figures.offered, offered, 'the day\'s counts: every call counted once')
    t.ok(figures.addsUp, 'the final states add up to the calls offered')
    const byState = Object.fromEntries(CALL_FINAL_STATES.map((s) => [s, records.filter((r) => r.finalState === s).length]))
    t.ok((byState.completed ?? 0) > 0, `calls served or ended by design: ${JSON.stringify(byState)}`)
    t.equal(byState.failed, 0, `no call failed: ${JSON.stringify(records.filter((r) => r.finalState === 'failed').slice(0, 3).map((r) => r.reason))}`)
    await eventually(() => controller.calls.activeCount() === 0 ? true : undefined, 'no call left in progress')
  })
}
