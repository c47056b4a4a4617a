// What a controller does with what it left on the switch and in the store when it stopped
// without draining: its own calls are ended (dialled legs hung up, the caller taken out of the
// room, told, hung up; the record cut `controller-restarted`, counted once); records of its
// calls with no leg left are ended the same way; other controllers' legs, calls running here
// and records already ended are left alone.
import t from 'tap'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { RESTARTED_REASON, SERVICE_INTERRUPTED_PROMPT, planTakeOver, recoverCalls } from '../../src/calls/recovery.js'
import { callDay, callFigures } from '../../src/domain/call-figures.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import type { TransferRecord } from '../../src/domain/transfer-record.js'
import type { FoundLeg } from '../../src/ports/switch.js'
import { Metrics } from '../../src/metrics.js'
import { systemClock } from '../../src/ports/clock.js'
import { ScriptedSwitch } from './scripted-switch.js'

const AT = Date.parse('2025-03-12T10:00:00+08:00')

function record (callId: string, controllerId: string, extra: Partial<CallRecord> = {}): CallRecord {
  return { callId, legId: `caller-${callId}`, controllerId, caller: '138****0001', startedAt: AT, choices: {}, path: [], state: 'in-ivr', ...extra }
}

void t.test('its own calls ended cleanly; others left alone; each ended once', async (t) => {
  const sw = new ScriptedSwitch()
  const store = new MemoryStore()
  const metrics = new Metrics()
  for (const r of [
    record('left', 'ctl-a', { state: 'with-agent' }),
    record('gone', 'ctl-a'),
    record('running', 'ctl-a'),
    record('peer', 'ctl-b'),
    record('done', 'ctl-a', { finalState: 'completed', reason: 'served', endedAt: AT + 1000 })
  ]) await store.putCall(r)
  sw.found = [
    { legId: 'caller-left', tag: { controllerId: 'ctl-a', callId: 'left' }, direction: 'inbound', answered: true, room: 'call-left' },
    { legId: 'agent-left', tag: { controllerId: 'ctl-a', callId: 'left' }, direction: 'outbound', answered: true, room: 'call-left' },
    { legId: 'caller-peer', tag: { controllerId: 'ctl-b', callId: 'peer' }, direction: 'inbound', answered: true }
  ]
  sw.rooms.set('call-left', new Set(['caller-left', 'agent-left']))
  for (const [id, state, callId] of [['agent01', 'on-call', 'left'], ['agent02', 'wrap-up', 'gone'], ['agent03', 'on-call', 'running'], ['agent04', 'ringing', 'peer']] as const) {
    await store.upsertAgent({ id, name: id, extension: '8001', groups: ['enterprise-seat'] }, AT)
    await store.setAgentState(id, { to: state, callId, at: AT })
  }
  const written: string[] = []
  const deps = {
    switch: sw, store, controllerId: 'ctl-a', clock: systemClock, metrics, log: pino({ level: 'silent' }),
    isRunning: (callId: string) => callId === 'running',
    written: (r: CallRecord) => { written.push(r.callId) }
  }
  await recoverCalls(deps)
  t.same(sw.hungUp.sort(), ['agent-left', 'caller-left'], 'the legs of its own call, not the peer\'s')
  t.same(sw.played, [{ legId: 'caller-left', prompt: SERVICE_INTERRUPTED_PROMPT }], 'the caller told')
  t.notOk(sw.rooms.get('call-left')?.has('caller-left'), 'out of the room before the prompt')
  t.match(await store.getCall('left'), { finalState: 'cut', reason: RESTARTED_REASON, endedBy: 'controller', state: 'ended' })
  t.match(await store.getCall('gone'), { finalState: 'cut', reason: RESTARTED_REASON }, 'a record with no leg left')
  t.equal((await store.getCall('running'))?.finalState, undefined, 'a call running here is its session\'s')
  t.equal((await store.getCall('peer'))?.finalState, undefined, 'a peer\'s call is the peer\'s')
  t.match(await store.getCall('done'), { finalState: 'completed' }, 'an ended record stays as it was')
  t.same(written.sort(), ['gone', 'left'])
  const states = Object.fromEntries((await store.listAgents()).map((a) => [a.id, a.state]))
  t.same(states, { agent01: 'ready', agent02: 'ready', agent03: 'on-call', agent04: 'ringing' }, 'freed from the calls ended here only')
  const figures = callFigures(await store.callCounts([callDay(AT)]))
  t.match(figures, { offered: 2, cut: 2, cutReasons: { controllerRestarted: 2 }, addsUp: true })

  await recoverCalls(deps)
  t.match(callFigures(await store.callCounts([callDay(AT)])), { offered: 2, cut: 2 }, 'a second pass counts nothing again')
  t.match(await metrics.callsEnded.get(), { values: [{ value: 2, labels: { final_state: 'cut', reason: RESTARTED_REASON } }] })
})

