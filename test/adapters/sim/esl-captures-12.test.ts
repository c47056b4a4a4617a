// Replays 12_transfer_hunt_setup and 12_transfer_hunt (test/fixtures/captures/freeswitch-1.11.1/:
// one call of 2026-12-06, the project's controller driving a real FreeSWITCH 1.11.1 through an ESL
// tap) against the simulator, and checks what came back as esl-captures.test.ts does. The call:
// the dialplan's set/export/set before the park, an IVR keyed with SIP INFO (DTMF-Source
// ENDPOINT), agent01 dialled and both legs moved into a conference (the caller's park ending
// with a stale FILE PLAYED), the transfer hunt (busy, no answer, answered), the agent leaving
// with `uuid_transfer … park inline` (parked again, answered) and killed twice, the caller's
// BYE handing the floor to the department, whose kill then takes it back.

import t, { type Test } from 'tap'
import { EslServer } from '../../../src/adapters/sim/esl-server.js'
import { ORIGINATE_TIMEOUT_SHORT_MS } from '../../../src/adapters/sim/esl-originate.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import type { OriginateRequest, SimCallHandle } from '../../../src/adapters/sim/model-types.js'
import { FREESWITCH_CAPTURE_12_INSTALL } from '../../fixtures/capture-installs.js'
import { Mapping, RawClient, checkStep, loadTapStep, replayStep, type Frame } from './esl-capture-replay.js'

const PASSWORD = 'ClueCon'

/** The capture's RFC2822_DATE is the recording's clock: compared by shape. */
function normalize (header: string, value: string): string {
  return header === 'Application-Data' && /^RFC2822_DATE=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/.test(value)
    ? 'RFC2822_DATE=<date>'
    : value
}

async function until (check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

async function started (t: Test, model: SimSwitch): Promise<RawClient> {
  const server = new EslServer(model, { password: PASSWORD, port: 0 })
  const { port } = await server.listen()
  const client = await RawClient.open(port)
  t.teardown(async () => {
    client.close()
    await server.close()
    model.close()
  })
  return client
}

void t.test('the simulator answers the captured transfer hunt (12_*) as FreeSWITCH did', async (t) => {
  const model = new SimSwitch({ install: FREESWITCH_CAPTURE_12_INSTALL, timeScale: 0.02, hostname: 'sim' })
  // agent01 and 02155010001 answered after a ring (SIPp); 02155010002 was busy, 02155010003 rang out.
  model.defineEndpoint('8001', { kind: 'answer', afterMs: 300 })
  model.defineEndpoint('02155010001', { kind: 'answer', afterMs: 300 })
  model.defineEndpoint('02155010002', { kind: 'busy' })
  model.defineEndpoint('02155010003', { kind: 'no-answer' })
  const client = await started(t, model)
  let menusPlayed = 0
  model.on('event', (event) => { if (event.type === 'playback-finished' && event.media.includes('menu')) menusPlayed++ })

  const ids = new Mapping()
  let caller: SimCallHandle | undefined
  let keyed = 0
  let hungUp = false
  let base = 0
  const sequences: number[] = []
  for (const name of ['12_transfer_hunt_setup', '12_transfer_hunt']) {
    const beforeFrame = async (frame: Frame): Promise<void> => {
      const event = frame.event
      // The caller's INVITE came once the controller had subscribed.
      if (caller === undefined && event !== undefined) caller = model.placeCall({ from: '13812345678', to: '12345' })
      if (event?.['Event-Name'] === 'DTMF') {
        // SIPp keyed 1 as SIP INFO after each menu prompt had played to its end.
        keyed++
        await until(() => menusPlayed >= keyed, `menu prompt ${keyed} played`)
        caller?.sendDtmf('1', { via: 'info' })
      }
      if (!hungUp && event?.Action === 'floor-change' && event['New-ID'] === 'none') {
        hungUp = true
        caller?.hangup()
      }
    }
    const { got, expected } = await replayStep(client, loadTapStep(name), ids, base, {
      send: (text) => text.replace('auth <redacted>', `auth ${PASSWORD}`),
      beforeFrame
    })
    base += expected.length
    sequences.push(...checkStep(t, model, name, got, expected, ids, { normalize }))
  }
  t.same(sequences, [...sequences].sort((a, b) => a - b), 'Event-Sequence rises through the call')
  t.equal(client.frames.length, base, 'nothing came that FreeSWITCH did not send')
})

void t.test('an unanswered originate ends half a second before originate_timeout, scaled', async (t) => {
  const model = new SimSwitch({ install: FREESWITCH_CAPTURE_12_INSTALL, timeScale: 0.05 })
  model.defineEndpoint('02155010003', { kind: 'no-answer' })
  const asked: Array<number | undefined> = []
  const originate = model.originate.bind(model)
  model.originate = async (req: OriginateRequest) => {
    asked.push(req.timeoutMs)
    return await originate(req)
  }
  const client = await started(t, model)
  client.send(`auth ${PASSWORD}\n\n`)
  await client.waitFor(2, 'auth')
  const sent = Date.now()
  client.send('api originate {originate_timeout=20}sofia/gateway/department/02155010003 &park()\n\n')
  await client.waitFor(3, 'the originate result')
  const elapsed = Date.now() - sent
  t.equal(client.frames[2]?.body, '-ERR NO_ANSWER\n')
  // 12_transfer_hunt: -ERR NO_ANSWER 19.44 s into originate_timeout=20 (capture 06: 4.44 s of 5).
  t.equal(ORIGINATE_TIMEOUT_SHORT_MS, 500)
  t.same(asked, [19_500], 'the leg rings 19.5 s of the 20 asked for')
  t.ok(elapsed >= model.scaled(19_500) - 5 && elapsed < model.scaled(20_000), `gave up after ${elapsed} ms of ${model.scaled(20_000)}`)
})

void t.test('uuid_kill: the leg is taken down a frame after the +OK; a second kill meanwhile finds no channel', async (t) => {
  const model = new SimSwitch({ install: FREESWITCH_CAPTURE_12_INSTALL, timeScale: 1 })
  const client = await started(t, model)
  client.send(`auth ${PASSWORD}\n\n`)
  client.send('event json CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE\n\n')
  await client.waitFor(3, 'auth and subscription')
  const caller = model.placeCall({ from: '13812345678', to: '12345' })
  await model.answer(caller.channel.id)
  // The dialplan's three apps before its park.
  await client.waitFor(6, 'the dialplan apps')
  client.send(`api uuid_kill ${caller.channel.id} NORMAL_CLEARING\n\n`)
  await client.waitFor(7, 'the first kill\'s reply')
  // Sent once the first +OK is in, not with it: still within the leg's frame.
  client.send(`api uuid_kill ${caller.channel.id} NORMAL_CLEARING\n\n`)
  await client.waitFor(10, 'the second reply and the leg\'s events')
  const got = client.frames.slice(6).map((f) => f.event?.['Event-Name'] ?? f.body)
  // 12_transfer_hunt 22:37:11.352: +OK, -ERR No such channel!, then park's CHANNEL_EXECUTE_COMPLETE
  // and CHANNEL_HANGUP_COMPLETE 21 ms later (capture 08: 20 ms after each +OK).
  t.same(got, ['+OK\n', '-ERR No such channel!\n', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP_COMPLETE'])
  t.equal((await caller.ended).cause, 'NORMAL_CLEARING')
})
