import t from 'tap'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { storeContract } from './store-contract.js'

void t.test('the store contract', async (t) => {
  storeContract(t, async (_t, options) => new MemoryStore(options))
})

void t.test('a claim expires after claimTtlMs, counted from its own instant', async (t) => {
  const store = new MemoryStore({ claimTtlMs: 1000 })
  t.teardown(() => store.close())
  t.equal(await store.claimCall('leg-1', 'ctl-a', 5000), true)
  t.equal(await store.claimCall('leg-1', 'ctl-b', 5999), false)
  t.equal(await store.claimCall('leg-1', 'ctl-b', 6000), true, 'expired: the leg can be claimed again')
  t.equal(await store.claimCall('leg-1', 'ctl-a', 6500), false, 'the new claim holds')
})

void t.test('bad limits are refused when the store is made', async (t) => {
  t.throws(() => new MemoryStore({ maxCalls: 0 }), RangeError)
  t.throws(() => new MemoryStore({ claimTtlMs: 1.5 }), RangeError)
  t.throws(() => new MemoryStore({ maxTransfers: 0 }), RangeError)
})
