// The ARI side checked against what a real Asterisk 22.10.1 did
// (test/fixtures/captures/asterisk-22.10.1/, summary.txt): the same requests, replayed with the
// simulator's ids, must give the captured status codes and bodies, events of the captured shapes
// in the captured orders, and the captured causes, cause texts and dial statuses. The capture's
// trunks (spec-answer, spec-busy, spec-noanswer) and numbers are configured so its request URLs
// can be sent as they were.
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- bodies and events are JSON off the wire, read field by field */
import t, { type Test } from 'tap'
import type { SimCallHandle } from '../../../src/adapters/sim/model-types.js'
import { isType, next } from './sim-events.js'
import { ASTERISK_CAPTURE_INSTALL } from '../../fixtures/capture-installs.js'
import {
  EventSocket, capturedEvent, capturedEvents, capturedHttp, channelOf, shape, startAri, types, withoutVarset,
  type Json, type Started
} from './ari-harness.js'

interface World extends Started { events: EventSocket }

/** The capture's world: trunks, far ends (81xx answer, 82xx busy, 83xx never answer) and a connected app. */
async function world (t: Test): Promise<World> {
  const started = await startAri(t, {
    install: ASTERISK_CAPTURE_INSTALL,
    // hello-world plays until stopped, so a test can look at it while it plays.
    mediaDurationMs: (media) => media === 'sound:hello-world' ? Number.POSITIVE_INFINITY : 400
  }, { trunks: ['spec-answer', 'spec-busy', 'spec-noanswer'] })
  for (const n of ['8101', '8102', '8103']) started.model.defineEndpoint(n, { kind: 'answer', afterMs: 50 })
  for (const n of ['8201', '8202']) started.model.defineEndpoint(n, { kind: 'busy' })
  for (const n of ['8301', '8302']) started.model.defineEndpoint(n, { kind: 'no-answer' })
  return { ...started, events: await EventSocket.open(t, started.url) }
}

/** Caller A of the capture: SIPp Caller 5551000 dialling 12345, in Stasis. */
async function caller (w: World, from = '5551000', name = 'SIPp Caller'): Promise<{ call: SimCallHandle, id: string, start: Json }> {
  const call = w.model.placeCall({ from, to: '12345', callerIdName: name })
  const start = await w.events.take('StasisStart', call.channel.id)
  return { call, id: call.channel.id, start }
}

async function answered (w: World): Promise<{ call: SimCallHandle, id: string }> {
  const a = await caller(w)
  await w.http.post(`/channels/${a.id}/answer`)
  await w.events.take('ChannelStateChange', a.id)
  return a
}

/** POST /channels as in capture 04 and 07; resolves at the leg's StasisStart. */
async function originated (w: World, number: string, args: string): Promise<string> {
  const res = await w.http.post(`/channels?endpoint=PJSIP%2F${number}%40spec-answer&app=hotline&appArgs=${args}&callerId=12345&timeout=30`)
  const id = res.body.id as string
  await w.events.take('StasisStart', id)
  return id
}

/**
 * Events sent before a reply may still be on their way when the reply arrives; a playback
 * started now is a marker: once its PlaybackStarted is in, every earlier event is. Returns the
 * marker's index in the socket's events.
 */
async function settle (w: World, channelId: string): Promise<number> {
  const id = (await w.http.post(`/channels/${channelId}/play?media=sound:marker`)).body.id as string
  const seen = await w.events.until((e) => e.type === 'PlaybackStarted' && e.playback.id === id)
  return w.events.events.indexOf(seen[seen.length - 1] ?? {})
}

/** Captured events grouped by channel, in order. */
function byChannel (name: string): Json[][] {
  const groups = new Map<string, Json[]>()
  for (const { event } of capturedEvents(name)) {
    const id = channelOf(event) ?? ''
    groups.set(id, [...(groups.get(id) ?? []), event])
  }
  return [...groups.values()]
}

/** A captured path with the capture's ids replaced by the simulator's. */
function replay (path: string, ids: Record<string, string>): string {
  let out = path.replace(/^\/ari/, '')
  for (const [from, to] of Object.entries(ids)) out = out.split(from).join(encodeURIComponent(to))
  return out
}

