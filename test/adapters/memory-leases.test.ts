import t from 'tap'
import { MemoryLeases } from '../../src/adapters/memory/memory-leases.js'
import { leasesContract } from './leases-contract.js'

void t.test('the leases contract', async (t) => {
  leasesContract(t, async () => await Promise.resolve(new MemoryLeases()))
})
