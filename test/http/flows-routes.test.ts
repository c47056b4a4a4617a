// The flow view's API on a whole controller: roles, the list of flow files and the laid-out
// graph with their shapes, 404 for an unknown flow and 400 for a bad direction with a reason,
// a refused edit on disk seen through the API while the version in force is still drawn, and
// OpenAPI.
import t, { type Test } from 'tap'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FlowFilesView } from '../../src/features/flow-view/feature.js'
import type { LaidOutGraph } from '../../src/features/flow-view/layout.js'
import { FLOWS_DIR, type TestController, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const SUPERVISOR = 'supervisor-token-flows-0001'
const ADMIN = 'admin-token-flows-000000001'
const AGENT = 'agent-token-agent01-flows-01'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${ADMIN}:admin,${AGENT}:agent:agent01` }
const at = '2026-03-02T10:00:00+08:00'
const FILE = 'enterprise-seat.yaml'

async function start (t: Test, flowsDir?: string): Promise<TestController> {
  return await startTestController(t, 'esl', { ivr: { at, ...(flowsDir === undefined ? {} : { flowsDir }) }, env })
}

async function get (c: TestController, url: string, token: string | undefined) {
  return await c.controller.app.inject({ url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
}

void t.test('supervisors and admins only', async (t) => {
  const c = await start(t)
  for (const url of ['/api/flows', '/api/flows/enterprise-seat/graph']) {
    t.equal((await get(c, url, undefined)).statusCode, 401, `${url}: no token`)
    const agent = await get(c, url, AGENT)
    t.equal(agent.statusCode, 403, `${url}: an agent`)
    t.match(agent.json(), { code: 'HC_FORBIDDEN' })
    t.equal((await get(c, url, SUPERVISOR)).statusCode, 200, `${url}: a supervisor`)
    t.equal((await get(c, url, ADMIN)).statusCode, 200, `${url}: an admin`)
  }
})

void t.test('GET /api/flows: every flow file with its state', async (t) => {
  const c = await start(t)
  const res = await get(c, '/api/flows', SUPERVISOR)
  t.match(res.headers['content-type'], /application\/json/)
  const flow = c.controller.ivr?.flows.current('enterprise-seat')
  t.strictSame(res.json(), {
    flows: [{
      file: FILE,
      status: 'loaded',
      id: 'enterprise-seat',
      name: '12345热线企业专席',
      version: flow?.version,
      start: 'welcome',
      steps: Object.keys(flow?.steps ?? {}).length,
      problems: [],
      warnings: []
    }],
    problems: []
  })
})

void t.test('GET /api/flows/:id/graph: steps as boxes, exits as edges, in either direction', async (t) => {
  const c = await start(t)
  const flow = c.controller.ivr?.flows.current('enterprise-seat')
  if (flow === undefined) throw new Error('no flow')
  const res = await get(c, '/api/flows/enterprise-seat/graph', SUPERVISOR)
  t.equal(res.statusCode, 200)
  const graph = res.json<LaidOutGraph>()
  t.match(graph, {
    flow: { id: 'enterprise-seat', name: flow.name, description: flow.description, version: flow.version, file: FILE, start: 'welcome' },
    direction: 'TB',
    start: 'welcome',
    width: Number,
    height: Number
  })
  t.same([...graph.ends].sort(), ['goodbye-served', 'goodbye-ticket', 'ordinary-busy'])
  t.same(graph.nodes.map((n) => n.id), Object.keys(flow.steps), 'one node per step')
  t.match(graph.nodes.find((n) => n.id === 'priority-menu'), {
    kind: 'menu',
    kindName: '按键菜单',
    label: String,
    start: false,
    end: false,
    reachable: true,
    prompts: [{ role: '提示音', id: 'priority-menu', text: /按1/ }, { role: '按错提示', id: 'invalid-input' }, { role: '无按键提示', id: 'no-input' }],
    facts: [{ name: '等待按键', value: '6 秒' }, { name: '重试', value: '2 次' }],
    exits: [{ to: 'priority-route', label: '按1', outcome: 'key', key: '1', detail: '一类·办事' }],
    x: Number,
    y: Number,
    width: Number,
    height: Number
  })
  const edge = graph.edges.find((e) => e.from === 'priority-menu' && e.to === 'priority-route')
  t.match(edge, { label: '按1–4', exits: [{ label: '按1', outcome: 'key', key: '1' }], labelX: Number, labelY: Number })
  t.notOk(edge?.exits.some((e) => 'to' in e), 'an edge\'s exits do not repeat where it leads')
  t.ok(graph.edges.every((e) => e.points.length >= 2 && e.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))), 'every edge is a line')
  t.ok(graph.nodes.every((n) => n.x - n.width / 2 >= 0 && n.x + n.width / 2 <= graph.width && n.y + n.height / 2 <= graph.height), 'every box inside the drawing')

  const lr = (await get(c, '/api/flows/enterprise-seat/graph?direction=LR', ADMIN)).json<LaidOutGraph>()
  t.equal(lr.direction, 'LR')
  t.same(lr.nodes.map((n) => n.id), graph.nodes.map((n) => n.id))
  const welcome = (g: LaidOutGraph) => g.nodes.find((n) => n.id === 'welcome')
  const menu = (g: LaidOutGraph) => g.nodes.find((n) => n.id === 'priority-menu')
  t.ok((menu(graph)?.y ?? 0) > (welcome(graph)?.y ?? 0), 'top to bottom: the menu below the greeting')
  t.ok((menu(lr)?.x ?? 0) > (welcome(lr)?.x ?? 0), 'left to right: the menu right of the greeting')
  t.equal((await get(c, '/api/flows/enterprise-seat/graph?direction=TB', SUPERVISOR)).json<LaidOutGraph>().direction, 'TB')
})

void t.test('an unknown flow is a 404 and a bad direction a 400, each with a reason', async (t) => {
  const c = await start(t)
  const unknown = await get(c, '/api/flows/no-such-flow/graph', SUPERVISOR)
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { statusCode: 404, error: 'Not Found', code: 'HC_NOT_FOUND', message: /no flow "no-such-flow" in force.*GET \/api\/flows/ })
  for (const query of ['direction=up', 'direction=lr', 'direction=TB&zoom=2']) {
    const bad = await get(c, `/api/flows/enterprise-seat/graph?${query}`, SUPERVISOR)
    t.equal(bad.statusCode, 400, query)
    t.match(bad.json(), { statusCode: 400, message: /querystring/ }, `${query}: says what is wrong`)
  }
  t.match((await get(c, '/api/flows/enterprise-seat/graph?direction=up', SUPERVISOR)).json(), { message: "querystring/direction: Expected string to match '^(TB|LR)$'" }, 'names the values allowed')
  t.equal((await get(c, `/api/flows/${'x'.repeat(65)}/graph`, SUPERVISOR)).statusCode, 400, 'an id longer than any flow id')
})

void t.test('a flow file made invalid on disk: refused with its reason, the version in force still drawn', async (t) => {
  const dir = t.testdir({})
  for (const name of [FILE, 'prompts.yaml']) await copyFile(join(FLOWS_DIR, name), join(dir, name))
  const shipped = await readFile(join(dir, FILE), 'utf8')
  const c = await start(t, dir)
  const before = (await get(c, '/api/flows/enterprise-seat/graph', SUPERVISOR)).json<LaidOutGraph>()

  await writeFile(join(dir, FILE), shipped.replace('    prompt: welcome\n', '    prompt: welcom\n'))
  const refused = await eventually(async () => {
    const files = (await get(c, '/api/flows', SUPERVISOR)).json<FlowFilesView>()
    return files.flows[0]?.status === 'rejected' ? files : undefined
  }, 'the edit refused')
  t.match(refused.flows[0], {
    file: FILE,
    id: 'enterprise-seat',
    version: before.flow.version,
    problems: [{ file: FILE, path: '/steps/welcome/prompt', reason: /unknown prompt "welcom"/ }],
    refusedAt: /^2026-03-02T02:/
  })
  t.notMatch(JSON.stringify(refused), dir, 'no server path')
  const still = (await get(c, '/api/flows/enterprise-seat/graph', SUPERVISOR)).json<LaidOutGraph>()
  t.equal(still.flow.version, before.flow.version, 'the version in force is drawn')

  await writeFile(join(dir, FILE), shipped)
  t.match((await get(c, '/api/flows', SUPERVISOR)).json<FlowFilesView>().flows, [{ status: 'loaded', version: before.flow.version, problems: [] }], 'saved back: nothing refused')
})

void t.test('OpenAPI lists the flow view\'s routes behind the bearer token', async (t) => {
  const c = await start(t)
  const doc = (await c.controller.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, { tags?: string[], security?: unknown, parameters?: Array<{ name: string, in: string }> }>> }>()
  for (const path of ['/api/flows', '/api/flows/{id}/graph']) {
    t.match(doc.paths[path]?.get, { tags: ['flows'], security: [{ bearer: [] }] }, `GET ${path}`)
  }
  const parameters = doc.paths['/api/flows/{id}/graph']?.get?.parameters ?? []
  t.same(parameters.map((p) => `${p.in} ${p.name}`).sort(), ['path id', 'query direction'])
})
