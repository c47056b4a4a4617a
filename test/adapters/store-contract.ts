// One contract for every Store adapter (src/ports/store.ts): the memory store and the Redis
// store run these same tests, so a controller behaves alike on either. Each test gets a fresh,
// empty store from `makeStore` and closes it in its teardown.
import { stamped } from '../../src/domain/record-version.js'
import type { Test } from 'tap'
import type { Store } from '../../src/ports/store.js'
import type { AgentRecord, CallRecord } from '../../src/domain/call-record.js'
import type { TransferRecord } from '../../src/domain/transfer-record.js'

export interface ContractStoreOptions {
  maxCalls?: number
  maxTransfers?: number
}

/** A fresh store, empty and not shared with any other test. */
export type MakeStore = (t: Test, options?: ContractStoreOptions) => Promise<Store>

const T0 = Date.UTC(2026, 0, 5, 1, 30) // Monday 9:30 in Beijing
const TTL = 30_000

function call (callId: string, startedAt: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    callId,
    legId: `leg-${callId}`,
    controllerId: 'ctl-a',
    caller: '138****5678',
    startedAt,
    choices: {},
    path: [],
    ...extra
  }
}

function transfer (id: string, requestedAt: number, extra: Partial<TransferRecord> = {}): TransferRecord {
  return {
    id,
    callId: `call-${id}`,
    matterId: 'vat-invoice',
    departmentId: 'tax',
    requestedAt,
    workingTime: true,
    state: 'hunting',
    attempts: [],
    ...extra
  }
}

function agent (id: string, groups: string[]): Pick<AgentRecord, 'id' | 'name' | 'extension' | 'groups'> {
  return { id, name: `坐席${id}`, extension: `80${id.replace(/\D/g, '').padStart(2, '0')}`, groups }
}

