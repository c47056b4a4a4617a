// Two controllers on one FreeSWITCH (each is offered every call) when the store fails one's
// claims: the other runs the call, and the one that could not claim leaves it alone instead of
// refusing a call its peer is serving (seen under a Redis failover: the caller was hung up and
// the served call recorded twice). With the store away for both, the call is refused once:
// one record, counted once.
import t from 'tap'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { callIdOf } from '../../src/calls/call-id.js'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import { callDay } from '../../src/domain/call-figures.js'
import { HotlineError } from '../../src/errors.js'
import type { Store } from '../../src/ports/store.js'
import { sounds, startTestController } from '../helpers/controller.js'
import { SHIPPED_INSTALL } from '../helpers/install.js'
import { eventually } from '../helpers/sim.js'

const WORKING = '2025-03-12T10:00:00+08:00'

/** `store` as one controller sees it: every claim fails (its link to Redis is down, or its reply lost). */
function claimsFail (store: MemoryStore, seen: { claims: number }): Store {
  return new Proxy(store, {
    get (target, prop, receiver) {
      if (prop === 'claimCall') {
        return async () => {
          seen.claims += 1
          throw new HotlineError('HC_STORE', 'redis store: claimCall failed: Command timed out')
        }
      }
      const value: unknown = Reflect.get(target, prop, receiver)
      // The store's methods use its private fields: they run on the store itself.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

async function pair (t: Parameters<typeof startTestController>[0], failing: 'one' | 'both'): Promise<{ model: SimSwitch, store: MemoryStore, seen: { claims: number }, lines: () => Array<Record<string, unknown>> }> {
  const store = new MemoryStore()
  const seen = { claims: 0 }
  const model = new SimSwitch({ timeScale: 0.05, install: SHIPPED_INSTALL })
  t.teardown(() => { model.close() })
  const a = await startTestController(t, 'esl', { ivr: { at: WORKING }, store: failing === 'both' ? claimsFail(store, seen) : store, model })
  const b = await startTestController(t, 'esl', { ivr: { at: WORKING }, store: claimsFail(store, seen), model })
  return { model, store, seen, lines: () => [...a.lines, ...b.lines] as Array<Record<string, unknown>> }
}

void t.test('a peer could not claim the call: it leaves it to the controller that runs it', async (t) => {
  const { model, store, seen, lines } = await pair(t, 'one')
  const caller = model.placeCall({ from: '13800000061', to: '12345' })
  await eventually(() => sounds(caller.heard).includes('priority-menu') ? true : undefined, 'the caller in the menus')
  await eventually(() => lines().some((l) => l.msg === 'cannot claim the call (store unavailable), but a peer runs it: left to it') ? true : undefined, 'ctl-b gave up on it')
  t.equal(seen.claims, 5, 'ctl-b tried its claim five times')
  t.equal(caller.channel.answerState, 'answered', 'the caller still on the line')
  t.notOk(lines().some((l) => l.msg === 'call refused'), 'nobody refused it')
  caller.hangup()
  await caller.ended
  const records = await eventually(async () => {
    const all = (await store.listCalls({})).filter((r) => r.legId === caller.channel.id)
    return all.length === 1 && all[0]?.finalState !== undefined ? all : undefined
  }, 'the call ended')
  t.match(records, [{ finalState: 'abandoned', endedBy: 'caller' }], 'one record, truthful: the caller hung up')
})

void t.test('the store away for both: refused once, one record, counted once', async (t) => {
  const { model, store, lines } = await pair(t, 'both')
  const caller = model.placeCall({ from: '13800000062', to: '12345' })
  const ended = await caller.ended
  t.equal(ended.cause, 'USER_BUSY', 'refused busy')
  await eventually(() => lines().filter((l) => l.msg === 'call refused').length === 2 ? true : undefined, 'both refused it')
  const id = callIdOf(caller.channel.id)
  t.ok(lines().filter((l) => l.msg === 'call refused').every((l) => l.callId === id), 'under one call id made from the leg')
  const record = await eventually(async () => await store.getCall(id), 'the refusal stored')
  t.match(record, { legId: caller.channel.id, finalState: 'refused', reason: 'store unavailable' })
  t.equal((await store.listCalls({})).length, 1, 'one record')
  await eventually(async () => (await store.callCounts([callDay(record.startedAt)])).refused === 1 ? true : undefined, 'counted')
  t.strictSame(await store.callCounts([callDay(record.startedAt)]), { offered: 1, refused: 1 }, 'counted once')
})
