// The dashboard's snapshot from the shared store: calls by phase (IVR, waiting, with an agent,
// three-way, the agent gone), today's calls by how they ended, agents by state, tickets open /
// due soon / overdue, connection rates per department, matter and number against the target,
// controllers and alarms; a part that cannot be read is named and the rest still shown.
import t, { type Test } from 'tap'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import { loadConfig } from '../../src/config/index.js'
import { alarmsOf } from '../../src/features/live/alarms.js'
import { callPhase, callsSection } from '../../src/features/live/calls.js'
import type { ControllerPresence } from '../../src/ports/live-signals.js'
import { DUE_SOON_MS, type SnapshotSources, buildSnapshot } from '../../src/features/live/snapshot.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { AgentRecord, CallRecord, QueueVisit } from '../../src/domain/call-record.js'
import type { Ticket } from '../../src/domain/ticket-record.js'
import type { TransferRecord } from '../../src/domain/transfer-record.js'
import { ConnectionRateService } from '../../src/stats/connection-rate-service.js'
import { CONFIG_DIR } from '../helpers/controller.js'

const NOW = Date.parse('2026-03-02T10:00:00+08:00') // a Monday, working time
const MIN = 60_000
const { directory, calendar } = await loadConfig(CONFIG_DIR, {})

function call (id: string, extra: Partial<CallRecord> = {}): CallRecord {
  return { callId: id, legId: `leg-${id}`, controllerId: 'ctl-a', caller: '138****5678', startedAt: NOW - 10 * MIN, choices: {}, path: [], ...extra }
}

function agent (id: string, state: AgentRecord['state'], extra: Partial<AgentRecord> = {}): AgentRecord {
  return { id, name: `坐席${id}`, extension: '8001', groups: ['enterprise-seat'], state, since: NOW - MIN, ...extra }
}

function transfer (callId: string, extra: Partial<TransferRecord> = {}): TransferRecord {
  return {
    id: `tr-${callId}-${extra.requestedAt ?? 0}`, callId, matterId: 'tax-invoice', departmentId: 'tax', requestedAt: NOW - 2 * MIN,
    workingTime: true, state: 'connected', attempts: [], connectedAt: NOW - MIN, ...extra
  }
}

void t.test('phases: IVR, waiting, with an agent, hunting, three-way, the agent gone, back in the IVR', async (t) => {
  const agents = new Map([
    ['a1', agent('a1', 'on-call', { callId: 'c-agent' })],
    ['a2', agent('a2', 'wrap-up', { callId: 'c-survey' })],
    ['a3', agent('a3', 'on-call', { callId: 'c-hunt' })],
    ['a4', agent('a4', 'ringing', { callId: 'c-ringing' })]
  ])
  const queued = (extra: Partial<QueueVisit> = {}): QueueVisit => ({ group: 'enterprise-seat', enqueuedAt: NOW - 5 * MIN, ...extra })
  t.match(callPhase(call('c-ivr'), agents, undefined), { phase: 'ivr', since: NOW - 10 * MIN })
  t.match(callPhase(call('c-wait', { queue: queued() }), agents, undefined), { phase: 'waiting', since: NOW - 5 * MIN })
  t.match(callPhase(call('c-ringing', { queue: queued() }), agents, undefined), { phase: 'waiting' }, 'an agent ringing: the caller still hears the queue')
  t.match(callPhase(call('c-abandoned', { queue: queued({ abandonedAt: NOW }) }), agents, undefined), { phase: 'ivr' })
  t.match(callPhase(call('c-overflow', { queue: queued({ overflowAt: NOW - MIN }) }), agents, undefined), { phase: 'ivr' }, 'after the overflow: the callback number in the IVR')
  const served = queued({ servedAt: NOW - 3 * MIN, agentId: 'a1' })
  t.match(callPhase(call('c-agent', { queue: served }), agents, undefined), { phase: 'agent', since: NOW - 3 * MIN, agentId: 'a1' })
  t.match(callPhase(call('c-survey', { queue: { ...served, agentId: 'a2' } }), agents, undefined), { phase: 'ivr' }, 'the agent in wrap-up: the survey')
  const hunting = callPhase(call('c-hunt', { queue: { ...served, agentId: 'a3' } }), agents, transfer('c-hunt', { state: 'hunting', connectedAt: undefined }))
  t.match(hunting, { phase: 'agent', transfer: 'hunting' })
  const threeWay = callPhase(call('c-agent', { queue: served }), agents, transfer('c-agent'))
  t.match(threeWay, { phase: 'three-way', since: NOW - MIN, agentLeft: false })
  const left = callPhase(call('c-survey', { queue: { ...served, agentId: 'a2' } }), agents, transfer('c-survey', { agentLeftAt: NOW - 30_000 }))
  t.match(left, { phase: 'three-way', agentLeft: true }, 'caller and specialist talk on: still three-way')
  const ended = callPhase(call('c-survey', { queue: { ...served, agentId: 'a2' } }), agents, transfer('c-survey', { endedAt: NOW - 10_000 }))
  t.match(ended, { phase: 'ivr' }, 'the three-way call over')
})

