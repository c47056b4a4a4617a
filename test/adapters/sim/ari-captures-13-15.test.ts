// The ARI side against what the real Asterisk 22.10.1 did on 2026-12-06 with the project's
// controller driving it (test/fixtures/captures/asterisk-22.10.1/ 13_transfer_hunt.txt,
// 15_bye_while_bridged_and_double_delete.txt) and the SIP INFO digits of 03_dtmf.txt: the answer's
// state change before its 204, a ring timeout on time, a channel DELETEd twice, and what a caller's
// BYE while bridged raises.
/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- bodies and events are JSON off the wire, read field by field */
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { ASTERISK_CAPTURE_INSTALL } from '../../fixtures/capture-installs.js'
import {
  EventSocket, capturedEvent, capturedEvents, channelOf, shape, startAri, PASSWORD, USER, type Json, type Started
} from './ari-harness.js'

interface World extends Started { events: EventSocket }

/** The controller's world of 13–15: callers, agent01 behind its own endpoint, the department trunk. */
async function world (t: Test, timeScale = 0.01): Promise<World> {
  const started = await startAri(t, { install: ASTERISK_CAPTURE_INSTALL, timeScale }, { trunks: ['department', 'agent01'] })
  started.model.defineEndpoint('8001', { kind: 'answer', afterMs: 1000 })
  started.model.defineEndpoint('02155010001', { kind: 'answer', afterMs: 1000 })
  started.model.defineEndpoint('02155010002', { kind: 'busy' })
  started.model.defineEndpoint('02155010003', { kind: 'no-answer' })
  return { ...started, events: await EventSocket.open(t, started.url) }
}

async function inStasis (w: World): Promise<string> {
  const call = w.model.placeCall({ from: '13812345678', to: '12345', callerIdName: 'Caller' })
  await w.events.take('StasisStart', call.channel.id)
  return call.channel.id
}

async function dialled (w: World, endpoint: string, timeout = 20): Promise<string> {
  const res = await w.http.post(`/channels?endpoint=${encodeURIComponent(endpoint)}&app=hotline&appArgs=dialed&callerId=12345&timeout=${timeout}`)
  return res.body.id as string
}

/** The caller answered and bridged with agent01, as the controller leaves them before a transfer. */
async function bridged (w: World): Promise<{ caller: string, agent: string, bridge: string }> {
  const caller = await inStasis(w)
  await w.http.post(`/channels/${caller}/answer`)
  const agent = await dialled(w, 'PJSIP/8001@agent01')
  await w.events.take('StasisStart', agent)
  const bridge = (await w.http.post('/bridges?type=mixing')).body.id as string
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${caller}`)
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${agent}`)
  await w.events.until((e) => e.type === 'ChannelEnteredBridge' && channelOf(e) === agent)
  return { caller, agent, bridge }
}

/** Two requests written in one go, as the controller sent its two DELETEs (15 part A); the replies' statuses. */
async function pipelined (url: string, requests: string[]): Promise<number[]> {
  const { port } = new URL(url)
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
  const socket = connect(Number(port), '127.0.0.1')
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  await new Promise<void>((resolve) => { socket.once('connect', resolve) })
  socket.write(requests.map((line) => `${line} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic ${auth}\r\n\r\n`).join(''))
  for (let i = 0; i < 500 && [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].length < requests.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  socket.destroy()
  return [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]))
}

const captured = (name: string, type: string, match: (e: Json) => boolean): Json => capturedEvent(name, type, match)

void t.test('13: ChannelStateChange Up is on the socket before the 204 of answer', async (t) => {
  const w = await world(t)
  const caller = await inStasis(w)
  const res = await w.http.post(`/channels/${caller}/answer`)
  t.equal(res.status, 204)
  // Raised while Asterisk handles the request, so written to the socket before the reply
  // (13: ChannelStateChange 16.857, 204 16.859; 14: 30.910, 30.911).
  const up = w.events.events.find((e) => e.type === 'ChannelStateChange' && channelOf(e) === caller)
  t.equal(up?.channel.state, 'Up', 'already received when the 204 arrives')
})

void t.test('13: an originate that rings out ends on time, ChannelDestroyed 19 at its timeout', async (t) => {
  const w = await world(t, 0.05)
  const id = await dialled(w, 'PJSIP/02155010003@department', 20)
  const destroyed = await w.events.take('ChannelDestroyed', id)
  const real = captured('13_transfer_hunt', 'ChannelDestroyed', (e) => e.cause === 19)
  t.same([destroyed.cause, destroyed.cause_txt, destroyed.tech_cause], [real.cause, real.cause_txt, real.tech_cause])
  const after = Date.parse(destroyed.timestamp.replace('+0000', 'Z')) - Date.parse(destroyed.channel.creationtime.replace('+0000', 'Z'))
  // 13: 20.02 s after creationtime for timeout=20 (FreeSWITCH gives up half a second early; Asterisk does not).
  t.ok(after >= w.model.scaled(20_000) - 2, `destroyed ${after} ms after creation, timeout ${w.model.scaled(20_000)} ms`)
})

