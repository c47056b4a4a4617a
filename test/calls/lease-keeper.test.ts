// LeaseKeeper on the memory leases: a controller whose lease lapses has its calls taken over by
// exactly one peer, with a higher fencing token; it learns so at its next renewal; a takeover
// that fails is claimed again; a clean stop leaves nothing to take over.
import t from 'tap'
import { pino } from 'pino'
import { MemoryLeases } from '../../src/adapters/memory/memory-leases.js'
import { LeaseKeeper, type LeaseKeeperDeps } from '../../src/calls/lease-keeper.js'

const silent = pino({ level: 'silent' })

/** A clock the test moves: leases lapse when it says so. */
function clock (): { now: () => number, pass: (ms: number) => void } {
  let at = 1_000_000
  return { now: () => at, pass: (ms) => { at += ms } }
}

interface Keeper { keeper: LeaseKeeper, took: Array<{ deadId: string, fence: number, info: Record<string, string> }>, taken: string[], acquired: number[] }

function keeper (leases: MemoryLeases, controllerId: string, extra: Partial<LeaseKeeperDeps> = {}): Keeper {
  const out: Keeper = { keeper: undefined as unknown as LeaseKeeper, took: [], taken: [], acquired: [] }
  out.keeper = new LeaseKeeper({
    leases,
    controllerId,
    ttlMs: 6000,
    info: { app: `hotline-${controllerId}` },
    log: silent,
    canTakeOver: () => true,
    takeOver: async (deadId, info, fence) => { out.took.push({ deadId, fence, info: { ...info } }); await Promise.resolve() },
    onTaken: (why) => { out.taken.push(why) },
    onAcquired: (fence) => { out.acquired.push(fence) },
    ...extra
  })
  return out
}

void t.test('a peer whose lease lapsed: one survivor takes its calls over with a higher token', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  const [a, b, c] = ['ctl-a', 'ctl-b', 'ctl-c'].map((id) => keeper(leases, id))
  if (a === undefined || b === undefined || c === undefined) throw new Error('keepers')
  for (const k of [a, b, c]) await k.keeper.round()
  t.same([a, b, c].map((k) => k.acquired.length), [1, 1, 1], 'each holds a lease')
  t.ok(a.keeper.fence > 0 && b.keeper.fence > a.keeper.fence, 'tokens grow')

  time.pass(3000)
  for (const k of [a, b, c]) await k.keeper.round()
  t.same([...b.took, ...c.took], [], 'renewed in time: nothing taken')

  // a stops renewing (killed); b and c go on.
  time.pass(4000)
  await b.keeper.round()
  await c.keeper.round()
  time.pass(3000)
  await Promise.all([b.keeper.round(), c.keeper.round()])
  const took = [...b.took, ...c.took]
  t.equal(took.length, 1, 'exactly one survivor takes a\'s calls')
  t.match(took[0], { deadId: 'ctl-a', info: { app: 'hotline-ctl-a' } })
  t.ok((took[0]?.fence ?? 0) > Math.max(b.keeper.fence, c.keeper.fence), 'with a token above every lease\'s')

  await Promise.all([b.keeper.round(), c.keeper.round()])
  t.equal([...b.took, ...c.took].length, 1, 'and only once')

  // a was only paused: at its next renewal it learns its calls are gone, and does nothing more.
  await a.keeper.round()
  t.equal(a.taken.length, 1, 'told once')
  await a.keeper.round()
  t.equal(a.taken.length, 1, 'its rounds stop')
  t.same(a.took, [])
})