void t.test('00 connect: info, resources, 401s, the app before any call', async (t) => {
  const w = await world(t)
  const captured = capturedHttp('00_connect')
  const info = await w.http.get('/asterisk/info')
  t.equal(info.status, 200)
  t.same(shape(info.body), shape(captured[0]?.body), 'AsteriskInfo has the captured keys')
  t.equal(info.body.system.version, captured[0]?.body.system.version)
  t.match(info.body.build.date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/)

  const listing = await w.http.get('/api-docs/resources.json')
  const real = captured[1]?.body
  t.equal(listing.status, 200)
  t.equal(listing.body.swaggerVersion, real.swaggerVersion)
  t.equal(listing.body.apiVersion, real.apiVersion)
  t.equal(listing.body.basePath, `${w.url}/ari`, 'basePath is the absolute URL the client used')
  const realPaths = (real.apis as Json[]).map((api) => api.path as string)
  for (const api of listing.body.apis as Json[]) t.ok(realPaths.includes(api.path as string), `${api.path as string} is an Asterisk resource`)
  for (const name of ['asterisk', 'channels', 'bridges', 'playbacks', 'events', 'applications']) {
    t.ok((listing.body.apis as Json[]).some((api) => api.path === `/api-docs/${name}.{format}`), `${name} is listed`)
  }

  for (const [auth, index] of [['Basic YXJpOndyb25ncGFzc3dvcmQ=', 3], [null, 4]] as const) {
    const refused = await w.http.request('GET', '/asterisk/info', { auth })
    t.equal(refused.status, captured[index]?.status)
    t.same(refused.body, captured[index]?.body)
    t.equal(refused.headers.get('www-authenticate'), captured[index]?.headers.get('WWW-Authenticate'))
  }
  const app = await w.http.get('/applications/hotline')
  t.same(app.body, captured[5]?.body, 'the app owns nothing yet')

  // No event on connect: the first one is the StasisStart of the first call.
  const a = w.model.placeCall({ from: '5551000', to: '12345' })
  t.equal((await w.events.next()).type, 'StasisStart')
  a.hangup()
})

void t.test('01 inbound: only StasisStart, state Ring; ring answers 204 with no event', async (t) => {
  const w = await world(t)
  const real = capturedEvent('01_inbound', 'StasisStart')
  const a = await caller(w)
  t.equal(w.events.events[0]?.type, 'StasisStart', 'nothing before StasisStart')
  t.same(shape(a.start), shape(real), 'StasisStart has the captured keys, in order')
  t.same(a.start.args, real.args)
  t.equal(a.start.channel.state, 'Ring')
  t.same(a.start.channel.caller, real.channel.caller)
  t.same(a.start.channel.connected, real.channel.connected)
  t.match(a.start.channel.name, /^PJSIP\/.+-[0-9a-f]{8}$/)
  t.equal(a.start.channel.dialplan.exten, real.channel.dialplan.exten)
  t.equal(a.start.channel.dialplan.app_name, real.channel.dialplan.app_name)
  t.equal(a.start.channel.dialplan.app_data, real.channel.dialplan.app_data)
  t.match(a.start.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/)
  t.equal(a.start.asterisk_id, w.events.events[0]?.asterisk_id)

  const [get, ring] = capturedHttp('01_inbound')
  const got = await w.http.get(`/channels/${a.id}`)
  t.equal(got.status, get?.status)
  t.same(shape(got.body), shape(get?.body))
  t.equal((await w.http.post(`/channels/${a.id}/ring`)).status, ring?.status)
  await w.http.post(`/channels/${a.id}/answer`)
  t.equal((await w.events.next()).type, 'ChannelStateChange', 'ring raised no event')
})

