// A controller killed with SIGKILL while a caller talks with an agent, or while the agent's
// transfer hunts a department's numbers, on a switch that outlives it (the standalone
// simulator) and a Redis store. Started again under the same CONTROLLER_ID it finds the legs
// by their tags and the call in the store, and the call goes on: the agent is reattached (and
// can still transfer), the hunt carries on from the number it was dialling, and the call ends
// once, served, with the take-over in its record. Nothing is left on the switch.
// One file per protocol (test/scenarios/controller-takeover-*.test.ts): each run is long.
import type { Test } from 'tap'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import type { TransferRecord } from '../../src/domain/transfer-record.js'
import type { Protocol } from './controller.js'
import { type ControllerProcess, type SimProcess, startControllerProcess, startSimProcess } from './processes.js'
import { startRedis } from './redis.js'
import { eventually } from './sim.js'

const PASSWORD = 'takeover-secret-0123'
const AGENT = 'takeover-agent01-token-0123'
/** A working Wednesday: the enterprise seat is open. */
const WORKING = '2025-03-12T10:00:00+08:00'
/** Welcome, priority 1 (handling), category 1 (税务), matter 1 (发票领用): to the queue. */
const TO_QUEUE = '9500:1,12500:1,15500:1'
/** The API allows 600 requests a minute per token. */
const API_POLL_MS = 200

interface PlacedCall { id: string, answerState: string, heard: string[], ended?: { cause: string, side: string } }
type Json = Record<string, unknown>

type Start = (controllerId?: string) => Promise<ControllerProcess>

async function line (t: Test, protocol: string, simArgs: string[], appOf: (controllerId: string) => string = () => 'hotline', extraEnv: Record<string, string> = {}): Promise<{ sim: SimProcess, start: Start, store: RedisStore }> {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const sim = await startSimProcess(t, ['--protocol', protocol, '--port', '0', '--password', PASSWORD, '--calls-per-hour', '0', ...simArgs])
  const env: Record<string, string> = {
    ...(protocol === 'esl'
      ? { SWITCH_KIND: 'freeswitch', ESL_HOST: '127.0.0.1', ESL_PORT: String(sim.port), ESL_PASSWORD: PASSWORD }
      : { SWITCH_KIND: 'asterisk', ARI_URL: `http://127.0.0.1:${sim.port}`, ARI_PASSWORD: PASSWORD }),
    STORE_KIND: 'redis', REDIS_URL: redis.url, API_TOKENS: `${AGENT}:agent:agent01`,
    // Peers notice a dead controller within this (6 s in production).
    LEASE_TTL_MS: '2000',
    ...extraEnv
  }
  const store = new RedisStore({ url: redis.url, onError: () => {} })
  t.teardown(() => store.close())
  // Every controller started lives on the same working Wednesday, from where the last one was.
  const began = Date.now()
  const start: Start = async (controllerId = 'ctl-takeover') => await startControllerProcess(t, {
    ...env,
    CONTROLLER_ID: controllerId,
    ...(protocol === 'ari' ? { ARI_APP: appOf(controllerId) } : {}),
    CLOCK_START: new Date(Date.parse(WORKING) + Date.now() - began).toISOString()
  })
  return { sim, start, store }
}

/**
 * The agent logged in ready, a caller keyed to the queue, and the agent's call id once they
 * talk, with the controller that runs the call (of those given: each is offered every call).
 */
async function callWithAgent (sim: SimProcess, ...controllers: ControllerProcess[]): Promise<{ placed: string, callId: string, owner: ControllerProcess }> {
  const [first] = controllers
  if (first === undefined) throw new Error('no controller')
  const login = await first.api('POST', '/api/agents/agent01/login', AGENT, { ready: true })
  if (login.status !== 200) throw new Error(`login: ${login.status}`)
  const placed = await sim.control<{ id: string }>('POST', `/calls?from=13800000082&keys=${TO_QUEUE}`)
  return await eventually(async () => {
    for (const ctl of controllers) {
      const res = await ctl.api<{ callId?: string, answeredAt?: number }>('GET', '/api/agents/agent01/call', AGENT)
      if (res.status !== 200 || res.body.answeredAt === undefined || res.body.callId === undefined) continue
      // Answered comes a moment before both are in the room: only then can the agent transfer.
      if ((await view(ctl, res.body.callId))?.state === 'with-agent') return { placed: placed.body.id, callId: res.body.callId, owner: ctl }
    }
    return undefined
  }, 'the agent talking with the caller', 60_000, API_POLL_MS * controllers.length)
}