void t.test('a takeover that fails is claimed again at a later round', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  const a = keeper(leases, 'ctl-a')
  let fail = true
  const tries: number[] = []
  const b = keeper(leases, 'ctl-b', {
    takeOver: async (_deadId, _info, fence) => {
      tries.push(fence)
      await Promise.resolve()
      if (fail) throw new Error('the switch went away')
    }
  })
  await a.keeper.round()
  await b.keeper.round()
  time.pass(7000)
  await b.keeper.round()
  t.equal(tries.length, 1, 'tried')
  fail = false
  await b.keeper.round()
  t.equal(tries.length, 2, 'tried again, and done')
  t.ok((tries[1] ?? 0) > (tries[0] ?? 0), 'with a fresh token')
  await b.keeper.round()
  t.equal(tries.length, 2, 'not again once done')
})

void t.test('no takeover while this controller cannot act on the switch', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  let ready = false
  const a = keeper(leases, 'ctl-a')
  const b = keeper(leases, 'ctl-b', { canTakeOver: () => ready })
  await a.keeper.round()
  await b.keeper.round()
  time.pass(7000)
  await b.keeper.round()
  t.same(b.took, [], 'the switch is away: left for a peer that can')
  ready = true
  await b.keeper.round()
  t.equal(b.took.length, 1, 'taken once it can')
})

void t.test('restarted while a peer takes its calls over: it waits for the lease, then has none of them', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  const a = keeper(leases, 'ctl-a')
  await a.keeper.round()
  let finish: () => void = () => undefined
  const b = keeper(leases, 'ctl-b', { takeOver: async () => { await new Promise<void>((resolve) => { finish = resolve }) } })
  await b.keeper.round()
  time.pass(7000)
  const taking = b.keeper.round()
  await new Promise((resolve) => setImmediate(resolve))

  const again = keeper(leases, 'ctl-a')
  await again.keeper.round()
  t.equal(again.keeper.fence, 0, 'no lease while the peer is taking its calls over')
  t.same(again.acquired, [], 'so it does not look for its calls')
  finish()
  await taking
  await again.keeper.round()
  t.ok(again.keeper.fence > 0, 'the takeover done: the lease again')
  t.same(again.acquired, [again.keeper.fence])
  t.same(again.taken, [], 'a restarted controller is not told to stop')
})

void t.test('a clean stop lets the lease go: nobody takes anything over', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  const a = keeper(leases, 'ctl-a')
  const b = keeper(leases, 'ctl-b')
  await a.keeper.round()
  await b.keeper.round()
  await a.keeper.stop(true)
  time.pass(20_000)
  await b.keeper.round()
  t.same(b.took, [])
})

void t.test('the store away at start: the lease is acquired at a later round', async (t) => {
  let down = true
  class Flaky extends MemoryLeases {
    override async acquire (...args: Parameters<MemoryLeases['acquire']>): Promise<number | undefined> {
      if (down) throw new Error('ECONNREFUSED')
      return await super.acquire(...args)
    }
  }
  const a = keeper(new Flaky(), 'ctl-a')
  await a.keeper.round()
  t.equal(a.keeper.fence, 0, 'not yet')
  down = false
  await a.keeper.round()
  t.ok(a.keeper.fence > 0)
  t.equal(a.acquired.length, 1)
})

void t.test('a long takeover does not hold this controller\'s own renewals', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  const a = keeper(leases, 'ctl-a')
  let finish: () => void = () => undefined
  const b = keeper(leases, 'ctl-b', { takeOver: async () => { await new Promise<void>((resolve) => { finish = resolve }) } })
  const c = keeper(leases, 'ctl-c')
  for (const k of [a, b, c]) await k.keeper.round()
  time.pass(3000)
  await c.keeper.round()
  void b.keeper.round()
  await new Promise((resolve) => setImmediate(resolve))
  // a is gone from here on: b claims it and works on its calls for long.
  time.pass(4000)
  const taking = b.keeper.round()
  await new Promise((resolve) => setImmediate(resolve))
  // b is still taking a's calls over; its own lease must be renewed meanwhile.
  for (let i = 0; i < 4; i++) {
    time.pass(2000)
    await c.keeper.round()
    // b's timer would run this round: its renewal completes though the takeover does not.
    void b.keeper.round()
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.same(c.took, [], 'c renewed in time and took nothing; b\'s lease held while it worked')
  finish()
  await taking
})

