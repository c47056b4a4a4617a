// What a placed caller lived through, from the model's events: silence counted only while
// answered with no prompt and nobody else in the room; `talked` once it shared a room.
import t from 'tap'
import { CallerWatch } from '../../../src/adapters/sim/caller-watch.js'
import { fastSwitch, isType, next } from './sim-events.js'

void t.test('silence: answered, nothing playing, alone; company and prompts end it', async (t) => {
  const sim = fastSwitch(t)
  let now = 0
  const watch = new CallerWatch(() => now)
  sim.on('event', (event) => { watch.observe(event) })
  const caller = sim.placeCall({ from: '13800000071', to: '12345' })
  watch.watch(caller.channel.id)
  await next(sim, isType('channel-parked', caller.channel.id))
  now = 1000
  t.match(watch.report(caller.channel.id), { longestSilenceMs: 0, answered: false }, 'ringing is not silence')

  await sim.answer(caller.channel.id)
  now = 4000
  t.match(watch.report(caller.channel.id), { longestSilenceMs: 3000, answered: true, talked: false }, 'a silence still going on counts')

  const playing = sim.play(caller.channel.id, { media: 'silence_stream://100000' })
  now = 9000
  t.equal(watch.report(caller.channel.id)?.longestSilenceMs, 3000, 'a prompt is something to hear')
  sim.stopPlayback(caller.channel.id)
  await playing
  now = 10_000

  // An agent's leg joins the caller's room: company.
  const agent = sim.placeCall({ from: '8001', to: '12345' })
  await next(sim, isType('channel-parked', agent.channel.id))
  await sim.answer(agent.channel.id)
  sim.joinConference(caller.channel.id, 'room-1')
  now = 12_000
  t.equal(watch.report(caller.channel.id)?.longestSilenceMs, 3000, 'alone in the room: silence (2 s so far)')
  sim.joinConference(agent.channel.id, 'room-1')
  now = 30_000
  t.match(watch.report(caller.channel.id), { longestSilenceMs: 3000, talked: true }, 'talking with someone is not silence')

  sim.hangup(agent.channel.id)
  await agent.ended
  now = 36_000
  t.equal(watch.report(caller.channel.id)?.longestSilenceMs, 6000, 'left alone in the room: silent again')
  sim.hangup(caller.channel.id)
  await caller.ended
  now = 100_000
  t.equal(watch.report(caller.channel.id)?.longestSilenceMs, 6000, 'nothing counts once hung up')
  t.equal(watch.report('not-watched'), undefined)
})
