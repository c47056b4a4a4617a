// The simulated FreeSWITCH shut down and started again: every channel ends SYSTEM_SHUTDOWN
// (CHANNEL_HANGUP_COMPLETE for each), then mod_event_socket unloads (the shutdown notice, the
// socket closed), connections are refused while it is down, and it comes back on the same port
// with a fresh state (a new Core-UUID, Event-Sequence and session count from the start).

import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { EslServer } from '../../../src/adapters/sim/esl-server.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'
import { RawClient } from './esl-raw-client.js'

const PASSWORD = 'ClueCon'

async function world (t: Test): Promise<{ model: SimSwitch, server: EslServer, port: number }> {
  const model = new SimSwitch({ install: SHIPPED_INSTALL, timeScale: 0.01 })
  model.defineEndpoint('02150008101', { kind: 'answer', afterMs: 50 })
  model.defineEndpoint('02150008301', { kind: 'no-answer' })
  const server = new EslServer(model, { password: PASSWORD, port: 0 })
  const { port } = await server.listen()
  t.teardown(async () => {
    await server.close()
    model.close()
  })
  return { model, server, port }
}

async function subscribed (t: Test, port: number): Promise<RawClient> {
  const client = await RawClient.open(port)
  t.teardown(() => { client.close() })
  client.send(`auth ${PASSWORD}\n\n`)
  client.send('event json CHANNEL_PARK CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CUSTOM conference::maintenance\n\n')
  await client.waitFor(3, 'auth and subscription')
  return client
}

/** What a TCP connect to the port gets: connected, or the error code. */
async function tryConnect (port: number): Promise<string> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve('connected') })
    socket.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? 'error') })
  })
}

function events (client: RawClient, name: string): Array<Record<string, string>> {
  return client.frames.flatMap((f) => f.event?.['Event-Name'] === name ? [f.event] : [])
}

void t.test('FreeSWITCH shutdown: SYSTEM_SHUTDOWN for every channel, then the socket closes; refused until started', async (t) => {
  const { model, server, port } = await world(t)
  const client = await subscribed(t, port)
  const coreId = model.coreId
  const caller = model.placeCall({ from: '13812345678', to: '12345' })
  const agent = await model.originate({ number: '02150008101', callerIdNumber: '12345' })
  const ringing = model.originate({ number: '02150008301', callerIdNumber: '12345' })
  t.ok(agent.ok)
  await model.answer(caller.channel.id)
  model.joinConference(caller.channel.id, 'room1')
  if (agent.ok) model.joinConference(agent.channel.id, 'room1')
  await client.waitFor(client.frames.length + 1, 'the conference events')

  model.shutdown()
  t.equal(model.state, 'down')
  await client.closed
  const completes = events(client, 'CHANNEL_HANGUP_COMPLETE')
  t.same(completes.map((e) => e['Hangup-Cause']).sort(), ['SYSTEM_SHUTDOWN', 'SYSTEM_SHUTDOWN', 'SYSTEM_SHUTDOWN'],
    'CHANNEL_HANGUP_COMPLETE SYSTEM_SHUTDOWN for each of the three channels')
  const last = client.frames[client.frames.length - 1]
  t.same([last?.type, last?.body], ['text/disconnect-notice', 'The system is being shut down.\n'], 'then the shutdown notice, then the socket closes')
  t.equal((await caller.ended).cause, 'SYSTEM_SHUTDOWN')
  t.same(await ringing, { ok: false, cause: 'SYSTEM_SHUTDOWN', q850: 701, channel: (await ringing).channel })
  await server.settled()
  t.equal(await tryConnect(port), 'ECONNREFUSED', 'nothing listens while the switch is down')
  const unreached = model.placeCall({ from: '13900000000', to: '12345' })
  t.match(await unreached.ended, { cause: 'NORMAL_TEMPORARY_FAILURE', side: 'switch' }, 'a call while it is down never gets through')
  await t.rejects(model.originate({ number: '02150008101', callerIdNumber: '12345' }), { code: 'HC_SHUTTING_DOWN' })

  model.start()
  await server.settled()
  t.equal(model.state, 'up')
  t.not(model.coreId, coreId, 'a new Core-UUID')
  const again = await subscribed(t, port)
  again.send('api status\n\n')
  await again.waitFor(4, 'status')
  t.match(again.frames[3]?.body, /\n0 session\(s\) since startup\n0 session\(s\) - peak 0/, 'no channels, none since it started')
  const next = model.placeCall({ from: '13812345679', to: '12345' })
  await again.waitFor(5, 'the next call parked')
  const park = again.frames[4]?.event ?? {}
  t.same([park['Event-Name'], park['Unique-ID'], park['Core-UUID']], ['CHANNEL_PARK', next.channel.id, model.coreId])
  t.ok(Number(park['Event-Sequence']) < Number(completes[0]?.['Event-Sequence']), 'Event-Sequence starts again')
})

void t.test('restart({ downMs }): down for downMs (scaled), then up with the same world', async (t) => {
  const { model, server, port } = await world(t)
  const states: string[] = []
  model.on('state', (state) => states.push(state))
  const started = Date.now()
  const up = model.restart({ downMs: 3000 })
  await server.settled()
  t.equal(await tryConnect(port), 'ECONNREFUSED')
  t.equal(await up, true)
  t.ok(Date.now() - started >= model.scaled(3000) - 2, 'down for downMs × timeScale')
  await server.settled()
  t.same(states, ['down', 'up'])
  t.equal(await tryConnect(port), 'connected')
  const client = await subscribed(t, port)
  const agent = await model.originate({ number: '02150008101', callerIdNumber: '12345' })
  t.ok(agent.ok, 'the far ends defined before the restart still answer')
  t.equal(await model.restart(), true)
  model.close()
  t.equal(await model.restart(), false, 'a closed switch does not restart')
  await client.closed
})