void t.test("phases from the call's own state: each state in its phase, with the time it applies from", async (t) => {
  const none = new Map<string, AgentRecord>()
  const at = (state: CallRecord['state'], extra: Partial<CallRecord> = {}) =>
    callPhase(call('c', { state, stateSince: NOW - 2 * MIN, ...extra }), none, undefined)
  const queue: QueueVisit = { group: 'enterprise-seat', enqueuedAt: NOW - 6 * MIN }
  const served: QueueVisit = { ...queue, servedAt: NOW - 4 * MIN, agentId: 'a1' }
  t.match(at('offered'), { phase: 'ivr', state: 'offered', since: NOW - 10 * MIN })
  t.match(at('in-ivr'), { phase: 'ivr', state: 'in-ivr' })
  t.match(at('queued', { queue }), { phase: 'waiting', state: 'queued', since: NOW - 6 * MIN }, 'waiting since the caller queued')
  t.match(at('ringing-agent', { queue }), { phase: 'waiting', state: 'ringing-agent', since: NOW - 6 * MIN }, 'a ringing agent: still waiting')
  t.match(at('with-agent', { queue: served }), { phase: 'agent', state: 'with-agent', agentId: 'a1', since: NOW - 4 * MIN })
  t.match(at('transferring', { queue: served }), { phase: 'agent', transfer: 'hunting', agentId: 'a1' })
  const connected = transfer('c', { connectedAt: NOW - MIN })
  t.match(callPhase(call('c', { state: 'three-way', stateSince: NOW - MIN, queue: served }), none, connected),
    { phase: 'three-way', state: 'three-way', transfer: 'connected', agentLeft: false, since: NOW - MIN })
  t.match(at('with-specialist', { queue: served }), { phase: 'three-way', state: 'with-specialist', agentLeft: true })
  // The state wins over what other records say: an agent record lagging behind changes nothing.
  const lagging = new Map([['a1', agent('a1', 'wrap-up', { callId: 'c' })]])
  t.match(callPhase(call('c', { state: 'with-agent', queue: served }), lagging, undefined), { phase: 'agent' })
  t.match(callPhase(call('c', { state: 'in-ivr', queue: served }), lagging, connected), { phase: 'ivr' }, 'back in the flow (the survey)')
  t.notOk('state' in callPhase(call('c'), none, undefined), 'a record without a state is placed the old way, with no state')
})

void t.test('the calls section counts every active call by phase and masks caller numbers', async (t) => {
  const records = [
    call('c1', { caller: '13812345678' }),
    call('c2', { queue: { group: 'enterprise-seat', enqueuedAt: NOW - 4 * MIN }, startedAt: NOW - 6 * MIN }),
    call('c3', { queue: { group: 'enterprise-seat', enqueuedAt: NOW - 8 * MIN }, startedAt: NOW - 9 * MIN }),
    call('c4', { queue: { group: 'enterprise-seat', enqueuedAt: NOW - 8 * MIN, servedAt: NOW - 7 * MIN, agentId: 'a1' }, choices: { matter: 'tax-invoice', category: '税务' } }),
    call('c5', { queue: { group: 'enterprise-seat', enqueuedAt: NOW - 8 * MIN, servedAt: NOW - 7 * MIN, agentId: 'a2' } }),
    call('c6', { queue: { group: 'enterprise-seat', enqueuedAt: NOW - 8 * MIN, servedAt: NOW - 7 * MIN, agentId: 'a3' } }),
    call('c7', { finalState: 'completed', endedAt: NOW, reason: 'done' })
  ]
  const agents = [agent('a1', 'on-call', { callId: 'c4' }), agent('a2', 'on-call', { callId: 'c5' }), agent('a3', 'wrap-up', { callId: 'c6' })]
  const transfers = [
    transfer('c5'),
    transfer('c6', { agentLeftAt: NOW - 20_000 }),
    // An older, failed transfer of c5 does not hide the connected one.
    transfer('c5', { requestedAt: NOW - 5 * MIN, state: 'all-failed', endedAt: NOW - 4 * MIN })
  ]
  const section = callsSection(records, agents, transfers, directory)
  t.match(section, { total: 6, ivr: 1, waiting: 2, agent: 1, threeWay: 2, agentLeft: 1 })
  t.equal(section.longestWaitSince, new Date(NOW - 8 * MIN).toISOString(), 'the longest wait')
  t.same(section.list.map((c) => c.callId), ['c1', 'c4', 'c5', 'c6', 'c3', 'c2'], 'oldest first, ended calls left out')
  t.equal(section.list.find((c) => c.callId === 'c1')?.caller, '138****5678', 'a full number in a record is masked')
  t.match(section.list.find((c) => c.callId === 'c4'), { matterName: '发票领用', departmentName: '税务局', category: '税务', agentId: 'a1' })
  t.notOk(JSON.stringify(section).includes('12345678'), 'no full number anywhere')
})

