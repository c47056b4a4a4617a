// The call's owner against a scripted switch port: every state the call goes through recorded
// with its time, and every way a call ends in every state giving exactly one truthful final
// state — the caller hanging up (abandoned before a person, served after), the controller
// cutting it (drain deadline), the switch ending it (shutdown, restart), the flow ending it,
// a fault — with the wait measured to the moment, the caller's leg hung up by the controller
// only when it is still up, and every agent and specialist leg ended exactly once.
import { stamped } from '../../src/domain/record-version.js'
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { Agents } from '../../src/calls/agents.js'
import { CallSession } from '../../src/calls/call-session.js'
import { type CallScript } from '../../src/calls/call-context.js'
import { CALL_STATES, type CallState, canMove, transition } from '../../src/domain/call-state.js'
import { roomOf } from '../../src/calls/conversation.js'
import { Transfers } from '../../src/calls/transfer.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import { Directory } from '../../src/domain/directory.js'
import { HotlineError, abortError } from '../../src/errors.js'
import { Metrics } from '../../src/metrics.js'
import type { Acd, QueueOutcome, QueueRequest } from '../../src/ports/acd.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import type { CollectOptions, CollectResult } from '../../src/ports/switch.js'
import { promptHealth } from '../helpers/prompt-health.js'
import { eventually } from '../helpers/sim.js'
import { ScriptedSwitch } from './scripted-switch.js'

const silent = pino({ level: 'silent' })
const WEDNESDAY_10 = Date.parse('2025-03-12T10:00:00+08:00')
const GROUP = 'enterprise-seat'
const CALLER_LEG = 'caller-leg'
const SPECIALIST = '02155010002'
const DIRECTORY = new Directory({
  categories: ['税务'],
  departments: [{ id: 'tax', name: '税务局', nameEn: 'Tax Bureau' }],
  matters: [{
    id: 'tax-invoice', name: '发票领用', nameEn: 'Invoices', category: '税务', priority: 'handling', department: 'tax',
    hunt: [{ number: SPECIALIST, ringTimeoutSec: 25 }]
  }]
})

/** The queue, held by the test: it rings and answers (or overflows) when told. */
class HeldAcd implements Acd {
  readonly requests: QueueRequest[] = []
  readonly #clock: ManualClock
  #resolve: ((outcome: QueueOutcome) => void) | undefined

  constructor (clock: ManualClock) {
    this.#clock = clock
  }

