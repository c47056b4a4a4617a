// The ARI side beyond the captured scenarios: declarations and routes agree, authentication,
// Stasis() without an app, app takeover and socket loss, causes of every far-end outcome,
// playback queues, bridges over the model's conferences, and clients that misbehave.
/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- bodies and events are JSON off the wire, read field by field */
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { WebSocket } from 'ws'
import { RESOURCE_NAMES, apiDeclaration } from '../../../src/adapters/sim/ari-declarations.js'
import { causeText, dialStatusFor, sipToCause } from '../../../src/adapters/sim/ari-causes.js'
import { parseCallerId } from '../../../src/adapters/sim/ari-rest-channels.js'
import { AriHttp, EventSocket, channelOf, startAri, types, withoutVarset, PASSWORD, USER, type Json, type Started } from './ari-harness.js'

interface World extends Started { events: EventSocket }

async function world (t: Test, server: Parameters<typeof startAri>[2] = {}): Promise<World> {
  const started = await startAri(t, { mediaDurationMs: (media) => media.startsWith('sound:hotline12345/priority-menu') ? Number.POSITIVE_INFINITY : 300 }, server)
  started.model.defineEndpoint('02150008101', { kind: 'answer', afterMs: 50 })
  started.model.defineEndpoint('02150008201', { kind: 'busy' })
  started.model.defineEndpoint('02150008301', { kind: 'no-answer' })
  started.model.defineEndpoint('02150008401', { kind: 'reject' })
  started.model.defineEndpoint('02150008501', { kind: 'unreachable' })
  return { ...started, events: await EventSocket.open(t, started.url) }
}

async function inStasis (w: World, from = '13812345678'): Promise<string> {
  const call = w.model.placeCall({ from, to: '12345' })
  await w.events.take('StasisStart', call.channel.id)
  return call.channel.id
}

async function answered (w: World): Promise<string> {
  const id = await inStasis(w)
  await w.http.post(`/channels/${id}/answer`)
  await w.events.take('ChannelStateChange', id)
  return id
}

async function originated (w: World, endpoint = 'PJSIP/02150008101@department'): Promise<string> {
  const id = (await w.http.post(`/channels?endpoint=${encodeURIComponent(endpoint)}&app=hotline`)).body.id as string
  await w.events.take('StasisStart', id)
  return id
}

void t.test('every declared operation is served, and every route is declared', async (t) => {
  const { server } = await startAri(t)
  const declared: string[] = []
  for (const name of RESOURCE_NAMES) {
    const doc = apiDeclaration(name, 'http://x/ari') ?? {}
    for (const api of doc.apis as Json[]) {
      for (const op of api.operations as Json[]) {
        if (op.upgrade !== 'websocket') declared.push(`${op.httpMethod as string} ${api.path as string}`)
      }
    }
  }
  const served = server.routes().map(([method, path]) => `${method} ${path}`)
  t.same([...served].sort(), [...declared].sort())
})

void t.test('api-docs follow the Host the client used and need credentials', async (t) => {
  const { http, url } = await startAri(t)
  const doc = await http.get('/api-docs/channels.json')
  t.equal(doc.body.basePath, `${url}/ari`)
  t.equal(doc.body.resourcePath, '/api-docs/channels.{format}')
  t.equal((await http.get('/api-docs/recordings.json')).status, 404, 'a resource not simulated is not declared')
  t.equal((await http.request('GET', '/api-docs/resources.json', { auth: null })).status, 401)
  const viaKey = await fetch(`${url}/ari/asterisk/info?api_key=${USER}:${PASSWORD}`)
  t.equal(viaKey.status, 200, 'api_key works on REST too')
  t.equal((await fetch(`${url}/ari/asterisk/info?api_key=${USER}:nope`)).status, 401)
  t.equal((await fetch(`${url}/elsewhere`)).status, 404, 'outside /ari is not ARI')
  t.equal((await new AriHttp(url, USER, 'wrong').get('/channels')).status, 401)
})

void t.test('with no app connected Stasis() fails and the dialplan hangs the call up', async (t) => {
  const { model, http } = await startAri(t)
  t.equal((await http.get('/applications/hotline')).status, 404, 'never registered')
  const call = model.placeCall({ from: '13812345678', to: '12345' })
  const end = await call.ended
  t.equal(end.cause, 'NORMAL_CLEARING')
  t.equal(end.side, 'switch')
  t.same((await http.get('/channels')).body, [])
})