export function storeContract (t: Test, makeStore: MakeStore): void {
  const open = async (t: Test, options?: ContractStoreOptions): Promise<Store> => {
    const store = await makeStore(t, options)
    t.teardown(() => store.close())
    return store
  }

  /** Adds agents and makes them ready, each at its own instant. */
  const ready = async (store: Store, agents: Array<[id: string, groups: string[], readyAt: number]>): Promise<void> => {
    for (const [id, groups, at] of agents) {
      await store.upsertAgent(agent(id, groups), T0)
      await store.setAgentState(id, { to: 'ready', at })
    }
  }

  void t.test('claimCall: only the first claimant of a leg runs the call', async (t) => {
    const store = await open(t)
    t.equal(await store.claimCall('leg-1', 'ctl-a', T0), true)
    t.equal(await store.claimCall('leg-1', 'ctl-b', T0 + 1), false, 'another controller is refused')
    t.equal(await store.claimCall('leg-1', 'ctl-a', T0 + 2), false, 'the first claimant too: a claim is once only')
    t.equal(await store.claimCall('leg-2', 'ctl-b', T0 + 3), true, 'other legs are free')
    const results = await Promise.all(['ctl-a', 'ctl-b', 'ctl-c'].map((c) => store.claimCall('leg-3', c, T0 + 4)))
    t.same(results.filter(Boolean).length, 1, 'concurrent claims: exactly one wins')
  })

  void t.test('claimCall: a retry of the claim that was taken is answered true again, nothing else is', async (t) => {
    const store = await open(t)
    t.equal(await store.claimCall('leg-r', 'ctl-a', T0, 'try-1'), true)
    t.equal(await store.claimCall('leg-r', 'ctl-a', T0 + 1, 'try-1'), true, 'the same attempt again (its first reply lost)')
    t.equal(await store.claimCall('leg-r', 'ctl-a', T0 + 2, 'try-2'), false, 'a new attempt of the same controller')
    t.equal(await store.claimCall('leg-r', 'ctl-a', T0 + 3), false, 'a claim with no attempt')
    t.equal(await store.claimCall('leg-r', 'ctl-b', T0 + 4, 'try-1'), false, 'another controller with the same attempt id')
  })

  void t.test('putCall: nothing replaces a final record, in progress or final', async (t) => {
    const store = await open(t)
    await store.putCall(call('c-late', T0, { state: 'queued' }))
    const ended = call('c-late', T0, { finalState: 'abandoned', reason: 'hung up in the queue', endedAt: T0 + 5000, state: 'ended' })
    await store.putCall(ended)
    await store.putCall(call('c-late', T0, { state: 'queued', path: ['late'] }))
    t.match(await store.getCall('c-late'), { finalState: 'abandoned', state: 'ended' }, 'the late write of the call in progress is ignored')
    t.same((await store.listCalls({ active: true })).map((r) => r.callId), [], 'and it stays out of the active calls')
    await store.putCall({ ...ended, reason: 'store unavailable', finalState: 'refused' })
    t.match(await store.getCall('c-late'), { finalState: 'abandoned', reason: 'hung up in the queue' }, 'the first final state stands (a peer\'s other end of the same leg)')
    await store.putCall(ended)
    t.match(await store.getCall('c-late'), { finalState: 'abandoned' }, 'the same end tried again is harmless')
  })

  void t.test('putCall / getCall: values round-trip exactly', async (t) => {
    const store = await open(t)
    const full = call('c-full', T0 + 0.25, {
      flowId: 'enterprise-seat',
      flowVersion: 'sha256:9f2c',
      endedAt: 1_767_576_600_123.5,
      finalState: 'completed',
      reason: 'agent-hung-up',
      choices: { priority: '办事', category: '税务', matter: '发票' },
      path: ['greeting', 'priority-menu', 'queue'],
      queue: { group: 'enterprise-seat', enqueuedAt: T0 + 10, servedAt: T0 + 20, agentId: 'a1' }
    })
    const minimal = call('c-min', T0)
    await store.putCall(full)
    await store.putCall(minimal)
    t.strictSame(await store.getCall('c-full'), stamped(full))
    const got = await store.getCall('c-min')
    t.strictSame(got, stamped(minimal))
    for (const field of ['flowId', 'flowVersion', 'endedAt', 'finalState', 'reason', 'queue']) {
      t.notOk(got !== undefined && field in got, `absent ${field} stays absent`)
    }
    t.equal(await store.getCall('nope'), undefined)

    const ended = { ...minimal, endedAt: T0 + 5000, finalState: 'abandoned' as const, reason: 'caller-hung-up-in-queue',
      queue: { group: 'enterprise-seat', enqueuedAt: T0 + 100, abandonedAt: T0 + 4000 } }
    await store.putCall(ended)
    t.strictSame(await store.getCall('c-min'), stamped(ended), 'a later put replaces the record')

    if (got !== undefined) got.path.push('tampered')
    t.same((await store.getCall('c-min'))?.path, [], 'a returned record is a copy')
  })

  void t.test('listCalls: newest first, limit, active filter', async (t) => {
    const store = await open(t)
    // Put out of order: the list follows startedAt, not the order of puts.
    await store.putCall(call('c2', T0 + 2000))
    await store.putCall(call('c1', T0 + 1000, { endedAt: T0 + 1500, finalState: 'completed', reason: 'done' }))
    await store.putCall(call('c4', T0 + 4000))
    await store.putCall(call('c3', T0 + 3000, { endedAt: T0 + 3500, finalState: 'refused', reason: 'after-hours' }))
    const ids = (records: CallRecord[]): string[] => records.map((r) => r.callId)
    t.same(ids(await store.listCalls({})), ['c4', 'c3', 'c2', 'c1'])
    t.same(ids(await store.listCalls({ limit: 2 })), ['c4', 'c3'])
    t.same(ids(await store.listCalls({ limit: 0 })), [])
    t.same(ids(await store.listCalls({ active: true })), ['c4', 'c2'], 'active: no final state yet')
    t.same(ids(await store.listCalls({ active: true, limit: 1 })), ['c4'])
    t.same(ids(await store.listCalls({ active: false })), ['c4', 'c3', 'c2', 'c1'], 'active: false filters nothing')

    await store.putCall(call('c4', T0 + 4000, { endedAt: T0 + 9000, finalState: 'failed', reason: 'switch-lost' }))
    t.same(ids(await store.listCalls({ active: true })), ['c2'], 'an ended call leaves the active list')
    t.equal((await store.listCalls({ limit: 1 }))[0]?.finalState, 'failed', 'the list returns the latest record')
  })

  void t.test('putCall: a fencing token lower than the record\'s is refused, nothing written', async (t) => {
    const store = await open(t)
    await store.putCall(call('c1', T0, { path: ['unfenced'] }))
    await store.putCall(call('c1', T0, { path: ['first owner'], fence: 3 }))
    const peer = call('c1', T0, { controllerId: 'ctl-b', path: ['taken over'], fence: 7 })
    await store.putCall(peer)
    await t.rejects(store.putCall(call('c1', T0, { path: ['paused owner'], fence: 3 })), { code: 'HC_FENCED' }, 'the old owner\'s token')
    await t.rejects(store.putCall(call('c1', T0, { path: ['no token'] })), { code: 'HC_FENCED' }, 'a write without a token')
    t.strictSame(await store.getCall('c1'), stamped(peer), 'the peer\'s record stands')
    const ended = { ...peer, finalState: 'completed' as const, reason: 'served', endedAt: T0 + 10 }
    await store.putCall(ended)
    t.strictSame(await store.getCall('c1'), stamped(ended), 'the same token writes again')
    await store.putCall(call('c2', T0 + 1, { fence: 1 }))
    t.ok(await store.getCall('c2'), 'tokens are per call: a low one on another call is fine')
  })

  void t.test('call records are trimmed to the configured maximum, oldest first', async (t) => {
    const store = await open(t, { maxCalls: 3 })
    for (let i = 1; i <= 5; i++) {
      await store.putCall(call(`c${i}`, T0 + i * 1000, i % 2 === 0 ? { finalState: 'completed', reason: 'done' } : {}))
    }
    t.same((await store.listCalls({})).map((r) => r.callId), ['c5', 'c4', 'c3'])
    t.same((await store.listCalls({ active: true })).map((r) => r.callId), ['c5', 'c3'], 'trimmed from the active list too')
    t.equal(await store.getCall('c1'), undefined)
    t.equal(await store.getCall('c2'), undefined)
    t.ok(await store.getCall('c3'))
  })

  void t.test('upsertAgent adds logged out, and an update keeps the state', async (t) => {
    const store = await open(t)
    const added = await store.upsertAgent(agent('a2', ['enterprise-seat']), T0)
    t.strictSame(added, { ...agent('a2', ['enterprise-seat']), state: 'logged-out', since: T0 })
    await store.upsertAgent(agent('a1', ['enterprise-seat']), T0)

    await store.setAgentState('a2', { to: 'ready', at: T0 + 100 })
    await store.setAgentState('a2', { to: 'ringing', callId: 'c1', at: T0 + 200 })
    const updated = await store.upsertAgent({ id: 'a2', name: '王芳', extension: '8099', groups: ['tax', 'enterprise-seat'] }, T0 + 300)
    t.strictSame(updated, {
      id: 'a2', name: '王芳', extension: '8099', groups: ['tax', 'enterprise-seat'],
      state: 'ringing', since: T0 + 200, idleSince: T0 + 100, callId: 'c1'
    })
    t.strictSame(await store.getAgent('a2'), updated)
    t.equal(await store.getAgent('nobody'), undefined)
    t.same((await store.listAgents()).map((a) => a.id), ['a1', 'a2'], 'listed by id')
  })

  void t.test('setAgentState: compare-and-set on state and call', async (t) => {
    const store = await open(t)
    await store.upsertAgent(agent('a1', ['enterprise-seat']), T0)
    t.equal(await store.setAgentState('nobody', { to: 'ready', at: T0 }), undefined, 'unknown agent')

    const readyAgent = await store.setAgentState('a1', { to: 'ready', expect: ['logged-out'], at: T0 + 100 })
    t.match(readyAgent, { state: 'ready', since: T0 + 100, idleSince: T0 + 100 })

    const again = await store.setAgentState('a1', { to: 'ready', at: T0 + 500 })
    t.match(again, { state: 'ready', since: T0 + 100, idleSince: T0 + 100 }, 'ready again: still idle since the first time')

    t.equal(await store.setAgentState('a1', { to: 'on-call', expect: ['ringing'], at: T0 + 600 }), undefined, 'expect fails')
    t.equal(await store.setAgentState('a1', { to: 'on-call', expect: [], at: T0 + 600 }), undefined, 'an empty expect matches nothing')
    t.match(await store.getAgent('a1'), { state: 'ready', since: T0 + 100 }, 'a failed change changes nothing')

    const ringing = await store.setAgentState('a1', { to: 'ringing', expect: ['ready', 'wrap-up'], callId: 'c1', at: T0 + 700 })
    t.match(ringing, { state: 'ringing', callId: 'c1', since: T0 + 700, idleSince: T0 + 100 })

    t.equal(await store.setAgentState('a1', { to: 'on-call', expectCallId: 'c2', at: T0 + 800 }), undefined, 'another call: refused')
    const talking = await store.setAgentState('a1', { to: 'on-call', expect: ['ringing'], expectCallId: 'c1', at: T0 + 800 })
    t.match(talking, { state: 'on-call', callId: 'c1', since: T0 + 800 }, 'the call stays without being repeated')

    const wrapUp = await store.setAgentState('a1', { to: 'wrap-up', expectCallId: 'c1', at: T0 + 900 })
    t.match(wrapUp, { state: 'wrap-up', callId: 'c1' })

    const notReady = await store.setAgentState('a1', { to: 'not-ready', expectCallId: 'c1', reason: 'break', at: T0 + 1000 })
    t.strictSame(notReady, { ...agent('a1', ['enterprise-seat']), state: 'not-ready', since: T0 + 1000, idleSince: T0 + 100, reason: 'break' },
      'leaving the call states drops the call')
    t.equal(await store.setAgentState('a1', { to: 'ready', expectCallId: 'c1', at: T0 + 1100 }), undefined, 'no call: expectCallId fails')

    const back = await store.setAgentState('a1', { to: 'ready', expect: ['not-ready'], at: T0 + 1200 })
    t.strictSame(back, { ...agent('a1', ['enterprise-seat']), state: 'ready', since: T0 + 1200, idleSince: T0 + 1200 },
      'ready again: a new idleSince, the reason gone')
    const loggedOut = await store.setAgentState('a1', { to: 'logged-out', at: T0 + 1300 })
    t.match(loggedOut, { state: 'logged-out', since: T0 + 1300 })
    t.strictSame(await store.getAgent('a1'), loggedOut)
  })

  void t.test('queue: FIFO positions, length, leaving', async (t) => {
    const store = await open(t)
    await store.enqueue('enterprise-seat', 'c2', T0 + 2, TTL)
    await store.enqueue('enterprise-seat', 'c1', T0 + 1, TTL)
    await store.enqueue('enterprise-seat', 'c3', T0 + 3, TTL)
    await store.enqueue('ordinary', 'c9', T0, TTL)
    t.equal(await store.queuePosition('enterprise-seat', 'c1', T0 + 10), 1, 'ordered by enqueue time')
    t.equal(await store.queuePosition('enterprise-seat', 'c2', T0 + 10), 2)
    t.equal(await store.queuePosition('enterprise-seat', 'c3', T0 + 10), 3)
    t.equal(await store.queueLength('enterprise-seat', T0 + 10), 3)
    t.equal(await store.queuePosition('ordinary', 'c9', T0 + 10), 1, 'groups are separate queues')
    t.equal(await store.queuePosition('ordinary', 'c1', T0 + 10), undefined)
    t.equal(await store.queueLength('nobody-here', T0), 0)

    await store.enqueue('enterprise-seat', 'c1', T0 + 20, TTL)
    t.equal(await store.queuePosition('enterprise-seat', 'c1', T0 + 20), 1, 'enqueueing again keeps the place')

    await store.leaveQueue('enterprise-seat', 'c1')
    t.equal(await store.queuePosition('enterprise-seat', 'c1', T0 + 30), undefined)
    t.equal(await store.queuePosition('enterprise-seat', 'c2', T0 + 30), 1, 'the next caller moves up')
    t.equal(await store.queueLength('enterprise-seat', T0 + 30), 2)
    await store.leaveQueue('enterprise-seat', 'c1')
    await store.leaveQueue('enterprise-seat', 'never-queued')
    t.equal(await store.queueLength('enterprise-seat', T0 + 30), 2, 'leaving when not queued is harmless')

    await store.enqueue('enterprise-seat', 'c1', T0 + 40, TTL)
    t.equal(await store.queuePosition('enterprise-seat', 'c1', T0 + 40), 3, 'back after leaving: at the end')
  })

  void t.test('queue: entries expire unless touched', async (t) => {
    const store = await open(t)
    await store.enqueue('g', 'c1', T0, 5000)
    await store.enqueue('g', 'c2', T0 + 1, 5000)
    await store.enqueue('g', 'c3', T0 + 2, 5000)
    await store.touchQueue('g', 'c2', T0 + 4000, 5000)
    await store.touchQueue('g', 'not-queued', T0 + 4000, 5000)
    t.equal(await store.queueLength('g', T0 + 4999), 3, 'all alive before the deadline')
    t.equal(await store.queuePosition('g', 'c1', T0 + 5000), undefined, 'gone at its deadline')
    t.equal(await store.queuePosition('g', 'c2', T0 + 5000), 1, 'the touched caller is first now')
    t.equal(await store.queuePosition('g', 'c3', T0 + 5001), 2, 'c3 lives until T0 + 5002')
    t.equal(await store.queueLength('g', T0 + 6000), 1, 'dead entries are not counted')
    t.equal(await store.queuePosition('g', 'c3', T0 + 6000), undefined)
    await store.touchQueue('g', 'c3', T0 + 6000, 5000)
    t.equal(await store.queuePosition('g', 'c3', T0 + 6001), undefined, 'a touch after the deadline does not revive')
    t.equal(await store.queuePosition('g', 'not-queued', T0 + 6001), undefined, 'a touch does not enqueue')
    t.equal(await store.queuePosition('g', 'c2', T0 + 8999), 1)
    t.equal(await store.queueLength('g', T0 + 9000), 0)
  })

  void t.test('assignAgent: no ready agent, then one becomes ready', async (t) => {
    const store = await open(t)
    await store.upsertAgent(agent('a1', ['g']), T0)
    await store.enqueue('g', 'c1', T0 + 1, TTL)
    t.equal(await store.assignAgent('g', 'c1', T0 + 2), undefined, 'logged-out agents are not routed to')
    await store.setAgentState('a1', { to: 'ready', at: T0 + 3 })
    await store.setAgentState('a1', { to: 'not-ready', reason: 'break', at: T0 + 4 })
    t.equal(await store.assignAgent('g', 'c1', T0 + 5), undefined, 'nor not-ready ones')
    t.equal(await store.queuePosition('g', 'c1', T0 + 5), 1, 'the caller keeps waiting')

    await store.setAgentState('a1', { to: 'ready', at: T0 + 6 })
    const served = await store.assignAgent('g', 'c1', T0 + 7)
    t.strictSame(served, { ...agent('a1', ['g']), state: 'ringing', since: T0 + 7, idleSince: T0 + 6, callId: 'c1' })
    t.strictSame(await store.getAgent('a1'), served, 'the agent is ringing for the call')
    t.equal(await store.queuePosition('g', 'c1', T0 + 8), undefined, 'the entry is removed')
    t.equal(await store.queueLength('g', T0 + 8), 0)
    t.equal(await store.assignAgent('g', 'c1', T0 + 9), undefined, 'a served caller is not served twice')
    t.equal(await store.assignAgent('g', 'never-queued', T0 + 9), undefined)
  })

  void t.test('assignAgent: only the head of the queue is served', async (t) => {
    const store = await open(t)
    await ready(store, [['a1', ['g'], T0], ['a2', ['g'], T0 + 1]])
    await store.enqueue('g', 'c1', T0 + 10, TTL)
    await store.enqueue('g', 'c2', T0 + 11, TTL)
    t.equal(await store.assignAgent('g', 'c2', T0 + 20), undefined, 'the second caller waits for the first')
    t.match(await store.getAgent('a1'), { state: 'ready' }, 'and takes no agent')
    t.equal(await store.queuePosition('g', 'c2', T0 + 20), 2)
    t.match(await store.assignAgent('g', 'c1', T0 + 21), { id: 'a1', callId: 'c1' })
    t.match(await store.assignAgent('g', 'c2', T0 + 22), { id: 'a2', callId: 'c2' }, 'then the second is head')
  })

  void t.test('assignAgent: the longest-idle ready agent is chosen', async (t) => {
    const store = await open(t)
    await ready(store, [['a1', ['g'], T0 + 300], ['a2', ['g'], T0 + 100], ['a3', ['g'], T0 + 200], ['a4', ['other'], T0]])
    for (let i = 1; i <= 4; i++) await store.enqueue('g', `c${i}`, T0 + 1000 + i, TTL)
    const served: Array<string | undefined> = []
    for (let i = 1; i <= 4; i++) served.push((await store.assignAgent('g', `c${i}`, T0 + 2000 + i))?.id)
    t.same(served, ['a2', 'a3', 'a1', undefined], 'by idleSince; agents of other groups never')

    // An agent who comes back from a call goes to the back of the line.
    await store.setAgentState('a2', { to: 'ready', expectCallId: 'c1', at: T0 + 3000 })
    await store.setAgentState('a3', { to: 'ready', expectCallId: 'c2', at: T0 + 2999 })
    t.match(await store.assignAgent('g', 'c4', T0 + 3001), { id: 'a3' })
  })

  void t.test('assignAgent: an agent in two groups is taken once', async (t) => {
    const store = await open(t)
    await ready(store, [['a1', ['tax', 'enterprise-seat'], T0]])
    await store.enqueue('tax', 'c1', T0 + 1, TTL)
    await store.enqueue('enterprise-seat', 'c2', T0 + 2, TTL)
    const [first, second] = await Promise.all([
      store.assignAgent('tax', 'c1', T0 + 3),
      store.assignAgent('enterprise-seat', 'c2', T0 + 3)
    ])
    t.equal([first, second].filter((a) => a !== undefined).length, 1, 'one of the two callers gets the agent')
    t.equal(await store.assignAgent('enterprise-seat', 'c2', T0 + 4) ?? await store.assignAgent('tax', 'c1', T0 + 4), undefined,
      'the other does not, even asked again')
    const taken = first ?? second
    await store.setAgentState('a1', { to: 'ready', expect: ['ringing'], expectCallId: taken?.callId ?? '', at: T0 + 5 })
    const waiting = first === undefined ? ['tax', 'c1'] as const : ['enterprise-seat', 'c2'] as const
    t.match(await store.assignAgent(waiting[0], waiting[1], T0 + 6), { id: 'a1', callId: waiting[1] }, 'ready again: serves the other group')
  })

  void t.test('assignAgent: expired callers ahead are dropped', async (t) => {
    const store = await open(t)
    await ready(store, [['a1', ['g'], T0]])
    await store.enqueue('g', 'c1', T0, 1000)
    await store.enqueue('g', 'c2', T0 + 1, 1000)
    await store.enqueue('g', 'c3', T0 + 2, 60_000)
    t.equal(await store.assignAgent('g', 'c3', T0 + 999), undefined, 'c1 and c2 still alive ahead')
    t.match(await store.assignAgent('g', 'c3', T0 + 1001), { id: 'a1', callId: 'c3' }, 'once they expired, c3 is head')
    t.equal(await store.queueLength('g', T0 + 1001), 0)
  })

  void t.test('upsertAgent moves a ready agent between groups for routing', async (t) => {
    const store = await open(t)
    await ready(store, [['a1', ['tax'], T0]])
    await store.upsertAgent(agent('a1', ['enterprise-seat']), T0 + 10)
    await store.enqueue('tax', 'c1', T0 + 11, TTL)
    await store.enqueue('enterprise-seat', 'c2', T0 + 12, TTL)
    t.equal(await store.assignAgent('tax', 'c1', T0 + 13), undefined, 'no longer in the old group')
    t.match(await store.assignAgent('enterprise-seat', 'c2', T0 + 14), { id: 'a1', idleSince: T0 }, 'in the new one, still idle since')
  })

  void t.test('putTransfer / getTransfer: values round-trip exactly', async (t) => {
    const store = await open(t)
    const full = transfer('tr-full', T0 + 0.5, {
      agentId: 'agent01',
      workingTime: false,
      state: 'connected',
      attempts: [
        { number: '02161110001', matterId: 'vat-invoice', departmentId: 'tax', index: 0, startedAt: T0 + 1, ringMs: 2350.75, outcome: 'busy', cause: 'USER_BUSY' },
        { number: '02161110002', matterId: 'vat-invoice', departmentId: 'tax', index: 1, startedAt: T0 + 2400, ringMs: 8000, outcome: 'answered' }
      ],
      answeredNumber: '02161110002',
      connectedAt: T0 + 10_400,
      agentLeftAt: T0 + 40_000,
      endedAt: 1_767_577_000_000.25,
      ticketId: '01JGZ5Q7W8X9Y0Z1A2B3C4D5E6'
    })
    const minimal = transfer('tr-min', T0)
    await store.putTransfer(full)
    await store.putTransfer(minimal)
    t.strictSame(await store.getTransfer('tr-full'), stamped(full))
    const got = await store.getTransfer('tr-min')
    t.strictSame(got, stamped(minimal))
    for (const field of ['agentId', 'answeredNumber', 'connectedAt', 'agentLeftAt', 'endedAt', 'ticketId']) {
      t.notOk(got !== undefined && field in got, `absent ${field} stays absent`)
    }
    t.same(got?.attempts, [], 'an empty attempt list stays a list')
    t.equal(await store.getTransfer('nope'), undefined)

    const failed = { ...minimal, state: 'all-failed' as const, endedAt: T0 + 30_000, ticketId: 't-1',
      attempts: [{ number: '02161110001', matterId: 'vat-invoice', departmentId: 'tax', index: 0, startedAt: T0 + 5, ringMs: 30_000, outcome: 'no-answer' as const }] }
    await store.putTransfer(failed)
    t.strictSame(await store.getTransfer('tr-min'), stamped(failed), 'a later put replaces the record')
    const copy = await store.getTransfer('tr-full')
    copy?.attempts.pop()
    t.same((await store.getTransfer('tr-full'))?.attempts.length, 2, 'a returned record is a copy')
    t.same((await store.listTransfers({ since: T0, until: T0 + 1 })).map((r) => r.state), ['all-failed', 'connected'],
      'the list returns the latest record')
  })

  void t.test('listTransfers: [since, until) by requestedAt, oldest first', async (t) => {
    const store = await open(t)
    // Put out of order: the list follows requestedAt (then id), not the order of puts.
    await store.putTransfer(transfer('tr-c', T0 + 3000))
    await store.putTransfer(transfer('tr-a', T0 + 1000))
    await store.putTransfer(transfer('tr-e', T0 + 5000))
    await store.putTransfer(transfer('tr-b2', T0 + 2000))
    await store.putTransfer(transfer('tr-b1', T0 + 2000))
    await store.putTransfer(transfer('tr-d', T0 + 4000.5))
    const ids = async (since: number, until: number): Promise<string[]> =>
      (await store.listTransfers({ since, until })).map((r) => r.id)
    t.same(await ids(T0, T0 + 10_000), ['tr-a', 'tr-b1', 'tr-b2', 'tr-c', 'tr-d', 'tr-e'], 'ties by id')
    t.same(await ids(T0 + 2000, T0 + 4000), ['tr-b1', 'tr-b2', 'tr-c'], 'since is in, until is out')
    t.same(await ids(T0 + 2000, T0 + 4000.5), ['tr-b1', 'tr-b2', 'tr-c'], 'a fractional until is out too')
    t.same(await ids(T0 + 2000.5, T0 + 4001), ['tr-c', 'tr-d'], 'fractional bounds')
    t.same(await ids(T0 + 3000, T0 + 3000), [], 'an empty window')
    t.same(await ids(T0 + 4000, T0 + 1000), [], 'a backwards window')
    t.same(await ids(T0 + 6000, T0 + 9000), [], 'nothing requested then')

    await store.putTransfer(transfer('tr-a', T0 + 4500, { state: 'cancelled' }))
    t.same(await ids(T0, T0 + 10_000), ['tr-b1', 'tr-b2', 'tr-c', 'tr-d', 'tr-a', 'tr-e'], 'a record put again moves with its requestedAt')
    t.same(await ids(T0, T0 + 1001), [], 'and is gone from its old place')
  })

  void t.test('transfer records are trimmed to the configured maximum, oldest first', async (t) => {
    const store = await open(t, { maxTransfers: 3 })
    for (const i of [2, 5, 1, 4, 3]) await store.putTransfer(transfer(`tr-${i}`, T0 + i * 1000))
    t.same((await store.listTransfers({ since: 0, until: T0 + 10_000 })).map((r) => r.id), ['tr-3', 'tr-4', 'tr-5'])
    t.equal(await store.getTransfer('tr-1'), undefined)
    t.equal(await store.getTransfer('tr-2'), undefined)
    t.ok(await store.getTransfer('tr-3'))
    await store.putTransfer(transfer('tr-4', T0 + 4000, { state: 'connected' }))
    t.same((await store.listTransfers({ since: 0, until: T0 + 10_000 })).map((r) => r.id), ['tr-3', 'tr-4', 'tr-5'],
      'updating a kept record trims nothing')
    t.strictSame(await store.listCalls({}), [], 'transfers do not count against the calls')
  })

  void t.test('call counts: a day\'s increments add up, days are summed, a day without counts adds nothing', async (t) => {
    const store = await open(t)
    // A served call and a queue abandon on 5 January, a refused call on the 6th.
    await store.addCallCounts('2026-01-05', { offered: 1, completed: 1, 'completed:served': 1, queued: 1 })
    await store.addCallCounts('2026-01-05', { offered: 1, abandoned: 1, 'abandoned:queue': 1, 'abandon-wait-ms:queue': 45_000, queued: 1 })
    await store.addCallCounts('2026-01-06', { offered: 1, refused: 1 })
    await store.addCallCounts('2026-01-06', {})
    // 5 January: offered 1 + 1 = 2, queued 1 + 1 = 2, the rest once each.
    const fifth = { offered: 2, completed: 1, 'completed:served': 1, queued: 2, abandoned: 1, 'abandoned:queue': 1, 'abandon-wait-ms:queue': 45_000 }
    t.strictSame(await store.callCounts(['2026-01-05']), fifth)
    t.strictSame(await store.callCounts(['2026-01-05', '2026-01-06']), { ...fifth, offered: 3, refused: 1 }, 'two days summed field by field')
    t.strictSame(await store.callCounts(['2026-01-05', '2026-01-05']), fifth, 'a day listed twice counts once')
    t.strictSame(await store.callCounts(['2026-01-07', '2025-01-05']), {}, 'days without counts')
    t.strictSame(await store.callCounts([]), {})
  })

  void t.test('call counts: a call counted once a day, however often its counts are retried', async (t) => {
    const store = await open(t)
    await store.addCallCounts('2026-01-05', { offered: 1, completed: 1 }, 'call-1')
    await store.addCallCounts('2026-01-05', { offered: 1, completed: 1 }, 'call-1')
    await Promise.all([1, 2, 3].map(async () => { await store.addCallCounts('2026-01-05', { offered: 1, refused: 1 }, 'call-2') }))
    await store.addCallCounts('2026-01-05', { offered: 1 })
    await store.addCallCounts('2026-01-05', { offered: 1 })
    t.strictSame(await store.callCounts(['2026-01-05']), { offered: 4, completed: 1, refused: 1 }, 'each call once; counts without a call id every time')
    await store.addCallCounts('2026-01-06', { offered: 1 }, 'call-1')
    t.strictSame(await store.callCounts(['2026-01-06']), { offered: 1 }, 'once per day')
  })

  void t.test('call counts: concurrent increments are all counted', async (t) => {
    const store = await open(t)
    await Promise.all(Array.from({ length: 40 }, async (_, i) => {
      await store.addCallCounts('2026-01-05', i % 4 === 0 ? { offered: 1, abandoned: 1, 'abandon-wait-ms:ivr': i } : { offered: 1, completed: 1 })
    }))
    // 40 calls; i = 0, 4, …, 36 abandoned (10 of them) waiting 0 + 4 + … + 36 = 4 × 45 = 180 ms.
    t.strictSame(await store.callCounts(['2026-01-05']), { offered: 40, completed: 30, abandoned: 10, 'abandon-wait-ms:ivr': 180 })
  })

  void t.test('call counts: a malformed day or a count that is not a safe integer is refused, nothing added', async (t) => {
    const store = await open(t)
    await store.addCallCounts('2026-01-05', { offered: 1 })
    for (const day of ['2026-1-05', '2026-02-30', '', '2026-01-05T00:00']) {
      await t.rejects(store.addCallCounts(day, { offered: 1 }), RangeError, `"${day}"`)
    }
    for (const bad of [1.5, Number.NaN, Infinity, 2 ** 53]) {
      await t.rejects(store.addCallCounts('2026-01-05', { offered: 1, 'abandon-wait-ms:ivr': bad }), RangeError, String(bad))
    }
    await t.rejects(store.callCounts(['2026-01-05', '5 January']), RangeError)
    t.strictSame(await store.callCounts(['2026-01-05']), { offered: 1 }, 'no refused increment was added, not even in part')
  })

  void t.test('close: later operations fail with HC_STORE', async (t) => {
    const store = await open(t)
    await t.resolves(store.listTransfers({ since: 0, until: T0 }))
    await store.putCall(call('c1', T0))
    await store.close()
    await store.close()
    await t.rejects(store.getCall('c1'), { name: 'HotlineError', code: 'HC_STORE' })
    await t.rejects(store.assignAgent('g', 'c1', T0), { name: 'HotlineError', code: 'HC_STORE' })
    await t.rejects(store.putTransfer(transfer('tr-1', T0)), { name: 'HotlineError', code: 'HC_STORE' })
    await t.rejects(store.listTransfers({ since: 0, until: T0 }), { name: 'HotlineError', code: 'HC_STORE' })
    await t.rejects(store.addCallCounts('2026-01-05', { offered: 1 }), { name: 'HotlineError', code: 'HC_STORE' })
    await t.rejects(store.callCounts(['2026-01-05']), { name: 'HotlineError', code: 'HC_STORE' })
  })
}