  async queue (request: QueueRequest): Promise<QueueOutcome> {
    this.requests.push(request)
    request.onVisit?.({ group: request.group, enqueuedAt: request.enqueuedAt ?? this.#clock.now() })
    return await new Promise((resolve, reject) => {
      this.#resolve = resolve
      request.signal.addEventListener('abort', () => {
        request.onVisit?.({ abandonedAt: this.#clock.now() })
        reject(abortError(request.signal))
      }, { once: true })
    })
  }

  get waiting (): boolean {
    return this.#resolve !== undefined
  }

  ring (agentId: string): void {
    this.#request().onRinging?.(agentId)
  }

  answer (agentId: string, legId: string): void {
    const request = this.#request()
    const now = this.#clock.now()
    request.onVisit?.({ servedAt: now, agentId })
    const enqueuedAt = request.enqueuedAt ?? now
    this.#settle({ kind: 'agent', agentId, legId, group: request.group, answeredAt: now, waitedMs: now - enqueuedAt })
  }

  overflow (): void {
    const request = this.#request()
    this.#request().onVisit?.({ overflowAt: this.#clock.now() })
    this.#settle({ kind: 'overflow', waitedMs: request.maxWaitMs })
  }

  #request (): QueueRequest {
    const request = this.requests.at(-1)
    if (request === undefined) throw new Error('nobody queued')
    return request
  }

  #settle (outcome: QueueOutcome): void {
    const resolve = this.#resolve
    this.#resolve = undefined
    resolve?.(outcome)
  }
}

/** The caller's keypad: each collect waits until the test keys something (or the call ends). */
class Keypad {
  readonly asked: string[] = []
  #pending: ((result: CollectResult) => void) | undefined
  /** Set to make the next collect fail as a switch refusing a command on a gone leg would. */
  failNext: HotlineError | undefined

  async collect (options: CollectOptions): Promise<CollectResult> {
    this.asked.push(options.prompt)
    if (this.failNext !== undefined) {
      const err = this.failNext
      this.failNext = undefined
      throw err
    }
    const signal = options.signal
    if (signal?.aborted === true) throw abortError(signal)
    return await new Promise((resolve, reject) => {
      this.#pending = resolve
      signal?.addEventListener('abort', () => { reject(abortError(signal)) }, { once: true })
    })
  }

  get waiting (): string | undefined {
    return this.#pending === undefined ? undefined : this.asked.at(-1)
  }

  key (digits: string): void {
    const pending = this.#pending
    this.#pending = undefined
    pending?.({ digits, reason: 'complete' })
  }
}

/** A small flow: a menu, the queue, a survey after the agent; `ticket` when nobody answered in time. */
const script: CallScript = async (ctx) => {
  await ctx.collect({ prompt: 'menu', minDigits: 1, maxDigits: 1, timeoutMs: 6000 })
  ctx.recordStep('menu')
  ctx.choose('matter', 'tax-invoice')
  const queued = await ctx.queue({ group: GROUP, maxWaitMs: 180_000, announceEveryMs: 30_000 })
  if (queued.kind === 'overflow') return { reason: 'ticket' }
  await ctx.collect({ prompt: 'survey', minDigits: 1, maxDigits: 1, timeoutMs: 6000 })
  return { reason: 'survey done' }
}

async function setUp (t: Test, run: CallScript = script, options: { answer?: (sw: ScriptedSwitch) => Promise<void> } = {}) {
  const clock = new ManualClock(WEDNESDAY_10)
  const sw = new ScriptedSwitch()
  const keypad = new Keypad()
  sw.collectDigits = async (_legId, options) => await keypad.collect(options)
  const answered: string[] = []
  sw.answer = async (legId) => {
    if (options.answer !== undefined) return await options.answer(sw)
    await Promise.resolve()
    if (sw.isDown(legId)) throw new HotlineError('HC_CALL_GONE', `leg ${legId} is not in progress`)
    answered.push(legId)
  }
  sw.behave({ [SPECIALIST]: 'answered' })
  const store = new MemoryStore()
  const metrics = new Metrics()
  const agents = new Agents({ store, clock, groups: [{ id: GROUP, ringTimeoutSec: 10, wrapUpSec: 3600, noAnswerState: 'not-ready' }] })
  await agents.sync([
    { id: 'agent01', name: '坐席01', extension: '8001', groups: [GROUP] },
    { id: 'agent02', name: '坐席02', extension: '8002', groups: [GROUP] }
  ])
  const calendar = new WorkCalendar({
    workingHours: { default: [{ start: '09:00', end: '17:30' }] }, dueTime: '10:00', warnMissingFromMonth: 12, years: []
  })
  const transfers = new Transfers({ switch: sw, store, directory: DIRECTORY, calendar, clock, callerIdNumber: '12345', log: silent })
  const acd = new HeldAcd(clock)
  const session = new CallSession(
    { legId: CALLER_LEG, from: '13812345678', to: '12345', at: clock.now() },
    { script: run, flowId: 'test-flow' },
    {
      switch: sw, store, controllerId: 'ctl-test', logger: silent, metrics, clock, prompts: promptHealth(sw, metrics),
      line: { acd, agents, transfers, directory: DIRECTORY }
    }
  )
  const done = session.run()
  t.teardown(async () => {
    if (!sw.isDown(CALLER_LEG)) sw.remoteHangup(CALLER_LEG)
    await done
    await transfers.close()
    agents.close()
    await store.close()
  })
  let agentLegs = 0

  const s = {
    sw, store, clock, keypad, acd, session, metrics, agents, done,
    /** Waits for the call to be in `state`. */
    inState: async (state: CallState): Promise<void> => {
      await eventually(() => session.state === state ? true : undefined, `call ${state}`)
    },
    /** The caller keys through the menu and waits in the queue `waitMs`. */
    queued: async (waitMs = 0): Promise<void> => {
      await eventually(() => keypad.waiting === 'menu' ? true : undefined, 'the menu')
      clock.advance(4_000)
      keypad.key('1')
      await s.inState('queued')
      clock.advance(waitMs)
    },
    /** agent01's phone rings for the caller (the store agrees, as after assignAgent). */
    ringing: async (agentId = 'agent01'): Promise<void> => {
      await agents.login(agentId, { ready: true })
      await store.enqueue(GROUP, session.callId, clock.now(), 60_000)
      await store.assignAgent(GROUP, session.callId, clock.now())
      acd.ring(agentId)
      await s.inState('ringing-agent')
    },
    /** The ringing agent answers; the caller is put through. Returns the agent's leg. */
    withAgent: async (agentId = 'agent01'): Promise<string> => {
      clock.advance(2_000)
      await agents.answered(agentId, session.callId)
      const leg = `agent-leg-${++agentLegs}`
      acd.answer(agentId, leg)
      await s.inState('with-agent')
      return leg
    },
    /** The agent brings in the specialist, who answers. Returns the specialist's leg. */
    threeWay: async (): Promise<string> => {
      await session.transfer('tax-invoice', { agentId: 'agent01' })
      await s.inState('three-way')
      const leg = sw.answeredLegs.at(-1)
      if (leg === undefined) throw new Error('no specialist leg')
      return leg
    },
    /** The switch ends the caller's leg going away (a shutdown, a restart). */
    switchEnds: (): void => {
      sw.emit(CALLER_LEG, { type: 'hangup', cause: 'lost', vendor: { text: 'SYSTEM_SHUTDOWN' }, at: clock.now() })
    },
    /** The call's end, with what the store holds. */
    ended: async (): Promise<CallRecord> => {
      const summary = await done
      const stored = await store.getCall(summary.callId)
      if (stored === undefined) throw new Error('no record')
      t.same(stored, stamped(summary), 'the store holds what the call ended with, stamped with its format')
      return stored
    },
    agentState: async (id = 'agent01') => (await store.getAgent(id))?.state,
    answered
  }
  return s
}

const statesOf = (record: CallRecord): CallState[] => (record.states ?? []).map((s) => s.state)
const counter = async (c: Metrics['callsQueued']): Promise<number> => (await c.get()).values.reduce((n, v) => n + v.value, 0)
/** The calls-in-state gauge, states at 0 left out. */
const inState = async (metrics: Metrics): Promise<Record<string, number>> =>
  Object.fromEntries((await metrics.callsInState.get()).values.filter((v) => v.value !== 0).map((v) => [String(v.labels.state), v.value]))
const ended = (metrics: Metrics, finalState: string): Promise<number> =>
  metrics.callsEnded.get().then((m) => m.values.filter((v) => v.labels.final_state === finalState).reduce((n, v) => n + v.value, 0))

void t.test('the transition table: the moves a call makes, nothing else', async (t) => {
  t.equal(transition('offered', 'answering'), 'answering')
  t.throws(() => transition('offered', 'with-agent'), { code: 'HC_CALL_STATE' }, 'no agent before the queue')
  t.throws(() => transition('in-ivr', 'three-way'), { code: 'HC_CALL_STATE' })
  t.throws(() => transition('ended', 'in-ivr'), { code: 'HC_CALL_STATE' }, 'nothing after the end')
  for (const state of CALL_STATES) {
    if (state === 'ended') continue
    t.equal(canMove(state, state === 'ending' ? 'ended' : 'ending'), true, `${state} can always end`)
    t.equal(canMove(state, state), false, `${state} does not move to itself`)
  }
})

void t.test('served, then the survey: every state recorded with its time; completed/served', async (t) => {
  const s = await setUp(t)
  await s.queued(30_000)
  t.same(await inState(s.metrics), { queued: 1 }, 'the gauge follows the call')
  await s.ringing()
  const agentLeg = await s.withAgent()
  t.same(await inState(s.metrics), { 'with-agent': 1 })
  t.same(s.sw.inRoom(roomOf(s.session.callId)), [agentLeg, CALLER_LEG].sort(), 'caller and agent in the call\'s room')
  t.match(s.session.agentCall(), { agentId: 'agent01', callId: s.session.callId, choices: { matter: 'tax-invoice' } })
  s.clock.advance(60_000)
  s.sw.remoteHangup(agentLeg)
  await eventually(() => s.keypad.waiting === 'survey' ? true : undefined, 'the survey')
  t.same(s.sw.inRoom(roomOf(s.session.callId)), [], 'the caller out of the room for the survey')
  t.equal(await s.agentState(), 'wrap-up')
  s.keypad.key('1')
  const record = await s.ended()
  t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'controller', state: 'ended' })
  t.notOk('abandon' in record)
  t.same(statesOf(record), ['offered', 'answering', 'in-ivr', 'queued', 'ringing-agent', 'with-agent', 'in-ivr', 'ending', 'ended'])
  const at = Object.fromEntries((record.states ?? []).map((s) => [s.state, s.at]))
  t.equal(at.queued, WEDNESDAY_10 + 4_000, 'queued when the key was pressed')
  t.equal(at['with-agent'], WEDNESDAY_10 + 36_000, 'with the agent when they answered')
  t.equal(record.servedAt, at['with-agent'])
  t.match(record.queue, { group: GROUP, enqueuedAt: WEDNESDAY_10 + 4_000, servedAt: WEDNESDAY_10 + 36_000, agentId: 'agent01' })
  t.equal(s.sw.hangupsOf(CALLER_LEG), 1, 'the controller hung the caller up after the goodbye')
  t.equal(s.sw.endings(agentLeg), 1, 'the agent leg ended once')
  t.equal(await ended(s.metrics, 'completed'), 1)
  t.match((await s.metrics.callsEnded.get()).values, [{ labels: { final_state: 'completed', reason: 'served', ended_by: 'controller' }, value: 1 }])
  t.equal((await s.metrics.callsAbandoned.get()).values.length, 0, 'a served call is never an abandoned one')
})

