import t, { type Test } from 'tap'
import { once } from 'node:events'
import { rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { type Logger, pino } from 'pino'
import { stringify } from 'yaml'
import { ConfigError } from '../../src/config/validate.js'
import { runFlow } from '../../src/flows/engine.js'
import type { LoadedFlow } from '../../src/flows/loader.js'
import { FlowRegistry, type FlowRegistryOptions } from '../../src/flows/registry.js'
import { fakeCall, services, shippedDirectory, silentLog, lineFlow } from './fake-call.js'

const catalogue = (ids: string[]): string => stringify({ prompts: Object.fromEntries(ids.map((id) => [id, { zh: `提示音${id}` }])) })
const PROMPTS = ['welcome', 'goodbye', 'closed']

/** A line that greets, then says goodbye (v1) or "closed" (v2). */
const line = lineFlow

const broken = (id: string): string => stringify({
  id, name: id, start: 'welcome', steps: { welcome: { kind: 'play', prompt: 'no-such-prompt', next: 'gone' } }
})

/** Replaces a file the way editors do: write a temporary file, rename it over the old one. */
async function save (dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.${name}.tmp`)
  await writeFile(tmp, text)
  await rename(tmp, join(dir, name))
}

function logLines (): { logger: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    }
  })
  return { logger: pino({ level: 'warn' }, stream), lines }
}

async function open (t: Test, dir: string, options: Partial<FlowRegistryOptions> = {}): Promise<FlowRegistry> {
  const registry = await FlowRegistry.open({
    dir,
    surroundings: () => ({ directory: shippedDirectory, groups: ['enterprise-seat'] }),
    logger: silentLog,
    debounceMs: 50,
    ...options
  })
  t.teardown(async () => { await registry.close() })
  return registry
}

/**
 * Aborts a wait that never ends (a failing test) after a while. A plain timer, not
 * AbortSignal.timeout: the registry's watcher and timers do not keep the process alive, so
 * the test's own timer has to while it waits for a file event.
 */
function timeout (t: Test): { signal: AbortSignal } {
  const abort = new AbortController()
  const timer = setTimeout(() => { abort.abort(new Error('no registry event within 20 s')) }, 20_000)
  t.teardown(() => { clearTimeout(timer) })
  return { signal: abort.signal }
}

void t.test('loads every flow of the folder; prompts.yaml is the catalogue, not a flow', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue(PROMPTS), 'line.yaml': line('line', 'goodbye'), 'other.yaml': line('other', 'closed'), 'notes.txt': 'x' })
  const registry = await open(t, dir, { watch: false })
  t.same(registry.list().map((f) => f.id), ['line', 'other'])
  t.equal(registry.current('line').file, join(dir, 'line.yaml'))
  t.throws(() => registry.current('nope'), { code: 'HC_NOT_FOUND' })
})

void t.test('at start any bad file refuses the folder, with every problem', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue(PROMPTS), 'line.yaml': line('line', 'goodbye'), 'bad.yaml': broken('bad'), 'dup.yaml': line('line', 'closed') })
  const err = await FlowRegistry.open({ dir, surroundings: () => ({ directory: shippedDirectory, groups: [] }), logger: silentLog, watch: false })
    .catch((e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.same((err as ConfigError).problems.map((p) => [p.file, p.path]), [
    [join(dir, 'bad.yaml'), '/steps/welcome/next'],
    [join(dir, 'bad.yaml'), '/steps/welcome/prompt'],
    [join(dir, 'line.yaml'), '/id']
  ])
  t.match((err as ConfigError).problems[2]?.reason, `flow id "line" is already used by ${join(dir, 'dup.yaml')}`)
})

void t.test('hot reload: a good change is taken; a call holding the old version keeps it', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue(PROMPTS), 'line.yaml': line('line', 'goodbye') })
  const registry = await open(t, dir)
  const held = registry.current('line')

  const changed = once(registry, 'changed', timeout(t))
  await save(dir, 'line.yaml', line('line', 'closed'))
  const [flow, previous] = await changed as [LoadedFlow, LoadedFlow | undefined]
  t.equal(previous, held)
  t.equal(registry.current('line'), flow)
  t.not(flow.version, held.version)

  // The call that started before the change runs the old steps to the end.
  const old = fakeCall([])
  t.same(await runFlow(held, services())(old.call, old.signal), { reason: 'goodbye' })
  t.same(old.caller.heard, ['play:welcome', 'play:goodbye'])
  const fresh = fakeCall([])
  t.same(await runFlow(registry.current('line'), services())(fresh.call, fresh.signal), { reason: 'closed' })
  t.same(fresh.caller.heard, ['play:welcome', 'play:closed'])
})

void t.test('hot reload: a bad change is refused, logged with file/path/reason, and the old version stays', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue(PROMPTS), 'line.yaml': line('line', 'goodbye') })
  const { logger, lines } = logLines()
  const registry = await open(t, dir, { logger })
  const before = registry.current('line')

  const rejected = once(registry, 'rejected', timeout(t))
  await save(dir, 'line.yaml', broken('line'))
  const [error] = await rejected as [ConfigError]
  t.same(error.problems.map((p) => [p.file, p.path, p.reason]), [
    [join(dir, 'line.yaml'), '/steps/welcome/next', 'unknown step "gone": not among /steps'],
    [join(dir, 'line.yaml'), '/steps/welcome/prompt', 'unknown prompt "no-such-prompt": not in the prompt catalogue']
  ])
  t.equal(registry.current('line'), before, 'the version in force is the old one, the same object')
  t.match(lines, [
    { level: 40, file: join(dir, 'line.yaml'), path: '/steps/welcome/next', reason: 'unknown step "gone": not among /steps' },
    { level: 40, file: join(dir, 'line.yaml'), path: '/steps/welcome/prompt' }
  ])

  // Fixing the file is picked up as usual.
  const changed = once(registry, 'changed', timeout(t))
  await save(dir, 'line.yaml', line('line', 'closed'))
  await changed
  t.same(registry.current('line').steps.bye, { kind: 'hangup', prompt: 'closed', reason: 'closed' })
})

void t.test('reload(): new files, unchanged files, duplicate ids, removed files', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue(PROMPTS), 'line.yaml': line('line', 'goodbye') })
  const registry = await open(t, dir, { watch: false })
  const first = registry.current('line')

  t.same(await registry.reload(), { changed: [], rejected: [] }, 'nothing changed, nothing reported')
  t.equal(registry.current('line'), first)

  await writeFile(join(dir, 'more.yaml'), line('more', 'closed'))
  await writeFile(join(dir, 'copy.yaml'), line('line', 'closed'))
  const report = await registry.reload()
  t.same(report.changed.map((f) => f.id), ['more'])
  t.same(report.rejected.map((e) => e.problems.map((p) => [p.file, p.path])), [[[join(dir, 'copy.yaml'), '/id']]])
  t.equal(registry.current('line'), first, 'the first owner of the id keeps it')

  await rm(join(dir, 'more.yaml'))
  await rm(join(dir, 'copy.yaml'))
  const removed = await registry.reload()
  t.match(removed.rejected.map((e) => e.problems[0]), [{ file: join(dir, 'more.yaml'), reason: /file removed/ }])
  t.equal(registry.current('more').id, 'more', 'a removed file keeps its last version until a restart')
})

void t.test('the catalogue reloads too; dropping a prompt a flow plays is refused', async (t) => {
  const dir = t.testdir({ 'prompts.yaml': catalogue(PROMPTS), 'line.yaml': line('line', 'goodbye') })
  const registry = await open(t, dir, { watch: false })

  await writeFile(join(dir, 'prompts.yaml'), catalogue(['welcome', 'closed']))
  const refused = await registry.reload()
  t.match(refused.rejected.map((e) => e.problems), [[{ file: join(dir, 'prompts.yaml'), path: '/prompts', reason: /prompt "goodbye" is played by flow "line"/ }]])

  // The same catalogue with the flow changed in the same reload: both are taken.
  await writeFile(join(dir, 'line.yaml'), line('line', 'closed'))
  const both = await registry.reload()
  t.same(both.rejected, [])
  t.same(both.changed.map((f) => f.steps.bye), [{ kind: 'hangup', prompt: 'closed', reason: 'closed' }])

  // Now "goodbye" is gone from the catalogue in force: a flow using it is refused.
  await writeFile(join(dir, 'line.yaml'), line('line', 'goodbye'))
  const back = await registry.reload()
  t.match(back.rejected.map((e) => e.problems), [[{ path: '/steps/bye/prompt', reason: /unknown prompt "goodbye"/ }]])

  await writeFile(join(dir, 'prompts.yaml'), 'prompts: [')
  const syntax = await registry.reload()
  t.match(syntax.rejected.map((e) => e.problems[0]), [{ file: join(dir, 'prompts.yaml'), reason: /^YAML syntax/ }, { path: '/steps/bye/prompt' }])
})