void t.test('the dialplan tries its apps in order: the first active one gets the call', async (t) => {
  const { model, url } = await startAri(t, {}, { apps: ['primary', 'standby'] })
  const standby = await EventSocket.open(t, url, 'standby')
  const call = model.placeCall({ from: '13812345678', to: '12345' })
  const start = await standby.next()
  t.same([start.type, start.application, channelOf(start)], ['StasisStart', 'standby', call.channel.id])
})

void t.test('several apps: the dialplan\'s turn starts each call at the next one', async (t) => {
  const { model, url } = await startAri(t, {}, { apps: ['hotline-a', 'hotline-b'] })
  const a = await EventSocket.open(t, url, 'hotline-a')
  const b = await EventSocket.open(t, url, 'hotline-b')
  const first = model.placeCall({ from: '13812345678', to: '12345' })
  t.equal(channelOf(await b.take('StasisStart')), first.channel.id, 'the first turn starts at the second app')
  const second = model.placeCall({ from: '13812345679', to: '12345' })
  t.equal(channelOf(await a.take('StasisStart')), second.channel.id, 'the next at the first')
})

void t.test('move: a channel in Stasis goes to another active app, in its bridge; to an inactive one it stays', async (t) => {
  const w = await world(t, { apps: ['hotline', 'hotline-b'] })
  const id = await answered(w)
  const bridge = (await w.http.post('/bridges?type=mixing&name=room')).body.id as string
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${id}`)
  await w.events.take('ChannelEnteredBridge', id)

  t.equal((await w.http.post(`/channels/${id}/move?app=hotline-b`)).status, 204, 'accepted, though nobody has the app')
  const failed = await w.events.take('ApplicationMoveFailed', id)
  t.match(failed, { destination: 'hotline-b', application: 'hotline' }, 'the old app is told')
  t.same((await w.http.get('/applications/hotline')).body.channel_ids, [id], 'the channel stays')

  const b = await EventSocket.open(t, w.url, 'hotline-b')
  t.equal((await w.http.post(`/channels/${id}/move?app=hotline-b&appArgs=hc-moved`)).status, 204)
  await w.events.take('StasisEnd', id)
  const start = await b.take('StasisStart', id)
  t.same(start.args, ['hc-moved'], 'StasisStart with the new args')
  t.same((await w.http.get('/applications/hotline-b')).body.channel_ids, [id])
  t.same((await w.http.get(`/bridges/${bridge}`)).body.channels, [id], 'still in its bridge')

  t.equal((await w.http.post(`/applications/hotline-b/subscription?eventSource=bridge:${bridge}`)).status, 200, 'the new app subscribes to the bridge')
  t.same((await w.http.get('/applications/hotline-b')).body.bridge_ids, [bridge])
  t.equal((await w.http.post('/applications/hotline-b/subscription?eventSource=bridge:nope')).status, 422, 'no such bridge')
  t.equal((await w.http.post(`/applications/nope/subscription?eventSource=bridge:${bridge}`)).status, 404, 'no such app')
  t.equal((await w.http.post('/channels/nope/move?app=hotline')).status, 404)
  t.equal((await w.http.post(`/channels/${id}/move`)).status, 400, 'app is required')
})

void t.test('a newer socket takes an app over; the older gets ApplicationReplaced', async (t) => {
  const w = await world(t)
  const newer = await EventSocket.open(t, w.url)
  const replaced = await w.events.next()
  t.same([replaced.type, replaced.application], ['ApplicationReplaced', 'hotline'])
  const id = await inStasis({ ...w, events: newer })
  t.ok(id)
})

void t.test('dropWebSockets: the app goes inactive at once, keeps its channels, and takes calls again on reconnect', async (t) => {
  const w = await world(t)
  const a = await inStasis(w)
  const closed = new Promise((resolve) => { w.events.ws.once('close', resolve) })
  w.server.dropWebSockets()
  await closed
  const lost = w.model.placeCall({ from: '13900000000', to: '12345' })
  t.equal((await lost.ended).cause, 'NORMAL_CLEARING', 'Stasis() fails while the app is inactive')
  t.same((await w.http.get('/applications/hotline')).body.channel_ids, [a], 'the app still owns its channel')
  const again = await EventSocket.open(t, w.url)
  const b = w.model.placeCall({ from: '13900000001', to: '12345' })
  t.equal(channelOf(await again.take('StasisStart')), b.channel.id)
})

void t.test('refuseWebSockets: upgrades fail until it is lifted', async (t) => {
  const { server, url } = await startAri(t)
  server.refuseWebSockets(true)
  const failed = await new Promise<boolean>((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ari/events?app=hotline&api_key=${USER}:${PASSWORD}`)
    ws.once('open', () => { ws.terminate(); resolve(false) })
    ws.once('error', () => { resolve(true) })
  })
  t.ok(failed)
  server.refuseWebSockets(false)
  t.ok(await EventSocket.open(t, url))
})

