// One contract for both lease adapters (src/ports/leases.ts): memory and Redis behave alike.
// Leases lapse on the adapter's own clock (Redis: the server's), so the tests use short ones
// and wait for the lapse to be seen, never a fixed sleep.
import type { Test } from 'tap'
import type { Leases } from '../../src/ports/leases.js'
import { eventually } from '../helpers/sim.js'

/** Fresh leases, sharing nothing with any other test. */
export type MakeLeases = (t: Test) => Promise<Leases>

const SHORT = 150
const LONG = 60_000

async function lapsedIds (leases: Leases): Promise<string[]> {
  return (await leases.lapsed()).map((l) => l.controllerId).sort()
}

async function lapse (leases: Leases, id: string): Promise<void> {
  await eventually(async () => (await lapsedIds(leases)).includes(id) ? true : undefined, `${id}'s lease lapsing`, 5000, 20)
}

export function leasesContract (t: Test, makeLeases: MakeLeases): void {
  const open = async (t: Test): Promise<Leases> => {
    const leases = await makeLeases(t)
    t.teardown(() => leases.close())
    return leases
  }

  void t.test('acquire: a fencing token higher than every one before; what a controller says is kept', async (t) => {
    const leases = await open(t)
    const a = await leases.acquire('ctl-a', SHORT, { app: 'hotline-a' })
    const b = await leases.acquire('ctl-b', LONG)
    t.ok(a !== undefined && b !== undefined && b > a, 'tokens only grow')
    t.same(await lapsedIds(leases), [], 'fresh leases are held')
    await lapse(leases, 'ctl-a')
    t.same(await leases.lapsed(), [{ controllerId: 'ctl-a', info: { app: 'hotline-a' } }], 'one lapsed, with its info')
    const again = await leases.acquire('ctl-a', LONG)
    t.ok(again !== undefined && b !== undefined && again > b, 'acquired again (a restart): a new, higher token')
    t.same(await lapsedIds(leases), [])
  })

  void t.test('renew keeps a lease held; a lapsed lease renewed before any claim is held again', async (t) => {
    const leases = await open(t)
    await leases.acquire('ctl-a', SHORT)
    await lapse(leases, 'ctl-a')
    t.equal(await leases.renew('ctl-a', LONG), 'held', 'nobody claimed it: a late renewal holds')
    t.same(await lapsedIds(leases), [])
  })

  void t.test('claim: only a lapsed lease, by exactly one peer, with a higher token', async (t) => {
    const leases = await open(t)
    const a = await leases.acquire('ctl-a', SHORT) ?? 0
    await leases.acquire('ctl-b', LONG)
    await leases.acquire('ctl-c', LONG)
    t.equal(await leases.claim('ctl-b', 'ctl-c', LONG), undefined, 'a held lease cannot be claimed')
    t.equal(await leases.claim('ctl-x', 'ctl-c', LONG), undefined, 'nor an unknown controller')
    await lapse(leases, 'ctl-a')
    const tokens = await Promise.all([leases.claim('ctl-a', 'ctl-b', LONG), leases.claim('ctl-a', 'ctl-c', LONG)])
    const won = tokens.filter((n): n is number => n !== undefined)
    t.equal(won.length, 1, 'two peers at once: one claim wins')
    t.ok((won[0] ?? 0) > a, 'its token is above the dead controller\'s')
    t.same(await lapsedIds(leases), [], 'a claimed controller is not offered again')
  })

  void t.test('while claimed, the dead controller may not come back; after release it is told its calls are gone', async (t) => {
    const leases = await open(t)
    await leases.acquire('ctl-a', SHORT)
    await leases.acquire('ctl-b', LONG)
    await lapse(leases, 'ctl-a')
    t.ok(await leases.claim('ctl-a', 'ctl-b', LONG))
    t.equal(await leases.acquire('ctl-a', LONG), undefined, 'restarted mid-takeover: it waits')
    t.equal(await leases.renew('ctl-a', LONG), 'taken', 'only paused: its calls are taken')
    await leases.release('ctl-a', LONG)
    t.equal(await leases.renew('ctl-a', LONG), 'taken', 'still told after the takeover')
    t.same(await lapsedIds(leases), [], 'forgotten: nothing to take over any more')
    const back = await leases.acquire('ctl-a', LONG)
    t.ok(back, 'restarted after the takeover: a lease again')
    t.equal(await leases.renew('ctl-a', LONG), 'held', 'and its renewals hold')
  })

  void t.test('abandon: a failed takeover is claimed again', async (t) => {
    const leases = await open(t)
    await leases.acquire('ctl-a', SHORT)
    await lapse(leases, 'ctl-a')
    const first = await leases.claim('ctl-a', 'ctl-b', LONG) ?? 0
    await leases.abandon('ctl-a')
    t.same(await lapsedIds(leases), ['ctl-a'], 'offered again')
    const second = await leases.claim('ctl-a', 'ctl-c', LONG) ?? 0
    t.ok(second > first, 'claimed again, with a newer token')
  })

  void t.test('a peer killed mid-takeover claims again as soon as it is back; no other peer meanwhile', async (t) => {
    const leases = await open(t)
    await leases.acquire('ctl-a', SHORT)
    await leases.acquire('ctl-b', LONG)
    await lapse(leases, 'ctl-a')
    const first = await leases.claim('ctl-a', 'ctl-b', LONG) ?? 0
    t.ok(first, 'ctl-b claims ctl-a\'s calls, then is killed part way')
    t.same((await leases.lapsed('ctl-c')).map((l) => l.controllerId), [], 'another peer is not offered them: the claim holds')
    t.equal(await leases.claim('ctl-a', 'ctl-c', LONG), undefined, 'nor may it claim them')
    t.same((await leases.lapsed('ctl-b')).map((l) => l.controllerId), ['ctl-a'], 'ctl-b, restarted, is offered its own claim again')
    const again = await leases.claim('ctl-a', 'ctl-b', LONG) ?? 0
    t.ok(again > first, 'and claims again at once, with a newer token, not after the claim\'s hold')
    t.equal(await leases.acquire('ctl-a', LONG), undefined, 'the dead controller still waits for the takeover')
    await leases.release('ctl-a', LONG)
    t.same(await leases.lapsed('ctl-b'), [], 'once released, offered to nobody')
    t.equal(await leases.claim('ctl-a', 'ctl-b', LONG), undefined, 'a finished takeover is not claimed again, even by its taker')
  })

  void t.test('a claim held past its time is given up: another peer may claim', async (t) => {
    const leases = await open(t)
    await leases.acquire('ctl-a', SHORT)
    await lapse(leases, 'ctl-a')
    t.ok(await leases.claim('ctl-a', 'ctl-b', SHORT), 'a peer claims, then dies mid-takeover')
    await lapse(leases, 'ctl-a')
    t.ok(await leases.claim('ctl-a', 'ctl-c', LONG), 'another peer claims it')
  })

  void t.test('leave: a clean stop, nothing to take over', async (t) => {
    const leases = await open(t)
    await leases.acquire('ctl-a', SHORT)
    await leases.leave('ctl-a')
    await leases.acquire('ctl-b', SHORT)
    await lapse(leases, 'ctl-b')
    t.same(await lapsedIds(leases), ['ctl-b'], 'the one that left is never offered')
  })
}