void t.test('02 answer and play: 204 + Up, 201 + Location, Started/Finished, 404 after', async (t) => {
  const w = await world(t)
  const [answer, play, getPlaying, getGone] = capturedHttp('02_answer_play')
  const a = await caller(w)
  t.equal((await w.http.post(`/channels/${a.id}/answer`)).status, answer?.status)
  const up = await w.events.next()
  t.equal(up.type, 'ChannelStateChange')
  t.equal(up.channel.state, 'Up')
  t.same(shape(up), shape(capturedEvent('02_answer_play', 'ChannelStateChange')))

  const res = await w.http.post(`/channels/${a.id}/play?media=sound:hello-world`)
  t.equal(res.status, play?.status)
  t.same(shape(res.body), shape(play?.body))
  t.equal(res.body.state, 'queued')
  t.equal(res.body.target_uri, `channel:${a.id}`)
  t.equal(res.headers.get('location'), `/ari/playbacks/${res.body.id as string}`)
  t.match(play?.headers.get('Location'), /^\/ari\/playbacks\//)
  const started = await w.events.next()
  t.equal(started.type, 'PlaybackStarted')
  t.same(shape(started), shape(capturedEvent('02_answer_play', 'PlaybackStarted')))
  t.equal(started.playback.state, 'playing')
  const playing = await w.http.get(`/playbacks/${res.body.id as string}`)
  t.equal(playing.status, getPlaying?.status)
  t.equal(playing.body.state, getPlaying?.body.state)
  t.equal((await w.http.delete(`/playbacks/${res.body.id as string}`)).status, 204)
  const finished = await w.events.next()
  t.equal(finished.type, 'PlaybackFinished')
  t.equal(finished.playback.state, 'done', 'a stopped playback reads done')
  const gone = await w.http.get(`/playbacks/${res.body.id as string}`)
  t.equal(gone.status, getGone?.status)
  t.same(gone.body, getGone?.body)

  // A playback that runs to its end.
  const beep = await w.http.post(`/channels/${a.id}/play?media=sound:beep`)
  const order = await w.events.until((e) => e.type === 'PlaybackFinished')
  t.same(types(order), types(capturedEvents('02_answer_play').slice(1).map((c) => c.event)))
  t.equal(order[1]?.playback.id, beep.body.id)
  t.equal(order[1]?.playback.state, capturedEvent('02_answer_play', 'PlaybackFinished').playback.state)
})

void t.test('03 dtmf: ChannelDtmfReceived with digit and duration_ms', async (t) => {
  const w = await world(t)
  const a = await answered(w)
  a.call.sendDtmf('12')
  const real = capturedEvents('03_dtmf').slice(0, 2).map((c) => c.event)
  for (const want of real) {
    const got = await w.events.next()
    t.same(shape(got), shape(want))
    t.equal(got.digit, want.digit)
    t.equal(got.duration_ms, want.duration_ms, 'RFC 4733 digits from the model last 280 ms')
  }
})

void t.test('04 originate answered: 200 Down, Dial "" → RINGING → ANSWER, STASISSTATUS, StasisStart ["dialed"]', async (t) => {
  const w = await world(t)
  const [post, get] = capturedHttp('04_originate_answered')
  const res = await w.http.post(replay(post?.path ?? '', {}))
  t.equal(res.status, post?.status)
  t.same(shape(res.body), shape(post?.body))
  t.equal(res.body.state, 'Down')
  t.same(res.body.caller, post?.body.caller)
  t.same(res.body.connected, post?.body.connected)
  t.same(res.body.dialplan.app_name, post?.body.dialplan.app_name)
  t.match(res.body.id, /^\d+\.\d+$/, 'an Asterisk uniqueid')
  t.match(res.body.name, /^PJSIP\/spec-answer-[0-9a-f]{8}$/)
  const events = await w.events.until((e) => e.type === 'StasisStart')
  const real = capturedEvents('04_originate_answered').map((c) => c.event)
  t.same(types(events), types(real))
  t.same(events.filter((e) => e.type === 'Dial').map((e) => e.dialstatus), real.filter((e) => e.type === 'Dial').map((e) => e.dialstatus))
  t.same(events.filter((e) => e.type === 'Dial').map((e) => e.dialstring), real.filter((e) => e.type === 'Dial').map((e) => e.dialstring))
  events.forEach((event, i) => { t.same(shape(event), shape(real[i] ?? {}), `${event.type as string} has the captured keys`) })
  const start = events[events.length - 1] ?? {}
  t.same(start.args, ['dialed'])
  t.equal(start.channel.state, 'Up')
  t.same(start.channel.dialplan, { ...real[real.length - 1]?.channel.dialplan, context: start.channel.dialplan.context })
  t.equal((await w.http.get(`/channels/${res.body.id as string}`)).status, get?.status)
})

void t.test('05 originate busy: Dial "" → HangupRequest 17 → Dial BUSY → Destroyed 17 "User busy", then 404', async (t) => {
  const w = await world(t)
  const [post, get] = capturedHttp('05_originate_busy')
  const res = await w.http.post(replay(post?.path ?? '', {}))
  t.equal(res.status, 200)
  const events = await w.events.until((e) => e.type === 'ChannelDestroyed')
  const real = capturedEvents('05_originate_busy').map((c) => c.event)
  t.same(types(events), types(real))
  events.forEach((event, i) => { t.same(shape(event), shape(real[i] ?? {}), `${event.type as string} has the captured keys`) })
  for (const [i, event] of events.entries()) {
    for (const key of ['dialstatus', 'cause', 'cause_txt', 'tech_cause']) t.equal(event[key], real[i]?.[key], `${event.type as string} ${key}`)
  }
  const after = await w.http.get(`/channels/${res.body.id as string}`)
  t.equal(after.status, get?.status)
  t.same(after.body, get?.body)
})

void t.test('06 originate unanswered: Dial "", RINGING, Destroyed 19 with no request and no final Dial', async (t) => {
  const w = await world(t)
  const [post] = capturedHttp('06_originate_noanswer')
  await w.http.post(replay(post?.path ?? '', {}))
  const events = await w.events.until((e) => e.type === 'ChannelDestroyed')
  const real = capturedEvents('06_originate_noanswer').map((c) => c.event)
  // Where ChannelStateChange(Ringing) falls among the Dial events differed between real runs.
  const noState = (list: Json[]): string[] => types(list).filter((type) => type !== 'ChannelStateChange')
  t.same(noState(events), noState(real))
  t.same(events.filter((e) => e.type === 'ChannelStateChange').map((e) => e.channel.state), ['Ringing'])
  const destroyed = events[events.length - 1] ?? {}
  const want = real[real.length - 1] ?? {}
  t.same([destroyed.cause, destroyed.cause_txt, destroyed.tech_cause, destroyed.channel.state], [want.cause, want.cause_txt, want.tech_cause, want.channel.state])
})

void t.test('07 bridge: mixing bridge, technology by membership, peers and connected lines', async (t) => {
  const w = await world(t)
  const http = capturedHttp('07_bridge')
  const a = await answered(w)
  const b = await originated(w, '8101', 'dialed')
  const created = await w.http.post('/bridges?type=mixing')
  const realBridge = http[0]?.body
  t.equal(created.status, http[0]?.status)
  t.same(shape(created.body), shape(realBridge))
  for (const key of ['technology', 'bridge_type', 'bridge_class', 'creator', 'name', 'channels', 'video_mode']) t.same(created.body[key], realBridge[key], key)
  const bridge = created.body.id as string
  const ids = { '21b955c9-73b9-486c-a5ff-7924649fb49d': bridge, '1795344471.18': a.id, '1795344483.19': b }
  const label = new Map([[a.id, 'A'], [b, 'B']])
  const from = w.events.events.length

  t.equal((await w.http.post(replay(http[1]?.path ?? '', ids))).status, http[1]?.status)
  t.equal((await w.http.post(replay(http[2]?.path ?? '', ids))).status, http[2]?.status)
  t.equal((await w.http.get(`/bridges/${bridge}`)).body.technology, http[3]?.body.technology, 'two members: native_rtp')
  const c = await originated(w, '8102', 'third')
  label.set(c, 'C')
  t.equal((await w.http.post(`/bridges/${bridge}/addChannel?channel=${c}`)).status, 204)
  t.equal((await w.http.get(`/bridges/${bridge}`)).body.technology, http[6]?.body.technology, 'three members: softmix')
  t.equal((await w.http.post(`/bridges/${bridge}/removeChannel?channel=${c}`)).status, 204)
  const after = await w.http.get(`/bridges/${bridge}`)
  t.equal(after.body.technology, http[8]?.body.technology, 'back to two: native_rtp')
  t.same(after.body.channels, [a.id, b])
  t.same((await w.http.get('/bridges')).body.map((x: Json) => x.id), [bridge])

  const events = w.events.events.slice(from, await settle(w, a.id))
  const real = capturedEvents('07_bridge').map((e) => e.event)
  t.same(withoutVarset(types(events)), withoutVarset(types(real)))
  const entered = (list: Json[]): Json[] => list.filter((e) => e.type === 'ChannelEnteredBridge' || e.type === 'ChannelLeftBridge')
  t.same(entered(events).map((e) => [e.bridge.technology, e.bridge.channels.map((id: string) => label.get(id))]),
    entered(real).map((e) => [e.bridge.technology, e.bridge.channels.map((id: string) => ({ '1795344471.18': 'A', '1795344483.19': 'B', '1795344495.22': 'C' } as Json)[id])]),
    'each event shows the technology before the change and the new channel list')
  const connected = events.filter((e) => e.type === 'ChannelConnectedLine')
  const realConnected = real.filter((e) => e.type === 'ChannelConnectedLine')
  t.same(connected.map((e) => e.channel.connected), realConnected.map((e) => e.channel.connected), 'each party sees the other as connected line')
  // The bridge variables, values and all, with names and Call-IDs read as channel labels.
  const names = new Map<string, string>()
  for (const e of [...events, ...real]) if (e.channel !== undefined) names.set(e.channel.name, e.channel.id)
  const ours = new Map([...label].flatMap(([id, l]) => [[id, l], [w.events.events.find((e) => e.channel?.id === id)?.channel.protocol_id, l]]))
  const theirs = new Map<string, string>([['1795344471.18', 'A'], ['1795344483.19', 'B'], ['1795344495.22', 'C'],
    ['1-15932@127.0.0.1', 'A'], ['295eaad1-6a78-4cce-b23b-fed123a173e2', 'B']])
  const vars = (list: Json[], labels: Map<unknown, string>): string[] => [...new Set(list.filter((e) => e.type === 'ChannelVarset').map((e) => {
    const value = (e.value as string).split(',').map((part) => labels.get(names.get(part) ?? part) ?? part).join(',')
    return `${labels.get(e.channel.id) ?? '?'} ${e.variable as string}=${value}`
  }))].sort()
  t.same(vars(events.filter((e) => e.variable !== 'STASISSTATUS'), ours), vars(real.filter((e) => e.variable !== 'STASISSTATUS'), theirs))
})

void t.test('08 create + dial: answered gives ANSWER; busy and no answer give no final Dial', async (t) => {
  const w = await world(t)
  const http = capturedHttp('08_create_dial')
  const groups = byChannel('08_create_dial')
  for (const [i, terminal] of [[0, 'Dial'], [1, 'ChannelDestroyed'], [2, 'ChannelDestroyed']] as const) {
    const create = http.filter((h) => h.path.includes('/create'))[i]
    const res = await w.http.post(replay(create?.path ?? '', {}))
    t.equal(res.status, create?.status)
    t.same(shape(res.body), shape(create?.body))
    t.same([res.body.state, res.body.caller, res.body.dialplan.app_name], [create?.body.state, create?.body.caller, create?.body.dialplan.app_name])
    const id = res.body.id as string
    const before = await w.events.until((e) => e.type === 'StasisStart')
    t.equal((await w.http.post(`/channels/${id}/dial?timeout=10`)).status, 204)
    const rest = await w.events.until((e) => e.type === terminal && (terminal !== 'Dial' || e.dialstatus === 'ANSWER'))
    const events = [...before, ...rest]
    const real = groups[i] ?? []
    t.same(types(events), types(real), `${create?.path ?? ''}`)
    t.same(events.map((e) => e.dialstatus ?? e.variable ?? e.cause), real.map((e) => e.dialstatus ?? e.variable ?? e.cause))
    t.same(events.filter((e) => e.type === 'Dial').map((e) => e.dialstring), real.filter((e) => e.type === 'Dial').map((e) => e.dialstring))
    t.same(events.map((e) => e.channel?.state ?? e.peer?.state), real.map((e) => e.channel?.state ?? e.peer?.state))
    const destroyed = events.find((e) => e.type === 'ChannelDestroyed')
    if (destroyed !== undefined) {
      const want = real.find((e) => e.type === 'ChannelDestroyed') ?? {}
      t.same([destroyed.cause, destroyed.cause_txt, destroyed.tech_cause, destroyed.channel.dialplan.app_name],
        [want.cause, want.cause_txt, want.tech_cause, want.channel.dialplan.app_name])
      t.equal((await w.http.get(`/channels/${id}`)).status, 404)
    }
  }
})

void t.test('09 hangup: 32 soft always; the reason shows in ChannelDestroyed; dialplan channels get none', async (t) => {
  const w = await world(t)
  const real = byChannel('09_hangup')
  const a = await answered(w)
  const b = await originated(w, '8101', 'dialed')
  const created = await w.http.post('/bridges?type=mixing')
  await w.http.post(`/bridges/${created.body.id as string}/addChannel?channel=${a.id},${b}`)
  const c = await originated(w, '8102', 'third')
  const e = (await w.http.post('/channels/create?endpoint=PJSIP%2F8103%40spec-answer&app=hotline')).body.id as string
  await w.events.take('StasisStart', e)
  await w.http.post(`/channels/${e}/dial?timeout=10`)
  await w.events.until((x) => x.type === 'Dial' && x.dialstatus === 'ANSWER')

  const check = async (id: string, reason: string, want: Json[], last: string): Promise<Json[]> => {
    t.equal((await w.http.delete(`/channels/${id}?reason=${reason}`)).status, 204)
    const got = (await w.events.until((x) => x.type === last && channelOf(x) === id)).filter((x) => channelOf(x) === id)
    t.same(withoutVarset(types(got)), withoutVarset(types(want)), `${reason}: ${withoutVarset(types(want)).join(', ')}`)
    const request = got.find((x) => x.type === 'ChannelHangupRequest') ?? {}
    const wantRequest = want.find((x) => x.type === 'ChannelHangupRequest') ?? {}
    t.same(request.cause, wantRequest.cause)
    t.same(request.soft, wantRequest.soft)
    return got
  }
  const cGot = await check(c, 'normal', real[0] ?? [], 'ChannelDestroyed')
  t.same(cGot.filter((x) => x.type === 'ChannelVarset').map((x) => `${x.variable as string}=${x.value as string}`), ['STASISSTATUS=SUCCESS'])
  const eGot = await check(e, 'busy', real[1] ?? [], 'ChannelDestroyed')
  const eWant = (real[1] ?? []).find((x) => x.type === 'ChannelDestroyed') ?? {}
  const eDestroyed = eGot[eGot.length - 1] ?? {}
  t.same([eDestroyed.cause, eDestroyed.cause_txt, eDestroyed.tech_cause], [eWant.cause, eWant.cause_txt, eWant.tech_cause])

  const d = await caller(w, '5552000', 'SIPp Caller2')
  t.equal(d.start.channel.state, 'Ring')
  await check(d.id, 'busy', (real[2] ?? []).slice(1), 'StasisEnd')
  t.equal((await d.call.ended).cause, 'USER_BUSY', 'the caller is refused busy (486)')
  const bGot = await check(b, 'normal', real[3] ?? [], 'ChannelDestroyed')
  t.equal(w.events.events.filter((x) => x.type === 'ChannelDestroyed' && channelOf(x) === d.id).length, 0, 'no ChannelDestroyed for the dialplan channel')
  t.same(bGot.find((x) => x.type === 'ChannelLeftBridge')?.bridge.channels, [a.id])
  const bDestroyed = bGot[bGot.length - 1] ?? {}
  t.same([bDestroyed.cause, bDestroyed.cause_txt, bDestroyed.channel.dialplan.app_name], [16, 'Normal Clearing', 'AppDial2'])
})

void t.test('10 errors: the captured status codes and bodies', async (t) => {
  const w = await world(t)
  const a = await answered(w)
  const bridge = (await w.http.post('/bridges?type=mixing')).body.id as string
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${a.id}`)
  await w.events.take('ChannelEnteredBridge')
  const ids = { '21b955c9-73b9-486c-a5ff-7924649fb49d': bridge, '1795344471.18': a.id }
  const exchanges = capturedHttp('10_errors')
  for (const want of exchanges.slice(0, -1)) {
    const got = await w.http.request(want.method, replay(want.path, ids))
    t.equal(got.status, want.status, `${want.method} ${want.path}`)
    t.same(got.body, want.body, `${want.method} ${want.path} body`)
    if (want.headers.has('Allow')) t.equal(got.headers.get('allow'), want.headers.get('Allow'))
  }
  const missing = exchanges[exchanges.length - 1]
  const played = await w.http.post(replay(missing?.path ?? '', ids))
  t.equal(played.status, missing?.status, 'a missing sound is still 201')
  t.same(shape(played.body), shape(missing?.body))
  const events = await w.events.until((e) => e.type === 'PlaybackFinished')
  const real = capturedEvents('10_errors').map((c) => c.event)
  t.same(events.map((e) => [e.type, e.playback.state]), real.map((e) => [e.type, e.playback.state]))
})

void t.test('11 applications: the app keeps its channels while its socket is closed; nothing is replayed', async (t) => {
  const w = await world(t)
  const http = capturedHttp('11_applications')
  const a = await answered(w)
  const bridge = (await w.http.post('/bridges?type=mixing')).body.id as string
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${a.id}`)
  const app = await w.http.get('/applications/hotline')
  t.same(shape(app.body), shape(http[0]?.body))
  t.same([app.body.channel_ids, app.body.bridge_ids], [[a.id], [bridge]])
  t.same((await w.http.get('/applications')).body, [app.body])
  await w.events.close()
  t.same((await w.http.get('/applications/hotline')).body, app.body, 'still owned with the socket closed')
  const played = next(w.model, isType('playback-finished', a.id))
  const lost = await w.http.post(`/channels/${a.id}/play?media=sound:beep`)
  t.equal(lost.status, http[5]?.status)
  await played
  t.same((await w.http.get('/channels')).body.map((c: Json) => c.id), [a.id])

  const again = await EventSocket.open(t, w.url)
  const fresh = await w.http.post(`/channels/${a.id}/play?media=sound:beep`)
  const first = await again.next()
  t.same([first.type, first.playback.id], ['PlaybackStarted', fresh.body.id], 'the first event after reconnecting is new')
  t.equal((await again.next()).type, 'PlaybackFinished')
})