function ticket (id: string, extra: Partial<Ticket>): Ticket {
  return {
    id, kind: 'next-urgent', callId: `call-${id}`, departmentId: 'tax', callbackNumber: '13812345678', choices: {},
    createdAt: NOW - 24 * 60 * MIN, dueAt: NOW + 24 * 60 * MIN, status: 'open', history: [], ...extra
  }
}

async function sources (t: Test, extra: Partial<SnapshotSources> = {}) {
  const clock = new ManualClock(NOW)
  const store = new MemoryStore()
  const tickets = new MemoryTicketStore()
  t.teardown(async () => { await store.close(); await tickets.close() })
  const stats = new ConnectionRateService({ store, clock, settings: { target: 0.9, minAttemptsForAlarm: 5, refreshSec: 60 } })
  const self: ControllerPresence = {
    controllerId: 'ctl-a', vendor: 'freeswitch', switchState: 'ready', switchDetail: 'connected', switchSince: NOW - 60 * MIN,
    callsInProgress: 0, promptsMissing: [], draining: false, at: NOW, alive: true
  }
  const base: SnapshotSources = {
    controllerId: 'ctl-a', clock, store, tickets, stats, directory, calendar,
    controllers: () => Promise.resolve([self]),
    dialTestFailing: () => Promise.resolve([]),
    ...extra
  }
  return { clock, store, tickets, base }
}