void t.test('the caller hangs up before reaching a person: abandoned, where and after how long', async (t) => {
  await t.test('in the IVR: waited from the answer', async (t) => {
    const s = await setUp(t)
    await eventually(() => s.keypad.waiting === 'menu' ? true : undefined, 'the menu')
    s.clock.advance(7_000)
    s.sw.remoteHangup(CALLER_LEG)
    const record = await s.ended()
    t.match(record, { finalState: 'abandoned', endedBy: 'caller', abandon: { phase: 'ivr', waitedMs: 7_000 } })
    t.equal(s.sw.hangupsOf(CALLER_LEG), 0, 'a leg the caller ended is not hung up again')
    t.equal(await ended(s.metrics, 'abandoned'), 1)
  })

  await t.test('in the queue: waited from joining it, the menu time not counted', async (t) => {
    const s = await setUp(t)
    await s.queued(45_000)
    s.sw.remoteHangup(CALLER_LEG)
    const record = await s.ended()
    t.match(record, { finalState: 'abandoned', reason: 'hung up in the queue', abandon: { phase: 'queue', waitedMs: 45_000 } })
    t.match(record.queue, { abandonedAt: WEDNESDAY_10 + 49_000 })
    t.same(statesOf(record).slice(-3), ['queued', 'ending', 'ended'])
    t.match((await s.metrics.callsAbandoned.get()).values, [{ labels: { phase: 'queue' }, value: 1 }])
    const waits = (await s.metrics.abandonWait.get()).values
    t.match(waits.find((v) => v.metricName === 'hotline_abandon_wait_seconds_sum'), { labels: { phase: 'queue' }, value: 45 })
    t.equal(await counter(s.metrics.callsQueued), 1)
    t.same(await inState(s.metrics), {}, 'no call left in any state')
  })

  await t.test('while an agent\'s phone rang: the agent is ready again', async (t) => {
    const s = await setUp(t)
    await s.queued(20_000)
    await s.ringing()
    s.clock.advance(3_000)
    s.sw.remoteHangup(CALLER_LEG)
    const record = await s.ended()
    t.match(record, { finalState: 'abandoned', abandon: { phase: 'ringing-agent', waitedMs: 23_000 } })
    t.equal(s.session.agentCall(), undefined, 'no agent holds the call any more')
  })

  await t.test('the menu ended by the hangup before its event: abandoned, not failed', async (t) => {
    // FreeSWITCH: the BYE ends play_and_get_digits; the next command is refused before the
    // hangup event arrives.
    const s = await setUp(t)
    s.keypad.failNext = new HotlineError('HC_CALL_GONE', 'leg caller-leg is not in progress')
    const record = await s.ended()
    t.match(record, { finalState: 'abandoned', endedBy: 'caller', abandon: { phase: 'ivr' } })
    t.equal(await ended(s.metrics, 'failed'), 0)
  })

  await t.test('while being answered: the answer refused, the hangup event after it', async (t) => {
    const s = await setUp(t, script, {
      answer: async (sw) => {
        await Promise.resolve()
        setImmediate(() => { sw.remoteHangup(CALLER_LEG) })
        throw new HotlineError('HC_CALL_GONE', 'uuid_answer caller-leg: -ERR No such channel!')
      }
    })
    const record = await s.ended()
    t.match(record, { finalState: 'abandoned', abandon: { phase: 'ivr', waitedMs: 0 } })
    t.same(statesOf(record), ['offered', 'answering', 'ending', 'ended'])
  })

  await t.test('as the answer completes: the flow does not start', async (t) => {
    const s = await setUp(t, script, {
      answer: async (sw) => {
        await Promise.resolve()
        sw.remoteHangup(CALLER_LEG)
      }
    })
    const record = await s.ended()
    t.match(record, { finalState: 'abandoned', abandon: { phase: 'ivr' } })
    t.same(s.keypad.asked, [], 'no menu for a caller who is gone')
  })
})

