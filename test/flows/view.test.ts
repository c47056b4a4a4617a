// The flow view (src/features/flow-view/feature.ts) against a real FlowRegistry on a temporary copy
// of ivr-flows/: which files are in force and which refused with their problems, through
// refused edits, fixes, new files, files saved back, removed files and a refused catalogue;
// and the graph of a flow, one node per step and one edge per pair of steps an exit joins.

import t, { type Test } from 'tap'
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { FlowRegistry } from '../../src/flows/registry.js'
import { stepKindOf } from '../../src/flows/steps/index.js'
import { FlowView } from '../../src/features/flow-view/feature.js'
import { ManualClock } from '../../src/ports/clock.js'
import { FLOWS_DIR, shippedDirectory } from './fake-call.js'
import { openRegistry, shippedAgents } from './graph-fixtures.js'

const FILE = 'enterprise-seat.yaml'
const SHIPPED = await readFile(join(FLOWS_DIR, FILE), 'utf8')
/** The shipped flow with the greeting's prompt misspelt: refused by the loader. */
const MISSPELT = SHIPPED.replace('    prompt: welcome\n', '    prompt: welcom\n')
/** A small good flow on prompts of the shipped catalogue. */
const SMALL = stringify({
  id: 'small',
  name: '小流程',
  start: 'hello',
  steps: {
    hello: { kind: 'play', prompt: 'welcome', next: 'bye' },
    bye: { kind: 'hangup', prompt: 'goodbye', reason: 'served' }
  }
})

interface Fixture { dir: string, registry: FlowRegistry, view: FlowView, clock: ManualClock }

/** A copy of the shipped ivr-flows/, its registry (reloaded by hand) and a view of it. */
async function fixture (t: Test): Promise<Fixture> {
  const dir = t.testdir({})
  for (const name of [FILE, 'prompts.yaml']) await copyFile(join(FLOWS_DIR, name), join(dir, name))
  const registry = await openRegistry(t, dir)
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00+08:00'))
  const view = new FlowView({ registry, flowsDir: dir, directory: shippedDirectory, groups: shippedAgents.groups, clock })
  t.teardown(() => { view.close() })
  return { dir, registry, view, clock }
}

void t.test('the shipped folder: one flow in force, nothing refused', async (t) => {
  const { registry, view } = await fixture(t)
  const flow = registry.current('enterprise-seat')
  t.strictSame(await view.files(), {
    flows: [{
      file: FILE,
      status: 'loaded',
      id: 'enterprise-seat',
      name: '12345热线企业专席',
      version: flow.version,
      start: 'welcome',
      steps: Object.keys(flow.steps).length,
      problems: [],
      warnings: []
    }],
    problems: []
  })
})

void t.test('a refused edit is shown with its problems while the version in force stays drawn; a fix clears it', async (t) => {
  const { dir, registry, view } = await fixture(t)
  const before = registry.current('enterprise-seat')

  await writeFile(join(dir, FILE), MISSPELT)
  const report = await registry.reload()
  t.equal(report.rejected.length, 1, 'the registry refused the edit')
  const { flows } = await view.files()
  t.match(flows, [{
    file: FILE,
    status: 'rejected',
    id: 'enterprise-seat',
    version: before.version,
    problems: [{ file: FILE, path: '/steps/welcome/prompt', reason: /unknown prompt "welcom".*did you mean "welcome"/ }],
    refusedAt: '2026-03-02T02:00:00.000Z'
  }])
  t.notMatch(JSON.stringify(flows), dir, 'no server path in what the page reads')
  const graph = await view.graph('enterprise-seat', 'TB')
  t.equal(graph?.flow.version, before.version, 'the version in force is drawn')
  t.equal(graph?.nodes.find((n) => n.id === 'welcome')?.prompts[0]?.id, 'welcome', 'as it runs, not as edited')

  // Fixed, and changed on the way (the greeting plays twice): a new version in force.
  await writeFile(join(dir, FILE), SHIPPED.replace('    prompt: welcome\n    next: priority-menu\n', '    prompt: welcome\n    next: welcome-again\n\n  welcome-again:\n    kind: play\n    prompt: welcome\n    next: priority-menu\n'))
  t.same((await registry.reload()).changed.map((f) => f.id), ['enterprise-seat'])
  const fixed = (await view.files()).flows[0]
  t.match(fixed, { status: 'loaded', problems: [] })
  t.not(fixed?.version, before.version)
  t.notOk(fixed !== undefined && 'refusedAt' in fixed)
  t.ok((await view.graph('enterprise-seat', 'TB'))?.nodes.some((n) => n.id === 'welcome-again'), 'the new version is drawn')
})

