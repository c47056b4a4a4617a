// How much a flow reload costs the event loop: a copy of ivr-flows/ gets a valid flow of the
// maximum size (FLOW_MAX_BYTES), the registry reloads, and perf_hooks.monitorEventLoopDelay
// measures the main thread meanwhile — once as the controller does it (the check in a worker
// thread), once with the same check on the main thread, for comparison. Prints the figures;
// nothing is asserted. The figures include the 1 ms sampling interval. See docs/flows.md "Limits".
//
//   npx tsx scripts/flow-reload-delay.ts [--timeout-ms 20000]   (npm run bench:flow-reload)

import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { loadDirectory } from '../src/config/index.js'
import { FLOW_CHECK_LIMITS } from '../src/flows/isolated-check.js'
import { FLOW_MAX_BYTES, checkFlowFile } from '../src/flows/loader.js'
import { CATALOGUE_FILE, FlowRegistry } from '../src/flows/registry.js'

const USAGE = `usage: npm run bench:flow-reload [-- --timeout-ms N]

Reloads a flow of the maximum size (${FLOW_MAX_BYTES} bytes) in a copy of ivr-flows/ and prints
the event-loop delay meanwhile: checked in a worker thread, as the controller does, then on
the main thread for comparison. Nothing is asserted.

  --timeout-ms N  the worker's time limit for one file (default ${FLOW_CHECK_LIMITS.timeoutMs})
  -h, --help      this text`

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        'timeout-ms': { type: 'string', default: String(FLOW_CHECK_LIMITS.timeoutMs) },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    console.error(`bench:flow-reload: ${(err as Error).message}\n${USAGE}`)
    process.exit(2)
  }
})()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const timeoutMs = Number(values['timeout-ms'])
if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
  console.error(`bench:flow-reload: --timeout-ms: a whole number of milliseconds, not ${values['timeout-ms']}\n${USAGE}`)
  process.exit(2)
}

/** A valid flow of plays in a row, as many steps as fit in `maxBytes`. */
function maximumFlow (maxBytes: number): { text: string, steps: number } {
  const lines = ['id: biggest', 'name: 最大的流程', 'start: s0', 'steps:']
  let size = lines.join('\n').length + 100
  let steps = 0
  for (;;) {
    const step = `  s${steps}: { kind: play, prompt: welcome, next: s${steps + 1} }`
    if (size + step.length + 1 > maxBytes) break
    lines.push(step)
    size += step.length + 1
    steps++
  }
  lines.push(`  s${steps}: { kind: hangup, reason: done }`)
  return { text: lines.join('\n') + '\n', steps }
}

const ms = (ns: number): string => (ns / 1e6).toFixed(1)
const figures = (h: IntervalHistogram): string =>
  `loop delay p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms`

async function measure<T> (run: () => Promise<T>): Promise<{ value: T, seconds: number, delay: string }> {
  const h = monitorEventLoopDelay({ resolution: 1 })
  h.enable()
  const start = performance.now()
  const value = await run()
  const seconds = (performance.now() - start) / 1000
  // A turn of the loop more, so a block that just ended is sampled.
  await new Promise((resolve) => setTimeout(resolve, 20))
  h.disable()
  return { value, seconds, delay: figures(h) }
}

const dir = await mkdtemp(join(tmpdir(), 'flow-reload-'))
try {
  await cp(join('ivr-flows', CATALOGUE_FILE), join(dir, CATALOGUE_FILE))
  await cp(join('ivr-flows', 'enterprise-seat.yaml'), join(dir, 'enterprise-seat.yaml'))
  const directory = await loadDirectory(join('config', 'directory.yaml'))
  const surroundings = (): { directory: typeof directory, groups: string[] } => ({ directory, groups: ['enterprise-seat', 'ordinary'] })
  const registry = await FlowRegistry.open({ dir, surroundings, logger: pino({ level: 'silent' }), watch: false, checkLimits: { timeoutMs } })

  const { text, steps } = maximumFlow(FLOW_MAX_BYTES)
  await writeFile(join(dir, 'biggest.yaml'), text)
  console.log(`flow of ${steps} steps, ${Buffer.byteLength(text)} bytes (limit ${FLOW_MAX_BYTES}); check time limit ${timeoutMs} ms`)

  const idle = await measure(async () => { await new Promise((resolve) => setTimeout(resolve, 2000)) })
  console.log(`idle, 2 s:                         ${idle.delay}`)

  const reload = await measure(async () => await registry.reload())
  const outcome = reload.value.changed.some((f) => f.id === 'biggest')
    ? 'taken'
    : `refused: ${reload.value.rejected.flatMap((e) => e.problems.map((p) => p.reason)).join('; ')}`
  console.log(`reload, check in a worker, ${reload.seconds.toFixed(1)} s: ${reload.delay} (${outcome})`)
  await registry.close()

  const world = { prompts: new Set(registry.prompts()), directory, groups: new Set(surroundings().groups) }
  const inline = await measure(async () => await checkFlowFile(join(dir, 'biggest.yaml'), world))
  console.log(`same check on the main thread, ${inline.seconds.toFixed(1)} s: ${inline.delay}`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
