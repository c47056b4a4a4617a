// The flow view page (流程图) in a real Chromium, over a whole controller running a temporary
// copy of ivr-flows/, as a supervisor uses it: the enterprise-seat flow drawn with a box per
// step and an arrow per edge as the API returns them, with their words; a step's details;
// the other direction and zoom; a file made invalid on disk shown refused with its reason
// after a reload of the list while the version in force stays drawn, then fixed; a new flow
// file; and an agent turned away.
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { stringify } from 'yaml'
import type { FlowFilesView } from '../../src/features/flow-view/feature.js'
import type { LaidOutGraph } from '../../src/features/flow-view/layout.js'
import { listen, openPage, screenshot } from '../helpers/browser.js'
import { FLOWS_DIR, type TestController, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const SUPERVISOR = 'supervisor-token-flows-page-01'
const AGENT = 'agent-token-agent01-flows-page'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${AGENT}:agent:agent01` }
const at = '2026-03-02T10:00:00+08:00'
const FILE = 'enterprise-seat.yaml'

interface Running { c: TestController, dir: string, base: string, shipped: string }

async function running (t: Test): Promise<Running> {
  const dir = t.testdir({})
  for (const name of [FILE, 'prompts.yaml']) await copyFile(join(FLOWS_DIR, name), join(dir, name))
  const c = await startTestController(t, 'esl', { ivr: { at, flowsDir: dir }, env })
  return { c, dir, base: await listen(c.controller.app), shipped: await readFile(join(dir, FILE), 'utf8') }
}

async function apiGet<T> (c: TestController, url: string): Promise<T> {
  return (await c.controller.app.inject({ url, headers: { authorization: `Bearer ${SUPERVISOR}` } })).json<T>()
}

/** Page-side code is passed as strings: the test's TypeScript has no DOM types. */
async function inPage<T> (page: Page, code: string): Promise<T> {
  return await page.evaluate<T>(code)
}

const drawn = async (page: Page, flow: string, direction: string): Promise<void> => {
  await page.waitForSelector(`#graph-svg[data-flow="${flow}"][data-direction="${direction}"]`)
}

/** A box's centre as drawn: the middle of its shape's bounding box in drawing units. */
const centre = async (page: Page, step: string): Promise<{ x: number, y: number }> =>
  await inPage(page, `(() => { const b = document.querySelector('#graph-svg g.node[data-step=${JSON.stringify(step)}] .shape').getBBox(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 } })()`)