void t.test('12 cleanup: bad reason 400; the caller ends with StasisEnd only; BridgeDestroyed', async (t) => {
  const w = await world(t)
  const http = capturedHttp('12_cleanup')
  const a = await answered(w)
  const bridge = (await w.http.post('/bridges?type=mixing')).body.id as string
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${a.id}`)
  await w.events.take('ChannelEnteredBridge')
  const bad = await w.http.delete(`/channels/${a.id}?reason=bogus`)
  t.equal(bad.status, http[0]?.status)
  t.same(bad.body, http[0]?.body)
  t.equal((await w.http.delete(`/channels/${a.id}`)).status, http[1]?.status)
  const events = await w.events.until((e) => e.type === 'StasisEnd')
  const real = capturedEvents('12_cleanup').map((e) => e.event)
  t.same(withoutVarset(types(events)), withoutVarset(types(real)).slice(0, -1))
  t.same(events.find((e) => e.type === 'ChannelLeftBridge')?.bridge.channels, [])
  t.equal((await w.http.delete(`/bridges/${bridge}`)).status, http[2]?.status)
  const destroyed = await w.events.next()
  t.equal(destroyed.type, 'BridgeDestroyed', 'no ChannelDestroyed for the dialplan channel came first')
  t.same(shape(destroyed), shape(real[real.length - 1] ?? {}))
  t.same((await w.http.get('/channels')).body, http[3]?.body)
  t.same((await w.http.get('/bridges')).body, http[4]?.body)
  t.same((await w.http.get('/applications/hotline')).body, http[5]?.body)
})