async function view (ctl: ControllerProcess, callId: string): Promise<Json | undefined> {
  const res = await ctl.api<Json>('GET', `/api/calls/${callId}`, AGENT)
  return res.status === 200 ? res.body : undefined
}

/** The controllers' last log lines, when the test fails. */
function logsOnFailure (t: Test, controllers: ControllerProcess[]): void {
  t.teardown(() => {
    if (!t.passing()) t.comment(controllers.map((c, i) => `controller ${i + 1}:\n${c.lines.slice(-80).map((l) => JSON.stringify(l)).join('\n')}`).join('\n'))
  })
}

async function killed (t: Test, ctl: ControllerProcess): Promise<void> {
  ctl.child.kill('SIGKILL')
  t.equal(await ctl.exited, 'SIGKILL')
}

/** Both scenarios on one protocol, as subtests of `t`. */
export function takeoverScenarios (t: Test, protocol: Protocol): void {
  void t.test(`${protocol}: killed mid-conversation, restarted: the agent reattached, can still transfer; served once`, async (t) => {
    const { sim, start, store } = await line(t, protocol, ['--answer', 'default=1'])
    const first = await start()
    const { placed, callId } = await callWithAgent(sim, first)
    await killed(t, first)
    const caller = async (): Promise<PlacedCall> => (await sim.control<PlacedCall>('GET', `/calls/${placed}`)).body
    t.equal((await caller()).ended, undefined, 'the caller still on the line')

    const second = await start()
    logsOnFailure(t, [first, second])
    const taken = await eventually(async () => { const v = await view(second, callId); return v?.state === 'with-agent' && (v.agent as Json | undefined)?.present === true ? v : undefined }, 'the call with the agent again', 20_000, API_POLL_MS)
    t.match(taken, { agent: { id: 'agent01', present: true } }, 'the agent reattached')
    t.ok(second.lines.some((l) => l.msg === 'taking over a call left by a stopped controller' && l.callId === callId))
    t.equal((await caller()).ended, undefined, 'the caller was never hung up')

    const asked = await second.api<Json>('POST', `/api/calls/${callId}/transfer`, AGENT, { matterId: 'tax-invoice' })
    t.equal(asked.status, 202, 'the reattached agent transfers the call')
    await eventually(async () => (await view(second, callId))?.state === 'three-way' ? true : undefined, 'the specialist in the call', 40_000, API_POLL_MS)
    t.equal((await second.api('POST', `/api/calls/${callId}/leave`, AGENT, {})).status, 200, 'the agent leaves')
    t.equal((await sim.control('POST', `/calls/${placed}/hangup`)).status, 200)

    const record = await eventually(async () => { const r = await store.getCall(callId); return r?.finalState === undefined ? undefined : r }, 'the call ends', 20_000)
    t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'caller', controllerId: 'ctl-takeover' })
    t.match(record.takenOver, [{ from: 'ctl-takeover', by: 'ctl-takeover' }], 'the take-over recorded')
    await eventually(async () => { const s = await sim.status(); return s.channels === 0 && s.conferences === 0 ? true : undefined }, 'nothing left on the switch', 15_000)
    t.same((await store.listCalls({ active: true, limit: 10 })).map((r) => r.callId), [], 'no record left in progress')
  })

  void t.test(`${protocol}: killed mid-hunt, restarted: the hunt goes on from the number it was dialling`, async (t) => {
    // Nobody at the tax bureau answers: busy or ringing out, so the hunt is long enough to be cut.
    const { sim, start, store } = await line(t, protocol, ['--answer', 'default=0', '--seed', '7'])
    const first = await start()
    const { placed, callId } = await callWithAgent(sim, first)
    t.equal((await first.api('POST', `/api/calls/${callId}/transfer`, AGENT, { matterId: 'tax-invoice' })).status, 202)
    await eventually(() => first.lines.some((l) => l.msg === 'transfer: dialling') ? true : undefined, 'the hunt dialling', 20_000)
    await killed(t, first)

    const second = await start()
    logsOnFailure(t, [first, second])
    const ended = await eventually(async () => {
      const v = await view(second, callId) as { transfers?: TransferRecord[] } | undefined
      const last = v?.transfers?.at(-1)
      return last !== undefined && last.state !== 'hunting' ? last : undefined
    }, 'the hunt over', 90_000, API_POLL_MS)
    t.match(ended, { state: 'all-failed' }, 'nobody answered: the department\'s failure, with its ticket')
    t.ok(ended.ticketId, 'a transfer-failed ticket raised')
    const counted = ended.attempts.filter((a) => a.outcome !== 'lost').map((a) => a.index)
    t.same(counted, [0, 1, 2], 'each number counted once, in order')
    t.ok(ended.attempts.every((a, i) => i === 0 || a.index >= (ended.attempts[i - 1]?.index ?? 0)), 'never back up the list')
    await eventually(async () => (await view(second, callId))?.state === 'with-agent' ? true : undefined, 'the caller back with the agent', 30_000, API_POLL_MS)
    const lastOf = (msg: string): number => first.lines.findLastIndex((l) => l.msg === msg)
    const lost = ended.attempts.filter((a) => a.outcome === 'lost')
    t.ok(lost.length <= 1, 'at most the one dial cut by the kill is lost')
    if (lastOf('transfer: dialling') > lastOf('transfer: not answered')) {
      // Killed with a dial under way: recorded lost if its leg was still there to hang up (it may
      // have ended, unheard, an instant before the kill); either way that number is dialled again.
      const cut = first.lines[lastOf('transfer: dialling')]?.index
      t.ok(lost.every((a) => a.index === cut), 'only the dial cut by the kill is recorded lost')
      t.ok(ended.attempts.some((a) => a.index === cut && a.outcome !== 'lost'), 'the number being dialled at the kill is dialled again')
    } else {
      t.same(lost, [], 'no dial under way at the kill: none lost')
    }
    t.equal((await sim.control('POST', `/calls/${placed}/hangup`)).status, 200)
    const record = await eventually(async () => { const r = await store.getCall(callId); return r?.finalState === undefined ? undefined : r }, 'the call ends', 20_000)
    t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'caller' })
    const stored = await store.getTransfer(ended.id)
    t.match(stored, { state: 'all-failed' }, 'the stored transfer ended once')
    await eventually(async () => { const s = await sim.status(); return s.channels === 0 && s.conferences === 0 ? true : undefined }, 'nothing left on the switch', 15_000)
  })
}