void t.test('the enterprise-seat flow drawn as the API lays it out; a step\'s details; the other direction', async (t) => {
  const { c, base } = await running(t)
  const graph = await apiGet<LaidOutGraph>(c, '/api/flows/enterprise-seat/graph')
  const { page, errors } = await openPage(t, `${base}/ui/flows.html`, { token: SUPERVISOR })
  await drawn(page, 'enterprise-seat', 'TB')

  const row = `#files tr[data-file="${FILE}"]`
  t.equal(await page.getAttribute(row, 'data-status'), 'loaded')
  t.match(await page.textContent(row), /在用.*12345热线企业专席.*enterprise-seat/)
  t.match(await page.textContent(row), graph.flow.version)
  t.equal(await page.textContent('#flow-title'), graph.flow.name)

  // One box per step and one arrow per edge, as the API returns them, with their words.
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.node')].map((g) => g.dataset.step)`), graph.nodes.map((n) => n.id), 'a box per step')
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.node .node-label')].map((x) => x.textContent)`), graph.nodes.map((n) => n.label), 'each with its label')
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.node .node-kind')].map((x) => x.textContent)`), graph.nodes.map((n) => `${n.kindName} · ${n.id}`), 'and its kind')
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.edge')].map((g) => g.dataset.from + ' → ' + g.dataset.to)`), graph.edges.map((e) => `${e.from} → ${e.to}`), 'an arrow per edge')
  t.equal(await page.locator('#graph-svg g.edge path[marker-end]').count(), graph.edges.length, 'each with its arrowhead')
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.edge-label')].map((g) => [g.dataset.from, g.dataset.to, g.textContent])`),
    graph.edges.filter((e) => e.label !== '').map((e) => [e.from, e.to, e.label]), 'the words on the arrows')
  const labels = graph.edges.map((e) => e.label)
  for (const words of ['按1–4', '超时/按错', '工作时间', '非工作时间', '溢出', '接通坐席']) t.ok(labels.includes(words), `"${words}" is on an arrow`)
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.node.start')].map((g) => g.dataset.step + ':' + g.querySelector('.mark-start').textContent)`), ['welcome:开始'], 'the start marked')
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.node.end .mark-end')].map((m) => m.closest('g.node').dataset.step)`), graph.ends, 'the ends marked')
  t.equal(await page.locator('#graph-svg g.node.unreachable').count(), 0, 'no stray step in a flow in force')
  const strokes = await inPage<Array<[string, string]>>(page, `[...document.querySelectorAll('#graph-svg g.node')].map((g) => [g.dataset.kind, getComputedStyle(g.querySelector('.shape')).stroke])`)
  const byKind = new Map<string, Set<string>>()
  for (const [kind, stroke] of strokes) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(stroke))
  t.ok([...byKind.values()].every((s) => s.size === 1), 'a kind is drawn in one colour')
  t.equal(new Set(strokes.map(([, stroke]) => stroke)).size, byKind.size, 'each kind in its own colour')

  // The drawing fits the width of its panel.
  t.equal(await page.getAttribute('#graph-svg', 'viewBox'), `0 0 ${graph.width} ${graph.height}`)
  const fit = await inPage<{ svg: number, panel: number }>(page, `({ svg: document.getElementById('graph-svg').getBoundingClientRect().width, panel: document.getElementById('graph').clientWidth })`)
  t.ok(fit.svg <= fit.panel + 0.5 && fit.svg > fit.panel * 0.9, `the drawing (${fit.svg} px) fits the panel (${fit.panel} px)`)
  await screenshot(page, 'flows')

  // A step's details: prompts with their texts, settings, exits.
  await page.click('#graph-svg g.node[data-step="priority-menu"]')
  await page.waitForSelector('#details[data-step="priority-menu"]')
  const menu = graph.nodes.find((n) => n.id === 'priority-menu')
  t.equal(await page.textContent('#details-title'), menu?.label)
  t.same(await inPage(page, `[...document.querySelectorAll('#details-prompts li')].map((li) => li.dataset.prompt)`), ['priority-menu', 'invalid-input', 'no-input'])
  t.match(await page.textContent('#details-prompts li[data-prompt="priority-menu"]'), /提示音.*办理企业相关事项请按1/)
  t.match(await page.textContent('#details-facts'), /等待按键\s*6 秒.*重试\s*2 次/)
  t.same(await inPage(page, `[...document.querySelectorAll('#details-exits li')].map((li) => li.dataset.to)`), menu?.exits.map((e) => e.to))
  t.match(await page.textContent('#details-exits li[data-outcome="fail"]'), /超时\/按错.*to-ordinary/)
  t.equal(await page.locator('#graph-svg g.node.selected').count(), 1)
  t.equal(await page.locator('#graph-svg g.edge.related').count(), graph.edges.filter((e) => e.from === 'priority-menu' || e.to === 'priority-menu').length, 'its arrows stand out')
  await screenshot(page, 'flows-details')

  // An exit leads to its step's details; zoom in to full size for reading.
  await page.click('#details-exits li[data-outcome="key"] button.goto')
  await page.waitForSelector('#details[data-step="priority-route"]')
  t.match(await page.textContent('#details-body'), /条件分支.*一类诉求.*category-menu.*二类诉求.*to-ordinary/)
  for (let i = 0; i < 8 && await page.textContent('#zoom-level') !== '100%'; i++) await page.click('#zoom-in')
  t.equal(await page.textContent('#zoom-level'), '100%')
  t.equal(await inPage(page, `Math.round(document.getElementById('graph-svg').getBoundingClientRect().width)`), graph.width, 'at 100 % the drawing has its own size')
  await screenshot(page, 'flows-zoomed')
  await page.click('#zoom-fit')
  await page.waitForSelector('#graph-svg.fit')

  // Left to right: drawn anew, the chosen step kept.
  const tb = [await centre(page, 'welcome'), await centre(page, 'priority-menu')]
  await page.click('#dir-LR')
  await drawn(page, 'enterprise-seat', 'LR')
  const lr = [await centre(page, 'welcome'), await centre(page, 'priority-menu')]
  t.ok((tb[1]?.y ?? 0) > (tb[0]?.y ?? 0), 'top to bottom: the menu below the greeting')
  t.ok((lr[1]?.x ?? 0) > (lr[0]?.x ?? 0) && Math.abs((lr[1]?.y ?? 0) - (lr[0]?.y ?? 0)) < Math.abs((lr[1]?.x ?? 0) - (lr[0]?.x ?? 0)), 'left to right: the menu right of the greeting')
  const laidLr = await apiGet<LaidOutGraph>(c, '/api/flows/enterprise-seat/graph?direction=LR')
  t.equal(await page.getAttribute('#graph-svg', 'viewBox'), `0 0 ${laidLr.width} ${laidLr.height}`)
  t.equal(await page.locator('#graph-svg g.node').count(), laidLr.nodes.length)
  t.equal(await page.getAttribute('#dir-LR', 'aria-pressed'), 'true')
  t.equal(await page.getAttribute('#details', 'data-step'), 'priority-route', 'the chosen step stays chosen')
  t.equal(await page.getAttribute('#graph-svg g.node.selected', 'data-step'), 'priority-route')
  t.match(page.url(), /[?&]flow=enterprise-seat&direction=LR$/, 'the address names what is shown')
  await screenshot(page, 'flows-lr')
  t.same(errors, [], 'no page errors')
})

