// How a leg's end is worked out from ARI events (captures 05, 06, 08, 09, 12 of
// test/fixtures/captures/asterisk-22.10.1/), and that listeners cannot hurt each other.
import t from 'tap'
import { HotlineError } from '../../../src/errors.js'
import { LegTracker } from '../../../src/adapters/asterisk/leg-tracker.js'
import type { LegEvent } from '../../../src/ports/switch.js'

function tracker (errors: unknown[] = [], destroyGraceMs = 50): LegTracker {
  return new LegTracker({ destroyGraceMs, now: () => 1000, onListenerError: (err) => { errors.push(err) } })
}

function record (legs: LegTracker, legId: string): LegEvent[] {
  const events: LegEvent[] = []
  legs.listen(legId, (e) => events.push(e))
  return events
}

void t.test('a caller hanging up: HangupRequest 16 then StasisEnd, no ChannelDestroyed (captures 07, 12)', async (t) => {
  const legs = tracker()
  legs.track('A', 'inbound')
  const events = record(legs, 'A')
  legs.hangupRequested('A', 16, false)
  legs.stasisEnded('A', 1000)
  t.same(events, [{ type: 'hangup', cause: 'remote-hangup', vendor: { text: 'Normal Clearing', q850: 16 }, at: 1000 }])
  t.notOk(legs.has('A'), 'forgotten')
  legs.end('A', 16, 'Normal Clearing', 1001)
  t.equal(events.length, 1, 'reported once')
})

void t.test('our DELETE of a caller leg: soft request (cause 32 is a flag), StasisEnd; the cause is what we asked', async (t) => {
  const legs = tracker()
  legs.track('D', 'inbound')
  const events = record(legs, 'D')
  legs.hangingUpBySwitch('D', 17)
  legs.hangupRequested('D', 32, true)
  legs.stasisEnded('D', 1000)
  t.match(events, [{ type: 'hangup', cause: 'busy', vendor: { text: 'User busy', q850: 17 } }])
})

void t.test('a soft hangup we did not ask for is the switch side hanging up, not cause 32', async (t) => {
  const legs = tracker()
  legs.track('X', 'inbound')
  const events = record(legs, 'X')
  legs.hangupRequested('X', 32, true)
  legs.stasisEnded('X', 1000)
  t.match(events, [{ type: 'hangup', cause: 'normal', vendor: { text: 'StasisEnd' } }])
  t.notOk('q850' in (events[0] as { vendor: object }).vendor, 'no Q.850 made up')
})

void t.test('a dialled leg waits past StasisEnd for ChannelDestroyed and its cause (captures 09)', async (t) => {
  const legs = tracker()
  legs.track('C', 'dialed')
  const events = record(legs, 'C')
  legs.hangupRequested('C', 32, true)
  legs.stasisEnded('C', 1000)
  t.equal(events.length, 0, 'not ended by StasisEnd')
  legs.end('C', 16, 'Normal Clearing', 1001)
  t.match(events, [{ type: 'hangup', cause: 'normal', vendor: { text: 'Normal Clearing', q850: 16 } }])
})

void t.test('a dialled leg whose ChannelDestroyed never comes is ended anyway', async (t) => {
  const legs = tracker([], 20)
  legs.track('C', 'dialed')
  const ended = new Promise<LegEvent>((resolve) => { legs.listen('C', resolve) })
  legs.hangupRequested('C', 18, false)
  legs.stasisEnded('C', 1000)
  t.match(await ended, { type: 'hangup', cause: 'no-answer', vendor: { q850: 18 } })
})

void t.test('answered is reported once; watches hear their events and the end', async (t) => {
  const legs = tracker()
  legs.track('A', 'inbound')
  const events = record(legs, 'A')
  const heard: string[] = []
  const stop = legs.watch('A', {
    dtmf: (d) => heard.push(`dtmf ${d}`),
    playbackFinished: (id, state) => heard.push(`pb ${id} ${state}`),
    bridge: (change, id) => heard.push(`${change} ${id}`),
    up: () => heard.push('up'),
    ended: (end) => heard.push(`ended ${end.cause}`)
  })
  legs.answered('A', 1)
  legs.answered('A', 2)
  legs.dtmf('A', '5', 3)
  legs.playbackFinished('A', 'p1', 'done')
  legs.bridge('A', 'entered', 'room-a', 4)
  stop()
  legs.dtmf('A', '6', 5)
  t.same(heard, ['up', 'up', 'dtmf 5', 'pb p1 done', 'entered room-a'])
  t.same(events.map((e) => e.type), ['answered', 'dtmf', 'conference-joined', 'dtmf'])
  t.throws(() => legs.watch('nobody', { ended: () => undefined }), { code: 'HC_CALL_GONE' })
})