/**
 * Two controllers on one switch and one Redis, the one running a call killed mid-conversation
 * and not started again: its lease lapses and the other takes the call over (the agent
 * reattached, still able to transfer), and the call ends once, served, in the survivor's name.
 */
export function peerTakeoverScenario (t: Test, protocol: Protocol): void {
  void t.test(`${protocol}: a controller killed mid-conversation, never restarted: its peer takes the call over; served once`, async (t) => {
    // On Asterisk each controller has its application; the dialplan hands calls to them in turn.
    const apps = protocol === 'ari' ? ['--apps', 'hotline-ctl-a,hotline-ctl-b'] : []
    const { sim, start, store } = await line(t, protocol, ['--answer', 'default=1', ...apps], (id) => `hotline-${id}`)
    const [a, b] = await Promise.all([start('ctl-a'), start('ctl-b')])
    const { placed, callId, owner } = await callWithAgent(sim, a, b)
    const survivor = owner === a ? b : a
    const deadId = owner === a ? 'ctl-a' : 'ctl-b'
    const survivorId = owner === a ? 'ctl-b' : 'ctl-a'
    logsOnFailure(t, [owner, survivor])
    await killed(t, owner)
    const caller = async (): Promise<PlacedCall> => (await sim.control<PlacedCall>('GET', `/calls/${placed}`)).body

    const taken = await eventually(async () => { const v = await view(survivor, callId); return v?.state === 'with-agent' && (v.agent as Json | undefined)?.present === true ? v : undefined }, 'the call with the agent on the peer', 30_000, API_POLL_MS)
    t.match(taken, { agent: { id: 'agent01', present: true } }, 'the agent reattached by the peer')
    t.ok(survivor.lines.some((l) => l.msg === 'a peer\'s lease lapsed: taking its calls over' && l.deadController === deadId), 'the lapse seen')
    t.equal((await caller()).ended, undefined, 'the caller was never hung up')

    t.equal((await survivor.api('POST', `/api/calls/${callId}/transfer`, AGENT, { matterId: 'tax-invoice' })).status, 202, 'the agent transfers through the peer')
    await eventually(async () => (await view(survivor, callId))?.state === 'three-way' ? true : undefined, 'the specialist in the call', 40_000, API_POLL_MS)
    t.equal((await survivor.api('POST', `/api/calls/${callId}/leave`, AGENT, {})).status, 200, 'the agent leaves')
    t.equal((await sim.control('POST', `/calls/${placed}/hangup`)).status, 200)

    const record = await eventually(async () => { const r = await store.getCall(callId); return r?.finalState === undefined ? undefined : r }, 'the call ends', 20_000)
    t.match(record, { finalState: 'completed', reason: 'served', endedBy: 'caller', controllerId: survivorId })
    t.match(record.takenOver, [{ from: deadId, by: survivorId }], 'the takeover recorded')
    t.ok((record.fence ?? 0) > 0, 'written with the peer\'s fencing token')
    await eventually(async () => { const s = await sim.status(); return s.channels === 0 && s.conferences === 0 ? true : undefined }, 'nothing left on the switch', 15_000)
    t.same((await store.listCalls({ active: true, limit: 10 })).map((r) => r.callId), [], 'no record left in progress')
  })
}

