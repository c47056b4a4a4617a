// Hostile flow files: refused and listed while running, the other files' changes still
// applied; a file whose check takes too long has its worker terminated.

import t, { type Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { FlowCheckThread } from '../../src/flows/isolated-check.js'
import { FLOW_MAX_BYTES, type FlowWorld } from '../../src/flows/loader.js'
import { FlowRegistry } from '../../src/flows/registry.js'
import { aliasBomb, nested } from '../config/untrusted-yaml.js'
import { shippedDirectory, silentLog, lineFlow } from './fake-call.js'

const catalogue = stringify({ prompts: { welcome: { zh: '欢迎' }, goodbye: { zh: '再见' }, closed: { zh: '下班' } } })

const line = lineFlow

/** A valid flow of `steps` plays in a row: slow to check when long. */
const long = (id: string, steps: number): string => [
  `id: ${id}`, `name: ${id}`, 'start: s0', 'steps:',
  ...Array.from({ length: steps }, (_, i) => `  s${i}: { kind: play, prompt: welcome, next: s${i + 1} }`),
  `  s${steps}: { kind: hangup, reason: done }`
].join('\n') + '\n'

const world: FlowWorld = { prompts: new Set(['welcome', 'goodbye', 'closed']), directory: shippedDirectory, groups: new Set(['enterprise-seat']) }

async function open (t: Test, dir: string): Promise<FlowRegistry> {
  const registry = await FlowRegistry.open({
    dir, surroundings: () => ({ directory: shippedDirectory, groups: ['enterprise-seat'] }), logger: silentLog, watch: false
  })
  t.teardown(async () => { await registry.close() })
  return registry
}

void t.test('an alias bomb, an oversize and a deeply nested file dropped in are refused and listed; a good change is applied', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue, 'line.yaml': line('line', 'goodbye') })
  const registry = await open(t, dir)
  await writeFile(join(dir, 'bomb.yaml'), aliasBomb)
  await writeFile(join(dir, 'huge.yaml'), `${line('huge', 'goodbye')}# ${'x'.repeat(FLOW_MAX_BYTES)}\n`)
  await writeFile(join(dir, 'deep.yaml'), nested(100))
  await writeFile(join(dir, 'line.yaml'), line('line', 'closed'))

  const report = await registry.reload()
  t.same(report.changed.map((f) => f.id), ['line'], 'the good change is in force')
  t.match(registry.current('line').steps.bye, { prompt: 'closed' })
  t.match(report.rejected.map((e) => e.problems), [
    [{ file: join(dir, 'bomb.yaml'), path: '/', reason: 'YAML aliases expand too much (more than 100 copies): refused' }],
    [{ file: join(dir, 'deep.yaml'), path: '/', reason: 'YAML nested more than 64 levels deep' }],
    [{ file: join(dir, 'huge.yaml'), path: '/', reason: /over the limit of 1048576: not read$/ }]
  ])
})

void t.test('a file whose check takes past the time limit: its worker is terminated, the file refused, the next file checked', async (t) => {
  // ~15 000 steps take seconds to check (about 1 ms a step), far past the 500 ms limit on any
  // machine; the small file takes a few milliseconds.
  const big = long('big', 15_000)
  t.ok(Buffer.byteLength(big) < FLOW_MAX_BYTES, 'within the size limit: refused for its time alone')
  const dir = t.testdir({ 'big.yaml': big, 'line.yaml': line('line', 'goodbye') })
  const thread = new FlowCheckThread({ timeoutMs: 500 })
  t.teardown(async () => { await thread.close() })

  t.ok((await thread.check(join(dir, 'line.yaml'), world)).flow, 'a small file passes')
  const first = thread.threadId
  t.same(await thread.check(join(dir, 'big.yaml'), world), {
    errors: [{ file: join(dir, 'big.yaml'), path: '/', reason: 'checking took longer than 500 ms: refused (split the flow into smaller ones)' }],
    warnings: []
  })
  t.ok((await thread.check(join(dir, 'line.yaml'), world)).flow, 'the next file is checked')
  t.not(thread.threadId, first, 'by a new worker: the one past its time was terminated')
})

void t.test('a flow checks in a worker and arrives frozen', async (t) => {
  const dir = t.testdir({ 'line.yaml': line('line', 'goodbye') })
  const thread = new FlowCheckThread()
  t.teardown(async () => { await thread.close() })
  const { flow } = await thread.check(join(dir, 'line.yaml'), world)
  t.equal(flow?.id, 'line')
  t.ok(Object.isFrozen(flow) && Object.isFrozen(flow?.steps.bye), 'frozen: a call may hold it across a reload')
})
