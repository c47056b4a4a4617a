// The flow view's layout (src/features/flow-view/layout.ts): boxes that do not overlap, edges that run
// from box to box, parallel exits merged into one edge with one label.

import t, { type Test } from 'tap'
import { flowGraph } from '../../src/features/flow-view/graph.js'
import { type LaidOutGraph, type LaidOutNode, compactKeys, layoutFlowGraph, mergedLabel } from '../../src/features/flow-view/layout.js'
import { EVERY_KIND, flowFolder, openRegistry, shippedFlow, shippedNames } from './graph-fixtures.js'

const overlap = (a: LaidOutNode, b: LaidOutNode): boolean =>
  Math.abs(a.x - b.x) * 2 < a.width + b.width && Math.abs(a.y - b.y) * 2 < a.height + b.height

/** How far a point is from a node's box (0 on or inside it). */
function distance (p: { x: number, y: number }, n: LaidOutNode): number {
  const dx = Math.max(0, Math.abs(p.x - n.x) - n.width / 2)
  const dy = Math.max(0, Math.abs(p.y - n.y) - n.height / 2)
  return Math.hypot(dx, dy)
}

function checkGeometry (t: Test, laid: LaidOutGraph): void {
  const pairs: string[] = []
  for (const [i, a] of laid.nodes.entries()) {
    for (const b of laid.nodes.slice(i + 1)) if (overlap(a, b)) pairs.push(`${a.id} × ${b.id}`)
  }
  t.same(pairs, [], 'no two node boxes overlap')
  const outside = laid.nodes.filter((n) => n.x - n.width / 2 < 0 || n.y - n.height / 2 < 0 || n.x + n.width / 2 > laid.width || n.y + n.height / 2 > laid.height)
  t.same(outside.map((n) => n.id), [], 'every box inside the drawing')
  const byId = new Map(laid.nodes.map((n) => [n.id, n]))
  for (const e of laid.edges) {
    const from = byId.get(e.from)
    const to = byId.get(e.to)
    const first = e.points[0]
    const last = e.points[e.points.length - 1]
    if (from === undefined || to === undefined || first === undefined || last === undefined) {
      t.fail(`${e.from} → ${e.to}: nodes and points`)
      continue
    }
    t.ok(e.points.length >= 2, `${e.from} → ${e.to}: a line`)
    t.ok(distance(first, from) < 2 && distance(last, to) < 2, `${e.from} → ${e.to}: from box to box`)
    if (e.label !== '') t.ok(Number.isFinite(e.labelX) && Number.isFinite(e.labelY), `${e.from} → ${e.to}: its label placed`)
  }
}

void t.test('the shipped flow laid out top to bottom and left to right', async (t) => {
  const flow = await shippedFlow(t)
  const graph = flowGraph(flow, await shippedNames())
  for (const direction of ['TB', 'LR'] as const) {
    const laid = layoutFlowGraph(graph, { file: flow.file, direction })
    t.equal(laid.direction, direction)
    t.same(laid.flow, { ...graph.flow, file: 'enterprise-seat.yaml' }, 'the file by its name only')
    t.equal(laid.nodes.length, Object.keys(flow.steps).length, 'every step')
    checkGeometry(t, laid)
    const pairs = new Set(graph.edges.map((e) => `${e.from} ${e.to}`))
    t.equal(laid.edges.length, pairs.size, 'one edge per pair of steps')
    t.equal(laid.edges.reduce((n, e) => n + e.exits.length, 0), graph.edges.length, 'holding every exit')
    const tax = laid.edges.find((e) => e.from === 'matter-menu-tax' && e.to === 'hours')
    t.equal(tax?.label, '按1–7、0；超时/按错', 'nine exits, one label')
    t.equal(tax?.exits.length, 9)
    if (direction === 'TB') {
      const y = (id: string) => laid.nodes.find((n) => n.id === id)?.y ?? NaN
      t.ok(y('welcome') < y('priority-menu') && y('priority-menu') < y('hours') && y('hours') < y('goodbye-ticket'), 'the call reads downwards')
    }
  }
})

void t.test('every kind, with a key back to its own menu', async (t) => {
  const registry = await openRegistry(t, flowFolder(t, { 'every-kind.yaml': EVERY_KIND }))
  const flow = registry.current('every-kind')
  const laid = layoutFlowGraph(flowGraph(flow, await shippedNames()), { file: flow.file })
  checkGeometry(t, laid)
  const loop = laid.edges.find((e) => e.from === 'main' && e.to === 'main')
  t.equal(loop?.label, '按*')
  t.ok((loop?.points.length ?? 0) >= 2, 'the loop is drawn')
  const main = laid.nodes.find((n) => n.id === 'main')
  const loopPoints = [...(loop?.points ?? []), { x: loop?.labelX ?? NaN, y: loop?.labelY ?? NaN }]
  t.ok(loopPoints.every((p) => p.x > (main?.x ?? 0) && p.x <= laid.width && p.y >= 0 && p.y <= laid.height), 'right of its menu, inside the drawing')
  t.same(laid.nodes.filter((n) => n.id !== 'main' && loopPoints.some((p) => distance(p, n) === 0)).map((n) => n.id), [], 'over no other step')
  const diamond = laid.nodes.find((n) => n.kind === 'branch')
  const box = laid.nodes.find((n) => n.kind === 'play')
  t.ok((diamond?.height ?? 0) > (box?.height ?? 0), 'a branch\'s diamond is taller than a box')
  t.equal(laid.edges.find((e) => e.from === 'number')?.label, '号码已确认；未确认')
})

void t.test('keys merged for a label', async (t) => {
  t.equal(compactKeys(['0', '3', '1', '2']), '1–3、0')
  t.equal(compactKeys(['1', '2']), '1、2', 'two keys are not a range')
  t.equal(compactKeys(['#', '9', '8', '7', '*', '1']), '1、7–9、*、#', 'keypad order; 9 and 0 are no run')
  t.equal(compactKeys(['1', '1']), '1')
  t.equal(mergedLabel([{ to: 'x', label: '按2', outcome: 'key', key: '2' }, { to: 'x', label: '超时/按错', outcome: 'fail' }]), '按2；超时/按错')
  t.equal(mergedLabel([{ to: 'x', label: '', outcome: 'next' }]), '')
})
