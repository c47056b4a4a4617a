// The agent state machine: every event against every state, through the table and through
// the store's compare-and-set; the wrap-up timer; the events the ACD listens to.
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import {
  AGENT_API_EVENTS, AGENT_CALL_EVENTS, type AgentEvent, type AgentGroupSettings, type AgentResult, Agents, transition
} from '../../src/calls/agents.js'
import { createLogger } from '../../src/logger.js'
import { systemClock } from '../../src/ports/clock.js'
import { AGENT_STATES, type AgentRecord, type AgentState } from '../../src/domain/call-record.js'
import { eventually } from '../helpers/sim.js'

const GROUPS: AgentGroupSettings[] = [
  { id: 'enterprise-seat', ringTimeoutSec: 20, wrapUpSec: 0.05, noAnswerState: 'not-ready' },
  { id: 'ordinary', ringTimeoutSec: 20, wrapUpSec: 3600, noAnswerState: 'logged-out' }
]

// What each event does from each state, written out by hand: a state missing from a row is
// refused; `same` means accepted with nothing to change.
const EXPECTED: Record<AgentEvent, Partial<Record<AgentState, AgentState | 'same'>>> = {
  login: { 'logged-out': 'not-ready' },
  ready: { ready: 'same', 'not-ready': 'ready', 'wrap-up': 'ready' },
  'not-ready': { ready: 'not-ready', 'not-ready': 'not-ready', 'wrap-up': 'not-ready' },
  logout: { 'logged-out': 'same', ready: 'logged-out', 'not-ready': 'logged-out', 'wrap-up': 'logged-out' },
  offer: { ready: 'ringing' },
  answer: { ringing: 'on-call' },
  'no-answer': { ringing: 'not-ready' },
  cancel: { ringing: 'ready' },
  end: { 'on-call': 'wrap-up' },
  'wrap-up-done': { 'wrap-up': 'ready' }
}

const CALL_STATES: readonly AgentState[] = ['ringing', 'on-call', 'wrap-up']

function agentIn (state: AgentState, callId = 'call-1'): AgentRecord {
  return {
    id: 'agent01', name: '坐席01', extension: '8001', groups: ['enterprise-seat'], state, since: 1000,
    ...(CALL_STATES.includes(state) ? { callId } : {})
  }
}

async function setUp (t: Test) {
  const store = new MemoryStore()
  const agents = new Agents({ store, clock: systemClock, groups: GROUPS })
  t.teardown(async () => { agents.close(); await store.close() })
  await agents.sync([
    { id: 'agent01', name: '坐席01', extension: '8001', groups: ['enterprise-seat'] },
    { id: 'ordinary01', name: '12345坐席01', extension: '8101', groups: ['ordinary'] }
  ])
  /** Puts the agent straight into `state` (on call-1 where the state has a call). */
  const put = async (state: AgentState, id = 'agent01'): Promise<void> => {
    await store.setAgentState(id, { to: state, at: Date.now(), ...(CALL_STATES.includes(state) ? { callId: 'call-1' } : {}) })
  }
  return { store, agents, put }
}

/** The Agents method for each event the service applies (offer is the store's assignAgent). */
function apply (agents: Agents, event: AgentEvent, id = 'agent01', group = 'enterprise-seat'): Promise<AgentResult> | undefined {
  switch (event) {
    case 'login': return agents.login(id)
    case 'ready': return agents.ready(id)
    case 'not-ready': return agents.notReady(id, 'break')
    case 'logout': return agents.logout(id)
    case 'answer': return agents.answered(id, 'call-1')
    case 'no-answer': return agents.noAnswer(id, 'call-1', group)
    case 'cancel': return agents.cancelled(id, 'call-1')
    case 'end': return agents.ended(id, 'call-1', group)
    case 'offer':
    case 'wrap-up-done':
      return undefined
  }
}