void t.test('far-end outcomes of an originate: causes, texts, tech causes, final Dial status', async (t) => {
  const w = await world(t)
  const cases: Array<[string, number, number, string | undefined]> = [
    ['PJSIP/02150008201@department', 17, 486, 'BUSY'],
    ['PJSIP/02150008401@department', 21, 603, 'NOANSWER'],
    ['PJSIP/8999@department', 1, 404, 'NOANSWER'],
    ['PJSIP/02150008501@department', 18, 408, 'NOANSWER'],
    ['PJSIP/02150008301@department', 19, 480, undefined]
  ]
  for (const [endpoint, cause, tech, final] of cases) {
    const res = await w.http.post(`/channels?endpoint=${encodeURIComponent(endpoint)}&app=hotline&timeout=1`)
    const events = (await w.events.until((e) => e.type === 'ChannelDestroyed')).filter((e) => channelOf(e) === res.body.id)
    const destroyed = events[events.length - 1] ?? {}
    t.same([destroyed.cause, destroyed.cause_txt, destroyed.tech_cause], [cause, causeText(cause), tech], endpoint)
    const dials = events.filter((e) => e.type === 'Dial').map((e) => e.dialstatus as string)
    t.equal(dials[dials.length - 1], final ?? 'RINGING', `${endpoint} final Dial`)
    t.equal(events.some((e) => e.type === 'StasisStart'), false)
  }
  t.equal(sipToCause(503), 34, 'a real 503 reads congestion')
  t.equal(dialStatusFor(34), 'CONGESTION')
  t.equal(causeText(999), 'Unknown')
})

void t.test('DELETE: reasons and reason codes reach ChannelDestroyed; bad ones are 400', async (t) => {
  const w = await world(t)
  for (const [query, cause, tech] of [['reason=congestion', 34, 503], ['reason_code=21', 21, 403], ['reason=answered_elsewhere', 26, undefined]] as const) {
    const id = await originated(w)
    t.equal((await w.http.delete(`/channels/${id}?${query}`)).status, 204)
    const destroyed = await w.events.take('ChannelDestroyed', id)
    t.same([destroyed.cause, destroyed.cause_txt, destroyed.tech_cause], [cause, causeText(cause), tech], query)
  }
  const id = await originated(w)
  const both = await w.http.delete(`/channels/${id}?reason=busy&reason_code=17`)
  t.same([both.status, both.body], [400, { message: "The reason and reason_code can't both be specified" }])
  t.equal((await w.http.delete(`/channels/${id}?reason_code=abc`)).status, 400)
})

void t.test('the caller hangs up: HangupRequest with the Q.850 cause, no soft flag, StasisEnd, nothing more', async (t) => {
  const w = await world(t)
  const call = w.model.placeCall({ from: '13812345678', to: '12345' })
  await w.events.take('StasisStart')
  call.hangup()
  const cancel = await w.events.next()
  t.same([cancel.type, cancel.cause, cancel.soft], ['ChannelHangupRequest', 127, undefined], 'a CANCEL ends the INVITE with 487 → 127')
  t.equal((await w.events.next()).type, 'StasisEnd')
  const b = w.model.placeCall({ from: '13812345679', to: '12345' })
  const start = await w.events.next()
  t.same([start.type, channelOf(start)], ['StasisStart', b.channel.id], 'no ChannelDestroyed for the dialplan channel')
  await w.http.post(`/channels/${b.channel.id}/answer`)
  await w.events.take('ChannelStateChange')
  b.hangup()
  const bye = await w.events.next()
  t.same([bye.type, bye.cause], ['ChannelHangupRequest', 16])
})