void t.test('a leg whose record the store lost (a failover): a record rebuilt from the leg, ended once', async (t) => {
  const sw = new ScriptedSwitch()
  const store = new MemoryStore()
  sw.found = [{ legId: 'caller-lost', tag: { controllerId: 'ctl-a', callId: 'lost' }, direction: 'inbound', answered: true, from: '13900000077' }]
  const deps = { switch: sw, store, controllerId: 'ctl-a', clock: systemClock, metrics: new Metrics(), log: pino({ level: 'silent' }), isRunning: () => false, written: () => {} }
  await recoverCalls(deps)
  t.match(await store.getCall('lost'), {
    legId: 'caller-lost', controllerId: 'ctl-a', caller: '139****0077', finalState: 'cut', reason: RESTARTED_REASON, endedBy: 'controller'
  }, 'the call has its one final state')
  t.same(sw.played, [{ legId: 'caller-lost', prompt: SERVICE_INTERRUPTED_PROMPT }], 'the caller told')
  t.same(sw.hungUp, ['caller-lost'])
  t.match(callFigures(await store.callCounts([callDay((await store.getCall('lost'))?.startedAt ?? 0)])), { offered: 1, cut: 1 })
})

void t.test('the record is ended before the apology: a controller killed while it plays leaves it ended', async (t) => {
  const sw = new ScriptedSwitch()
  const store = new MemoryStore()
  await store.putCall(record('slow', 'ctl-a'))
  sw.found = [{ legId: 'caller-slow', tag: { controllerId: 'ctl-a', callId: 'slow' }, direction: 'inbound', answered: true, from: '13900000078' }]
  let atApology: CallRecord | undefined
  const play = sw.play.bind(sw)
  sw.play = async (legId, prompt, options) => {
    atApology = await store.getCall('slow')
    return await play(legId, prompt, options)
  }
  await recoverCalls({ switch: sw, store, controllerId: 'ctl-a', clock: systemClock, metrics: new Metrics(), log: pino({ level: 'silent' }), isRunning: () => false, written: () => {} })
  t.match(atApology, { finalState: 'cut', reason: RESTARTED_REASON }, 'already ended when the apology started')
})

// --- which calls go on -------------------------------------------------------------------

const SERVED = AT + 20_000
const withAgent = (extra: Partial<CallRecord> = {}): CallRecord => record('c1', 'ctl-a', {
  state: 'with-agent', servedAt: SERVED, queue: { group: 'enterprise-seat', enqueuedAt: AT + 10_000, servedAt: SERVED, agentId: 'agent01' }, ...extra
})
const leg = (legId: string, extra: Partial<FoundLeg> = {}): FoundLeg =>
  ({ legId, tag: { controllerId: 'ctl-a', callId: 'c1' }, direction: 'outbound', answered: true, room: 'call-c1', ...extra })
const CALLER = leg('caller', { direction: 'inbound', from: '13800000001' })
const AGENT_LEG = leg('agent', { tag: { controllerId: 'ctl-a', callId: 'c1', role: 'agent' } })
const specialist = (legId: string, extra: Partial<FoundLeg> = {}): FoundLeg => leg(legId, { tag: { controllerId: 'ctl-a', callId: 'c1', role: 'specialist' }, ...extra })
const transfer = (extra: Partial<TransferRecord> = {}): TransferRecord => ({
  id: 't1', callId: 'c1', matterId: 'tax-invoice', departmentId: 'tax', agentId: 'agent01', requestedAt: SERVED + 5000, workingTime: true, state: 'hunting', attempts: [], ...extra
})

void t.test('a caller with an agent goes on: the agent reattached', async (t) => {
  const plan = planTakeOver(withAgent(), [CALLER, AGENT_LEG], undefined, AT + 60_000)
  t.match(plan, {
    agent: { agentId: 'agent01', legId: 'agent', group: 'enterprise-seat' },
    stray: [],
    found: { connectedAt: SERVED, callerInRoom: true, agentUp: true }
  })
  t.equal(plan?.found.transfer, undefined)
  t.equal(plan?.found.agentLeftBefore, undefined)
  t.same(planTakeOver(withAgent(), [{ ...CALLER, room: undefined }, AGENT_LEG], undefined, AT)?.found.callerInRoom, false, 'a caller out of the room (a prompt) is put back')
})

void t.test('a hunt goes on: the ringing dial is handed over to be hung up and dialled again', async (t) => {
  const plan = planTakeOver(withAgent({ state: 'transferring' }), [CALLER, AGENT_LEG, specialist('ringing', { answered: false, room: undefined })], transfer(), AT)
  t.match(plan?.found.transfer, { record: { id: 't1' }, ringing: ['ringing'] })
  t.equal(plan?.found.transfer?.specialist, undefined)
  const answered = planTakeOver(withAgent({ state: 'transferring' }), [CALLER, AGENT_LEG, specialist('picked', { room: undefined })], transfer(), AT)
  t.match(answered?.found.transfer, { specialist: { legId: 'picked', inRoom: false }, ringing: [] }, 'a number that answered while nobody watched is put through')
  t.ok(planTakeOver(withAgent({ state: 'transferring' }), [CALLER, specialist('ringing', { answered: false })], transfer(), AT), 'the hunt goes on after the agent hung up too')
})

