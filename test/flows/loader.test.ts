import t, { type Test } from 'tap'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { QUEUE_MUSIC_PROMPT, QUEUE_PROMPTS } from '../../src/calls/queue-announcer.js'
import { ConfigError } from '../../src/config/validate.js'
import { type FlowWorld, checkFlowFile, checkFlowText, loadFlowFile } from '../../src/flows/loader.js'
import { shippedDirectory } from './fake-call.js'

const world: FlowWorld = {
  prompts: new Set(['welcome', 'menu', 'invalid-input', 'no-input', 'code', 'goodbye', ...QUEUE_PROMPTS]),
  directory: shippedDirectory,
  groups: new Set(['enterprise-seat', 'ordinary'])
}

// Broken copies are made by poking into the document: any is the honest type here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>

/** A small good flow; each case below breaks one thing in a copy of it. */
const good = (): Doc => ({
  id: 'test-line',
  name: '测试线路',
  start: 'welcome',
  steps: {
    welcome: { kind: 'play', prompt: 'welcome', next: 'menu' },
    menu: {
      kind: 'menu',
      prompt: 'menu',
      options: {
        1: { next: 'queue', set: { priority: 'handling' } },
        2: { next: 'code', set: { matter: 'tax-invoice', category: '税务' } },
        9: { next: 'menu' }
      },
      invalidPrompt: 'invalid-input',
      noInputPrompt: 'no-input',
      onFail: 'bye'
    },
    code: {
      kind: 'collect', prompt: 'code', minDigits: 6, maxDigits: 8, into: 'enterpriseCode',
      validate: { pattern: '[0-9]+' }, next: 'hours', onFail: 'bye'
    },
    hours: { kind: 'branch', on: 'working-time', cases: { open: 'queue', closed: 'bye' } },
    queue: { kind: 'queue', group: 'enterprise-seat', maxWaitSec: 120, next: 'bye', overflow: 'bye' },
    bye: { kind: 'hangup', prompt: 'goodbye', reason: 'done' }
  }
})

/** Writes the flows into a fresh folder (t.testdir) and checks each; name → result. */
async function checkFiles (t: Test, files: Record<string, Doc | string>): Promise<Record<string, Awaited<ReturnType<typeof checkFlowFile>> & { file: string }>> {
  const dir = t.testdir(Object.fromEntries(Object.entries(files).map(([name, doc]) => [name, typeof doc === 'string' ? doc : stringify(doc)])))
  const out: Record<string, Awaited<ReturnType<typeof checkFlowFile>> & { file: string }> = {}
  for (const name of Object.keys(files)) {
    const file = join(dir, name)
    out[name] = { ...await checkFlowFile(file, world), file }
  }
  return out
}

const pathsOf = (problems: ReadonlyArray<{ path: string }>): string[] => problems.map((p) => p.path)

void t.test('the good flow loads: frozen, versioned by content, no problems', async (t) => {
  const { 'test-line.yaml': r } = await checkFiles(t, { 'test-line.yaml': good() })
  t.same(r!.errors, [])
  t.same(r!.warnings, [])
  const flow = r!.flow!
  t.equal(flow.id, 'test-line')
  t.match(flow.version, /^[0-9a-f]{16}$/)
  t.equal(flow.file, r!.file)
  t.ok(Object.isFrozen(flow) && Object.isFrozen(flow.steps) && Object.isFrozen(flow.steps.menu), 'deeply frozen')
  t.same(flow.prompts, ['code', 'goodbye', 'invalid-input', 'menu', 'no-input', 'welcome'])
  const again = checkFlowText(stringify(good()), 'x.yaml', world)
  t.equal(again.flow?.version, flow.version, 'same text, same version')
  const changed = good()
  changed.name = '另一个名字'
  t.not(checkFlowText(stringify(changed), 'x.yaml', world).flow?.version, flow.version, 'other text, other version')
})