void t.test('channel operations check Stasis and state: 409, 412, 409 for /dial', async (t) => {
  const w = await world(t)
  const out = (await w.http.post('/channels?endpoint=PJSIP%2F02150008301%40department&app=hotline')).body.id as string
  await w.events.take('Dial', out)
  t.same((await w.http.post(`/channels/${out}/answer`)).body, { message: 'Channel not in Stasis application' }, 'dialling, not in Stasis yet')
  const created = (await w.http.post('/channels/create?endpoint=PJSIP%2F02150008101%40department&app=hotline')).body.id as string
  await w.events.take('StasisStart', created)
  const early = await w.http.post(`/channels/${created}/play?media=sound:hotline12345/connecting`)
  t.same([early.status, early.body], [412, { message: 'Channel in invalid state' }])
  const a = await inStasis(w)
  const dialIt = await w.http.post(`/channels/${a}/dial`)
  t.same([dialIt.status, dialIt.body], [409, { message: "Channel is not in the 'Down' state" }])
  const taken = await w.http.post(`/channels?endpoint=PJSIP%2F02150008101%40department&app=hotline&channelId=${a}`)
  t.same([taken.status, taken.body], [409, { message: 'Channel with given unique ID already exists' }])
  const pending = await w.http.delete(`/channels/${created}`)
  t.equal(pending.status, 204)
  const gone = await w.events.until((e) => e.type === 'ChannelDestroyed' && channelOf(e) === created)
  t.same(withoutVarset(types(gone.filter((e) => channelOf(e) === created))), ['ChannelHangupRequest', 'StasisEnd', 'ChannelDestroyed'], 'a created channel never dialled')
})

void t.test('continue: the channel leaves Stasis and the dialplan ends the call', async (t) => {
  const w = await world(t)
  const call = w.model.placeCall({ from: '13812345678', to: '12345' })
  await w.events.take('StasisStart')
  await w.http.post(`/channels/${call.channel.id}/answer`)
  t.equal((await w.http.post(`/channels/${call.channel.id}/continue`)).status, 204)
  await w.events.take('StasisEnd')
  t.equal((await call.ended).cause, 'NORMAL_CLEARING')
})

void t.test('playbacks queue on a channel; a queued one stopped ends done without starting', async (t) => {
  const w = await world(t)
  const a = await answered(w)
  const first = (await w.http.post(`/channels/${a}/play?media=sound:hotline12345/priority-menu`)).body.id as string
  const second = (await w.http.post(`/channels/${a}/play?media=sound:hotline12345/welcome,sound:hotline12345/goodbye`)).body.id as string
  const third = (await w.http.post(`/channels/${a}/play/mine?media=sound:hotline12345/no-input`)).body.id as string
  t.equal(third, 'mine')
  t.equal((await w.http.post(`/channels/${a}/play/mine?media=sound:hotline12345/invalid-input`)).status, 500, 'a playback id in use')
  t.same([(await w.events.next()).playback.id], [first])
  t.equal((await w.http.delete(`/playbacks/${third}`)).status, 204)
  t.equal((await w.http.delete(`/playbacks/${first}`)).status, 204)
  const rest = await w.events.until((e) => e.type === 'PlaybackFinished' && e.playback.id === third)
  t.same(rest.map((e) => `${e.type as string} ${e.playback.id as string} ${e.playback.state as string} ${e.playback.media_uri as string}`), [
    `PlaybackFinished ${first} done sound:hotline12345/priority-menu`,
    `PlaybackStarted ${second} playing sound:hotline12345/welcome`,
    `PlaybackContinuing ${second} continuing sound:hotline12345/welcome`,
    `PlaybackStarted ${second} playing sound:hotline12345/goodbye`,
    `PlaybackFinished ${second} done sound:hotline12345/goodbye`,
    `PlaybackFinished ${third} done sound:hotline12345/no-input`
  ])
})

