// The announcements to a caller waiting in the queue: position then hold prompt, again every
// period; a hangup or stop() ends them at once, whenever it comes.
import t from 'tap'
import { pino } from 'pino'
import { QUEUE_HOLD_PROMPT, QueueAnnouncer, positionPrompt } from '../../src/calls/queue-announcer.js'
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
    announce: async (prompt) => { heard.push(prompt); await Promise.resolve() },
    signal: caller.signal,
    log
  })
  announcer.start()
  while (heard.length < 2) await new Promise((resolve) => setImmediate(resolve))
  await announcer.stop()
  t.same(heard, ['queue-position-3', QUEUE_HOLD_PROMPT])
})

void t.test('the caller hanging up during a prompt ends the announcements at once, not a period later', async (t) => {
  const caller = new AbortController()
  let playing: (() => void) | undefined
  const announcer = new QueueAnnouncer({
    everyMs: 60_000,
    position: async () => await Promise.resolve(undefined),
    // The switch settles the prompt after the hangup (Asterisk: PlaybackFinished on a channel
    // going away), without an error.
    announce: async () => { await new Promise<void>((resolve) => { playing = resolve }) },
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
    announce: async (prompt) => { heard.push(prompt); await Promise.resolve() },
    signal: caller.signal,
    log
  })
  announcer.start()
  while (heard.length < 1) await new Promise((resolve) => setImmediate(resolve))
  await announcer.stop()
  t.same(heard, [QUEUE_HOLD_PROMPT])
})
