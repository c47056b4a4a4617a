// Several controllers on one Redis never give one agent two calls (issue 4, item 5): three
// RedisStore instances — three connections, as three controllers would hold — race many
// concurrent assignAgent calls for callers queued in two groups against a few agents, some in
// both groups, while the agents also go not-ready and back through setAgentState. The same
// race runs against one MemoryStore, the single-process default.
//
// How double-booking would show: the test marks an agent busy when an assignment comes back
// and free just before it sends the release, so a second assignment seen while the agent is
// marked busy is two calls at once; and every step of a call (answer, wrap-up, ready) is a
// compare-and-set on the call id, which fails if another call took the agent meanwhile.
import { randomUUID } from 'node:crypto'
import { setImmediate as tick } from 'node:timers/promises'
import t from 'tap'
import type { Test } from 'tap'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import type { Store } from '../../src/ports/store.js'
import type { AgentRecord } from '../../src/domain/call-record.js'
import { withRedis } from '../helpers/redis.js'

const T0 = Date.UTC(2026, 0, 5, 1, 30)
const DAY = 24 * 60 * 60 * 1000
const GROUPS = ['enterprise-seat', 'tax'] as const
const AGENTS: Array<[id: string, groups: string[]]> = [
  ['a1', ['enterprise-seat', 'tax']],
  ['a2', ['enterprise-seat', 'tax']],
  ['a3', ['tax', 'enterprise-seat']],
  ['a4', ['enterprise-seat']],
  ['a5', ['tax']]
]
const CALLERS_PER_GROUP = 40
/** A guard against a livelock, not a timing assertion: the race normally ends in seconds. */
const GIVE_UP_MS = 60_000

type Group = typeof GROUPS[number]

interface RaceResult {
  /** Per group, the callers' indexes in the order their assignments came back. */
  served: Record<Group, number[]>
  assignments: number
  violations: string[]
}

const callId = (group: Group, k: number): string => `${group}-${String(k).padStart(3, '0')}`

/** Runs the race with the controllers' stores (used in turn); all share one backing store. */
async function race (stores: readonly Store[]): Promise<RaceResult> {
  let clock = T0
  const now = (): number => ++clock
  let turn = 0
  const pick = (): Store => stores[turn++ % stores.length] as Store

  for (const [id, groups] of AGENTS) {
    await pick().upsertAgent({ id, name: `坐席${id}`, extension: `80${id.slice(1)}`, groups }, now())
    await pick().setAgentState(id, { to: 'ready', at: now() })
  }
  for (let k = 0; k < CALLERS_PER_GROUP; k++) {
    for (const group of GROUPS) await pick().enqueue(group, callId(group, k), now(), DAY)
  }

  const violations: string[] = []
  const served: Record<Group, number[]> = { 'enterprise-seat': [], tax: [] }
  const seen: Record<Group, Set<number>> = { 'enterprise-seat': new Set(), tax: new Set() }
  /** agent → the call it was last assigned, until just before its release is sent. */
  const holder = new Map<string, string>()
  let assignments = 0
  let remaining = CALLERS_PER_GROUP * GROUPS.length
  const giveUpAt = Date.now() + GIVE_UP_MS

  const assigned = async (store: Store, group: Group, k: number, agent: AgentRecord): Promise<void> => {
    const id = callId(group, k)
    assignments++
    if (agent.state !== 'ringing' || agent.callId !== id) violations.push(`${id}: got ${agent.id} as ${agent.state}/${agent.callId}`)
    if (!agent.groups.includes(group)) violations.push(`${id}: agent ${agent.id} is not in ${group}`)
    const busyWith = holder.get(agent.id)
    if (busyWith !== undefined) violations.push(`${agent.id} assigned ${id} while on ${busyWith}`)
    holder.set(agent.id, id)
    served[group].push(k)
    seen[group].add(k)
    // FIFO: k was the oldest live caller when it was served, and nobody leaves this queue any
    // other way, so every earlier caller is gone by now, whether or not its reply has come in.
    const earlier = [...Array(k).keys()].filter((j) => !seen[group].has(j))
    for (const j of earlier) {
      const position = await store.queuePosition(group, callId(group, j), now())
      if (position !== undefined) violations.push(`${id} served while ${callId(group, j)} still waited at ${position}`)
    }
  }

  const talk = async (agent: AgentRecord, id: string): Promise<void> => {
    await tick()
    const answered = await pick().setAgentState(agent.id, { to: 'on-call', expect: ['ringing'], expectCallId: id, at: now() })
    if (answered === undefined) violations.push(`${agent.id} could not answer ${id}`)
    await tick()
    const wrapped = await pick().setAgentState(agent.id, { to: 'wrap-up', expect: ['on-call'], expectCallId: id, at: now() })
    if (wrapped === undefined) violations.push(`${agent.id} could not wrap up ${id}`)
    holder.delete(agent.id)
    const back = await pick().setAgentState(agent.id, { to: 'ready', expect: ['wrap-up'], expectCallId: id, at: now() })
    if (back === undefined) violations.push(`${agent.id} could not come back from ${id}`)
  }

  const caller = async (group: Group, k: number): Promise<void> => {
    const id = callId(group, k)
    for (;;) {
      if (Date.now() > giveUpAt) throw new Error(`${id} was never served`)
      const store = pick()
      const agent = await store.assignAgent(group, id, now())
      if (agent === undefined) {
        await tick()
        continue
      }
      await assigned(store, group, k, agent)
      await talk(agent, id)
      remaining--
      return
    }
  }

  // Agents take breaks while the callers race: only a ready agent can go on a break (expect),
  // so a break never takes an agent away from a call that was just assigned.
  const breaks = async (agentId: string): Promise<void> => {
    while (remaining > 0) {
      const away = await pick().setAgentState(agentId, { to: 'not-ready', expect: ['ready'], reason: 'break', at: now() })
      if (away !== undefined) {
        if (away.callId !== undefined) violations.push(`${agentId} went on a break holding ${away.callId}`)
        const busyWith = holder.get(agentId)
        if (busyWith !== undefined) violations.push(`${agentId} went on a break while assigned ${busyWith}`)
        await tick()
        const back = await pick().setAgentState(agentId, { to: 'ready', expect: ['not-ready'], at: now() })
        if (back === undefined) violations.push(`${agentId} could not come back from a break`)
      }
      await tick()
    }
  }

  await Promise.all([
    ...GROUPS.flatMap((group) => [...Array(CALLERS_PER_GROUP).keys()].map((k) => caller(group, k))),
    ...AGENTS.map(([id]) => breaks(id))
  ])
  if (holder.size > 0) violations.push(`still marked busy: ${[...holder.keys()].join(',')}`)
  return { served, assignments, violations }
}