void t.test('a snapshot: agents by state, tickets open / due soon / overdue, rates per department, matter and number', async (t) => {
  const { store, tickets, base } = await sources(t)
  await store.upsertAgent({ id: 'agent01', name: '坐席01', extension: '8001', groups: ['enterprise-seat'] }, NOW)
  await store.upsertAgent({ id: 'agent02', name: '坐席02', extension: '8002', groups: ['enterprise-seat'] }, NOW)
  await store.setAgentState('agent01', { to: 'ready', at: NOW })
  await tickets.create(ticket('t-overdue', { dueAt: NOW - MIN }), undefined)
  await tickets.create(ticket('t-soon', { dueAt: NOW + DUE_SOON_MS - MIN }), undefined)
  await tickets.create(ticket('t-later', { dueAt: NOW + DUE_SOON_MS + MIN }), undefined)
  await tickets.create(ticket('t-done', { dueAt: NOW - MIN, status: 'contacted' }), undefined)
  // tax: 9 of 10 connected in the last hour; market: 1 of 5 today, earlier.
  const dial = (n: string, outcome: 'answered' | 'busy', departmentId = 'tax', matterId = 'tax-invoice') =>
    ({ number: n, matterId, departmentId, index: 0, startedAt: NOW, ringMs: 1000, outcome })
  for (let i = 0; i < 10; i++) {
    const ok = i < 9
    await store.putTransfer(transfer(`x${i}`, {
      id: `tax-${i}`, requestedAt: NOW - 30 * MIN, state: ok ? 'connected' : 'all-failed', endedAt: NOW - 20 * MIN,
      attempts: ok ? [dial('02155010002', 'busy'), dial('02155010003', 'answered')] : [dial('02155010002', 'busy')]
    }))
  }
  for (let i = 0; i < 5; i++) {
    await store.putTransfer(transfer(`m${i}`, {
      id: `market-${i}`, departmentId: 'market', matterId: 'market-registration', requestedAt: NOW - 90 * MIN,
      state: i === 0 ? 'connected' : 'all-failed', endedAt: NOW - 80 * MIN,
      attempts: [dial('02155020001', i === 0 ? 'answered' : 'busy', 'market', 'market-registration')]
    }))
  }
  await store.putCall(call('live-1'))
  const snap = await buildSnapshot(base)
  t.equal(snap.at, new Date(NOW).toISOString())
  t.match(snap.agents, { total: 2, byState: { ready: 1, 'logged-out': 1, 'on-call': 0 } })
  t.match(snap.tickets, { awaitingContact: 3, overdue: 1, dueSoon: 1, dueSoonMinutes: 120, byStatus: { open: 3, contacted: 1 } })
  t.match(snap.calls, { total: 1, ivr: 1 })
  const rates = snap.connectionRate
  if (rates === undefined) throw new Error('no rates')
  t.match(rates, { target: 0.9, nationalStandard: 0.95 })
  const taxHour = rates.lastHour.byDepartment.find((d) => d.id === 'tax')
  t.match(taxHour, { name: '税务局', rate: 0.9, counted: 10, connected: 9, belowTarget: false })
  t.equal(rates.lastHour.byDepartment.find((d) => d.id === 'market')?.counted, 0, 'market\'s requests are older than an hour')
  t.equal(rates.lastHour.byDepartment.length, directory.departments().length, 'every department has a row')
  t.match(rates.today.byDepartment.find((d) => d.id === 'market'), { rate: 0.2, counted: 5, belowTarget: true })
  t.same(rates.today.departmentsBelowTarget, ['market'])
  t.match(rates.today.byMatter.find((m) => m.id === 'tax-invoice'), { name: '发票领用', departmentName: '税务局', counted: 10 })
  t.match(rates.today.byNumber.find((n) => n.number === '02155010002'), { counted: 10, answered: 0, busy: 10, rate: 0, departmentNames: ['税务局'] })
  t.match(rates.today.overall, { counted: 15, connected: 10 })
  t.match(snap.alarms.map((a) => a.kind).sort(), ['below-target', 'tickets-overdue'])
  t.match(snap.alarms.find((a) => a.kind === 'below-target')?.message, /市场监督管理局.*20\.0%.*90\.0%/)
})

void t.test('alarms: another controller\'s switch down, a lost controller, dead tickets, calendar, dial tests, unreadable parts', async (t) => {
  const controllers: ControllerPresence[] = [
    { controllerId: 'ctl-a', vendor: 'freeswitch', switchState: 'ready', switchDetail: '', switchSince: NOW, callsInProgress: 1, promptsMissing: ['welcome', 'goodbye'], draining: false, at: NOW, alive: true },
    { controllerId: 'ctl-b', vendor: 'asterisk', switchState: 'disconnected', switchDetail: 'ARI WebSocket closed', switchSince: NOW - MIN, callsInProgress: 0, promptsMissing: [], draining: false, at: NOW, alive: true },
    { controllerId: 'ctl-c', vendor: 'freeswitch', switchState: 'ready', switchDetail: '', switchSince: NOW, callsInProgress: 3, promptsMissing: ['welcome'], draining: false, at: NOW - 5 * MIN, alive: false },
    { controllerId: 'ctl-d', vendor: 'freeswitch', switchState: 'closed', switchDetail: 'stopping', switchSince: NOW, callsInProgress: 0, promptsMissing: [], draining: true, at: NOW, alive: true }
  ]
  const alarms = alarmsOf({
    controllers, target: 0.9, tickets: { overdue: 0, dead: 2 }, missingYears: [2027],
    dialTestFailing: [{ number: '02155010001', departmentName: '税务局' }], unreadable: ['tickets']
  })
  t.same(alarms.map((a) => a.key), [
    'switch:ctl-b', 'controller-lost:ctl-c', 'tickets-dead:dead', 'data:tickets', 'prompts-missing:ctl-a', 'calendar:2027', 'dial-test:02155010001'
  ], 'critical first; a draining controller\'s closed switch is no alarm; a lost one\'s prompts are not raised')
  t.match(alarms.find((a) => a.kind === 'prompts-missing')?.message, /ctl-a.*缺少 2 个提示音（welcome、goodbye）/)
  t.match(alarms[0]?.message, /ctl-b.*已断开/)
  t.equal(alarms[0]?.severity, 'critical')

  const { base, clock } = await sources(t, {
    tickets: { counts: () => Promise.reject(new Error('redis away')) },
    dialTestFailing: () => Promise.resolve([{ number: '02155010001', departmentId: 'tax' }])
  })
  clock.set(Date.parse('2026-12-05T10:00:00+08:00'))
  const errors: string[] = []
  const snap = await buildSnapshot({ ...base, onSectionError: (section) => { errors.push(section) } })
  t.equal(snap.tickets, undefined, 'the unreadable part is left out')
  t.ok(snap.agents !== undefined && snap.calls !== undefined && snap.connectionRate !== undefined, 'the rest is shown')
  t.same(errors, ['tickets'])
  t.same(snap.alarms.map((a) => a.key).sort(), ['calendar:2027', 'data:tickets', 'dial-test:02155010001'])
  t.match(snap.alarms.find((a) => a.kind === 'dial-test')?.message, /税务局/)
})