void t.test('15 A: a channel DELETEd twice: 204 twice, a request for each, one ChannelDestroyed, then 404', async (t) => {
  const w = await world(t)
  const { agent, bridge } = await bridged(w)
  await w.http.post(`/bridges/${bridge}/removeChannel?channel=${agent}`)
  await w.events.take('ChannelLeftBridge', agent)
  const from = w.events.events.length
  const statuses = await pipelined(w.url, [`DELETE /ari/channels/${agent}?reason=normal`, `DELETE /ari/channels/${agent}?reason=normal`])
  t.same(statuses, [204, 204], 'both answered 204 (15 A: 22:42:55.284 and .286)')
  await w.events.take('ChannelDestroyed', agent)
  const got = w.events.events.slice(from).filter((e) => channelOf(e) === agent && e.type !== 'ChannelVarset')
  // Where the second request falls beside StasisEnd is when the second DELETE arrived (15 A
  // shows only that it arrived before ChannelDestroyed).
  t.same(got.map((e) => e.type).sort(), ['ChannelDestroyed', 'ChannelHangupRequest', 'ChannelHangupRequest', 'StasisEnd'])
  t.same(got.filter((e) => e.type === 'ChannelHangupRequest').map((e) => [e.cause, e.soft]), [[32, true], [32, true]])
  const destroyed = got[got.length - 1] ?? {}
  t.same([destroyed.type, destroyed.cause, destroyed.cause_txt], ['ChannelDestroyed', 16, 'Normal Clearing'], 'destroyed once, last')
  const third = await w.http.delete(`/channels/${agent}?reason=normal`)
  t.same([third.status, third.body], [404, { message: 'Channel not found' }], 'after ChannelDestroyed: 404 (14: 47.361)')
})

void t.test('15 B, C: the caller\'s BYE while bridged: a request with no cause and no soft field', async (t) => {
  const w = await world(t)
  const { caller, agent } = await bridged(w)
  const ringing = await dialled(w, 'PJSIP/02155010003@department')
  await w.events.until((e) => e.type === 'Dial' && e.dialstatus === 'RINGING')
  // The caller's BYE (the far end hangs up an answered call).
  w.model.hangup(caller, 'NORMAL_CLEARING', 'remote')
  const ended = await w.events.until((e) => e.type === 'StasisEnd' && channelOf(e) === caller)
  const request = ended.find((e) => e.type === 'ChannelHangupRequest') ?? {}
  const real = captured('15_bye_while_bridged_and_double_delete', 'ChannelHangupRequest', (e) => e.cause === undefined)
  t.same(shape(request), shape(real), 'the captured keys: no cause, no soft')
  t.same(ended.filter((e) => e.type !== 'ChannelVarset').map((e) => e.type), ['ChannelHangupRequest', 'ChannelLeftBridge', 'StasisEnd'])

  // C: the controller then hangs up the transfer leg still ringing, and the agent.
  t.equal((await w.http.delete(`/channels/${ringing}?reason=normal`)).status, 204)
  const leg = (await w.events.until((e) => e.type === 'ChannelDestroyed' && channelOf(e) === ringing)).filter((e) => channelOf(e) === ringing)
  t.same(leg.map((e) => [e.type, e.cause ?? e.dialstatus, e.soft]),
    [['ChannelHangupRequest', 32, true], ['Dial', 'NOANSWER', undefined], ['ChannelDestroyed', 16, undefined]])
  const realLeg = capturedEvents('15_bye_while_bridged_and_double_delete').map((c) => c.event)
    .filter((e) => channelOf(e) === 'c6172c05-fc04-4c11-9c04-429d67053b14' || e.peer?.name === 'PJSIP/department-00000005')
  t.same(leg.map((e) => e.type), realLeg.map((e) => e.type))
  t.equal((await w.http.delete(`/channels/${agent}?reason=normal`)).status, 204)
  // 15 C: the agent's request, bridge exit and StasisEnd came before the DELETE's 204.
  t.ok(w.events.events.some((e) => e.type === 'StasisEnd' && channelOf(e) === agent), 'StasisEnd is in before the 204')
  await w.events.take('ChannelDestroyed', agent)
})

void t.test('15 D: the same BYE after the caller once left the bridge carries cause 16', async (t) => {
  const w = await world(t)
  const { caller, bridge } = await bridged(w)
  await w.http.post(`/bridges/${bridge}/removeChannel?channel=${caller}`)
  await w.http.post(`/bridges/${bridge}/addChannel?channel=${caller}`)
  await w.events.until((e) => e.type === 'ChannelEnteredBridge' && channelOf(e) === caller)
  w.model.hangup(caller, 'NORMAL_CLEARING', 'remote')
  const request = await w.events.take('ChannelHangupRequest', caller)
  const real = captured('15_bye_while_bridged_and_double_delete', 'ChannelHangupRequest', (e) => e.cause === 16)
  t.same([request.cause, request.soft], [16, undefined])
  t.same(shape(request), shape(real))
})

void t.test('03: digits sent as SIP INFO are ChannelDtmfReceived too, with the INFO\'s duration', async (t) => {
  const w = await world(t)
  // 03: SIPp keyed 1, 2 as RFC 4733 and 3, # as SIP INFO (application/dtmf-relay) once answered.
  const call = w.model.placeCall({
    from: '5551000', to: '12345', dtmf: [{ afterAnswerMs: 100, digits: '3#', via: 'info' }]
  })
  const caller = call.channel.id
  await w.events.take('StasisStart', caller)
  await w.http.post(`/channels/${caller}/answer`)
  const real = capturedEvents('03_dtmf').map((c) => c.event).filter((e) => e.type === 'ChannelDtmfReceived').slice(2)
  for (const want of real) {
    const got = await w.events.take('ChannelDtmfReceived', caller)
    t.same([got.digit, got.duration_ms], [want.digit, want.duration_ms], `${want.digit as string}: duration_ms ${want.duration_ms as number}`)
  }
})