/** What must hold once the race is over, read back through the stores. */
async function checkFinalState (t: Test, stores: readonly Store[], result: RaceResult): Promise<void> {
  t.same(result.violations, [], 'no agent had two calls; every assignment was the head of its queue')
  t.equal(result.assignments, CALLERS_PER_GROUP * GROUPS.length, 'one assignment per caller')
  for (const group of GROUPS) {
    t.same([...result.served[group]].sort((a, b) => a - b), [...Array(CALLERS_PER_GROUP).keys()], `${group}: every caller served once`)
  }

  let clock = T0 + 10 * DAY
  const store = stores[stores.length - 1] as Store
  for (const group of GROUPS) t.equal(await store.queueLength(group, ++clock), 0, `${group}: queue empty`)
  const agents = await store.listAgents()
  t.same(agents.map((a) => [a.id, a.state, a.callId, a.reason]), AGENTS.map(([id]) => [id, 'ready', undefined, undefined]),
    'every agent is ready again, holding no call')

  // The ready sets hold exactly the group's ready agents, each once, longest idle first: probe
  // each group with as many callers as it has agents, and one more who gets nobody.
  for (const group of GROUPS) {
    const members = (await store.listAgents()).filter((a) => a.groups.includes(group))
    const expected = [...members].sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0) || (a.id < b.id ? -1 : 1)).map((a) => a.id)
    const probes = [...Array(members.length + 1).keys()].map((i) => `probe-${group}-${i}`)
    for (const probe of probes) await store.enqueue(group, probe, ++clock, DAY)
    const got: Array<string | undefined> = []
    for (const probe of probes) got.push((await store.assignAgent(group, probe, ++clock))?.id)
    t.same(got, [...expected, undefined], `${group}: routing sees exactly its ready agents, longest idle first`)
    for (const [i, id] of expected.entries()) {
      await store.setAgentState(id, { to: 'ready', expectCallId: probes[i], at: ++clock })
    }
  }
}

void t.test('three controllers on one Redis never give one agent two calls', async (t) => {
  const server = await withRedis(t)
  const keyPrefix = `race:${randomUUID()}:`
  const stores = [1, 2, 3].map(() => new RedisStore({ url: server.url, keyPrefix }))
  t.teardown(() => Promise.all(stores.map((s) => s.close())))
  const result = await race(stores)
  await checkFinalState(t, stores, result)
})

void t.test('the same race on one MemoryStore', async (t) => {
  const store = new MemoryStore()
  t.teardown(() => store.close())
  const result = await race([store])
  await checkFinalState(t, [store], result)
})
