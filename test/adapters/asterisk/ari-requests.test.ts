// The request gate every ARI REST call goes through: a deadline, and a bound on requests in
// flight, because ari-client's requests have no timeout and under overload never settle.
import t from 'tap'
import { RequestGate } from '../../../src/adapters/asterisk/ari-requests.js'

/** A request that settles only when told to. */
function manual<T> (): { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void, started: boolean } {
  const handle = { started: false } as { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void, started: boolean }
  handle.promise = new Promise<T>((resolve, reject) => { handle.resolve = resolve; handle.reject = reject })
  return handle
}

void t.test('a request that never settles times out with HC_SWITCH_TIMEOUT', async (t) => {
  const gate = new RequestGate({ timeoutMs: 50, maxInFlight: 2 })
  const never = new Promise<string>(() => undefined)
  await t.rejects(gate.run('originate', async () => await never), { code: 'HC_SWITCH_TIMEOUT', details: { what: 'originate', queued: false } })
  t.equal(gate.inFlight, 0, 'its slot is free again')
  t.equal(await gate.run('answer', async () => 'ok'), 'ok', 'the gate still works')
})

void t.test('requests beyond the bound wait in order for a free slot', async (t) => {
  const gate = new RequestGate({ timeoutMs: 5000, maxInFlight: 2 })
  const calls = [manual<number>(), manual<number>(), manual<number>(), manual<number>()]
  const started: number[] = []
  const results = calls.map(async (c, i) => await gate.run(`req ${i}`, async () => { started.push(i); return await c.promise }))
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1], 'only two are sent')
  t.equal(gate.inFlight, 2)
  t.equal(gate.queued, 2)
  calls[1]?.resolve(1)
  t.equal(await results[1], 1)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1, 2], 'a finished one lets the next queued one go')
  calls[0]?.reject(new Error('{"message":"Channel not found"}'))
  await t.rejects(results[0] as Promise<number>, { message: '{"message":"Channel not found"}' }, 'failures come back as they were')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1, 2, 3])
  calls[2]?.resolve(2)
  calls[3]?.resolve(3)
  t.same(await Promise.all(results.slice(2)), [2, 3])
  t.equal(gate.inFlight, 0)
  t.equal(gate.queued, 0)
})

void t.test('requests that never settle cannot block the gate for good', async (t) => {
  const gate = new RequestGate({ timeoutMs: 60, maxInFlight: 1 })
  const stuck = gate.run('stuck', async () => await new Promise<void>(() => undefined))
  const behind = gate.run('play', async () => 'played')
  await t.rejects(stuck, { code: 'HC_SWITCH_TIMEOUT' })
  t.equal(await behind, 'played', 'the request queued behind it was sent when its slot was freed')
})

void t.test('a late answer to a timed-out request is ignored', async (t) => {
  const gate = new RequestGate({ timeoutMs: 30, maxInFlight: 1 })
  const slow = manual<string>()
  const result = gate.run('slow', async () => await slow.promise)
  await t.rejects(result, { code: 'HC_SWITCH_TIMEOUT' })
  const next = manual<string>()
  const after = gate.run('next', async () => await next.promise)
  slow.resolve('late')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(gate.inFlight, 1, 'the late settle does not free the slot a second time')
  next.resolve('fine')
  t.equal(await after, 'fine')
})

void t.test('a call that throws synchronously is a failed request, not a stuck slot', async (t) => {
  const gate = new RequestGate({ timeoutMs: 1000, maxInFlight: 1 })
  await t.rejects(gate.run('broken', () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(await gate.run('fine', async () => 7), 7)
})

void t.test('failAll fails everything queued and running; drain waits for the rest', async (t) => {
  const gate = new RequestGate({ timeoutMs: 5000, maxInFlight: 1 })
  const running = gate.run('a', async () => await new Promise(() => undefined))
  const queued = gate.run('b', async () => 'b')
  gate.failAll(new Error('destroyed'))
  await t.rejects(running, { message: 'destroyed' })
  await t.rejects(queued, { message: 'destroyed' })
  const slow = manual<string>()
  const pending = gate.run('c', async () => await slow.promise)
  let drained = false
  const draining = gate.drain(5000).then(() => { drained = true })
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(drained, false, 'drain waits for the request in flight')
  slow.resolve('c')
  await pending
  await draining
  t.equal(drained, true)
  await gate.drain(10)
  t.pass('drain of an idle gate returns at once')
})

void t.test('the bound must allow at least one request', async (t) => {
  t.throws(() => new RequestGate({ timeoutMs: 10, maxInFlight: 0 }), RangeError)
})