void t.test('the caller hangs up after reaching a person: served, whoever they were with', async (t) => {
  for (const where of ['with-agent', 'transferring', 'three-way', 'with-specialist'] as const) {
    await t.test(where, async (t) => {
      const s = await setUp(t)
      await s.queued()
      await s.ringing()
      const agentLeg = await s.withAgent()
      const legs = [agentLeg]
      if (where === 'transferring') {
        s.sw.behave({ [SPECIALIST]: 'ring' })
        await s.session.transfer('tax-invoice', { agentId: 'agent01' })
        await s.inState('transferring')
      } else if (where !== 'with-agent') {
        legs.push(await s.threeWay())
        if (where === 'with-specialist') {
          await s.session.leave({ agentId: 'agent01' })
          await s.inState('with-specialist')
        }
      }
      s.clock.advance(90_000)
      s.sw.remoteHangup(CALLER_LEG)
      const record = await s.ended()
      t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'caller' })
      t.notOk('abandon' in record, 'never abandoned')
      t.equal(statesOf(record).at(-3), where, `ended from ${where}`)
      for (const leg of legs) t.equal(s.sw.endings(leg), 1, `${leg} ended exactly once`)
      t.equal(await s.agentState(), 'wrap-up', 'the agent wraps up')
    })
  }
})