void t.test('a throwing listener does not keep the others from the event', async (t) => {
  const errors: unknown[] = []
  const legs = tracker(errors)
  legs.track('A', 'inbound')
  legs.listen('A', () => { throw new Error('bad listener') })
  const events = record(legs, 'A')
  legs.dtmf('A', '1', 1)
  t.equal(events.length, 1)
  t.equal(errors.length, 1)
})

void t.test('lost events fail the watches that cannot survive them; dials wait for the reclaim', async (t) => {
  const legs = tracker()
  legs.track('A', 'inbound')
  legs.track('B', 'dialed')
  const failures: string[] = []
  legs.watch('A', { ended: () => failures.push('A ended'), lost: (err) => failures.push(`A ${err.code}`) })
  legs.watch('B', { stasisStarted: () => undefined, ended: (end) => failures.push(`B ${end.vendor.text}`) })
  t.equal(legs.awaitingAnswer('B'), true)
  legs.lose(new HotlineError('HC_SWITCH_NOT_CONNECTED', 'socket lost'))
  t.same(failures, ['A HC_SWITCH_NOT_CONNECTED'])
  legs.endUnheard('B', 5)
  t.same(failures, ['A HC_SWITCH_NOT_CONNECTED', 'B ended while the ARI events socket was down'])
  legs.lose(new HotlineError('HC_SHUTTING_DOWN', 'closing'), true)
  t.equal(legs.size, 0, 'closing forgets every leg')
})

void t.test('a leg only listened to is forgotten when nobody listens any more; a real one is kept', async (t) => {
  const legs = tracker()
  const stop = legs.listen('ghost', () => undefined)
  t.equal(legs.has('ghost'), true)
  stop()
  t.equal(legs.has('ghost'), false)
  legs.track('A', 'inbound')
  const stopA = legs.listen('A', () => undefined)
  stopA()
  t.equal(legs.has('A'), true, 'a leg the switch offered stays until it ends')
})

void t.test('a shutdown (soft request 4, capture 14): every leg ends lost, whatever its ChannelDestroyed says', async (t) => {
  const legs = tracker()
  legs.track('caller', 'inbound')
  legs.track('ringing', 'dialed')
  legs.track('answered', 'dialed')
  const caller = record(legs, 'caller')
  const ringing = record(legs, 'ringing')
  const answered = record(legs, 'answered')
  const ends: string[] = []
  legs.watch('ringing', { ended: (end) => { ends.push(end.cause) } })
  for (const id of ['ringing', 'caller', 'answered']) legs.hangupRequested(id, 4, true)
  legs.dialStatus('ringing', 'NOANSWER')
  legs.end('ringing', 0, 'Unknown', 1000)
  legs.stasisEnded('answered', 1000)
  legs.stasisEnded('caller', 1000)
  legs.end('answered', 16, 'Normal Clearing', 1000)
  t.match(ringing, [{ type: 'hangup', cause: 'lost', vendor: { text: 'Unknown', q850: 0 } }], 'not no-answer')
  t.match(answered, [{ type: 'hangup', cause: 'lost', vendor: { text: 'Normal Clearing', q850: 16 } }], 'not normal')
  t.match(caller, [{ type: 'hangup', cause: 'lost', vendor: { text: 'Asterisk going away (soft hangup 4)' } }], 'no ChannelDestroyed: still lost')
  t.same(ends, ['lost'], 'the watch hears it too')
})

void t.test('a leg found gone after a reconnect: failed, or lost when Asterisk restarted; marked unheard', async (t) => {
  const legs = tracker()
  legs.track('A', 'inbound')
  legs.track('B', 'dialed')
  const a = record(legs, 'A')
  const ends: Array<{ cause: string, unheard?: true }> = []
  legs.watch('B', { ended: (end) => { ends.push(end) } })
  legs.endUnheard('A', 1000)
  legs.endUnheard('B', 1000, 'lost')
  t.match(a, [{ type: 'hangup', cause: 'failed', vendor: { text: 'ended while the ARI events socket was down' } }])
  t.match(ends, [{ cause: 'lost', unheard: true }])
})

void t.test('a dropped socket tells the watches that survive it', async (t) => {
  const legs = tracker()
  legs.track('D', 'dialed')
  let told = 0
  legs.watch('D', { ended: () => undefined, disconnected: () => { told++ } })
  legs.lose(new HotlineError('HC_SWITCH_NOT_CONNECTED', 'gone'))
  t.equal(told, 1)
  t.ok(legs.has('D'), 'the leg is kept')
})
