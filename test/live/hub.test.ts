// Coalescing: a burst of changes makes one snapshot, a change during a computation exactly
// one more; signals from hot paths are merged per topic, never dropped; the ticket service's
// changing operations tell the pages without changing what they return or throw.
import t from 'tap'
import { SnapshotHub } from '../../src/features/live/hub.js'
import type { LiveTopic } from '../../src/ports/live-signals.js'
import { SignalThrottle } from '../../src/features/live/throttle.js'
import { watchTicketService } from '../../src/features/live/ticket-watch.js'
import type { TicketService } from '../../src/tickets/ticket-service.js'
import { eventually } from '../helpers/sim.js'

function gate () {
  let open = (): void => undefined
  const opened = new Promise<void>((resolve) => { open = resolve })
  return { open, opened }
}

void t.test('a burst of changes makes one computation; a change during one makes exactly one more', async (t) => {
  let computed = 0
  let hold = gate()
  const started: number[] = []
  const hub = new SnapshotHub<number>({
    minGapMs: 0,
    compute: async () => {
      started.push(++computed)
      await hold.opened
      return computed
    }
  })
  t.teardown(() => hub.close())
  hub.changed()
  t.equal(computed, 0, 'nobody watching: nothing computed')
  const seen: number[] = []
  const stop = hub.follow((n) => { seen.push(n) })
  for (let i = 0; i < 100; i++) hub.changed()
  await eventually(() => started.length === 1 ? true : undefined, 'first computation')
  // During the computation: many changes, one more computation.
  for (let i = 0; i < 100; i++) hub.changed()
  const first = hold
  hold = gate()
  first.open()
  await eventually(() => started.length === 2 ? true : undefined, 'second computation')
  hold.open()
  await eventually(() => seen.length === 2 ? true : undefined, 'two snapshots')
  t.same(seen, [1, 2])
  t.equal(hub.latest, 2)
  // A new follower gets the latest at once, then a fresh one.
  const late: number[] = []
  hub.follow((n) => { late.push(n) })
  t.same(late, [2], 'the last snapshot at once')
  await eventually(() => late.length === 2 ? true : undefined, 'a fresh one')
  t.same(late, [2, 3])
  stop()
  t.equal(hub.size, 1)
})

void t.test('a failed computation keeps the previous snapshot and is reported', async (t) => {
  const errors: unknown[] = []
  let fail = false
  const hub = new SnapshotHub<string>({
    minGapMs: 0,
    compute: () => fail ? Promise.reject(new Error('store away')) : Promise.resolve('ok'),
    onError: (err) => { errors.push(err) }
  })
  t.teardown(() => hub.close())
  const seen: string[] = []
  hub.follow((s) => { seen.push(s) })
  await eventually(() => seen.length === 1 ? true : undefined, 'first')
  fail = true
  hub.changed()
  await eventually(() => errors.length === 1 ? true : undefined, 'the failure')
  t.same(seen, ['ok'])
  t.equal(hub.latest, 'ok')
})

void t.test('the throttle: the first signal at once, the rest of the window merged into one', async (t) => {
  const sent: LiveTopic[] = []
  const throttle = new SignalThrottle({ publish: (topic) => { sent.push(topic) } }, 30)
  t.teardown(() => { throttle.close() })
  for (let i = 0; i < 50; i++) throttle.publish('calls')
  throttle.publish('agents')
  t.same(sent, ['calls', 'agents'], 'leading edge, per topic')
  await eventually(() => sent.length === 3 ? true : undefined, 'the merged signal')
  t.same(sent, ['calls', 'agents', 'calls'], 'one more for the fifty, none for agents')
})

void t.test('watching the ticket service: results and errors pass through, each operation tells once, restore undoes it', async (t) => {
  class FakeService {
    calls = 0
    async raise (x: number): Promise<number> { this.calls++; return await Promise.resolve(x * 2) }
    async acknowledge (): Promise<never> { this.calls++; return await Promise.reject(new Error('gone')) }
    async get (): Promise<string> { return await Promise.resolve('read only') }
  }
  const service = new FakeService()
  let told = 0
  const restore = watchTicketService(service as unknown as TicketService, () => { told++ })
  t.equal(await service.raise(21), 42)
  await t.rejects(service.acknowledge(), /gone/)
  t.equal(await service.get(), 'read only')
  t.equal(told, 2, 'raise and acknowledge, not get')
  t.equal(service.calls, 2)
  restore()
  await service.raise(1)
  t.equal(told, 2, 'restored')
  t.notOk(Object.prototype.hasOwnProperty.call(service, 'raise'), 'the prototype method again')
})
