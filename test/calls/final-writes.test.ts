// A call's end written until stored: the store away for a while, a reply lost after the counts
// were added, a record another controller took over, a kill while it waits (the journal).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import { HotlineError } from '../../src/errors.js'
import { FinalWrites } from '../../src/calls/final-writes.js'
import { FinalJournal } from '../../src/calls/final-journal.js'
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

void t.test('journal: an end kept on disk while the store is away is written by the next run, once', async (t) => {
  const dir = t.testdir()
  const { store, state } = flaky()
  const log = pino({ level: 'silent' })
  const first = new FinalWrites({ store, log, initialDelayMs: 60_000, journal: new FinalJournal(dir, log) })
  await first.submit(ended, { offered: 1, completed: 1 })
  t.same(readdirSync(dir), ['c1.json'], 'kept on disk once submit returns')
  // Killed: the first run never writes it (no stop, no flush; its timer is dropped).
  first.stop()
  state.down = false
  const stored: string[] = []
  const next = new FinalWrites({ store, log, onStored: (r) => { stored.push(r.callId) }, journal: new FinalJournal(dir, log) })
  t.equal(await next.restore(), 1, 'one end found')
  t.match(await store.getCall('c1'), { finalState: 'completed', reason: 'served' })
  t.strictSame(await store.callCounts(['2026-01-05']), { offered: 1, completed: 1 })
  t.same(stored, ['c1'])
  await eventually(() => readdirSync(dir).length === 0 ? true : undefined, 'the file removed once stored', 2000)
  t.equal(await next.restore(), 0, 'nothing written twice')
  t.strictSame(await store.callCounts(['2026-01-05']), { offered: 1, completed: 1 }, 'counted once')
})

void t.test('journal: restored while the store is still away, the end waits and is written when it comes back', async (t) => {
  const dir = t.testdir()
  const { store, state } = flaky()
  const log = pino({ level: 'silent' })
  const first = new FinalWrites({ store, log, initialDelayMs: 60_000, journal: new FinalJournal(dir, log) })
  await first.submit(ended, { offered: 1 })
  first.stop()
  const next = new FinalWrites({ store, log, initialDelayMs: 20, maxDelayMs: 50, journal: new FinalJournal(dir, log) })
  t.teardown(() => { next.stop() })
  let tries = 0
  const addCallCounts = store.addCallCounts.bind(store)
  store.addCallCounts = async (...args) => { tries += 1; await addCallCounts(...args) }
  await first.submit({ ...ended, callId: 'c2' }, { offered: 1 })
  await first.submit({ ...ended, callId: 'c3' }, { offered: 1 })
  tries = 0
  t.equal(await next.restore(), 3)
  t.ok(next.has('c1') && next.has('c2') && next.has('c3'), 'waiting, so recovery does not reap them')
  t.equal(tries, 1, 'after the first failure the others are not tried one by one before restore returns')
  state.down = false
  await eventually(() => next.pending === 0 ? true : undefined, 'stored', 5000)
  t.match(await store.getCall('c1'), { finalState: 'completed' })
  t.equal((await store.listCalls({})).length, 3, 'all three stored')
  await eventually(() => readdirSync(dir).length === 0 ? true : undefined, 'removed', 2000)
})

void t.test('journal: a file cut short is set aside as .bad with the reason; a half-written temp file is dropped', async (t) => {
  const dir = t.testdir({
    'c1.json': JSON.stringify({ record: { ...ended }, increments: { offered: 1 }, counted: false }),
    'c2.json': '{"record": {"callId": "c2"',
    'c3.json': JSON.stringify({ record: { callId: 'c3' }, increments: {}, counted: false }),
    'c4.json.123.tmp': '{"rec'
  })
  const errors: unknown[] = []
  const log = pino({ level: 'error' }, { write: (line: string) => { errors.push(JSON.parse(line)) } })
  const journal = new FinalJournal(dir, log)
  const entries = await journal.load()
  t.same(entries.map((e) => e.record.callId), ['c1'])
  t.same(readdirSync(dir).sort(), ['c1.json', 'c2.json.bad', 'c3.json.bad'])
  t.match(errors, [
    { file: join(dir, 'c2.json'), reason: /JSON/ },
    { file: join(dir, 'c3.json'), reason: /not a call's end/ }
  ])
})

void t.test('journal: a call id that is not a plain name is kept under its hash, inside the folder', async (t) => {
  const dir = t.testdir()
  const log = pino({ level: 'silent' })
  const journal = new FinalJournal(dir, log)
  await journal.put({ record: { ...ended, callId: '../../etc/x' }, increments: {}, counted: true })
  const names = readdirSync(dir)
  t.match(names, [/^[0-9a-f]{64}\.json$/])
  t.same((await journal.load()).map((e) => e.record.callId), ['../../etc/x'])
  await journal.remove('../../etc/x')
  t.same(readdirSync(dir), [])
})