void t.test('the agent hangs up before being put through: back to the head of the queue, then served', async (t) => {
  const s = await setUp(t)
  await s.queued(10_000)
  await s.ringing()
  s.sw.onJoin('agent-leg-gone', () => new HotlineError('HC_CALL_GONE', 'leg agent-leg-gone ended'))
  s.clock.advance(2_000)
  s.acd.answer('agent01', 'agent-leg-gone')
  await eventually(() => s.acd.requests.length === 2 ? true : undefined, 'queued again')
  t.equal(s.session.state, 'queued')
  t.equal(s.acd.requests[1]?.enqueuedAt, WEDNESDAY_10 + 4_000, 'the first place is kept')
  await s.ringing('agent02')
  const leg = await s.withAgent('agent02')
  s.sw.remoteHangup(leg)
  await eventually(() => s.keypad.waiting === 'survey' ? true : undefined, 'the survey')
  s.keypad.key('2')
  const record = await s.ended()
  t.match(record, { finalState: 'completed', reason: 'served', queue: { agentId: 'agent02' } })
  t.same(statesOf(record).slice(3, 8), ['queued', 'ringing-agent', 'queued', 'ringing-agent', 'with-agent'])
})

void t.test('the controller cuts the call (drain deadline)', async (t) => {
  await t.test('in the queue: cut, not abandoned; the caller hung up by the controller', async (t) => {
    const s = await setUp(t)
    await s.queued(5_000)
    s.session.cancel('drain-deadline')
    const record = await s.ended()
    t.match(record, { finalState: 'cut', reason: 'drain-deadline', endedBy: 'controller' })
    t.notOk('abandon' in record)
    t.equal(s.sw.hangupsOf(CALLER_LEG), 1)
  })

  await t.test('with the agent: served, ended by the controller; the agent leg hung up once', async (t) => {
    const s = await setUp(t)
    await s.queued()
    await s.ringing()
    const agentLeg = await s.withAgent()
    s.session.cancel('drain-deadline')
    const record = await s.ended()
    t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'controller' })
    t.equal(s.sw.hangupsOf(agentLeg), 1)
    t.equal(s.sw.hangupsOf(CALLER_LEG), 1)
  })
})