void t.test('each broken file names the file, the path and the reason', async (t) => {
  const badSchema = good()
  delete badSchema.steps.welcome.next
  badSchema.steps.queue.maxWaitSec = 'long'
  badSchema.steps.bye.colour = 'red'
  badSchema.steps.hours.on = 'weather'
  badSchema.steps.code.kind = 'record'

  // The start's next is mistyped: everything after it looks unreachable, but only the typo is
  // reported — where it should lead is unknown until it is fixed.
  const unknownNext = good()
  unknownNext.steps.menu.options[1].next = 'queu'
  const unknownFirst = good()
  unknownFirst.steps.welcome.next = 'manu'

  const unreachable = good()
  unreachable.steps.orphan = { kind: 'play', prompt: 'welcome', next: 'bye' }

  const trapped = good()
  trapped.steps.menu.options = { 1: { next: 'menu' }, 2: { next: 'again' } }
  trapped.steps.menu.onFail = 'again'
  trapped.steps.again = { kind: 'play', prompt: 'menu', next: 'menu' }
  // The rest can still end, but no longer be reached: only the loop is a trap.

  const unknownPrompt = good()
  unknownPrompt.steps.welcome.prompt = 'welcom'

  const unknownMatter = good()
  unknownMatter.steps.menu.options[2].set.matter = 'tax-invoices'

  const unknownGroup = good()
  unknownGroup.steps.queue.group = 'vip'

  const badRegex = good()
  badRegex.steps.code.validate.pattern = '[0-9'

  const results = await checkFiles(t, {
    'bad-schema.yaml': badSchema,
    'unknown-next.yaml': unknownNext,
    'unknown-first.yaml': unknownFirst,
    'unreachable.yaml': unreachable,
    'trapped.yaml': trapped,
    'unknown-prompt.yaml': unknownPrompt,
    'unknown-matter.yaml': unknownMatter,
    'unknown-group.yaml': unknownGroup,
    'bad-regex.yaml': badRegex
  })
  for (const [name, r] of Object.entries(results)) {
    t.equal(r.flow, undefined, `${name} is refused`)
    for (const p of r.errors) t.equal(p.file, r.file, `${name}: problems name the file`)
  }

  t.same(results['bad-schema.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/welcome/next', 'missing required field "next"'],
    ['/steps/code/kind', 'unknown step kind "record": one of play, menu, collect, branch, queue, ticket, survey, hangup, callback'],
    ['/steps/hours/on', 'unknown branch on "weather": one of working-time, priority, variable'],
    ['/steps/queue/maxWaitSec', 'Expected integer'],
    ['/steps/bye/colour', 'unknown field "colour"']
  ])
  t.same(results['unknown-next.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/menu/options/1/next', 'unknown step "queu": not among /steps (did you mean "queue"?)']
  ], 'one typo, one error: no knock-on unreachable or trapped steps')
  t.same(results['unknown-first.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/welcome/next', 'unknown step "manu": not among /steps (did you mean "menu"?)']
  ])
  t.same(results['unreachable.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/orphan', 'unreachable step: no path from start "welcome" leads here']
  ])
  const trap = results['trapped.yaml']!.errors
  t.same(pathsOf(trap.filter((p) => p.reason.startsWith('loop with no way out'))), ['/steps/welcome', '/steps/menu', '/steps/again'])
  t.match(trap.find((p) => p.path === '/steps/menu')?.reason, /no hangup can be reached from here \(trapped steps: .*menu.*again/)
  t.same(pathsOf(trap.filter((p) => p.reason.startsWith('unreachable'))).sort(), ['/steps/bye', '/steps/code', '/steps/hours', '/steps/queue'])
  t.same(results['unknown-prompt.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/welcome/prompt', 'unknown prompt "welcom": not in the prompt catalogue (did you mean "welcome"?)']
  ])
  t.same(results['unknown-matter.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/menu/options/2/set/matter', 'unknown matter "tax-invoices": not a matter of the directory (did you mean "tax-invoice"?)']
  ])
  t.same(results['unknown-group.yaml']!.errors.map((p) => [p.path, p.reason]), [
    ['/steps/queue/group', 'unknown agent group "vip": known groups are enterprise-seat, ordinary']
  ])
  t.equal(results['bad-regex.yaml']!.errors.length, 1)
  t.equal(results['bad-regex.yaml']!.errors[0]?.path, '/steps/code/validate/pattern')
  t.match(results['bad-regex.yaml']!.errors[0]?.reason, /^not a valid regular expression: .*/)
})

void t.test('every problem of a file is reported, not only the first', async (t) => {
  const doc = good()
  doc.start = 'begin'
  doc.steps.welcome.prompt = 'hello'
  doc.steps.menu.options[1].set.priority = 'urgent'
  doc.steps.menu.options[2].set.category = '餐饮'
  doc.steps.hours.department = 'weather-bureau'
  doc.steps.queue.group = 'vip'
  doc.steps.code.minDigits = 9
  const r = checkFlowText(stringify(doc), 'many.yaml', world)
  t.same(r.errors.map((p) => p.path).sort(), [
    '/start',
    '/steps/code/minDigits',
    '/steps/hours/department',
    '/steps/menu/options/1/set/priority',
    '/steps/menu/options/2/set/category',
    '/steps/queue/group',
    '/steps/welcome/prompt'
  ])
  t.match(r.errors.find((p) => p.path === '/steps/menu/options/1/set/priority')?.reason, /unknown priority "urgent": not a priority \(one of handling, help, hot-policy, second\)/)
  t.match(r.errors.find((p) => p.path === '/start')?.reason, 'unknown step "begin"')
})

