// What the safety net asks of a switch, on the simulators: FreeSWITCH's scheduler
// (mod_commands sched_api / sched_del, a task moving a leg to an inline extension), and
// Asterisk's TIMEOUT(absolute) (func_timeout.c), set through the channel's Stasis command
// queue — behind a playback — and ending Stasis() into the dialplan's `T` extension.
import t from 'tap'
import { EslServer } from '../../../src/adapters/sim/esl-server.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'
import { eventually } from '../../helpers/sim.js'
import { EventSocket, startAri } from './ari-harness.js'
import { RawClient } from './esl-raw-client.js'

const PASSWORD = 'net-secret'
const APOLOGY = SHIPPED_INSTALL.sounds.find((id) => id.endsWith('/service-interrupted')) ?? ''

void t.test('FreeSWITCH: sched_api and sched_del as mod_commands answers them; a task fires its command', async (t) => {
  const model = new SimSwitch({ install: SHIPPED_INSTALL, timeScale: 0.01 })
  const server = new EslServer(model, { password: PASSWORD, port: 0 })
  const { port } = await server.listen()
  t.teardown(async () => { await server.close(); model.close() })
  const client = await RawClient.open(port)
  t.teardown(() => { client.close() })
  client.send(`auth ${PASSWORD}\n\n`)
  await client.waitFor(2, 'auth')

  t.equal(await client.api('sched_api'), '-ERR Invalid syntax. USAGE: [+@]<time> <group_name> <command_string>[&]\n')
  const kept = model.placeCall({ from: '13812345678', to: '12345' })
  const dropped = model.placeCall({ from: '13812345679', to: '12345' })
  const path = '/usr/share/freeswitch/sounds/hotline12345/service-interrupted.wav'
  const inline = (id: string): string => `uuid_transfer ${id} set:hc_net=fired,answer,playback:${path},hangup:NORMAL_CLEARING inline`
  // Due in the same second, or the next: the one deleted by group, the other by id then added again.
  const first = /^\+OK Added: (\d+)\n$/.exec(await client.api(`sched_api +1 hc-net-${dropped.channel.id} ${inline(dropped.channel.id)}`))
  t.ok(first, 'added, with its task id')
  const second = /^\+OK Added: (\d+)\n$/.exec(await client.api(`sched_api +1 hc-net-${kept.channel.id} ${inline(kept.channel.id)}`))
  t.equal(await client.api(`sched_del ${second?.[1] ?? ''}`), '+OK Deleted: 1\n', 'deleted by id')
  t.equal(await client.api(`sched_api +1 hc-net-${kept.channel.id} ${inline(kept.channel.id)}`).then((r) => r.startsWith('+OK Added: ')), true)
  t.equal(await client.api(`sched_del hc-net-${dropped.channel.id}`), '+OK Deleted: 1\n', 'deleted by group')
  t.equal(await client.api('sched_del hc-net-nobody'), '+OK Deleted: 0\n')
  t.equal(await client.api('unsched_api 999999'), '-ERR No such id\n')

  const ended = await kept.ended
  t.same(kept.heard, [path], 'the task moved the leg to the apology')
  t.match(ended, { cause: 'NORMAL_CLEARING', side: 'switch' })
  t.equal(kept.channel.variables.get('hc_net'), 'fired')
  t.same(dropped.heard, [], 'the deleted task never fired')
  t.equal(model.channel(dropped.channel.id)?.answerState, 'ringing', 'and left its leg alone')
})

void t.test('Asterisk: TIMEOUT(absolute) read and set; a set waits behind a playback', async (t) => {
  const { model, http, url } = await startAri(t, { timeScale: 1 })
  const events = await EventSocket.open(t, url)
  model.placeCall({ from: '13812345678', to: '12345' })
  const id = String((await events.take('StasisStart')).channel.id)
  const timeout = `/channels/${id}/variable?variable=TIMEOUT(absolute)`
  t.match(await http.get(timeout), { status: 200, body: { value: '0' } }, 'none set: 0')
  t.match(await http.post(`${timeout}&value=600`), { status: 204 })
  t.ok(Number((await http.get(timeout)).body.value) > 599, 'seconds left')
  t.match(await http.post(`${timeout}&value=0`), { status: 204 })
  t.match(await http.get(timeout), { body: { value: '0' } }, '0 clears it')

  t.match(await http.post(`/channels/${id}/play?media=tone:ring&playbackId=p1`), { status: 201 })
  let answered = false
  const set = http.post(`${timeout}&value=600`).then((res) => { answered = true; return res })
  t.match(await http.get(`/channels/${id}`), { status: 200 }, 'another request goes through meanwhile')
  t.notOk(answered, 'the set waits while the tone plays')
  await events.take('PlaybackFinished')
  t.match(await set, { status: 204 }, 'and is answered once it ended')
  t.ok(Number((await http.get(timeout)).body.value) > 599)
})

void t.test('Asterisk: the timeout ends Stasis(); a tagged caller hears the apology, any other is refused', async (t) => {
  const { model, http, url } = await startAri(t)
  const events = await EventSocket.open(t, url)
  const tagged = model.placeCall({ from: '13812345678', to: '12345' })
  const other = model.placeCall({ from: '13812345679', to: '12345' })
  await events.take('StasisStart', tagged.channel.id)
  await events.take('StasisStart', other.channel.id)
  t.match(await http.post(`/channels/${tagged.channel.id}/variable?variable=HC_CALL&value=call-1`), { status: 204 })
  for (const call of [tagged, other]) {
    t.match(await http.post(`/channels/${call.channel.id}/variable?variable=TIMEOUT(absolute)&value=0.05`), { status: 204 })
  }
  await events.take('StasisEnd', tagged.channel.id)
  t.match(await tagged.ended, { cause: 'NORMAL_CLEARING', side: 'switch' })
  t.same(tagged.heard, [`sound:${APOLOGY}`], 'the apology, played by the dialplan')
  t.match(await other.ended, { cause: 'UNALLOCATED_NUMBER', side: 'switch' }, 'no tag: not a controller\'s caller')
  t.same(other.heard, [])
  await eventually(() => model.channels().length === 0 ? true : undefined, 'no channel left', 5000)
})