void t.test('the switch ends the call (shutdown, restart): never blamed on the caller', async (t) => {
  await t.test('in the IVR: cut, switch-lost, nothing hung up again', async (t) => {
    const s = await setUp(t)
    await eventually(() => s.keypad.waiting === 'menu' ? true : undefined, 'the menu')
    s.switchEnds()
    const record = await s.ended()
    t.match(record, { finalState: 'cut', reason: 'switch-lost', endedBy: 'switch' })
    t.equal(s.sw.hangupsOf(CALLER_LEG), 0)
  })

  await t.test('in the three-way call: served, ended by the switch', async (t) => {
    const s = await setUp(t)
    await s.queued()
    await s.ringing()
    await s.withAgent()
    await s.threeWay()
    s.switchEnds()
    const record = await s.ended()
    t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'switch' })
  })

  await t.test('the connection lost under a command: cut, switch-lost', async (t) => {
    const s = await setUp(t)
    s.keypad.failNext = new HotlineError('HC_SWITCH_NOT_CONNECTED', 'ESL connection lost')
    const record = await s.ended()
    t.match(record, { finalState: 'cut', reason: 'switch-lost', endedBy: 'switch' })
  })
})

void t.test('the flow ends the call by design: completed with its reason', async (t) => {
  const s = await setUp(t)
  await s.queued(180_000)
  s.acd.overflow()
  const record = await s.ended()
  t.match(record, { finalState: 'completed', reason: 'ticket', endedBy: 'controller' })
  t.match(record.queue, { overflowAt: WEDNESDAY_10 + 184_000 })
  t.same(statesOf(record).slice(-4), ['queued', 'in-ivr', 'ending', 'ended'])
})

void t.test('a fault ends the call: failed with its code; a bug is flagged and counted, the process goes on', async (t) => {
  await t.test('a switch command refused', async (t) => {
    const s = await setUp(t)
    s.keypad.failNext = new HotlineError('HC_SWITCH_COMMAND', 'play_and_get_digits refused')
    const record = await s.ended()
    t.match(record, { finalState: 'failed', reason: 'HC_SWITCH_COMMAND', endedBy: 'controller' })
    t.equal(s.sw.hangupsOf(CALLER_LEG), 1, 'the caller is not left on the switch')
    t.equal((await s.metrics.unexpectedErrors.get()).values.length, 0)
  })

  await t.test('an error nothing expected (a bug in the flow)', async (t) => {
    const s = await setUp(t, async () => { throw new TypeError('undefined is not a function') })
    const record = await s.ended()
    t.match(record, { finalState: 'failed', reason: 'HC_INTERNAL' })
    const unexpected = (await s.metrics.unexpectedErrors.get()).values
    t.match(unexpected, [{ labels: { kind: 'call' }, value: 1 }])
  })

  await t.test('after the agent was reached: still served', async (t) => {
    let fail: (err: Error) => void = () => undefined
    const s = await setUp(t, async (ctx) => {
      await ctx.queue({ group: GROUP, maxWaitMs: 60_000, announceEveryMs: 30_000 })
      return await new Promise((_resolve, reject) => { fail = reject })
    })
    await s.inState('queued')
    await s.ringing()
    const agentLeg = await s.withAgent()
    s.sw.remoteHangup(agentLeg)
    await s.inState('in-ivr')
    fail(new HotlineError('HC_SWITCH_COMMAND', 'survey prompt refused'))
    const record = await s.ended()
    t.match(record, { finalState: 'completed', reason: 'served' })
  })
})

void t.test('a transfer asked for when the caller is not with an agent is refused with a reason', async (t) => {
  const s = await setUp(t)
  await s.queued()
  await t.rejects(s.session.transfer('tax-invoice', { agentId: 'agent01' }), { code: 'HC_TRANSFER_STATE', message: /queued/ })
  await t.rejects(s.session.leave({ agentId: 'agent01' }), { code: 'HC_TRANSFER_STATE' })
  t.same(s.sw.dials, [], 'nothing dialled')
})