void t.test('saving the file back to the version in force clears the refusal, with or without a reload', async (t) => {
  const { dir, registry, view } = await fixture(t)
  const version = registry.current('enterprise-seat').version
  await writeFile(join(dir, FILE), MISSPELT)
  await registry.reload()
  t.match((await view.files()).flows, [{ status: 'rejected' }])

  await writeFile(join(dir, FILE), SHIPPED)
  t.match((await view.files()).flows, [{ status: 'loaded', version, problems: [] }], 'the file is the version in force again')
  t.same(await registry.reload(), { changed: [], rejected: [] }, 'the registry has nothing to say about it')
  t.match((await view.files()).flows, [{ status: 'loaded', version, problems: [] }])
})

void t.test('a still-bad file is refused again at each reload, with its problems as they stand', async (t) => {
  const { dir, registry, view, clock } = await fixture(t)
  await writeFile(join(dir, FILE), MISSPELT)
  await registry.reload()
  await writeFile(join(dir, FILE), MISSPELT.replace('next: priority-route, set: { priority: help }', 'next: nowhere, set: { priority: help }'))
  clock.advance(60_000)
  await registry.reload()
  const [file] = (await view.files()).flows
  t.same(file?.problems.map((p) => p.path), ['/steps/welcome/prompt', '/steps/priority-menu/options/2/next'], 'both problems, as the loader reports them')
  t.equal(file?.refusedAt, '2026-03-02T02:01:00.000Z')
})

void t.test('a new good flow file appears; a bad new one is listed refused without a version until it goes', async (t) => {
  const { dir, registry, view } = await fixture(t)
  await writeFile(join(dir, 'small.yaml'), SMALL)
  await writeFile(join(dir, 'typo.yaml'), SMALL.replace('id: small', 'id: typo').replace('next: bye', 'next: by'))
  await registry.reload()
  const { flows } = await view.files()
  t.same(flows.map((f) => [f.file, f.status, f.id]), [[FILE, 'loaded', 'enterprise-seat'], ['small.yaml', 'loaded', 'small'], ['typo.yaml', 'rejected', undefined]])
  t.match(flows[2], { problems: [{ file: 'typo.yaml', path: '/steps/hello/next', reason: /unknown step "by"/ }] })
  t.notOk(flows[2] !== undefined && 'version' in flows[2], 'never in force: no version')
  t.same((await view.graph('small', 'LR'))?.nodes.map((n) => n.id), ['hello', 'bye'])
  t.equal(await view.graph('typo', 'TB'), undefined, 'nothing in force to draw')

  await rm(join(dir, 'typo.yaml'))
  t.same((await view.files()).flows.map((f) => f.file), [FILE, 'small.yaml'], 'gone without a trace')
})

void t.test('a removed file in force stays refused and drawn: its version runs until a restart', async (t) => {
  const { dir, registry, view } = await fixture(t)
  await writeFile(join(dir, 'small.yaml'), SMALL)
  await registry.reload()
  await rm(join(dir, 'small.yaml'))
  await registry.reload()
  t.match((await view.files()).flows[1], {
    file: 'small.yaml', status: 'rejected', id: 'small', problems: [{ path: '/', reason: /file removed/ }]
  })
  t.ok(await view.graph('small', 'TB'))
  await writeFile(join(dir, 'small.yaml'), SMALL)
  t.match((await view.files()).flows[1], { status: 'loaded', problems: [] }, 'put back as it was')
})