void t.test('bridges: members are the model conference; a ringing member joins it when answered', async (t) => {
  const w = await world(t)
  const ringing = await inStasis(w)
  const out = await originated(w)
  const bridge = (await w.http.post('/bridges?type=mixing&name=hotline')).body.id as string
  t.equal((await w.http.post(`/bridges/${bridge}/addChannel?channel=${ringing},${out}`)).status, 204)
  t.equal(w.model.channel(ringing)?.answerState, 'ringing', 'adding to a bridge does not answer')
  t.same([...(w.model.conference(bridge)?.members.keys() ?? [])], [out])
  await w.http.post(`/channels/${ringing}/answer`)
  t.same([...(w.model.conference(bridge)?.members.keys() ?? [])].sort(), [ringing, out].sort())
  const notHere = await w.http.post(`/bridges/${bridge}/removeChannel?channel=${await inStasis(w, '13900000002')}`)
  t.same([notHere.status, notHere.body], [422, { message: 'Channel not in this bridge' }])
  const played = await w.http.post(`/bridges/${bridge}/play?media=sound:hotline12345/queue-hold`)
  t.equal(played.body.target_uri, `bridge:${bridge}`)
  const finished = await w.events.until((e) => e.type === 'PlaybackFinished')
  t.same(finished.filter((e) => e.type.startsWith('Playback')).map((e) => e.type), ['PlaybackStarted', 'PlaybackFinished'])
  t.equal((await w.http.delete(`/bridges/${bridge}`)).status, 204)
  const end = await w.events.until((e) => e.type === 'BridgeDestroyed')
  t.same(withoutVarset(types(end)).slice(-3), ['ChannelLeftBridge', 'ChannelLeftBridge', 'BridgeDestroyed'])
  t.equal(w.model.conference(bridge), undefined)
  t.ok(w.model.channel(out), 'the members stay up in Stasis')
})

void t.test('caller IDs parse as ast_callerid_parse does', async (t) => {
  t.same(parseCallerId('"12345 热线" <12345>'), { name: '12345 热线', number: '12345' })
  t.same(parseCallerId('Hotline <010-1234>'), { name: 'Hotline', number: '010-1234' })
  t.same(parseCallerId('(010) 1234-5678'), { name: '', number: '01012345678' })
  t.same(parseCallerId('Hotline'), { name: 'Hotline', number: '' })
  t.same(parseCallerId(undefined), { name: '', number: '' })
})

void t.test('clients that misbehave do not take the server down', async (t) => {
  const w = await world(t)
  t.equal((await fetch(`${w.url}/ari/channels`, {
    method: 'POST', body: '{not json', headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` }
  })).status, 400)
  const big = await fetch(`${w.url}/ari/channels`, {
    method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` }
  })
  t.equal(big.status, 413)
  t.equal((await w.http.get('/channels/%E0%A4%A')).status, 404)
  t.equal((await w.http.request('OPTIONS', '/channels')).headers.get('allow'), 'OPTIONS,GET,POST')
  await new Promise<void>((resolve) => {
    const socket = connect(Number(new URL(w.url).port), '127.0.0.1', () => {
      socket.write('GET // HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n')
      socket.write('GET /ari/events?app=hotline HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
      setImmediate(() => { socket.destroy(); resolve() })
    })
    socket.on('error', () => { resolve() })
  })
  w.events.ws.send('not a command')
  // A WebSocket that sends a frame with a reserved opcode is closed (RFC 6455 5.2); the server goes on.
  const broken = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(new URL(w.url).port), '127.0.0.1', () => {
      socket.write(`GET /ari/events?app=other&api_key=${USER}:${PASSWORD} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    })
    socket.once('data', (head: Buffer) => {
      if (!head.toString('latin1').startsWith('HTTP/1.1 101')) resolve(false)
      socket.write(Buffer.from([0x8f, 0x80, 0, 0, 0, 0]))
    })
    socket.on('close', () => { resolve(true) })
    socket.on('error', () => {})
  })
  t.ok(broken, 'the broken socket was closed')
  const again = await EventSocket.open(t, w.url)
  const b = w.model.placeCall({ from: '13900000001', to: '12345' })
  t.equal(channelOf(await again.take('StasisStart')), b.channel.id)
})

void t.test('close clears the bridge playback timers and stops following the model', async (t) => {
  const w = await world(t)
  const bridge = (await w.http.post('/bridges')).body.id as string
  await w.http.post(`/bridges/${bridge}/play?media=sound:hotline12345/queue-hold`)
  t.equal(w.server.pendingTimers, 1, 'the playback runs on a timer')
  t.equal(w.model.listenerCount('event'), 1)
  await w.server.close()
  t.equal(w.server.pendingTimers, 0)
  t.equal(w.model.listenerCount('event'), 0)
})
