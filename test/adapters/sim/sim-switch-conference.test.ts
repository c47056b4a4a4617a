// Conferences: creation on first join, member ids, leaving, and the order of events when
// members hang up (test/fixtures/captures/freeswitch-1.11.1/07_conference, 08_uuid_kill).
import t from 'tap'
import type { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import type { ModelEvent, SimCallHandle } from '../../../src/adapters/sim/model-types.js'
import { fastSwitch, isType, next, record } from './sim-events.js'

async function answeredCall (sim: SimSwitch, from: string): Promise<SimCallHandle> {
  const call = sim.placeCall({ from, to: '12345' })
  await next(sim, isType('channel-parked', call.channel.id))
  await sim.answer(call.channel.id)
  return call
}

function describe (event: ModelEvent): string {
  switch (event.type) {
    case 'conference-created':
    case 'conference-destroyed':
      return `${event.type} ${event.conference.room}`
    case 'conference-member-added':
    case 'conference-member-removed':
      return `${event.type} ${event.channel.callerIdNumber}#${event.memberId}`
    default:
      return `${event.type} ${event.channel.callerIdNumber}`
  }
}

void t.test('the first join creates the conference; member ids count from 1', async (t) => {
  const sim = fastSwitch(t)
  const a = await answeredCall(sim, '111')
  const b = await answeredCall(sim, '222')
  const log = record(sim)
  t.equal(sim.joinConference(a.channel.id, 'room1'), 1)
  t.equal(sim.joinConference(b.channel.id, 'room1'), 2)
  t.equal(sim.joinConference(b.channel.id, 'room1'), 2, 'joining the same room again changes nothing')
  t.same(log.map(describe), [
    'conference-created room1',
    'conference-member-added 111#1',
    'conference-member-added 222#2'
  ])
  const room = sim.conference('room1')
  t.same([...(room?.members ?? [])], [[a.channel.id, 1], [b.channel.id, 2]])
  t.same(a.channel.conference, { room: 'room1', memberId: 1 })
})

void t.test('joining answers a channel that was still ringing, as mod_conference does', async (t) => {
  const sim = fastSwitch(t)
  const call = sim.placeCall({ from: '333', to: '12345' })
  await next(sim, isType('channel-parked'))
  const log = record(sim)
  sim.joinConference(call.channel.id, 'room2')
  await call.answered
  t.same(log.map(describe), ['channel-answered 333', 'conference-created room2', 'conference-member-added 333#1'])
})

void t.test('leaving takes the member out; the last one out destroys the conference', async (t) => {
  const sim = fastSwitch(t)
  const a = await answeredCall(sim, '111')
  const b = await answeredCall(sim, '222')
  sim.joinConference(a.channel.id, 'room1')
  sim.joinConference(b.channel.id, 'room1')
  const log = record(sim)
  t.equal(sim.leaveConference(b.channel.id), true)
  t.equal(sim.leaveConference(b.channel.id), false, 'not in a conference any more')
  t.equal(b.channel.conference, undefined)
  const c = await answeredCall(sim, '444')
  t.equal(sim.joinConference(c.channel.id, 'room1'), 3, 'ids keep increasing')
  t.equal(sim.leaveConference(a.channel.id), true)
  t.equal(sim.leaveConference(c.channel.id), true)
  t.same(log.filter((event) => event.type.startsWith('conference-')).map(describe), [
    'conference-member-removed 222#2',
    'conference-member-added 444#3',
    'conference-member-removed 111#1',
    'conference-member-removed 444#3',
    'conference-destroyed room1'
  ])
  t.equal(sim.conference('room1'), undefined)
  t.equal(sim.joinConference(b.channel.id, 'room1'), 1, 'a new conference counts from 1 again')
  t.equal(b.channel.answerState, 'answered', 'leaving does not hang up')
})

void t.test('moving to another room leaves the first one', async (t) => {
  const sim = fastSwitch(t)
  const a = await answeredCall(sim, '111')
  sim.joinConference(a.channel.id, 'room1')
  const log = record(sim)
  t.equal(sim.joinConference(a.channel.id, 'room2'), 1)
  t.same(log.map(describe), [
    'conference-member-removed 111#1',
    'conference-destroyed room1',
    'conference-created room2',
    'conference-member-added 111#1'
  ])
})

void t.test('hangups: del-member, then hangup-complete, then conference-destroy for the last', async (t) => {
  const sim = fastSwitch(t)
  const a = await answeredCall(sim, '111')
  const b = await answeredCall(sim, '222')
  sim.joinConference(a.channel.id, 'room1')
  sim.joinConference(b.channel.id, 'room1')
  const log = record(sim)
  t.equal(sim.hangup(b.channel.id), true)
  t.equal(sim.hangup(a.channel.id), true)
  t.same(log.map(describe), [
    'channel-hangup 222',
    'conference-member-removed 222#2',
    'channel-hangup-complete 222',
    'channel-hangup 111',
    'conference-member-removed 111#1',
    'channel-hangup-complete 111',
    'conference-destroyed room1'
  ])
  t.equal(sim.conference('room1'), undefined)
})

void t.test('a caller hanging up in a conference leaves the others in it', async (t) => {
  const sim = fastSwitch(t)
  const a = await answeredCall(sim, '111')
  const b = await answeredCall(sim, '222')
  sim.joinConference(a.channel.id, 'room1')
  sim.joinConference(b.channel.id, 'room1')
  a.hangup()
  t.match(await a.ended, { cause: 'NORMAL_CLEARING', side: 'remote' })
  t.same([...(sim.conference('room1')?.members.keys() ?? [])], [b.channel.id])
})
