// A call's end written until stored: the store away for a while, a reply lost after the counts
// were added, a record another controller took over.
import t from 'tap'
import pino from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import { HotlineError } from '../../src/errors.js'
import { FinalWrites } from '../../src/calls/final-writes.js'
import { eventually } from '../helpers/sim.js'

const ended: CallRecord = {
  callId: 'c1', legId: 'leg-1', controllerId: 'ctl-a', caller: '138****5678', startedAt: Date.parse('2026-01-05T02:00:00Z'),
  endedAt: Date.parse('2026-01-05T02:03:00Z'), finalState: 'completed', reason: 'served', endedBy: 'caller', choices: {}, path: []
}

/** The memory store, failing while `down`; with `loseReply`, a counts write goes through and then fails, as a lost reply. */
function flaky (): { store: MemoryStore, state: { down: boolean, loseReply: boolean } } {
  const store = new MemoryStore()
  const state = { down: true, loseReply: false }
  const addCallCounts = store.addCallCounts.bind(store)
  const putCall = store.putCall.bind(store)
  store.addCallCounts = async (day, counts, once) => {
    if (state.loseReply) {
      await addCallCounts(day, counts, once)
      state.loseReply = false
      throw new HotlineError('HC_STORE', 'reply lost')
    }
    if (state.down) throw new HotlineError('HC_STORE', 'store unreachable')
    await addCallCounts(day, counts, once)
  }
  store.putCall = async (record) => {
    if (state.down) throw new HotlineError('HC_STORE', 'store unreachable')
    await putCall(record)
  }
  return { store, state }
}

void t.test('the store away: the end is kept and stored once it is back, counted once', async (t) => {
  const { store, state } = flaky()
  const stored: string[] = []
  const gauge: number[] = []
  const writes = new FinalWrites({
    store, log: pino({ level: 'silent' }), onStored: (r) => { stored.push(r.callId) }, gauge: { set: (n) => { gauge.push(n) } }, initialDelayMs: 20, maxDelayMs: 50
  })
  t.teardown(() => { writes.stop() })
  await writes.submit(ended, { offered: 1, completed: 1 })
  t.equal(writes.pending, 1, 'not stored yet, still held')
  t.same(stored, [])
  state.down = false
  state.loseReply = true
  await eventually(() => writes.pending === 0 ? true : undefined, 'stored', 5000)
  t.match(await store.getCall('c1'), { finalState: 'completed', reason: 'served' })
  t.strictSame(await store.callCounts(['2026-01-05']), { offered: 1, completed: 1 }, 'counted once, though the first reply was lost')
  t.same(stored, ['c1'], 'told once, when stored')
  t.same([gauge[0], gauge.at(-1)], [1, 0], 'the unstored gauge: 1 while waiting, 0 once stored')
})

void t.test('stored at once when the store answers; a record another controller took over is left to it', async (t) => {
  const store = new MemoryStore()
  const writes = new FinalWrites({ store, log: pino({ level: 'silent' }) })
  await writes.submit(ended, { offered: 1 })
  t.equal(writes.pending, 0)
  t.match(await store.getCall('c1'), { finalState: 'completed' })
  await store.putCall({ ...ended, callId: 'c2', fence: 9, finalState: undefined })
  await writes.submit({ ...ended, callId: 'c2', fence: 3 }, { offered: 1 })
  t.equal(writes.pending, 0, 'not retried')
  t.equal((await store.getCall('c2'))?.finalState, undefined, 'the peer\'s record stands')
})

void t.test('flush: tried until the time given, as the store comes back', async (t) => {
  const { store, state } = flaky()
  const writes = new FinalWrites({ store, log: pino({ level: 'silent' }), initialDelayMs: 20, maxDelayMs: 50 })
  t.teardown(() => { writes.stop() })
  await writes.submit(ended, { offered: 1 })
  const flushing = writes.flush(10_000)
  await eventually(() => writes.pending === 1 ? true : undefined, 'still waiting', 1000)
  state.down = false
  t.equal(await flushing, 0, 'stored once the store came back, within the time')
  t.match(await store.getCall('c1'), { finalState: 'completed' })
})

void t.test('flush: one more try before the stop; what stays unwritten is counted', async (t) => {
  const { store, state } = flaky()
  const writes = new FinalWrites({ store, log: pino({ level: 'silent' }), initialDelayMs: 60_000 })
  t.teardown(() => { writes.stop() })
  await writes.submit(ended, { offered: 1 })
  await writes.submit({ ...ended, callId: 'c2' }, { offered: 1 })
  t.equal(await writes.flush(), 2, 'both still unwritten')
  state.down = false
  t.equal(await writes.flush(), 0, 'stored by the flush')
  t.equal((await store.listCalls({})).length, 2)
})