void t.test('caller and specialist after the agent left: watched to the end', async (t) => {
  const plan = planTakeOver(withAgent({ state: 'with-specialist' }), [CALLER, specialist('spec')], transfer({ state: 'connected', agentLeftAt: SERVED + 30_000 }), AT + 90_000)
  t.match(plan?.found, { agentUp: false, agentLeftBefore: SERVED + 30_000, transfer: { specialist: { legId: 'spec', inRoom: true } } })
  const threeWay = planTakeOver(withAgent({ state: 'three-way' }), [CALLER, specialist('spec')], transfer({ state: 'connected' }), AT)
  t.match(threeWay?.found, { agentUp: false, transfer: { specialist: { legId: 'spec' } } }, 'the agent hung up unwatched: the specialist goes on with the caller')
  t.equal(threeWay?.found.agentLeftBefore, undefined, 'their part is ended on the take-over, as if seen')
})

void t.test('nobody left to talk with, or not with a person: ended with the apology', async (t) => {
  t.equal(planTakeOver(withAgent(), [CALLER], undefined, AT), undefined, 'the agent gone, no transfer')
  t.equal(planTakeOver(withAgent({ state: 'with-specialist' }), [CALLER], transfer({ state: 'connected' }), AT), undefined, 'the specialist gone after the agent left')
  t.equal(planTakeOver(withAgent({ state: 'queued' }), [CALLER], undefined, AT), undefined, 'in the queue')
  t.equal(planTakeOver(withAgent({ state: 'in-ivr' }), [CALLER, AGENT_LEG], undefined, AT), undefined, 'in the IVR (the survey)')
  t.equal(planTakeOver(withAgent(), [{ ...CALLER, answered: false }, AGENT_LEG], undefined, AT), undefined, 'a caller never answered')
  t.equal(planTakeOver(withAgent({ finalState: 'completed' }), [CALLER, AGENT_LEG], undefined, AT), undefined, 'an ended record')
  t.equal(planTakeOver(withAgent({ queue: undefined }), [CALLER, AGENT_LEG], undefined, AT), undefined, 'no agent on the record')
})

void t.test('legs no part of the call holds are handed over to be hung up', async (t) => {
  const old = leg('old-dial')
  const plan = planTakeOver(withAgent(), [CALLER, AGENT_LEG, old, specialist('stale')], undefined, AT)
  t.same(plan?.stray.sort(), ['old-dial', 'stale'], 'an untagged-role leg and a specialist with no open transfer')
})

void t.test('a call that goes on is neither ended nor its agent freed', async (t) => {
  const sw = new ScriptedSwitch()
  const store = new MemoryStore()
  await store.putCall(withAgent())
  await store.upsertAgent({ id: 'agent01', name: 'agent01', extension: '8001', groups: ['enterprise-seat'] }, AT)
  await store.setAgentState('agent01', { to: 'on-call', callId: 'c1', at: AT })
  sw.found = [CALLER, AGENT_LEG]
  const taken: string[] = []
  await recoverCalls({
    switch: sw, store, controllerId: 'ctl-a', clock: systemClock, metrics: new Metrics(), log: pino({ level: 'silent' }),
    isRunning: () => false, written: () => undefined,
    takeOver: (plan, caller) => { taken.push(`${plan.record.callId}:${caller.legId}`); return true }
  })
  t.same(taken, ['c1:caller'])
  t.same(sw.hungUp, [], 'no leg hung up')
  t.same(sw.played, [], 'no apology')
  t.equal((await store.getCall('c1'))?.finalState, undefined, 'the record stays the new owner\'s')
  t.match(await store.getAgent('agent01'), { state: 'on-call', callId: 'c1' }, 'the agent stays on the call')
})

void t.test('a call ended with the apology ends its open transfer too', async (t) => {
  const sw = new ScriptedSwitch()
  const store = new MemoryStore()
  await store.putCall(withAgent({ state: 'transferring' }))
  await store.putTransfer(transfer())
  sw.found = [CALLER, specialist('ringing', { answered: false, room: undefined })]
  await recoverCalls({
    switch: sw, store, controllerId: 'ctl-a', clock: systemClock, metrics: new Metrics(), log: pino({ level: 'silent' }),
    isRunning: () => false, written: () => undefined
  })
  t.match(await store.getTransfer('t1'), { state: 'cancelled' }, 'no hunt left "hunting" for ever')
  t.ok((await store.getTransfer('t1'))?.endedAt)
  t.match(await store.getCall('c1'), { finalState: 'completed', reason: 'served', endedBy: 'controller' }, 'served before the controller stopped: completed, as any served call')
})
