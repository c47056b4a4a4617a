// Replays the client side of the real FreeSWITCH 1.11.1 session recorded in
// test/fixtures/captures/freeswitch-1.11.1/ against the simulator, over a real socket with a raw
// client (esl-capture-replay.ts), and compares what comes back with what FreeSWITCH sent:
//  - command/reply, api/response and disconnect-notice frames byte for byte (uuids the
//    simulator chose mapped from the ones FreeSWITCH chose), except `api version`;
//  - the order of content types, Event-Names and conference actions;
//  - the headers a controller reads, present with the same value (or shape) in each event.
// Steps 10 (dialplan bridge) and 11 (ACL) exercise the dialplan and SIP, which the simulator
// does not model.

import t from 'tap'
import { EslServer } from '../../../src/adapters/sim/esl-server.js'
import { defaultMediaDurationMs } from '../../../src/adapters/sim/media.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import type { SimCallHandle } from '../../../src/adapters/sim/model-types.js'
import { FREESWITCH_CAPTURE_INSTALL } from '../../fixtures/capture-installs.js'
import { Mapping, RawClient, checkStep, loadStep, replayStep, type Frame } from './esl-capture-replay.js'

void t.test('the simulator answers the captured FreeSWITCH 1.11.1 session as FreeSWITCH did', async (t) => {
  const model = new SimSwitch({
    install: FREESWITCH_CAPTURE_INSTALL,
    timeScale: 0.02,
    hostname: 'sim',
    // The captured prompt played 1404 ms (capture 03: playback_ms 1404); tones 800 ms.
    mediaDurationMs: (media) => media.includes('hello-world') ? 1404 : defaultMediaDurationMs(media)
  })
  model.defineEndpoint('8101', { kind: 'answer', afterMs: 20 })
  model.defineEndpoint('8201', { kind: 'busy' })
  model.defineEndpoint('8301', { kind: 'no-answer' })
  const server = new EslServer(model, { password: 'ClueCon', port: 0 })
  const { port } = await server.listen()
  const client = await RawClient.open(port)
  t.teardown(async () => {
    client.close()
    await server.close()
    model.close()
  })

  const ids = new Mapping()
  let caller: SimCallHandle | undefined
  let base = 0
  const sequences: number[] = []
  const steps = ['00_connect', '01_inbound_park', '02_answer', '03_playback_dtmf', '04_originate_answer',
    '05_originate_busy', '06_originate_noanswer', '07_conference', '08_uuid_kill', '09_errors', '99_summary']

  for (const name of steps) {
    // Not simulated: per-profile sofia details (00); the refused caller of step 11 (99).
    const skipFrame = (frame: Frame): boolean =>
      (frame.type === 'api/response' && frame.body.startsWith('=====')) ||
      (name === '99_summary' && frame.event?.['Hangup-Cause'] === 'CALL_REJECTED')
    const { got, expected } = await replayStep(client, loadStep(name), ids, base, {
      skipFrame,
      send: (text) => {
        if (text.startsWith('api sofia status profile')) return undefined
        // The capture's unreachable target (09: 127.0.0.1:5999, nobody listening).
        if (text.includes('@127.0.0.1:5999')) model.defineEndpoint('8101', { kind: 'unreachable' })
        return text
      },
      beforeFrame: (frame) => {
        if (name === '01_inbound_park' && caller === undefined) caller = model.placeCall({ from: 'sipp', to: '12345' })
        // SIPp keyed 1 after the first prompt (03).
        if (frame.event?.['Event-Name'] === 'DTMF') caller?.sendDtmf('1')
      }
    })
    base += expected.length
    sequences.push(...checkStep(t, model, name, got, expected, ids))
    if (name === '02_answer') {
      // 478 → 480: CHANNEL_CALLSTATE was raised between them and not delivered.
      const answer = got.find((f) => f.event?.['Event-Name'] === 'CHANNEL_ANSWER')
      const done = got.find((f) => f.event?.['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE')
      t.ok(Number(done?.event?.['Event-Sequence']) - Number(answer?.event?.['Event-Sequence']) >= 2,
        'an undelivered event between CHANNEL_ANSWER and CHANNEL_EXECUTE_COMPLETE leaves a gap')
    }
  }

  t.same(sequences, [...sequences].sort((a, b) => a - b), 'Event-Sequence rises through the session')
  t.equal(new Set(sequences).size, sequences.length, 'no Event-Sequence repeats')
  t.equal(client.frames.length, base, 'nothing came that FreeSWITCH did not send')
})
