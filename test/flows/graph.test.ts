// The flow view's graph (src/features/flow-view/graph.ts): the shipped enterprise-seat flow and a small
// flow with every step kind, loaded as the controller loads them.

import t from 'tap'
import { type FlowGraph, type GraphNames, flowGraph, graphNames } from '../../src/features/flow-view/graph.js'
import type { LoadedFlow } from '../../src/flows/loader.js'
import { STEP_KIND_NAMES } from '../../src/flows/schema.js'
import { stepKindOf } from '../../src/flows/steps/index.js'
import { shippedDirectory } from './fake-call.js'
import { EVERY_KIND, flowFolder, openRegistry, shippedAgents, shippedFlow, shippedNames } from './graph-fixtures.js'

/** The step reached from `from` by the exit labelled `label` (or, for a menu, key `label`). */
function follow (graph: FlowGraph, from: string, label: string): string {
  const node = graph.nodes.find((n) => n.id === from)
  const exits = node?.exits.filter((e) => e.label === label) ?? []
  if (exits.length !== 1) throw new Error(`${from}: ${exits.length} exits labelled "${label}"`)
  return exits[0]?.to ?? ''
}

const exitsOf = (graph: FlowGraph, id: string): Array<[string, string]> =>
  graph.edges.filter((e) => e.from === id).map((e) => [e.label, e.to])

void t.test('the shipped flow: each step is a node, start and ends marked, every step reachable', async (t) => {
  const flow = await shippedFlow(t)
  const graph = flowGraph(flow, await shippedNames())
  t.same(graph.nodes.map((n) => n.id), Object.keys(flow.steps), 'one node per step, in the file\'s order')
  t.same(graph.nodes.map((n) => n.kind), Object.values(flow.steps).map((s) => s.kind))
  t.equal(graph.start, 'welcome')
  t.same(graph.nodes.filter((n) => n.start).map((n) => n.id), ['welcome'], 'one start')
  t.same(graph.ends.sort(), ['goodbye-served', 'goodbye-ticket', 'ordinary-busy'], 'the hangups end the call')
  t.same(graph.nodes.filter((n) => n.end).map((n) => n.id).sort(), graph.ends.sort())
  t.ok(graph.nodes.every((n) => n.reachable), 'the loader lets no stray step through')
  t.same(graph.flow, { id: 'enterprise-seat', name: flow.name, description: flow.description, version: flow.version, start: 'welcome' })
})

