// Asterisk restarted with calls up, as capture 14_restart_mid_dial.txt shows it
// (test/fixtures/captures/asterisk-22.10.1/): every channel gets ChannelHangupRequest cause 4
// soft; the ringing transfer leg Dial NOANSWER and ChannelDestroyed 0 "Unknown"; the bridged
// legs ChannelLeftBridge and StasisEnd, the ARI-made one ChannelDestroyed 16; REST still answers
// (a new channel 500 Allocation failed, the destroyed one 404, the bridge 204); 1.1 s later the
// WebSocket drops without a close frame; connections are refused, then answered 503, until
// Asterisk is back, with nothing of before.
/* eslint-disable @typescript-eslint/no-unsafe-return -- events are JSON off the wire, read field by field */
import t from 'tap'
import { WebSocket } from 'ws'
import { ASTERISK_CAPTURE_INSTALL } from '../../fixtures/capture-installs.js'
import { EventSocket, capturedEvent, capturedHttp, channelOf, shape, startAri, PASSWORD, USER, type Json } from './ari-harness.js'

const TIME_SCALE = 0.2

/** What an events WebSocket connect gets: open, refused, or the status an upgrade was refused with. */
async function tryEvents (url: string): Promise<string> {
  return await new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ari/events?app=hotline&api_key=${USER}:${PASSWORD}`)
    ws.once('open', () => { ws.terminate(); resolve('open') })
    ws.once('unexpected-response', (_req, res) => { resolve(String(res.statusCode)); ws.terminate() })
    ws.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? 'error') })
  })
}

void t.test('14: Asterisk restarted with a transfer leg ringing', async (t) => {
  const w = await startAri(t, { install: ASTERISK_CAPTURE_INSTALL, timeScale: TIME_SCALE }, { trunks: ['department', 'agent01'] })
  w.model.defineEndpoint('8001', { kind: 'answer', afterMs: 200 })
  w.model.defineEndpoint('02155010003', { kind: 'no-answer' })
  const events = await EventSocket.open(t, w.url)
  const caller = w.model.placeCall({ from: '13812345678', to: '12345', callerIdName: 'Caller' })
  await events.take('StasisStart', caller.channel.id)
  await w.http.post(`/channels/${caller.channel.id}/answer`)
  const agent = (await w.http.post('/channels?endpoint=PJSIP%2F8001%40agent01&app=hotline&appArgs=dialed&callerId=12345&timeout=20')).body.id as string
  await events.take('StasisStart', agent)
  const bridge = (await w.http.post('/bridges?type=mixing')).body.id as string
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${caller.channel.id}`)
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${agent}`)
  const ringing = (await w.http.post('/channels?endpoint=PJSIP%2F02155010003%40department&app=hotline&appArgs=dialed&callerId=12345&timeout=20')).body.id as string
  await events.until((e) => e.type === 'Dial' && e.dialstatus === 'RINGING')
  const before = events.events.length
  const closed = new Promise<{ code: number, at: number }>((resolve) => { events.ws.once('close', (code) => { resolve({ code, at: Date.now() }) }) })

  const shutdownAt = Date.now()
  const up = w.model.restart()
  const ended = (e: Json): boolean => (e.type === 'StasisEnd' && channelOf(e) === caller.channel.id) ||
    (e.type === 'ChannelDestroyed' && [agent, ringing].includes(channelOf(e) ?? ''))
  for (let i = 0; i < 500 && events.events.slice(before).filter(ended).length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 2))
  const got = events.events.slice(before)
  const real = (type: string, match: (e: Json) => boolean = () => true): Json => capturedEvent('14_restart_mid_dial', type, match)

  const requests = got.filter((e) => e.type === 'ChannelHangupRequest')
  t.same(got.slice(0, 3).map((e) => e.type), ['ChannelHangupRequest', 'ChannelHangupRequest', 'ChannelHangupRequest'], 'every request before anything else')
  t.same(requests.map((e) => channelOf(e)).sort(), [caller.channel.id, agent, ringing].sort(), 'one for each channel')
  for (const request of requests) {
    t.same([request.cause, request.soft], [4, true], 'cause 4 (AST_SOFTHANGUP_SHUTDOWN), soft')
    t.same(shape(request), shape(real('ChannelHangupRequest', (e) => e.cause === 4)), 'the captured keys')
  }
  const of = (id: string): string[] => got.filter((e) => channelOf(e) === id && e.type !== 'ChannelVarset').map((e) => e.type)
  t.same(of(ringing), ['ChannelHangupRequest', 'Dial', 'ChannelDestroyed'])
  t.equal(got.find((e) => e.type === 'Dial')?.dialstatus, 'NOANSWER', 'the ringing leg: Dial NOANSWER')
  const destroyed = got.find((e) => e.type === 'ChannelDestroyed' && channelOf(e) === ringing) ?? {}
  const realDestroyed = real('ChannelDestroyed', (e) => e.cause === 0)
  t.same([destroyed.cause, destroyed.cause_txt, destroyed.channel?.state], [0, 'Unknown', 'Ringing'], 'destroyed with no cause: 0 "Unknown"')
  t.same(shape(destroyed), shape(realDestroyed))
  t.same(of(agent), ['ChannelHangupRequest', 'ChannelLeftBridge', 'StasisEnd', 'ChannelDestroyed'])
  t.same(got.filter((e) => e.type === 'ChannelDestroyed' && channelOf(e) === agent).map((e) => [e.cause, e.cause_txt]), [[16, 'Normal Clearing']])
  t.same(of(caller.channel.id), ['ChannelHangupRequest', 'ChannelLeftBridge', 'StasisEnd'], 'the dialplan channel: no ChannelDestroyed')

  // REST still answers while Asterisk shuts down (14: 47.356–47.363).
  const http = capturedHttp('14_restart_mid_dial')
  const wanted = (method: string, path: RegExp): Json => http.find((h) => h.method === method && path.test(h.path)) ?? {}
  const post = await w.http.post('/channels?endpoint=PJSIP%2F02155010001%40department&app=hotline&appArgs=dialed&callerId=12345&timeout=20')
  t.same([post.status, post.body], [wanted('POST', /02155010001/).status, { error: 'Allocation failed' }], 'a new channel: 500 Allocation failed')
  const gone = await w.http.delete(`/channels/${agent}?reason=normal`)
  t.same([gone.status, gone.body], [404, wanted('DELETE', /\/channels\//).body], 'the destroyed agent leg: 404')
  t.equal((await w.http.delete(`/bridges/${bridge}`)).status, 204)
  t.equal((await events.take('BridgeDestroyed')).bridge.id, bridge)

  const { code, at } = await closed
  t.equal(code, 1006, 'the WebSocket ends without a close frame')
  t.ok(at - shutdownAt >= w.model.scaled(1100) - 5, `dropped ${at - shutdownAt} ms after the shutdown (1.1 s × ${TIME_SCALE})`)
  const seen: string[] = []
  for (let i = 0; i < 400 && seen[seen.length - 1] !== 'open'; i++) {
    const outcome = await tryEvents(w.url)
    if (seen[seen.length - 1] !== outcome) seen.push(outcome)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  t.same(seen, ['ECONNREFUSED', '503', 'open'], 'refused, then 503 while booting, then accepted')
  t.equal(await up, true)
  await w.server.settled()
  await EventSocket.open(t, w.url)
  const app = await w.http.get('/applications/hotline')
  t.same([app.status, app.body.channel_ids, app.body.bridge_ids], [200, [], []], 'nothing of before')
})

void t.test('while booting, REST answers 503 "Asterisk not booted" to authenticated requests only', async (t) => {
  const w = await startAri(t, { install: ASTERISK_CAPTURE_INSTALL, timeScale: 1 })
  w.model.shutdown()
  await w.server.settled()
  w.model.start()
  // Bound again before it is fully booted.
  let res = await w.http.get('/asterisk/info').catch(() => undefined)
  for (let i = 0; res === undefined && i < 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    res = await w.http.get('/asterisk/info').catch(() => undefined)
  }
  t.same([res?.status, res?.body], [503, { message: 'Asterisk not booted' }])
  t.equal((await w.http.request('GET', '/asterisk/info', { auth: null })).status, 401, 'credentials are checked first')
  await w.server.settled()
  t.equal((await w.http.get('/asterisk/info')).status, 200)
})
