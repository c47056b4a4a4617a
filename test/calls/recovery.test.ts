// What a controller does with what it left on the switch and in the store when it stopped
// without draining: its own calls are ended (dialled legs hung up, the caller taken out of the
// room, told, hung up; the record cut `controller-restarted`, counted once); records of its
// calls with no leg left are ended the same way; other controllers' legs, calls running here
// and records already ended are left alone.
import t from 'tap'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { RESTARTED_REASON, SERVICE_INTERRUPTED_PROMPT, recoverCalls } from '../../src/calls/recovery.js'
import { callDay, callFigures } from '../../src/domain/call-figures.js'
import type { CallRecord } from '../../src/domain/call-record.js'
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