void t.test('the shipped flow: a menu\'s edges are its keys in keypad order, then its failure exit', async (t) => {
  const flow = await shippedFlow(t)
  const graph = flowGraph(flow, await shippedNames())
  let menus = 0
  for (const [id, step] of Object.entries(flow.steps)) {
    if (step.kind !== 'menu') continue
    menus++
    const keys = graph.edges.filter((e) => e.from === id && e.outcome === 'key')
    t.same(keys.map((e) => e.key).sort(), Object.keys(step.options).sort(), `${id}: one edge per key`)
    for (const e of keys) t.equal(e.to, step.options[e.key ?? '']?.next, `${id} key ${e.key}: to its option's step`)
    t.same(keys.map((e) => e.label), keys.map((e) => `按${e.key}`))
    const fail = graph.edges.filter((e) => e.from === id && e.outcome === 'fail')
    t.same(fail.map((e) => [e.label, e.to]), [['超时/按错', step.onFail]], `${id}: failure exit`)
  }
  t.equal(menus, 18, 'priority, two category pages and fifteen matter menus')
  const category = graph.edges.filter((e) => e.from === 'category-menu' && e.outcome === 'key').map((e) => e.key)
  t.same(category, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'], 'keypad order: 0 after 9')
})

void t.test('the shipped flow: every exit is one the engine can take, and no more', async (t) => {
  const flow = await shippedFlow(t)
  const graph = flowGraph(flow, await shippedNames())
  for (const [id, step] of Object.entries(flow.steps)) {
    const engine = stepKindOf(step).references(step).next.map((r) => r.id).sort()
    t.same(graph.edges.filter((e) => e.from === id).map((e) => e.to).sort(), engine, `${id}: the step's own targets`)
  }
})

void t.test('the shipped flow: known paths, with their words', async (t) => {
  const graph = flowGraph(await shippedFlow(t), await shippedNames())
  // Working time: greeting → priority → first → tax → invoice → hours → agents → survey → goodbye.
  const steps = ['welcome']
  const walk = (label: string): void => { steps.push(follow(graph, steps[steps.length - 1] ?? '', label)) }
  for (const label of ['', '按1', '一类诉求', '按1', '按1', '工作时间', '', '接通坐席', '']) walk(label)
  t.same(steps, ['welcome', 'priority-menu', 'priority-route', 'category-menu', 'matter-menu-tax', 'hours', 'connecting', 'enterprise-queue', 'survey', 'goodbye-served'])
  // Overflow and after hours both end in a callback and a ticket.
  t.equal(follow(graph, 'enterprise-queue', '溢出'), 'callback')
  t.equal(follow(graph, 'hours', '非工作时间'), 'after-hours')
  t.equal(follow(graph, 'callback', '号码已确认'), 'ticket')
  t.equal(follow(graph, 'callback', '未确认'), 'ticket')
  t.equal(follow(graph, 'priority-route', '二类诉求'), 'to-ordinary')
  t.equal(follow(graph, 'ordinary-queue', '溢出'), 'ordinary-busy')

  const node = (id: string) => graph.nodes.find((n) => n.id === id)
  const tax = node('matter-menu-tax')?.exits.find((e) => e.key === '1')
  t.equal(tax?.detail, '事项：发票领用', 'the matter\'s name from the directory')
  t.equal(node('priority-menu')?.exits.find((e) => e.key === '2')?.detail, '一类·求助')
  t.equal(node('category-menu')?.exits.find((e) => e.key === '1')?.detail, '类别：税务')
  t.match(node('priority-menu')?.label, /^办理企业相关事项/, 'a menu is labelled by its prompt\'s text')
  t.ok([...(node('priority-menu')?.label ?? '')].length <= 14, 'shortened')
  t.equal(node('priority-menu')?.prompts[0]?.text?.startsWith('办理企业相关事项请按1'), true, 'the whole text in the details')
  t.equal(node('enterprise-queue')?.label, '排队：企业专席', 'the agent group\'s name')
  t.same(node('enterprise-queue')?.facts.map((f) => f.value), ['企业专席（enterprise-seat）', '180 秒', '30 秒'])
  t.equal(node('enterprise-queue')?.exits.find((e) => e.outcome === 'overflow')?.detail, '等待 180 秒仍无坐席接听')
  t.equal(node('ticket')?.label, '次紧急工单')
  t.equal(node('hours')?.kindName, '条件分支')
  t.same(node('goodbye-served')?.facts, [{ name: '结束原因', value: 'served' }])
})

void t.test('every step kind, from a flow folder: the edges each kind has', async (t) => {
  const dir = flowFolder(t, { 'every-kind.yaml': EVERY_KIND })
  const registry = await openRegistry(t, dir)
  const flow = registry.current('every-kind')
  const names: GraphNames = graphNames({
    prompts: { 'p-menu': { zh: '请选择：办事请按1，求助请按2，重听请按星号键。' }, 'p-bye': { zh: '再见。' } },
    directory: shippedDirectory,
    groups: shippedAgents.groups
  })
  const graph = flowGraph(flow, names)
  t.same([...new Set(graph.nodes.map((n) => n.kind))].sort(), [...STEP_KIND_NAMES].sort(), 'every kind is drawn at least once')

  t.same(exitsOf(graph, 'hello'), [['', 'main']], 'play: one plain exit')
  t.same(exitsOf(graph, 'main'), [['按1', 'code'], ['按2', 'by-priority'], ['按*', 'main'], ['超时/按错', 'bye']], 'menu: keys in keypad order, then the failure exit')
  t.same(graph.nodes.find((n) => n.id === 'main')?.exits.map((e) => e.detail), ['事项：发票领用', '一类·求助', undefined, '无按键或按错各超过 1 次重试后'])
  t.same(exitsOf(graph, 'code'), [['输入有效', 'which'], ['超时/输错', 'bye']], 'collect')
  t.same(exitsOf(graph, 'which'), [['enterprise=1234', 'open-hours'], ['其他', 'by-priority']], 'branch on a variable')
  t.same(exitsOf(graph, 'by-priority'), [['一类诉求', 'open-hours'], ['二类诉求', 'bye']], 'branch on priority')
  t.same(exitsOf(graph, 'open-hours'), [['工作时间', 'wait'], ['非工作时间', 'number']], 'branch on working time')
  t.same(exitsOf(graph, 'wait'), [['接通坐席', 'rate'], ['溢出', 'number']], 'queue')
  t.same(exitsOf(graph, 'number'), [['号码已确认', 'note'], ['未确认', 'note']], 'callback')
  t.same(exitsOf(graph, 'note'), [['', 'bye']], 'ticket')
  t.same(exitsOf(graph, 'rate'), [['', 'bye']], 'survey')
  t.same(exitsOf(graph, 'bye'), [], 'hangup: none')
  t.same(graph.ends, ['bye'])

  const node = (id: string) => graph.nodes.find((n) => n.id === id)
  t.equal(node('open-hours')?.label, '税务局工作时间？', 'the department\'s name')
  t.equal(node('main')?.label, '请选择：办事请按1，求助请…', 'the prompt\'s text, shortened')
  t.equal(node('hello')?.label, 'p-hello', 'a prompt without a text shows its id')
  t.same(node('main')?.prompts, [
    { role: '提示音', id: 'p-menu', text: '请选择：办事请按1，求助请按2，重听请按星号键。' },
    { role: '按错提示', id: 'p-wrong' }
  ])
  t.same(node('number')?.prompts.map((p) => p.role), ['来电号码播报', '所输号码播报', '确认提示', '输入号码提示', '数字播报'])
  t.equal(node('number')?.prompts[4]?.id, 'digit-0 … digit-9', 'the ten digit prompts on one line')
  t.same(node('code')?.facts.slice(0, 2), [{ name: '位数', value: '4–6 位' }, { name: '存入变量', value: 'enterprise' }])
})

void t.test('a flow the loader would refuse is still drawn: stray steps marked, dangling exits not drawn', async (t) => {
  const flow: LoadedFlow = {
    id: 'stray',
    name: 'stray',
    start: 'a',
    version: '0000000000000000',
    file: '/x/stray.yaml',
    prompts: [],
    warnings: [],
    steps: {
      a: { kind: 'play', prompt: 'p', next: 'b' },
      b: { kind: 'hangup' },
      lost: { kind: 'play', prompt: 'p', next: 'nowhere' }
    }
  }
  const graph = flowGraph(flow, await shippedNames())
  t.same(graph.nodes.map((n) => [n.id, n.reachable]), [['a', true], ['b', true], ['lost', false]])
  t.same(graph.edges.map((e) => [e.from, e.to]), [['a', 'b']], 'the exit to no step is not an edge')
  t.same(graph.nodes.find((n) => n.id === 'lost')?.exits.map((e) => e.to), ['nowhere'], 'but is listed with its step')
  t.equal(graph.nodes.find((n) => n.id === 'b')?.label, '挂机')
})
