// The chaos harness's short run (docs/reliability.md, "Chaos"): the standalone simulator, two
// controllers on Redis behind Sentinel, each through its own proxy, a failing webhook; every
// kind of fault at least once (ten controller kills), and every invariant at its target. The
// long run is `npm run chaos -- --kills 200`.
import t from 'tap'
import { runChaos } from '../scripts/chaos/harness.js'

// Seven processes of Redis, a simulator and two controllers, a 60 s silent link, the drain.
t.setTimeout(900_000)

void t.test('ten kills and every other fault under traffic: every invariant at target', async (t) => {
  const lines: string[] = []
  const result = await runChaos({
    kills: 10,
    seed: 12_345,
    controllers: 2,
    protocol: 'esl',
    meanFaultGapMs: 5000,
    callsPerMinute: 30,
    silenceLimitMs: 30_000,
    sequence: ['kill', 'reset', 'redis-failover', 'drop-5s', 'kill', 'switch-restart', 'kill', 'redis-primary-kill', 'kill', 'drop-60s'],
    // The sequence has each kind once; after it, only kills: a second 60 s silence or Redis
    // fault would add minutes to `npm test` and nothing the sequence has not shown.
    weights: { reset: 0, 'drop-5s': 0, 'drop-60s': 0, 'switch-restart': 0, 'redis-failover': 0, 'redis-primary-kill': 0 },
    // Queued callers give up within a minute: the drain after the last fault is that much shorter.
    longestCallMs: 60_000,
    entry: 'source',
    log: (line) => { lines.push(line) }
  })
  t.comment(lines.join('\n'))
  t.equal(result.faults.kill, 10, 'ten controller kills')
  for (const fault of ['reset', 'drop-5s', 'drop-60s', 'switch-restart', 'redis-failover', 'redis-primary-kill'] as const) {
    t.ok(result.faults[fault] >= 1, `at least one ${fault}`)
  }
  t.ok(result.counts.placed >= 20, `${result.counts.placed} calls placed`)
  t.ok((result.counts.finalStates.completed ?? 0) > 0, 'some calls served through it all')
  for (const invariant of result.invariants) {
    t.ok(invariant.ok, `${invariant.name}: ${invariant.value} (target ${invariant.target})`)
  }
  if (!result.ok) t.comment(`kept for a look: ${result.workDir}; calls without one final state: ${result.counts.badRecords.join(', ')}`)
})