/**
 * A controller killed for good, alone (no peer to take its calls): a caller in the IVR is not
 * left in silence — once the safety net's time passes with nobody re-arming it, the switch
 * itself plays the apology and hangs up — while a caller talking with an agent carries no net
 * and talks on.
 */
export function safetyNetScenario (t: Test, protocol: Protocol): void {
  void t.test(`${protocol}: killed for good: the switch tells the caller in the IVR and hangs up; the caller with the agent talks on`, async (t) => {
    const NET_SEC = 3
    const { sim, start } = await line(t, protocol, ['--answer', 'default=1'], undefined, { SAFETY_NET_SEC: String(NET_SEC) })
    const first = await start()
    logsOnFailure(t, [first])
    const { placed: talking } = await callWithAgent(sim, first)
    const ivr = (await sim.control<{ id: string }>('POST', '/calls?from=13800000083')).body.id
    const caller = async (id: string): Promise<PlacedCall> => (await sim.control<PlacedCall>('GET', `/calls/${id}`)).body
    await eventually(async () => (await caller(ivr)).heard.includes('welcome') ? true : undefined, 'the second caller in the IVR', 20_000)
    await killed(t, first)
    const killedAt = Date.now()

    const ended = await eventually(async () => { const c = await caller(ivr); return c.ended === undefined ? undefined : c }, 'the switch ends the caller in the IVR', 20_000)
    const after = Date.now() - killedAt
    t.equal(ended.heard.at(-1), 'service-interrupted', 'the apology, from the switch')
    t.match(ended.ended, { side: 'switch' }, 'hung up by the switch')
    t.ok(after <= (NET_SEC + 2) * 1000, `within the net's ${NET_SEC} s (${after} ms after the kill)`)
    // Its net, had it one, was armed no later than the IVR caller's: it would have fired by now.
    const served = await caller(talking)
    t.equal(served.ended, undefined, 'the caller with the agent is still on the line')
    t.notOk(served.heard.includes('service-interrupted'), 'and heard no apology')
    t.match(await sim.status(), { channels: 2, conferences: 1 }, 'the caller and the agent still in their room')
    t.equal((await sim.control('POST', `/calls/${talking}/hangup`)).status, 200)
  })
}
