// The safety net's bookkeeping, over a recording switch: a caller's leg is armed from its tag,
// the net comes off before it joins a room and goes back on when it leaves, re-arms skip legs in
// a room, a disarm never overtakes an arm in flight, a leg found in a room is never armed, and
// a hangup ends it all.
import t from 'tap'
import pino from 'pino'
import { SafetyNet } from '../../src/adapters/safety-net.js'
import type { LegListener } from '../../src/ports/switch.js'

function recorder (): { net: SafetyNet, log: string[], hangup: (legId: string) => void, gate: { hold: boolean, release: () => void } } {
  const log: string[] = []
  const listeners = new Map<string, LegListener>()
  let release: () => void = () => {}
  const gate = { hold: false, release: () => { release() } }
  const net = new SafetyNet({
    seconds: 30,
    ops: {
      arm: async (legId, seconds) => {
        if (gate.hold) await new Promise<void>((resolve) => { release = resolve })
        log.push(`arm ${legId} ${seconds}`)
      },
      disarm: async (legId) => { log.push(`disarm ${legId}`) },
      forget: (legId) => { log.push(`forget ${legId}`) }
    },
    listen: (legId, listener) => { listeners.set(legId, listener); return () => { listeners.delete(legId) } },
    log: pino({ level: 'silent' })
  })
  const hangup = (legId: string): void => { listeners.get(legId)?.({ type: 'hangup', cause: 'remote-hangup', vendor: { text: 'NORMAL_CLEARING' }, at: 0 }) }
  return { net, log, hangup, gate }
}

void t.test('armed from the tag, off in a room, on again out of it, re-armed while out', async (t) => {
  const { net, log, hangup } = recorder()
  await net.caller('a')
  await net.caller('a')
  t.same(log, ['arm a 30'], 'armed once, when tagged')
  await net.enteringRoom('a')
  await net.rearm()
  t.same(log, ['arm a 30', 'disarm a'], 'off before the join; not re-armed in the room')
  t.same(net.armed(), [])
  await net.leftRoom('a')
  await net.rearm()
  t.same(log.slice(2), ['arm a 30', 'arm a 30'], 'on again once out, and re-armed')
  t.same(net.armed(), ['a'])
  hangup('a')
  await net.rearm()
  t.same(log.slice(4), ['forget a'], 'a leg gone is forgotten, never armed again')
  await net.enteringRoom('b')
  await net.leftRoom('b')
  t.equal(log.length, 5, 'an agent\'s or specialist\'s leg is never armed')
})

void t.test('a disarm waits for the arm in flight; a leg still re-arming is not asked twice', async (t) => {
  const { net, log, gate } = recorder()
  await net.caller('a')
  gate.hold = true
  const round = net.rearm()
  await new Promise((resolve) => setImmediate(resolve))
  const again = net.rearm()
  const joining = net.enteringRoom('a')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(log, ['arm a 30'], 'the re-arm is in flight, held (Asterisk: a prompt is playing)')
  gate.release()
  await Promise.all([round, again, joining])
  t.same(log, ['arm a 30', 'arm a 30', 'disarm a'], 'one re-arm, then the disarm after it')
})

void t.test('a caller found in a room (a call left by a controller that stopped) is not armed when claimed', async (t) => {
  const { net, log } = recorder()
  net.found([
    { legId: 'in-room', tag: { controllerId: 'c', callId: '1' }, direction: 'inbound', answered: true, room: 'r1' },
    { legId: 'out', tag: { controllerId: 'c', callId: '2' }, direction: 'inbound', answered: true }
  ])
  await net.caller('in-room')
  await net.caller('out')
  t.same(log, ['arm out 30'])
  await net.leftRoom('in-room')
  t.same(log, ['arm out 30', 'arm in-room 30'], 'armed once it leaves the room')
})

void t.test('no net when its time is 0', async (t) => {
  const net = new SafetyNet({ seconds: 0, ops: { arm: async () => { t.fail('armed') }, disarm: async () => {} }, listen: () => () => {}, log: pino({ level: 'silent' }) })
  t.notOk(net.enabled)
  await net.caller('a')
  await net.leftRoom('a')
  t.same(net.armed(), [])
})
