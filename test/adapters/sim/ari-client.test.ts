// The real ari-client 2.2.0 against the simulator, as the controller's adapter uses it: it loads
// every declaration, its generated methods (client.<resource>.<nickname> and the ones on
// channel, bridge and playback objects) reach the simulator, every event type the simulator can
// send arrives (ari-client stops delivering events for good at the first type its events
// declaration lacks), and it reconnects when its socket is dropped.
import type { EventEmitter } from 'node:events'
import { connect, type Channel, type Client } from 'ari-client'
import t, { type Test } from 'tap'
import { EVENT_TYPES } from '../../../src/adapters/sim/ari-models.js'
import { RESOURCE_NAMES, apiDeclaration } from '../../../src/adapters/sim/ari-declarations.js'
import { EventSocket, PASSWORD, USER, startAri, type Json, type Started } from './ari-harness.js'

interface Seen { type: string, event: Json, resource: unknown }

/** Events as ari-client hands them out, and a way to wait for one. */
class Events {
  readonly seen: Seen[] = []
  #waiters: Array<{ match: (seen: Seen) => boolean, resolve: (seen: Seen) => void }> = []

  constructor (client: Client) {
    (client as unknown as EventEmitter).on('*', (event: Json, resource: unknown) => {
      const seen = { type: event.type as string, event, resource }
      this.seen.push(seen)
      for (const waiter of [...this.#waiters]) {
        if (!waiter.match(seen)) continue
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        waiter.resolve(seen)
      }
    })
  }

  /** The next event (from now on) that matches. */
  wait (type: string, match: (event: Json) => boolean = () => true): Promise<Seen> {
    return new Promise((resolve) => {
      this.#waiters.push({ match: (seen) => seen.type === type && match(seen.event), resolve })
    })
  }
}

async function connected (t: Test): Promise<Started & { client: Client, events: Events }> {
  const started = await startAri(t, { mediaDurationMs: (media) => media === 'sound:hotline12345/priority-menu' ? Number.POSITIVE_INFINITY : 200 })
  started.model.defineEndpoint('02150008101', { kind: 'answer', afterMs: 50 })
  started.model.defineEndpoint('02150008201', { kind: 'busy' })
  const client = await connect(started.url, USER, PASSWORD)
  const events = new Events(client)
  await client.start('hotline')
  t.teardown(() => { client.stop() })
  return { ...started, client, events }
}

void t.test('ari-client loads every declaration and builds each operation', async (t) => {
  const { client } = await connected(t)
  for (const name of RESOURCE_NAMES) {
    const resource = (client as unknown as Record<string, Record<string, unknown>>)[name] ?? {}
    const declaration = apiDeclaration(name, 'http://x/ari') ?? {}
    for (const api of declaration.apis as Json[]) {
      for (const op of api.operations as Json[]) t.type(resource[op.nickname as string], 'function', `client.${name}.${op.nickname as string}`)
    }
  }
})

void t.test('a whole call through ari-client: every event type arrives, generated methods work', async (t) => {
  const { client, events, model, url } = await connected(t)
  const caller = model.placeCall({ from: '13812345678', to: '12345' })
  const start = await events.wait('StasisStart')
  const a = start.resource as Channel
  t.equal(a.id, caller.channel.id)
  t.same(start.event.args, [])
  const up = events.wait('ChannelStateChange')
  await a.answer()
  t.equal((await up).event.channel.state, 'Up')

  const continuing = events.wait('PlaybackContinuing')
  const finished = events.wait('PlaybackFinished')
  const playback = await client.channels.play({ channelId: a.id, media: ['sound:hotline12345/welcome', 'sound:hotline12345/goodbye'] })
  t.equal((await continuing).event.playback.id, playback.id)
  t.equal((await finished).event.playback.state, 'done')
  // Events can come before the reply that caused them, so each wait starts before its request.
  const longStarted = events.wait('PlaybackStarted', (e) => e.playback.id === 'long-1')
  const long = await client.channels.play({ channelId: a.id, media: 'sound:hotline12345/priority-menu', playbackId: 'long-1' })
  t.equal(long.id, 'long-1')
  await longStarted
  const stopped = events.wait('PlaybackFinished', (e) => e.playback.id === long.id)
  await client.playbacks.stop({ playbackId: long.id })
  t.equal((await stopped).event.playback.state, 'done')

  const digit = events.wait('ChannelDtmfReceived')
  caller.sendDtmf('5')
  t.same([(await digit).event.digit, (await digit).event.duration_ms], ['5', 280])

  const dialled = events.wait('StasisStart', (e) => e.args[0] === 'dialed')
  const b = await client.channels.originate({ endpoint: 'PJSIP/02150008101@department', app: 'hotline', appArgs: 'dialed', callerId: '12345' })
  t.equal(b.state, 'Down')
  t.equal((await dialled).event.channel.id, b.id)
  t.same(events.seen.filter((s) => s.type === 'Dial').map((s) => s.event.dialstatus as string), ['', 'RINGING', 'ANSWER'])

  const bridge = await client.bridges.create({ type: 'mixing' })
  const connectedLine = events.wait('ChannelConnectedLine')
  await client.bridges.addChannel({ bridgeId: bridge.id, channel: [a.id, b.id] })
  t.ok(await connectedLine)
  const left = events.wait('ChannelLeftBridge')
  await client.bridges.removeChannel({ bridgeId: bridge.id, channel: b.id })
  t.equal((await left).event.channel.id, b.id)
  const destroyedBridge = events.wait('BridgeDestroyed')
  await client.bridges.destroy({ bridgeId: bridge.id })
  t.equal((await destroyedBridge).event.bridge.id, bridge.id)

  const busyGone = events.wait('ChannelDestroyed', (e) => e.cause === 17)
  await client.channels.originate({ endpoint: 'PJSIP/02150008201@department', app: 'hotline' })
  t.equal((await busyGone).event.cause_txt, 'User busy')

  const createdStart = events.wait('StasisStart', (e) => e.channel.id === 'created-1')
  const created = await client.channels.create({ endpoint: 'PJSIP/02150008101@department', app: 'hotline', channelId: 'created-1' })
  t.equal((await createdStart).event.channel.state, 'Down')
  const answered = events.wait('Dial', (e) => e.dialstatus === 'ANSWER' && e.peer.id === created.id)
  await client.channels.dial({ channelId: created.id, timeout: 10 })
  t.ok(await answered)

  const bGone = events.wait('ChannelDestroyed', (e) => e.channel.id === b.id)
  await client.channels.hangup({ channelId: b.id, reason: 'normal' })
  t.equal((await bGone).event.cause, 16)

  const app = await client.applications.get({ applicationName: 'hotline' })
  t.same([...app.channel_ids].sort(), [a.id, created.id].sort())
  const info = await client.asterisk.getInfo()
  t.equal(info.system?.version, '22.10.1')

  // Another socket takes the app over: ari-client gets ApplicationReplaced and keeps going.
  const replaced = events.wait('ApplicationReplaced')
  await EventSocket.open(t, url)
  t.equal((await replaced).event.application, 'hotline')

  const missing = EVENT_TYPES.filter((type) => !events.seen.some((s) => s.type === type))
  t.same(missing, [], 'every event type the simulator sends reached the client')
})

void t.test('errors reject with Asterisk\'s body', async (t) => {
  const { client } = await connected(t)
  await t.rejects(client.channels.get({ channelId: 'no-such-channel' }), { message: '{"message":"Channel not found"}' })
  await t.rejects(client.channels.originate({ endpoint: 'Bogus/123', app: 'hotline' }), { message: '{"error":"Allocation failed"}' })
})

void t.test('ari-client reconnects after its socket drops, and while upgrades are refused it keeps retrying', async (t) => {
  const { client, events, model, server } = await connected(t)
  const emitter = client as unknown as EventEmitter
  const reconnected = new Promise((resolve) => { emitter.once('WebSocketConnected', resolve) })
  server.dropWebSockets()
  await reconnected
  const first = events.wait('StasisStart')
  model.placeCall({ from: '13812345678', to: '12345' })
  t.ok(await first, 'events flow after the reconnect')

  server.refuseWebSockets(true)
  let retries = 0
  const twoRetries = new Promise<void>((resolve) => {
    emitter.on('WebSocketReconnecting', () => { if (++retries === 2) resolve() })
  })
  server.dropWebSockets()
  await twoRetries
  const back = new Promise((resolve) => { emitter.once('WebSocketConnected', resolve) })
  server.refuseWebSockets(false)
  await back
  const second = events.wait('StasisStart')
  model.placeCall({ from: '13812345679', to: '12345' })
  t.ok(await second)
})