void t.test('a flow file made invalid on disk: refused with its reason after a reload of the list, the version in force still drawn', async (t) => {
  const { c, dir, base, shipped } = await running(t)
  const { page, errors } = await openPage(t, `${base}/ui/flows.html?direction=LR`, { token: SUPERVISOR })
  await drawn(page, 'enterprise-seat', 'LR')
  const version = await page.getAttribute('#graph-svg', 'data-version')
  t.ok(await page.isHidden('#graph-notice'))

  await writeFile(join(dir, FILE), shipped.replace('    prompt: welcome\n', '    prompt: welcom\n'))
  await eventually(async () => (await apiGet<FlowFilesView>(c, '/api/flows')).flows[0]?.status === 'rejected' ? true : undefined, 'the controller refused the edit')
  await page.click('#reload')
  const row = `#files tr[data-file="${FILE}"]`
  await page.waitForSelector(`${row}[data-status="rejected"]`)
  t.match(await page.textContent(`${row} .badge.status`), '已拒绝')
  const refusal = await page.textContent(`#files tr[data-refusal="${FILE}"]`)
  t.match(refusal, /检查未通过，修改已拒绝/)
  t.match(refusal, `${FILE}: /steps/welcome/prompt`, 'file and path')
  t.match(refusal, /unknown prompt "welcom": not in the prompt catalogue \(did you mean "welcome"\?\)/, 'and the reason')
  t.match(refusal, `仍在使用有效版本 ${version ?? ''}`)
  t.notMatch(refusal, dir, 'no server path')
  t.equal(await page.getAttribute('#graph-svg', 'data-version'), version, 'the version in force is still drawn')
  t.match(await page.textContent('#graph-notice'), /已被拒绝.*仍在使用的有效版本/)
  await page.click('#graph-svg g.node[data-step="welcome"]')
  await page.waitForSelector('#details[data-step="welcome"]')
  t.same(await inPage(page, `[...document.querySelectorAll('#details-prompts li')].map((li) => li.dataset.prompt)`), ['welcome'], 'as it runs, not as edited')
  await screenshot(page, 'flows-refused')

  // Fixed (saved back as it was), and a new flow file beside it.
  await writeFile(join(dir, FILE), shipped)
  await writeFile(join(dir, 'small.yaml'), stringify({
    id: 'small', name: '小流程', start: 'hello',
    steps: { hello: { kind: 'play', prompt: 'welcome', next: 'bye' }, bye: { kind: 'hangup', prompt: 'goodbye', reason: 'served' } }
  }))
  await eventually(async () => (await apiGet<FlowFilesView>(c, '/api/flows')).flows.some((f) => f.id === 'small') ? true : undefined, 'the new flow in force')
  await page.click('#reload')
  await page.waitForSelector(`${row}[data-status="loaded"]`)
  t.equal(await page.locator(`#files tr[data-refusal="${FILE}"]`).count(), 0, 'the refusal is gone')
  t.ok(await page.isHidden('#graph-notice'))
  await page.click('#files tr[data-file="small.yaml"][data-status="loaded"] button.show')
  await drawn(page, 'small', 'LR')
  t.same(await inPage(page, `[...document.querySelectorAll('#graph-svg g.node')].map((g) => g.dataset.step)`), ['hello', 'bye'])
  t.equal(await page.locator('#graph-svg g.edge').count(), 1)
  t.equal(await page.textContent('#flow-title'), '小流程')
  await screenshot(page, 'flows-small')
  t.same(errors, [], 'no page errors')
})

void t.test('an agent token is not let in', async (t) => {
  const { base } = await running(t)
  const { page, errors } = await openPage(t, `${base}/ui/flows.html`, { token: AGENT })
  await page.waitForSelector('#login-error')
  t.match(await page.locator('#login-error').textContent(), /班长|管理员/)
  t.equal(await page.locator('main').isHidden(), true)
  t.equal(await page.locator('#graph-svg').count(), 0, 'nothing drawn')
  t.same(errors, [])
})
