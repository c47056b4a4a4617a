// Whole calls through the enterprise-seat flow, on both switches, over the simulated switch:
// menus with invalid and missing input, working time against after hours (a make-up Saturday,
// a holiday weekday, 17:30), the queue with no ready agent and then one, an agent who does
// not answer, a caller who hangs up in the queue — and the day's call figures after each
// served, by-design and abandoned call.
import t from 'tap'
import type { SimCallHandle } from '../../src/adapters/sim/model-types.js'
import { callDay, callFigures } from '../../src/domain/call-figures.js'
import type { LiveSnapshot } from '../../src/features/live/schema.js'
import { PROTOCOLS, type TestController, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const WORKING = '2025-03-12T10:00:00+08:00' // a Wednesday
const MAKE_UP_SATURDAY = '2026-02-14T10:00:00+08:00' // 调休: a working day
const HOLIDAY_THURSDAY = '2026-10-01T10:00:00+08:00' // National Day
const CLOSING = '2025-03-12T17:30:00+08:00' // working hours end at 17:30
const AGENT_TOKEN = 'agent01-token-0123456789'
const TOKENS = `${AGENT_TOKEN}:agent:agent01,supervisor-token-0123456789:supervisor`

/** Waits until the caller has heard `prompt` `times` times, then keys `digits` (if any). */
async function at (caller: SimCallHandle, prompt: string, digits?: string, times = 1, timeoutMs = 15_000): Promise<void> {
  await eventually(() => sounds(caller.heard).filter((p) => p === prompt).length >= times ? true : undefined,
    `${prompt} ×${times}`, timeoutMs)
  if (digits !== undefined) caller.sendDtmf(digits)
}

async function record (c: TestController, caller: SimCallHandle) {
  const summary = await eventually(() => c.controller.calls.recent().find((s) => s.legId === caller.channel.id), 'call end', 15_000)
  const stored = await c.controller.store.getCall(summary.callId)
  if (stored === undefined) throw new Error('no call record')
  return stored
}

/** The day's call figures the store holds for the day the call was offered on. */
async function dayFigures (c: TestController, startedAt: number) {
  return callFigures(await c.controller.store.callCounts([callDay(startedAt)]))
}

/** The figures of a day with no calls: the base each whole call below adds to. */
const NO_CALLS = {
  offered: 0, completed: 0, served: 0, completedByDesign: 0, abandoned: { total: 0, ivr: 0, queue: 0, ringingAgent: 0 },
  refused: 0, cut: 0, cutReasons: { drainDeadline: 0, switchLost: 0, shutdown: 0, controllerRestarted: 0 }, failed: 0, queued: 0,
  queueAbandonRate: null, queueAbandonAvgWaitMs: null, addsUp: true
}

const agentLeg = (c: TestController, extension: string) =>
  c.sim.model.channels().find((ch) => ch.direction === 'outbound' && ch.destination === extension && ch.answerState === 'answered')

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: working time: priority, matter, an agent after waiting, the survey`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: WORKING }, env: { API_TOKENS: TOKENS } })
    c.sim.model.registerPhone('8001', { kind: 'answer', afterMs: 200 })
    const caller = c.sim.model.placeCall({ from: '13812345678', to: '12345' })
    await at(caller, 'priority-menu', '1') // 办事
    await at(caller, 'category-menu', '1') // 税务
    await at(caller, 'matter-menu-tax', '1') // 发票领用
    await at(caller, 'queue-position-1') // nobody ready yet: the caller waits, first in line

    const ivr = c.controller.ivr!
    t.match(await ivr.agents.login('agent01', { ready: true }), { ok: true })
    const leg = await eventually(() => agentLeg(c, '8001'), 'agent answered')
    await eventually(() => leg.conference !== undefined && caller.channel.conference?.room === leg.conference.room ? true : undefined, 'caller and agent in one room')

    const seen = await c.controller.app.inject({ url: '/api/agents/agent01/call', headers: { authorization: `Bearer ${AGENT_TOKEN}` } })
    t.equal(seen.statusCode, 200)
    t.match(seen.json(), { choices: { priority: 'handling', category: '税务', matter: 'tax-invoice' } }, 'the agent sees the IVR choices')
    t.notOk(seen.body.includes('13812345678'), 'but never the full caller number')
    t.equal((await c.controller.app.inject({ url: '/api/agents/agent01/call' })).statusCode, 401, 'the API needs a token')

    c.sim.model.hangup(leg.id, 'NORMAL_CLEARING', 'remote') // the agent finishes the conversation
    await at(caller, 'survey', '1')
    await caller.ended
    t.same(sounds(caller.heard).slice(-2), ['survey', 'goodbye'])
    const rec = await record(c, caller)
    t.match(rec, {
      finalState: 'completed',
      reason: 'served',
      flowId: 'enterprise-seat',
      caller: '138****5678',
      choices: { priority: 'handling', category: '税务', matter: 'tax-invoice', satisfaction: 'satisfied' },
      queue: { group: 'enterprise-seat', agentId: 'agent01' }
    })
    t.ok(rec.queue?.servedAt !== undefined && rec.queue.servedAt >= rec.queue.enqueuedAt)
    t.match(rec.path, ['welcome', 'priority-menu', 'priority-route', 'category-menu', 'matter-menu-tax', 'hours',
      'connecting', 'enterprise-queue', 'survey', 'goodbye-served'])
    await eventually(async () => (await c.controller.store.getAgent('agent01'))?.state === 'wrap-up' ? true : undefined, 'agent wraps up')

    // The day's figures, counted before the call's end was reported: offered +1, served +1,
    // queued +1, nobody abandoned of 1 queued (0).
    t.equal(callDay(rec.startedAt), '2025-03-12', 'counted on the day the controller lives on')
    const served = { ...NO_CALLS, offered: 1, completed: 1, served: 1, queued: 1, queueAbandonRate: 0 }
    t.strictSame(await dayFigures(c, rec.startedAt), served)
    const live = await c.controller.app.inject({ url: '/api/live/snapshot', headers: { authorization: 'Bearer supervisor-token-0123456789' } })
    t.strictSame(live.json<LiveSnapshot>().callsToday, { day: '2025-03-12', ...served }, 'the dashboard shows the same figures')
  })

  void t.test(`${protocol}: a wrong key is invalid, then a good one goes on`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: WORKING } })
    const caller = c.sim.model.placeCall({ from: '13812340001', to: '12345' })
    await at(caller, 'priority-menu', '7')
    await at(caller, 'invalid-input')
    await at(caller, 'priority-menu', '4', 2) // other enquiries
    await at(caller, 'to-ordinary')
    await at(caller, 'queue-position-1') // the ordinary 12345 queue
    caller.hangup()
    const rec = await record(c, caller)
    t.match(rec, { finalState: 'abandoned', choices: { priority: 'second' }, queue: { group: 'ordinary' } })
    t.match(rec.path, ['welcome', 'priority-menu', 'priority-route', 'to-ordinary', 'ordinary-queue'])
  })

  void t.test(`${protocol}: no input at all: retries, then the menu's fallback`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: WORKING } })
    const caller = c.sim.model.placeCall({ from: '13812340002', to: '12345' })
    // Priority menu: no input three times → onFail. (Over ARI the adapter times keys itself,
    // in real time: three 6 s waits.)
    await at(caller, 'to-ordinary', undefined, 1, 40_000)
    t.equal(sounds(caller.heard).filter((p) => p === 'priority-menu').length, 3, 'the menu and its two retries')
    t.equal(sounds(caller.heard).filter((p) => p === 'no-input').length, 3, 'no-input after each silence')
    caller.hangup()
    const rec = await record(c, caller)
    t.notOk('priority' in rec.choices, 'no priority was chosen')
  })

  const afterHours: Array<[string, string]> = [[HOLIDAY_THURSDAY, 'a holiday Thursday'], [CLOSING, '17:30 on a working day']]
  for (const [when, what] of afterHours) {
    void t.test(`${protocol}: ${what}: after-hours path, next-urgent ticket requested with the choices`, async (t) => {
      const c = await startTestController(t, protocol, { ivr: { at: when } })
      const caller = c.sim.model.placeCall({ from: '13812340003', to: '12345' })
      await at(caller, 'priority-menu', '2') // 求助
      await at(caller, 'category-menu', '5') // 公积金
      await at(caller, 'matter-menu-housing-fund', '0') // no particular matter
      await at(caller, 'callback-confirm', '1') // the caller ID, read back, is the number to call
      await caller.ended
      t.same(sounds(caller.heard).slice(-9), ['after-hours', 'callback-caller-id', 'digit-0', 'digit-0', 'digit-0', 'digit-3',
        'callback-confirm', 'ticket-registered', 'goodbye'], 'the last four digits of 13812340003 read back')
      const rec = await record(c, caller)
      t.match(rec, {
        finalState: 'completed', reason: 'ticket', choices: { priority: 'help', category: '公积金', ticket: 'next-urgent', callback: 'caller-id' }
      })
      t.notOk(rec.path.includes('enterprise-queue'), 'no agent outside working hours')
      // Ended by the flow as designed: offered +1, completed by design +1, never queued.
      t.strictSame(await dayFigures(c, rec.startedAt), { ...NO_CALLS, offered: 1, completed: 1, completedByDesign: 1 })
    })
  }

  void t.test(`${protocol}: a make-up Saturday is a working day: to the agents`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: MAKE_UP_SATURDAY } })
    const caller = c.sim.model.placeCall({ from: '13812340004', to: '12345' })
    await at(caller, 'priority-menu', '3') // 热点政策
    await at(caller, 'category-menu', '0')
    await at(caller, 'connecting')
    await at(caller, 'queue-position-1')
    caller.hangup() // gives up in the queue
    const rec = await record(c, caller)
    t.match(rec, { finalState: 'abandoned', choices: { priority: 'hot-policy' }, queue: { group: 'enterprise-seat' } })
    t.ok(rec.queue?.abandonedAt !== undefined, 'the visit says the caller gave up')
    // The day's figures: offered +1, abandoned in the queue +1 of 1 queued (rate 1), the
    // average wait that caller's own.
    t.match(rec, { abandon: { phase: 'queue' } })
    t.strictSame(await dayFigures(c, rec.startedAt), {
      ...NO_CALLS,
      offered: 1,
      abandoned: { total: 1, ivr: 0, queue: 1, ringingAgent: 0 },
      queued: 1,
      queueAbandonRate: 1,
      queueAbandonAvgWaitMs: Math.round(rec.abandon?.waitedMs ?? -1)
    })
    t.equal(await c.controller.store.queueLength('enterprise-seat', Date.parse(MAKE_UP_SATURDAY) + 60_000), 0, 'the queue is empty')
  })

  void t.test(`${protocol}: an agent who does not answer is set not ready; the next one takes the call`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: WORKING } })
    c.sim.model.registerPhone('8001', { kind: 'no-answer' })
    c.sim.model.registerPhone('8002', { kind: 'answer', afterMs: 100 })
    const ivr = c.controller.ivr!
    await ivr.agents.login('agent01', { ready: true }) // longest idle: offered first
    await ivr.agents.login('agent02', { ready: true })
    const caller = c.sim.model.placeCall({ from: '13812340005', to: '12345' })
    await at(caller, 'priority-menu', '1')
    await at(caller, 'category-menu', '0')
    const leg = await eventually(() => agentLeg(c, '8002'), 'the second agent answered', 15_000)
    t.match(await c.controller.store.getAgent('agent01'), { state: 'not-ready', reason: 'no-answer' })
    await eventually(() => leg.conference !== undefined ? true : undefined, 'agent connected to the caller')
    // The switch reports the answer first; the agent's state follows once the controller hears it.
    await eventually(async () => (await c.controller.store.getAgent('agent02'))?.state === 'on-call' ? true : undefined, 'agent02 on the call')
    c.sim.model.hangup(leg.id, 'NORMAL_CLEARING', 'remote')
    await at(caller, 'survey')
    caller.hangup()
    t.match(await record(c, caller), { queue: { agentId: 'agent02' } })
  })
}
