import t from 'tap'
import { Reconnector } from '../../src/adapters/reconnector.js'

void t.test('backoff doubles from the initial delay and is capped, with ±20 % jitter', async (t) => {
  const r = new Reconnector({ initialDelayMs: 100, maxDelayMs: 1000, connect: async () => {}, onRetry: () => {} })
  for (let i = 0; i < 50; i++) {
    const d1 = r.delayFor(1)
    t.ok(d1 >= 80 && d1 <= 120, `attempt 1: ${d1}`)
    const d3 = r.delayFor(3)
    t.ok(d3 >= 320 && d3 <= 480, `attempt 3: ${d3}`)
    const d20 = r.delayFor(20)
    t.ok(d20 >= 800 && d20 <= 1200, `attempt 20 capped: ${d20}`)
  }
})

void t.test('retries until connect succeeds, reporting each failure', async (t) => {
  let calls = 0
  const retries: number[] = []
  const r = new Reconnector({
    initialDelayMs: 10,
    maxDelayMs: 20,
    connect: async () => {
      calls++
      if (calls < 4) throw new Error(`refused ${calls}`)
    },
    onRetry: (attempt) => { retries.push(attempt) }
  })
  await r.start()
  t.equal(calls, 4)
  t.same(retries, [1, 2, 3])
})

void t.test('stop() ends retrying and releases start()', async (t) => {
  let calls = 0
  const r = new Reconnector({
    initialDelayMs: 10,
    maxDelayMs: 10,
    connect: async () => { calls++; throw new Error('down') },
    onRetry: (attempt) => { if (attempt === 2) r.stop() }
  })
  await r.start()
  const seen = calls
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(calls, seen, 'no attempt after stop')
})
