// The announcements to a caller waiting in the queue: position, hold prompt, then hold music
// cut when the next is due, every period; a hangup or stop() ends them at once, whenever it comes.
import t from 'tap'
import { pino } from 'pino'
import { MIN_MUSIC_MS, QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT, QUEUE_PROMPTS, QueueAnnouncer, positionPrompt } from '../../src/calls/queue-announcer.js'
import { HotlineError } from '../../src/errors.js'

const log = pino({ level: 'silent' })

void t.test('position, then the hold prompt; from 10 on, "many ahead"', async (t) => {
  t.equal(positionPrompt(1), 'queue-position-1')
  t.equal(positionPrompt(9), 'queue-position-9')
  t.equal(positionPrompt(10), 'queue-position-many')
  const caller = new AbortController()
  const heard: string[] = []
  const announcer = new QueueAnnouncer({
    everyMs: 60_000,
    position: async () => await Promise.resolve(3),
    announce: async (prompt) => { heard.push(prompt); return await Promise.resolve('played' as const) },
    signal: caller.signal,
    log
  })
  announcer.start()
  while (heard.length < 2) await new Promise((resolve) => setImmediate(resolve))
  await announcer.stop()
  t.same(heard.slice(0, 2), ['queue-position-3', QUEUE_HOLD_PROMPT])
})

void t.test('the caller hanging up during a prompt ends the announcements at once, not a period later', async (t) => {
  const caller = new AbortController()
  let playing: (() => void) | undefined
  const announcer = new QueueAnnouncer({
    everyMs: 60_000,
    position: async () => await Promise.resolve(undefined),
    // The switch settles the prompt after the hangup (Asterisk: PlaybackFinished on a channel
    // going away), without an error.
    announce: async () => { await new Promise<void>((resolve) => { playing = resolve }); return 'played' },
    signal: caller.signal,
    log
  })
  announcer.start()
  while (playing === undefined) await new Promise((resolve) => setImmediate(resolve))
  caller.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
  playing()
  const started = Date.now()
  await announcer.stop()
  t.ok(Date.now() - started < 1000, `stopped in ${Date.now() - started} ms, not after the 60 s period`)
})

void t.test('the place unknown (the store failing over): the hold prompt still plays', async (t) => {
  const caller = new AbortController()
  const heard: string[] = []
  const announcer = new QueueAnnouncer({
    everyMs: 60_000,
    position: async () => { throw new HotlineError('HC_STORE', 'Command timed out') },
    announce: async (prompt) => { heard.push(prompt); return await Promise.resolve('played' as const) },
    signal: caller.signal,
    log
  })
  announcer.start()
  while (heard.length < 1) await new Promise((resolve) => setImmediate(resolve))
  await announcer.stop()
  t.same(heard.slice(0, 1), [QUEUE_HOLD_PROMPT])
})

/** A switch playing prompts: speech ends after `speechMs`, the music only when cut. */
function playing (speechMs: number) {
  const heard: Array<{ prompt: string, at: number, endedAt?: number, cut?: boolean }> = []
  const started = Date.now()
  const announce = async (prompt: string, signal: AbortSignal): Promise<'played'> => {
    const entry: { prompt: string, at: number, endedAt?: number, cut?: boolean } = { prompt, at: Date.now() - started }
    heard.push(entry)
    await new Promise<void>((resolve) => {
      const done = (): void => { clearTimeout(timer); resolve() }
      const timer = prompt === QUEUE_MUSIC_PROMPT ? undefined : setTimeout(done, speechMs)
      signal.addEventListener('abort', () => { entry.cut = true; done() }, { once: true })
    })
    entry.endedAt = Date.now() - started
    return 'played'
  }
  return { heard, announce }
}

