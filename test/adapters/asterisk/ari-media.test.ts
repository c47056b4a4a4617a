// Prompts and keys over ARI, driven by the events alone (no socket): the same result semantics
// as the FreeSWITCH adapter's play_and_get_digits.
import t from 'tap'
import { pino } from 'pino'
import { AriMedia } from '../../../src/adapters/asterisk/ari-media.js'
import type { AriRest } from '../../../src/adapters/asterisk/ari-rest.js'
import { LegTracker } from '../../../src/adapters/asterisk/leg-tracker.js'

interface FakeRest {
  plays: Array<{ channelId: string, media: string, playbackId: string }>
  stopped: string[]
  /** What the next play() request does. */
  playReply: () => Promise<void>
}

function setup (): { media: AriMedia, legs: LegTracker, rest: FakeRest } {
  const legs = new LegTracker({ destroyGraceMs: 50, now: () => 0, onListenerError: (err) => { throw err } })
  legs.track('A', 'inbound')
  const rest: FakeRest = { plays: [], stopped: [], playReply: async () => undefined }
  const fake = {
    play: async (channelId: string, media: string, playbackId: string) => {
      rest.plays.push({ channelId, media, playbackId })
      await rest.playReply()
    },
    stopPlayback: async (playbackId: string) => { rest.stopped.push(playbackId) }
  } as unknown as AriRest
  const media = new AriMedia({ tracker: legs, connected: () => fake, log: pino({ level: 'silent' }) })
  return { media, legs, rest }
}

const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

const menu = { prompt: 'menu', minDigits: 1, maxDigits: 1, timeoutMs: 5000 }

void t.test('play resolves on PlaybackFinished done for its own playback id, even before the 201', async (t) => {
  const { media, legs, rest } = setup()
  let reply: () => void = () => undefined
  rest.playReply = async () => { await new Promise<void>((resolve) => { reply = resolve }) }
  let done = false
  const playing = media.play('A', 'sound:welcome').then(() => { done = true })
  await tick()
  const { playbackId } = rest.plays[0] ?? { playbackId: '' }
  legs.playbackFinished('A', 'someone-else', 'done')
  await tick()
  t.equal(done, false, 'another playback does not finish ours')
  legs.playbackFinished('A', playbackId, 'done')
  await playing
  t.equal(done, true, 'the event settled it with the HTTP reply still out')
  reply()
  t.same(rest.plays.map((p) => p.media), ['sound:welcome'])
})

void t.test('a missing sound (201, then PlaybackFinished failed) is reported missing, not an error', async (t) => {
  const { media, legs, rest } = setup()
  const playing = media.play('A', 'sound:nope')
  await tick()
  legs.playbackFinished('A', rest.plays[0]?.playbackId ?? '', 'failed')
  t.equal(await playing, 'missing')
})

void t.test('a prompt that fails while its leg hangs up is the call going, not a missing sound', async (t) => {
  const { media, legs, rest } = setup()
  const collecting = media.collect('A', 'sound:menu', menu)
  await tick()
  legs.hangupRequested('A', 16, false)
  legs.playbackFinished('A', rest.plays[0]?.playbackId ?? '', 'failed')
  await t.rejects(collecting, { code: 'HC_CALL_GONE' })
})

void t.test('collecting past a missing prompt: keys are still waited for, and the result says so', async (t) => {
  const { media, legs, rest } = setup()
  const found = media.collect('A', 'sound:menu', { ...menu, timeoutMs: 60_000 })
  await tick()
  legs.playbackFinished('A', rest.plays[0]?.playbackId ?? '', 'failed')
  legs.dtmf('A', '3', 0)
  t.same(await found, { digits: '3', reason: 'complete', promptMissing: true })
  const known = media.collect('A', undefined, { ...menu, timeoutMs: 60_000 })
  await tick()
  t.equal(rest.plays.length, 1, 'a prompt known missing is not asked for')
  legs.dtmf('A', '5', 0)
  t.same(await known, { digits: '5', reason: 'complete', promptMissing: true })
  const nothing = await media.collect('A', undefined, { ...menu, timeoutMs: 30 })
  t.same(nothing, { digits: '', reason: 'timeout', promptMissing: true }, 'the first-key timeout runs from the start')
})

void t.test('a playback cut by the caller hanging up fails with HC_CALL_GONE, not success', async (t) => {
  const { media, legs, rest } = setup()
  const playing = media.play('A', 'sound:long')
  await tick()
  legs.hangupRequested('A', 16, false)
  // Asterisk reports a cancelled playback as `done` (res_stasis_playback.c state_to_string).
  legs.playbackFinished('A', rest.plays[0]?.playbackId ?? '', 'done')
  await t.rejects(playing, { code: 'HC_CALL_GONE' })
})