void t.test('cut off from its switch for a lease\'s time: the lease is left to lapse and a peer takes the calls', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  let lostSince: number | undefined
  const a = keeper(leases, 'ctl-a', { switchLostSince: () => lostSince, now: time.now })
  const b = keeper(leases, 'ctl-b')
  await a.keeper.round()
  await b.keeper.round()

  // A blip shorter than the lease: renewed as usual, nothing taken.
  lostSince = time.now()
  time.pass(3000)
  await a.keeper.round()
  time.pass(4000)
  await b.keeper.round()
  t.same(b.took, [], 'a short loss of the switch takes nothing away')

  // The link stays dead: a stops renewing, its lease lapses, b takes its calls.
  time.pass(6000)
  await a.keeper.round()
  time.pass(6100)
  await a.keeper.round()
  await b.keeper.round()
  t.match(b.took, [{ deadId: 'ctl-a' }], 'the peer that reaches the switch took the calls')

  // The link comes back: a's next renewal tells it its calls are gone.
  lostSince = undefined
  await a.keeper.round()
  t.equal(a.taken.length, 1, 'told at once, before it acts on them')
  t.notOk(a.keeper.held, 'not held: its own calls are not looked for')
  t.equal(a.acquired.length, 1, 'never told it holds the lease again')
})

void t.test('held again after rounds that failed: told, so its own calls are looked for; renewals in a row are not', async (t) => {
  let down = false
  class Flaky extends MemoryLeases {
    override async renew (...args: Parameters<MemoryLeases['renew']>): ReturnType<MemoryLeases['renew']> {
      if (down) throw new Error('ECONNREFUSED')
      return await super.renew(...args)
    }
  }
  const time = clock()
  const a = keeper(new Flaky(time.now), 'ctl-a')
  await a.keeper.round()
  t.ok(a.keeper.held)
  time.pass(2000)
  await a.keeper.round()
  t.same(a.acquired.length, 1, 'a renewal after a renewal: nothing to tell')
  down = true
  time.pass(2000)
  await a.keeper.round()
  t.notOk(a.keeper.held, 'a failed renewal: not known to hold it')
  down = false
  time.pass(1000)
  await a.keeper.round()
  t.ok(a.keeper.held)
  t.equal(a.acquired.length, 2, 'told once it holds it again')
  t.equal(a.acquired[1], a.keeper.fence, 'with the same token')
})

void t.test('killed part way through a takeover: restarted, it takes the calls over at its first round, not after the claim\'s hold', async (t) => {
  const time = clock()
  const leases = new MemoryLeases(time.now)
  const a = keeper(leases, 'ctl-a')
  // b's takeover does not end before b is killed during it.
  let killed = (): void => {}
  const b = keeper(leases, 'ctl-b', { takeOver: async () => { await new Promise<void>((resolve) => { killed = resolve }) } })
  const c = keeper(leases, 'ctl-c')
  for (const k of [a, b, c]) await k.keeper.round()
  time.pass(7000)
  // Its round waits for the takeover it starts, which does not end: not awaited.
  const bRound = b.keeper.round()
  while (b.took.length === 0 && (await leases.lapsed()).length > 0) await new Promise((resolve) => setImmediate(resolve))
  t.equal((await leases.lapsed()).length, 0, 'b claimed a\'s calls')

  // b's next process, with the same id, and c, both seconds later: well within the claim's hold.
  time.pass(3000)
  const bAgain = keeper(leases, 'ctl-b')
  await c.keeper.round()
  await bAgain.keeper.round()
  t.same(c.took, [], 'another peer keeps off while the claim holds')
  t.match(bAgain.took, [{ deadId: 'ctl-a' }], 'b, back, takes a\'s calls over at once')
  t.ok((bAgain.took[0]?.fence ?? 0) > b.keeper.fence, 'with a newer token')
  killed()
  void bRound
})
