// ConsoleFeeds on its own: which live signals redraw a console, coalescing, the fallback
// refresh only while the agent has a call, and a failing snapshot not stopping the feed.
import t, { type Test } from 'tap'
import { ConsoleFeeds } from '../../src/features/console/feed.js'
import type { AgentSnapshot } from '../../src/features/console/views.js'
import { LocalSignals } from '../../src/adapters/memory/memory-signals.js'
import { eventually } from '../helpers/sim.js'

/** Lets every setImmediate queued so far run (and what they await). */
const turns = async (n = 3): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

function fixture (t: Test) {
  const live = new LocalSignals()
  const state = { onCall: false, fail: false, taken: 0 }
  const sent: AgentSnapshot[] = []
  const feeds = new ConsoleFeeds({
    live,
    // The timers must never fire on their own in these tests: tick() is called by hand.
    fallbackMs: 3_600_000,
    settleMs: 3_600_000,
    snapshot: async (agentId) => {
      await Promise.resolve()
      state.taken++
      if (state.fail) throw new Error('store away')
      const snapshot: AgentSnapshot = { now: new Date(0).toISOString(), agent: { id: agentId, name: agentId, extension: '8001', groups: [], state: state.onCall ? 'on-call' : 'ready', since: new Date(0).toISOString() } }
      if (state.onCall) snapshot.call = { callId: 'c1', state: 'with-agent', agentPresent: true, choices: {}, transfers: [] }
      return snapshot
    }
  })
  t.teardown(() => { feeds.close() })
  return { live, state, sent, feeds }
}

void t.test('a console gets a first snapshot, then one per signalled change of its topics', async (t) => {
  const { live, state, sent, feeds } = fixture(t)
  const stop = feeds.follow('agent01', (s) => { sent.push(s); return true })
  await eventually(() => sent.length === 1 ? true : undefined, 'first snapshot')
  t.equal(feeds.size, 1)

  live.publish('stats')
  live.publish('dial-test')
  await turns()
  t.equal(state.taken, 1, 'topics a console does not show redraw nothing')

  live.publish('agents')
  live.publish('transfers')
  live.publish('calls')
  await eventually(() => sent.length === 2 ? true : undefined, 'one more snapshot')
  await turns()
  t.equal(state.taken, 2, 'three signals in one turn make one snapshot')

  feeds.changed('agent02')
  await turns()
  t.equal(state.taken, 2, 'another agent\'s change is not this console\'s')
  feeds.changed('agent01')
  await eventually(() => sent.length === 3 ? true : undefined, 'this agent\'s change')

  stop()
  t.equal(feeds.size, 0)
  live.publish('agents')
  await turns()
  t.equal(sent.length, 3, 'nothing after stop')
})

void t.test('the fallback refreshes only consoles whose agent has a call', async (t) => {
  const { state, sent, feeds } = fixture(t)
  feeds.follow('agent01', (s) => { sent.push(s); return true })
  await eventually(() => sent.length === 1 ? true : undefined, 'first snapshot')
  feeds.tick()
  await turns()
  t.equal(state.taken, 1, 'no call: no fallback refresh')

  state.onCall = true
  feeds.changed('agent01')
  await eventually(() => sent.at(-1)?.call !== undefined ? true : undefined, 'the call shown')
  const before = state.taken
  feeds.tick()
  await eventually(() => state.taken === before + 1 ? true : undefined, 'fallback refresh during the call')
})

void t.test('a failed snapshot is skipped; the next change is shown; a closed stream stops its follower', async (t) => {
  const { live, state, sent, feeds } = fixture(t)
  let open = true
  feeds.follow('agent01', (s) => { if (!open) return false; sent.push(s); return true })
  await eventually(() => sent.length === 1 ? true : undefined, 'first snapshot')
  state.fail = true
  live.publish('agents')
  await eventually(() => state.taken === 2 ? true : undefined, 'tried')
  t.equal(sent.length, 1, 'nothing sent for the failure')
  state.fail = false
  live.publish('agents')
  await eventually(() => sent.length === 2 ? true : undefined, 'shown after the failure')

  open = false
  live.publish('agents')
  await eventually(() => state.taken === 4 ? true : undefined, 'tried once more')
  live.publish('agents')
  await turns()
  t.equal(state.taken, 4, 'a stream that refused a send is not refreshed again')
})