void t.test('a refused catalogue is listed apart from the flows until it holds every prompt again', async (t) => {
  const { dir, registry, view } = await fixture(t)
  const catalogue = await readFile(join(dir, 'prompts.yaml'), 'utf8')
  await writeFile(join(dir, 'prompts.yaml'), catalogue.replace(/\n {2}welcome:\n(?: {4}.*\n)+/, '\n'))
  await registry.reload()
  const files = await view.files()
  t.match(files.problems, [{ file: 'prompts.yaml', path: '/prompts', reason: /prompt "welcome" is played by flow "enterprise-seat" \(enterprise-seat\.yaml\)/ }])
  t.match(files.flows, [{ file: FILE, status: 'loaded' }], 'the flow itself is not refused')
  t.notOk(files.problems.some((p) => p.reason.includes(dir)), 'no server path')

  await writeFile(join(dir, 'prompts.yaml'), catalogue)
  t.same((await view.files()).problems, [])
})

void t.test('the graph: one node per step, one edge per pair of steps an exit joins, with its labels', async (t) => {
  const { registry, view } = await fixture(t)
  const flow = registry.current('enterprise-seat')
  const graph = await view.graph('enterprise-seat', 'TB')
  if (graph === undefined) throw new Error('no graph')
  t.same(graph.nodes.map((n) => n.id), Object.keys(flow.steps), 'one node per step')
  t.same(graph.nodes.map((n) => n.kind), Object.values(flow.steps).map((s) => s.kind))
  t.match(graph.flow, { id: 'enterprise-seat', version: flow.version, file: FILE, start: 'welcome' })
  t.same(graph.nodes.filter((n) => n.start).map((n) => n.id), ['welcome'])
  t.same([...graph.ends].sort(), ['goodbye-served', 'goodbye-ticket', 'ordinary-busy'])

  const pairs = new Set(Object.entries(flow.steps).flatMap(([id, step]) => stepKindOf(step).references(step).next.map((r) => `${id} → ${r.id}`)))
  t.same(graph.edges.map((e) => `${e.from} → ${e.to}`).sort(), [...pairs].sort(), 'one edge per pair of steps, parallel exits merged')
  const label = (from: string, to: string): string | undefined => graph.edges.find((e) => e.from === from && e.to === to)?.label
  t.equal(label('priority-menu', 'priority-route'), '按1–4')
  t.equal(label('priority-menu', 'to-ordinary'), '超时/按错')
  t.equal(label('hours', 'connecting'), '工作时间')
  t.equal(label('hours', 'after-hours'), '非工作时间')
  t.equal(label('enterprise-queue', 'survey'), '接通坐席')
  t.equal(label('welcome', 'priority-menu'), '', 'a plain sequence has no words')
  t.match(graph.nodes.find((n) => n.id === 'welcome'), { kindName: '播放', prompts: [{ role: '提示音', id: 'welcome', text: /欢迎致电12345/ }] })
  t.match(graph.nodes.find((n) => n.id === 'enterprise-queue'), { kindName: '排队', facts: [{ name: '坐席组', value: /企业专席/ }] })

  const lr = await view.graph('enterprise-seat', 'LR')
  t.equal(lr?.direction, 'LR')
  t.same(lr?.nodes.map((n) => n.id), graph.nodes.map((n) => n.id))
  t.equal(await view.graph('enterprise-seat', 'TB'), graph, 'the same layout again, not laid out anew')
})

void t.test('an unknown flow id has no graph', async (t) => {
  const { view } = await fixture(t)
  t.equal(await view.graph('no-such-flow', 'TB'), undefined)
})

void t.test('closed, the view no longer listens to the registry', async (t) => {
  const { registry, view } = await fixture(t)
  t.equal(registry.listenerCount('rejected'), 1)
  view.close()
  t.equal(registry.listenerCount('rejected'), 0)
  t.equal(registry.listenerCount('changed'), 0)
})