void t.test('play on a leg that is not followed fails at once', async (t) => {
  const { media } = setup()
  await t.rejects(media.play('nobody', 'sound:x'), { code: 'HC_CALL_GONE' })
})

void t.test('aborting a play stops the playback', async (t) => {
  const { media, rest } = setup()
  const ac = new AbortController()
  const playing = media.play('A', 'sound:long', ac.signal)
  await tick()
  ac.abort()
  await t.rejects(playing, { code: 'HC_ABORTED' })
  t.same(rest.stopped, [rest.plays[0]?.playbackId])
})

void t.test('the first key stops the prompt; a terminator ends input and is not kept', async (t) => {
  const { media, legs, rest } = setup()
  const collecting = media.collect('A', 'sound:menu', { ...menu, maxDigits: 4, terminators: '#' })
  await tick()
  const prompt = rest.plays[0]?.playbackId ?? ''
  legs.dtmf('A', '1', 1)
  t.same(rest.stopped, [prompt], 'the prompt is stopped on the first key')
  legs.playbackFinished('A', prompt, 'done')
  legs.dtmf('A', '2', 2)
  legs.dtmf('A', '#', 3)
  t.same(await collecting, { digits: '12', reason: 'complete' })
})

void t.test('maxDigits ends input', async (t) => {
  const { media, legs } = setup()
  const collecting = media.collect('A', 'sound:menu', { ...menu, maxDigits: 2 })
  await tick()
  legs.dtmf('A', '4', 1)
  legs.dtmf('A', '2', 2)
  legs.dtmf('A', '9', 3)
  t.same(await collecting, { digits: '42', reason: 'complete' })
})

void t.test('nobody pressing anything: the first-digit timeout runs after the prompt, result empty', async (t) => {
  const { media, legs, rest } = setup()
  let settled = false
  const collecting = media.collect('A', 'sound:menu', { ...menu, timeoutMs: 30 }).finally(() => { settled = true })
  await new Promise((resolve) => setTimeout(resolve, 60))
  t.equal(settled, false, 'no timeout while the prompt plays')
  legs.playbackFinished('A', rest.plays[0]?.playbackId ?? '', 'done')
  t.same(await collecting, { digits: '', reason: 'timeout' })
  t.same(rest.stopped, [], 'a finished prompt is not stopped')
})

void t.test('the inter-digit timeout ends input: enough keys is complete, too few is timeout with what came', async (t) => {
  const { media, legs } = setup()
  const enough = media.collect('A', 'sound:menu', { ...menu, minDigits: 1, maxDigits: 4, interDigitTimeoutMs: 20 })
  await tick()
  legs.dtmf('A', '7', 1)
  t.same(await enough, { digits: '7', reason: 'complete' })
  const tooFew = media.collect('A', 'sound:menu', { ...menu, minDigits: 3, maxDigits: 4, interDigitTimeoutMs: 20 })
  await tick()
  legs.dtmf('A', '1', 2)
  legs.dtmf('A', '2', 3)
  t.same(await tooFew, { digits: '12', reason: 'timeout' })
})

void t.test('keys pressed before collecting started are not collected', async (t) => {
  const { media, legs, rest } = setup()
  legs.dtmf('A', '9', 1)
  const collecting = media.collect('A', 'sound:menu', { ...menu, timeoutMs: 20 })
  await tick()
  legs.playbackFinished('A', rest.plays[0]?.playbackId ?? '', 'done')
  t.same(await collecting, { digits: '', reason: 'timeout' })
})

void t.test('the caller hanging up while collecting fails with HC_CALL_GONE', async (t) => {
  const { media, legs } = setup()
  const collecting = media.collect('A', 'sound:menu', menu)
  await tick()
  legs.hangupRequested('A', 16, false)
  legs.stasisEnded('A', 5)
  await t.rejects(collecting, { code: 'HC_CALL_GONE' })
})

void t.test('aborting a collection stops its prompt', async (t) => {
  const { media, rest } = setup()
  const ac = new AbortController()
  const collecting = media.collect('A', 'sound:menu', { ...menu, signal: ac.signal })
  await tick()
  ac.abort()
  await t.rejects(collecting, { code: 'HC_ABORTED' })
  t.same(rest.stopped, [rest.plays[0]?.playbackId])
})

void t.test('a refused play request fails the collection', async (t) => {
  const { media, rest } = setup()
  rest.playReply = async () => { throw Object.assign(new Error('ARI play: Channel not found'), { code: 'HC_CALL_GONE' }) }
  await t.rejects(media.collect('A', 'sound:menu', menu), { code: 'HC_CALL_GONE' })
  t.same(rest.stopped, [], 'nothing to stop')
})
