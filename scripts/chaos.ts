// `npm run chaos -- --kills 200 [--seed N] [--controllers 2] [--protocol esl|ari]`: the chaos
// harness (scripts/chaos/harness.ts, docs/reliability.md). Prints each fault as it happens and
// the invariants at the end; exits 1 if one is off target, 64 on a bad option.
import { parseArgs } from 'node:util'
import { runChaos } from './chaos/harness.js'

const USAGE = `usage: npm run chaos -- [--kills N] [--seed N] [--controllers N] [--protocol esl|ari]
  [--fault-gap-ms N] [--calls-per-minute N] [--silence-limit-s N] [--keep]`

function main (): Promise<number> {
  let values
  try {
    values = parseArgs({
      options: {
        kills: { type: 'string', default: '10' },
        seed: { type: 'string', default: String(Date.now() % 100_000) },
        controllers: { type: 'string', default: '2' },
        protocol: { type: 'string', default: 'esl' },
        'fault-gap-ms': { type: 'string', default: '3000' },
        'calls-per-minute': { type: 'string', default: '30' },
        'silence-limit-s': { type: 'string', default: '30' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false }
      },
      strict: true
    }).values
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`)
    return Promise.resolve(64)
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return Promise.resolve(0)
  }
  const whole = (name: string, text: string, min: number): number => {
    const n = Number(text)
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: a whole number ≥ ${min}, not ${JSON.stringify(text)}`)
    return n
  }
  let options
  try {
    if (values.protocol !== 'esl' && values.protocol !== 'ari') throw new Error(`--protocol: esl or ari, not ${JSON.stringify(values.protocol)}`)
    options = {
      kills: whole('kills', values.kills, 1),
      seed: whole('seed', values.seed, 0),
      controllers: whole('controllers', values.controllers, 2),
      protocol: values.protocol,
      meanFaultGapMs: whole('fault-gap-ms', values['fault-gap-ms'], 100),
      callsPerMinute: whole('calls-per-minute', values['calls-per-minute'], 1),
      silenceLimitMs: whole('silence-limit-s', values['silence-limit-s'], 1) * 1000,
      keep: values.keep
    } as const
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`)
    return Promise.resolve(64)
  }
  const out = (line: string): void => { process.stdout.write(`${line}\n`) }
  out(`chaos: ${options.kills} kills, seed ${options.seed}, ${options.controllers} controllers, ${options.protocol}`)
  // Ctrl-C or SIGTERM: no more faults, the calls drain, everything started is stopped, and
  // what happened so far is counted; a second one leaves at once.
  const abort = new AbortController()
  const stop = (): void => {
    if (abort.signal.aborted) process.exit(130)
    out('stopping: no more faults; draining and counting')
    abort.abort()
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return runChaos({ ...options, entry: 'built', log: out, signal: abort.signal }).then((result) => {
    out('')
    out(`faults: ${Object.entries(result.faults).map(([f, n]) => `${f} ${n}`).join(', ')}; ${(result.durationMs / 60_000).toFixed(1)} min`)
    out(`transfers asked: ${result.transfers}; controllers that stopped by themselves (started again): ${result.selfExits}`)
    out(`longest silence a caller lived: ${(Math.max(0, ...result.counts.silences) / 1000).toFixed(1)} s`)
    out(`final states: ${Object.entries(result.counts.finalStates).map(([f, n]) => `${f} ${n}`).join(', ')}`)
    const width = Math.max(...result.invariants.map((i) => i.name.length))
    for (const i of result.invariants) {
      out(`${i.ok ? 'ok  ' : 'FAIL'}  ${i.name.padEnd(width)}  ${String(i.value).padStart(9)}  (target: ${i.target})`)
    }
    if (result.counts.badRecords.length > 0) out(`calls without exactly one final state (leg ids): ${result.counts.badRecords.slice(0, 20).join(', ')}`)
    if (!result.ok) out(`logs and config kept in ${result.workDir}`)
    out(result.ok ? 'every invariant at target' : 'invariants off target')
    return result.ok ? 0 : 1
  })
}

main().then((code) => { process.exit(code) }, (err: unknown) => {
  process.stderr.write(`chaos run failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(2)
})