void t.test('between announcements the caller hears hold music, cut when the next one is due: never silence', async (t) => {
  const caller = new AbortController()
  const { heard, announce } = playing(100)
  const everyMs = 1500
  const announcer = new QueueAnnouncer({ everyMs, position: async () => await Promise.resolve(2), announce, signal: caller.signal, log })
  announcer.start()
  while (heard.filter((h) => h.prompt === 'queue-position-2').length < 3) await new Promise((resolve) => setTimeout(resolve, 20))
  await announcer.stop()
  t.same(heard.slice(0, 6).map((h) => h.prompt), ['queue-position-2', QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT, 'queue-position-2', QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT])
  const [, , music, next] = heard
  t.equal(music!.cut, true, 'the music is cut, not left to end')
  // The music runs until the next announcement: the gap between them is timer slack, not a period.
  t.ok(next!.at - music!.endedAt! < 300, `the music ended at ${music!.endedAt} ms, the next announcement began at ${next!.at} ms`)
  t.ok(next!.at >= everyMs - 50, `the next announcement comes a period after the first (${next!.at} ms)`)
  t.ok(music!.endedAt! - music!.at > everyMs / 2, 'the music filled the period')
})

void t.test('the music stops the moment the caller is taken off the queue (stop) or hangs up', async (t) => {
  for (const how of ['stop', 'hangup'] as const) {
    const caller = new AbortController()
    const { heard, announce } = playing(10)
    const announcer = new QueueAnnouncer({ everyMs: 60_000, position: async () => await Promise.resolve(undefined), announce, signal: caller.signal, log })
    announcer.start()
    while (heard.at(-1)?.prompt !== QUEUE_MUSIC_PROMPT) await new Promise((resolve) => setTimeout(resolve, 10))
    const at = Date.now()
    if (how === 'hangup') caller.abort(new Error('caller hung up'))
    await announcer.stop()
    t.ok(Date.now() - at < 1000, `${how}: stopped at once`)
    t.equal(heard.at(-1)!.cut, true, `${how}: the music was cut`)
    t.same(heard.map((h) => h.prompt), [QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT], `${how}: nothing after it`)
  }
})

void t.test('music the switch lacks (or that ends at once) is not looped: the period is waited out', async (t) => {
  for (const outcome of ['missing', 'played'] as const) {
    const caller = new AbortController()
    const heard: string[] = []
    const announcer = new QueueAnnouncer({
      everyMs: 60_000,
      position: async () => await Promise.resolve(undefined),
      announce: async (prompt) => { heard.push(prompt); return await Promise.resolve(prompt === QUEUE_MUSIC_PROMPT ? outcome : 'played') },
      signal: caller.signal,
      log
    })
    announcer.start()
    while (!heard.includes(QUEUE_MUSIC_PROMPT)) await new Promise((resolve) => setImmediate(resolve))
    // Were the music looped, it would be asked for again and again within these few ms.
    await new Promise((resolve) => setTimeout(resolve, MIN_MUSIC_MS * 2))
    await announcer.stop()
    t.same(heard, [QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT], `${outcome} at once: played once, then the wait`)
  }
})

void t.test('a tune shorter than the period is played again until the next announcement', async (t) => {
  const caller = new AbortController()
  const heard: string[] = []
  const announcer = new QueueAnnouncer({
    everyMs: 2000,
    position: async () => await Promise.resolve(undefined),
    announce: async (prompt, signal) => {
      heard.push(prompt)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, prompt === QUEUE_MUSIC_PROMPT ? 400 : 10)
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
      })
      return 'played'
    },
    signal: caller.signal,
    log
  })
  announcer.start()
  while (heard.filter((p) => p === QUEUE_HOLD_PROMPT).length < 2) await new Promise((resolve) => setTimeout(resolve, 20))
  await announcer.stop()
  const first = heard.slice(1, heard.indexOf(QUEUE_HOLD_PROMPT, 1))
  t.ok(first.length >= 3 && first.every((p) => p === QUEUE_MUSIC_PROMPT), `the 400 ms tune looped through the 2 s period: ${first.length} times`)
})

void t.test('every prompt a waiting caller can hear is listed for the flow check', async (t) => {
  t.same(new Set(QUEUE_PROMPTS), new Set([QUEUE_HOLD_PROMPT, QUEUE_MUSIC_PROMPT, ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `queue-position-${n}`), 'queue-position-many']))
})