void t.test("callsToday: today's call counts (Asia/Shanghai) from the store, every controller's, as figures", async (t) => {
  const { store, base, clock } = await sources(t)
  // Today, 2 March: a served call and a by-design ticket, a queue abandon after 40 s and a
  // ringing-agent abandon after 20 s (both queued), a refusal. 23:59:59.999 on 1 March is
  // yesterday's; so is nothing of today's.
  await store.addCallCounts('2026-03-02', { offered: 1, completed: 1, 'completed:served': 1, queued: 1 })
  await store.addCallCounts('2026-03-02', { offered: 1, completed: 1, 'completed:by-design': 1 })
  await store.addCallCounts('2026-03-02', { offered: 1, abandoned: 1, 'abandoned:queue': 1, 'abandon-wait-ms:queue': 40_000, queued: 1 })
  await store.addCallCounts('2026-03-02', { offered: 1, abandoned: 1, 'abandoned:ringing-agent': 1, 'abandon-wait-ms:ringing-agent': 20_000, queued: 1 })
  await store.addCallCounts('2026-03-02', { offered: 1, refused: 1 })
  await store.addCallCounts('2026-03-01', { offered: 7, cut: 7, 'cut:switch-lost': 7 })
  const snap = await buildSnapshot(base)
  // 5 offered = 2 completed (1 served, 1 by design) + 2 abandoned + 1 refused. Queued 3; the
  // queue abandon rate (1 + 1) / 3; their average wait (40 000 + 20 000) / 2 = 30 000 ms.
  t.strictSame(snap.callsToday, {
    day: '2026-03-02',
    offered: 5,
    completed: 2,
    served: 1,
    completedByDesign: 1,
    abandoned: { total: 2, ivr: 0, queue: 1, ringingAgent: 1 },
    refused: 1,
    cut: 0,
    cutReasons: { drainDeadline: 0, switchLost: 0, shutdown: 0, controllerRestarted: 0 },
    failed: 0,
    queued: 3,
    queueAbandonRate: 2 / 3,
    queueAbandonAvgWaitMs: 30_000,
    addsUp: true
  })

  // 00:00 on 3 March in Shanghai (16:00 UTC on the 2nd): a new day, nothing counted yet.
  clock.set(Date.parse('2026-03-03T00:00:00+08:00'))
  t.match((await buildSnapshot(base)).callsToday, { day: '2026-03-03', offered: 0, queueAbandonRate: null, queueAbandonAvgWaitMs: null, addsUp: true })
  clock.set(Date.parse('2026-03-01T23:59:59.999+08:00'))
  t.match((await buildSnapshot(base)).callsToday, { day: '2026-03-01', offered: 7, cut: 7, cutReasons: { switchLost: 7 } })
})

void t.test('callsToday unreadable: left out and named in the alarms, the rest still shown', async (t) => {
  const { store, base } = await sources(t)
  const failing = {
    listCalls: store.listCalls.bind(store),
    listAgents: store.listAgents.bind(store),
    listTransfers: store.listTransfers.bind(store),
    callCounts: () => Promise.reject(new Error('redis away'))
  }
  const errors: string[] = []
  const snap = await buildSnapshot({ ...base, store: failing, onSectionError: (section) => { errors.push(section) } })
  t.equal(snap.callsToday, undefined)
  t.ok(snap.calls !== undefined && snap.agents !== undefined, 'the other parts are shown')
  t.same(errors, ['callsToday'])
  t.match(snap.alarms.find((a) => a.key === 'data:callsToday')?.message, /无法读取今日来电统计数据/)
})