void t.test('the table: every event from every state', async (t) => {
  for (const event of [...AGENT_API_EVENTS, ...AGENT_CALL_EVENTS]) {
    for (const state of AGENT_STATES) {
      const decision = transition(agentIn(state), event, { callId: 'call-1', at: 2000 })
      const expected = EXPECTED[event][state]
      if (expected === undefined) t.equal(decision.kind, 'refused', `${event} from ${state} is refused`)
      else if (expected === 'same') t.equal(decision.kind, 'already', `${event} from ${state} changes nothing`)
      else t.match(decision, { kind: 'change', change: { to: expected, expect: [state], at: 2000 } }, `${event}: ${state} → ${expected}`)
    }
  }
})

void t.test('through the store: every API and call event from every state', async (t) => {
  const { store, agents, put } = await setUp(t)
  for (const event of [...AGENT_API_EVENTS, ...AGENT_CALL_EVENTS]) {
    for (const state of AGENT_STATES) {
      await put(state)
      const applied = apply(agents, event)
      if (applied === undefined) continue
      const result = await applied
      const expected = EXPECTED[event][state]
      const now = await store.getAgent('agent01')
      if (expected === undefined) {
        t.match(result, { ok: false, error: 'conflict', agent: { state } }, `${event} from ${state} is refused`)
        t.equal(now?.state, state, 'and nothing changed')
      } else {
        t.ok(result.ok, `${event} from ${state} is accepted`)
        // The end of a conversation leads to wrap-up, and from there (0.05 s) back to ready.
        t.equal(now?.state, expected === 'same' ? state : expected, `${event}: ${state} → ${now?.state ?? '?'}`)
      }
      agents.close()
    }
  }
})

void t.test('refusals say why: an agent on a call cannot log out or go not ready', async (t) => {
  const { agents, put } = await setUp(t)
  await put('on-call')
  t.match(await agents.logout('agent01'), { ok: false, error: 'conflict', reason: /agent01 is on a call: "logout" is refused until the call ends/ })
  await put('ringing')
  t.match(await agents.notReady('agent01'), { ok: false, reason: /ringing for a call: "not-ready" is refused until the call ends/ })
  await put('logged-out')
  t.match(await agents.ready('agent01'), { ok: false, reason: /logged out: log in first/ })
  t.match(await agents.ready('nobody'), { ok: false, error: 'unknown-agent', reason: 'no agent nobody' })
})

void t.test('login lands in not ready, or ready when asked; not-ready carries its reason', async (t) => {
  const { agents } = await setUp(t)
  t.match(await agents.login('agent01'), { ok: true, agent: { state: 'not-ready', reason: 'login' } })
  t.match(await agents.notReady('agent01', 'training'), { ok: true, agent: { state: 'not-ready', reason: 'training' } })
  t.match(await agents.notReady('agent01'), { ok: true, agent: { state: 'not-ready', reason: 'manual' } })
  const ready = await agents.ready('agent01')
  t.match(ready, { ok: true, agent: { state: 'ready' } })
  t.equal(ready.ok && ready.agent.reason, undefined, 'a ready agent has no not-ready reason')
  t.match(await agents.login('ordinary01', { ready: true }), { ok: true, agent: { state: 'ready' } })
})

void t.test('call events apply to the agent\'s own call only', async (t) => {
  const { agents, put } = await setUp(t)
  await put('ringing')
  t.match(await agents.answered('agent01', 'call-2'), { ok: false, reason: /on another call/ })
  t.match(await agents.cancelled('agent01', 'call-2'), { ok: false })
  t.match(await agents.answered('agent01', 'call-1'), { ok: true, agent: { state: 'on-call', callId: 'call-1' } })
  t.match(await agents.ended('agent01', 'call-2', 'enterprise-seat'), { ok: false })
  t.throws(() => transition(agentIn('ringing'), 'answer', { at: 1 }), TypeError, 'a call event without a call id is a bug')
})

void t.test('no answer: not ready with the reason, or logged out when the group says so', async (t) => {
  const { agents, put } = await setUp(t)
  await put('ringing')
  t.match(await agents.noAnswer('agent01', 'call-1', 'enterprise-seat'), { ok: true, agent: { state: 'not-ready', reason: 'no-answer' } })
  await put('ringing')
  t.match(await agents.noAnswer('agent01', 'call-1', 'enterprise-seat', 'unreachable'), { ok: true, agent: { reason: 'unreachable' } })
  await put('ringing', 'ordinary01')
  t.match(await agents.noAnswer('ordinary01', 'call-1', 'ordinary'), { ok: true, agent: { state: 'logged-out' } })
})

