// What Asterisk said, read back from ari-client's rejections (which keep the body, not the
// status), and the event frames as they come off the socket.
import t from 'tap'
import { AriReplyError, isGone, replyText } from '../../../src/adapters/asterisk/ari-rest.js'
import { argsOf, bridgeOf, causeOf, channelOf, parseEvent, playbackOf } from '../../../src/adapters/asterisk/ari-events.js'
import { eventsUrl } from '../../../src/adapters/asterisk/ari-event-socket.js'

void t.test('reply texts from ari-client rejections (bodies as in captures 10_errors.txt)', async (t) => {
  t.equal(replyText(new Error('{"message":"Channel not found"}')), 'Channel not found')
  t.equal(replyText(new Error('{"error":"Allocation failed"}')), 'Allocation failed', 'the originate 500 uses `error`')
  t.equal(replyText(new Error('socket hang up')), 'socket hang up')
  t.equal(replyText({ status: 503, data: '' }), 'HTTP 503', 'a reply without body keeps its status')
  t.equal(replyText('401 : Unauthorized http://127.0.0.1/ari/api-docs/resources.json'), '401 : Unauthorized http://127.0.0.1/ari/api-docs/resources.json')
})

void t.test('a vanished channel is a call that ended; other refusals are command errors', async (t) => {
  const gone = new AriReplyError('play', 'Channel not found', undefined)
  t.equal(gone.code, 'HC_CALL_GONE')
  t.equal(isGone(gone), true)
  t.equal(new AriReplyError('answer', 'Channel not in Stasis application', undefined).code, 'HC_CALL_GONE')
  const bridge = new AriReplyError('get bridge', 'Bridge not found', undefined)
  t.equal(bridge.code, 'HC_SWITCH_COMMAND')
  t.equal(isGone(bridge), true)
  const bad = new AriReplyError('hangup', 'Invalid reason for hangup reason provided', undefined)
  t.equal(bad.code, 'HC_SWITCH_COMMAND')
  t.equal(isGone(bad), false)
  t.equal(bad.switchCause, 'Invalid reason for hangup reason provided')
  t.equal(isGone(new Error('Channel not found')), false, 'only replies from Asterisk count')
})

void t.test('event frames: parsed, checked, never trusted', async (t) => {
  t.equal(parseEvent('not json'), undefined)
  t.equal(parseEvent('[1,2]'), undefined)
  t.equal(parseEvent('{"no":"type"}'), undefined)
  const start = parseEvent(JSON.stringify({
    type: 'StasisStart',
    args: [],
    channel: { id: '1795344471.18', state: 'Ring', caller: { name: '', number: '5551000' }, dialplan: { context: 'from-sipp', exten: '12345', priority: 2 } }
  }))
  t.ok(start)
  if (start === undefined) return
  t.match(channelOf(start), { id: '1795344471.18', state: 'Ring', caller: { number: '5551000' }, dialplan: { exten: '12345' } })
  t.same(argsOf(start), [])
  const hangup = parseEvent('{"type":"ChannelHangupRequest","cause":32,"soft":true,"channel":{"id":"x"}}')
  t.equal(hangup === undefined ? 0 : causeOf(hangup), 32)
  const odd = parseEvent('{"type":"ChannelDestroyed","cause":"17","channel":{"id":7}}')
  t.ok(odd)
  if (odd === undefined) return
  t.equal(causeOf(odd), undefined, 'a cause that is not a number is no cause')
  t.equal(channelOf(odd), undefined, 'a channel without a string id is no channel')
  const finished = parseEvent('{"type":"PlaybackFinished","playback":{"id":"p1","state":"failed","target_uri":"channel:1795344471.18"}}')
  t.same(finished === undefined ? undefined : playbackOf(finished), { id: 'p1', state: 'failed', channelId: '1795344471.18' })
  const onBridge = parseEvent('{"type":"PlaybackFinished","playback":{"id":"p2","state":"done","target_uri":"bridge:b1"}}')
  t.same(onBridge === undefined ? undefined : playbackOf(onBridge), { id: 'p2', state: 'done', channelId: undefined })
  const left = parseEvent('{"type":"ChannelLeftBridge","bridge":{"id":"room-a","channels":["A"]},"channel":{"id":"C"}}')
  t.same(left === undefined ? undefined : bridgeOf(left), { id: 'room-a', channels: ['A'] })
})

void t.test('the events URL is the one ari-client opens, with the credentials encoded', async (t) => {
  t.equal(eventsUrl('http://127.0.0.1:8088', 'hotline', 'ari', 'p@ss:w/rd'),
    'ws://127.0.0.1:8088/ari/events?app=hotline&api_key=ari:p%40ss%3Aw%2Frd')
  t.equal(eventsUrl('https://pbx.example:8089/', 'hotline', 'u', 'p'), 'wss://pbx.example:8089/ari/events?app=hotline&api_key=u:p')
})