void t.test('schema problems and reference problems come together', async (t) => {
  const doc = good()
  doc.steps.queue.maxWaitSec = 1
  doc.steps.welcome.prompt = 'hello'
  const r = checkFlowText(stringify(doc), 'mixed.yaml', world)
  t.same(pathsOf(r.errors), ['/steps/queue/maxWaitSec', '/steps/welcome/prompt'])
})

void t.test('flow-level schema: missing and unknown fields, bad step ids, empty steps, YAML syntax', async (t) => {
  const r = checkFlowText(stringify({ id: 'Bad Id', start: 'a', steps: { 'a b': { kind: 'hangup' } }, extra: 1 }), 'f.yaml', world)
  t.same(r.errors.map((p) => [p.path, p.reason]), [
    ['/name', 'missing required field "name"'],
    ['/extra', 'unknown field "extra"'],
    ['/id', '"Bad Id" does not match ^[a-z0-9][a-z0-9-]{0,63}$'],
    ['/steps/a b', 'key "a b" does not match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'],
    ['/start', 'unknown step "a": not among /steps']
  ])
  const badKey = good()
  badKey.steps.menu.options.A = { next: 'bye' }
  t.same(checkFlowText(stringify(badKey), 'f.yaml', world).errors.map((p) => [p.path, p.reason]), [
    ['/steps/menu/options/A', 'key "A" does not match ^[0-9*#]$']
  ])
  t.same(pathsOf(checkFlowText(stringify({ id: 'x', name: 'x', start: 'a', steps: {} }), 'f.yaml', world).errors), ['/steps'])
  const syntax = checkFlowText('id: x\nsteps: [\n', 'broken.yaml', world)
  t.equal(syntax.errors[0]?.file, 'broken.yaml')
  t.match(syntax.errors[0]?.reason, /^YAML syntax: /)
  const missing = await checkFlowFile('/nonexistent/flow.yaml', world)
  t.match(missing.errors, [{ file: '/nonexistent/flow.yaml', path: '/', reason: /^cannot read: / }])
})

void t.test('warnings do not refuse the file', async (t) => {
  const doc = good()
  doc.steps.hours = { kind: 'branch', on: 'variable', variable: 'region', cases: { north: 'queue' }, default: 'bye' }
  doc.steps.queue.announceEverySec = 300
  const r = checkFlowText(stringify(doc), 'other-name.yaml', world)
  t.same(r.errors, [])
  t.ok(r.flow, 'loaded')
  t.same(r.warnings.map((w) => w.path), ['/steps/queue/announceEverySec', '/steps/hours/variable', '/id'])
  t.same(r.flow?.warnings, r.warnings)
  t.match(r.warnings.find((w) => w.path === '/steps/hours/variable')?.reason, 'no step of this flow sets "region"')
})

void t.test('a catalogue without the queue\'s own prompts (one from before the hold music): warned, still loaded', async (t) => {
  const older = { ...world, prompts: new Set([...world.prompts].filter((p) => p !== QUEUE_MUSIC_PROMPT)) }
  const r = checkFlowText(stringify(good()), 'test-line.yaml', older)
  t.same(r.errors, [])
  t.ok(r.flow, 'loaded')
  t.same(r.warnings.map((w) => [w.path, w.reason]), [
    ['/steps/queue', 'the prompt catalogue lacks queue-music, which this step plays by itself: callers hear silence there']
  ])
})

void t.test('loadFlowFile throws one ConfigError with every problem', async (t) => {
  const doc = good()
  doc.steps.welcome.prompt = 'hello'
  doc.steps.queue.group = 'vip'
  const dir = t.testdir({ 'test-line.yaml': stringify(doc) })
  const err = await loadFlowFile(join(dir, 'test-line.yaml'), world).catch((e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.equal((err as ConfigError).code, 'HC_CONFIG_INVALID')
  t.same(pathsOf((err as ConfigError).problems), ['/steps/welcome/prompt', '/steps/queue/group'])
  t.match((err as ConfigError).message, `${join(dir, 'test-line.yaml')}: /steps/welcome/prompt: unknown prompt "hello"`)
})