void t.test('wrap-up ends by itself after the group\'s wrapUpSec, and says the agent is ready', async (t) => {
  const { store, agents, put } = await setUp(t)
  const readies: string[] = []
  agents.on('ready', (a) => readies.push(a.id))
  await put('on-call')
  t.match(await agents.ended('agent01', 'call-1', 'enterprise-seat'), { ok: true, agent: { state: 'wrap-up', callId: 'call-1' } })
  await eventually(() => readies.includes('agent01') ? true : undefined, 'ready event after wrap-up')
  t.match(await store.getAgent('agent01'), { state: 'ready' })
  t.equal((await store.getAgent('agent01'))?.callId, undefined, 'the call is no longer the agent\'s')
})

void t.test('an agent who chose not ready in wrap-up stays not ready', async (t) => {
  const { store, agents, put } = await setUp(t)
  await put('on-call')
  await agents.ended('agent01', 'call-1', 'enterprise-seat')
  t.match(await agents.notReady('agent01', 'break'), { ok: true, agent: { state: 'not-ready' } })
  await new Promise((resolve) => setTimeout(resolve, 120))
  t.match(await store.getAgent('agent01'), { state: 'not-ready', reason: 'break' })
})

void t.test('a long wrap-up can be ended early; the timer then does nothing', async (t) => {
  const { store, agents, put } = await setUp(t)
  await put('on-call', 'ordinary01')
  await agents.ended('ordinary01', 'call-1', 'ordinary')
  t.match(await store.getAgent('ordinary01'), { state: 'wrap-up' })
  t.match(await agents.ready('ordinary01'), { ok: true, agent: { state: 'ready' } })
})

void t.test('two changes at once: the compare-and-set lets one win, the other is re-decided', async (t) => {
  const { store, agents } = await setUp(t)
  const [a, b] = await Promise.all([agents.login('agent01'), agents.login('agent01', { ready: true })])
  t.equal([a, b].filter((r) => r.ok).length, 1, 'one login wins')
  t.match([a, b].find((r) => !r.ok), { error: 'conflict', reason: /"login" does not apply/ })
  // The store assigning the agent to a caller and an API logout race: exactly one happens.
  await store.setAgentState('agent01', { to: 'ready', at: Date.now() })
  await store.enqueue('enterprise-seat', 'call-9', Date.now(), 60_000)
  const [assigned, logout] = await Promise.all([
    store.assignAgent('enterprise-seat', 'call-9', Date.now()),
    agents.logout('agent01')
  ])
  t.equal((assigned === undefined ? 0 : 1) + (logout.ok ? 1 : 0), 1, 'either ringing for the caller or logged out')
  const state = (await store.getAgent('agent01'))?.state
  t.equal(state, assigned === undefined ? 'logged-out' : 'ringing')
})

void t.test('every change is announced; ready ones separately', async (t) => {
  const { agents } = await setUp(t)
  const changed: string[] = []
  const ready: string[] = []
  agents.on('changed', (a) => changed.push(a.state))
  agents.on('ready', (a) => ready.push(a.id))
  await agents.login('agent01')
  await agents.ready('agent01')
  await agents.ready('agent01')
  await agents.logout('agent01')
  t.same(changed, ['not-ready', 'ready', 'logged-out'], 'a second ready writes nothing')
  t.same(ready, ['agent01'])
})

void t.test('a state change is logged with the states in clear (the logger masks caller numbers only)', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write (chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() }
  })
  const store = new MemoryStore()
  const agents = new Agents({ store, clock: systemClock, groups: GROUPS, log: createLogger({ level: 'info', destination }) })
  t.teardown(async () => { agents.close(); await store.close() })
  await agents.sync([{ id: 'agent01', name: '坐席01', extension: '8001', groups: ['enterprise-seat'] }])
  await agents.login('agent01', { ready: true })
  t.match(lines.find((l) => l.msg === 'agent state changed'), { agentId: 'agent01', was: 'logged-out', state: 'ready' })
})
