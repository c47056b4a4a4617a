// Positions for a flow graph (graph.ts), computed on the server with dagre so the page only
// draws: node boxes, the polyline of each edge and where its label goes.
//
// Parallel exits are drawn as one edge: a category's matter menu has eight keys and its
// failure exit all leading to the same step, which as nine lines on top of one another would
// be unreadable. The merged edge's label lists them (按1–7、0；超时/按错) and the edge keeps
// every exit for the details.
//
// Sizes are estimated from the text: the server has no font to measure with. A CJK character
// is about as wide as the font is high, a Latin one about 0.6 of it; the page draws with the
// same sizes (public/css/flows.css), so labels fit their boxes closely enough.

import dagreModule from '@dagrejs/dagre'
import { basename } from 'node:path'
import type { FlowGraph, GraphExit, GraphNode } from './graph.js'
import { KEY_ORDER } from './graph.js'
import type { StepKindName } from '../../flows/schema.js'

export type Direction = 'TB' | 'LR'
export const DIRECTIONS: readonly Direction[] = ['TB', 'LR']

export interface Point { x: number, y: number }

export interface LaidOutNode extends GraphNode {
  /** The centre of the node's box. */
  x: number
  y: number
  width: number
  height: number
}

export type EdgeExit = Omit<GraphExit, 'to'>

export interface LaidOutEdge {
  from: string
  to: string
  /** The exits' labels merged (see the header). */
  label: string
  exits: EdgeExit[]
  /** From the border of `from` to the border of `to`. */
  points: Point[]
  /** The centre of the label, when there is one. */
  labelX?: number
  labelY?: number
}

export interface LaidOutGraph {
  flow: { id: string, name: string, description?: string, version: string, file: string, start: string }
  direction: Direction
  start: string
  ends: string[]
  nodes: LaidOutNode[]
  edges: LaidOutEdge[]
  width: number
  height: number
}

/** Font sizes the page draws with (px). */
export const FONT = { id: 11, label: 13, edge: 12 } as const

const PADDING = 24
const MIN_WIDTH = 110
const MAX_WIDTH = 320

/** Estimated width of a text (see the header). */
export function textWidth (text: string, fontPx: number): number {
  let width = 0
  for (const ch of text) width += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? fontPx : fontPx * 0.6
  return Math.ceil(width)
}

interface DagreNode { width: number, height: number, x?: number, y?: number }
interface DagreEdge { width: number, height: number, labelpos: 'c', points?: Point[], x?: number, y?: number }
interface DagreGraph {
  setGraph(label: { rankdir: Direction, nodesep: number, ranksep: number, edgesep: number, marginx: number, marginy: number }): void
  graph(): { width?: number, height?: number }
  setNode(id: string, label: DagreNode): void
  node(id: string): DagreNode
  setEdge(from: string, to: string, label: DagreEdge): void
  edge(from: string, to: string): DagreEdge
}

/**
 * The part of dagre used here, typed by hand: @dagrejs/dagre 3.1.3 ships declarations whose
 * relative imports have no file extension, which TypeScript cannot follow under NodeNext
 * (TS2834), so the package's own types arrive as errors.
 */
const dagre = dagreModule as unknown as {
  graphlib: { Graph: new () => DagreGraph }
  layout(graph: DagreGraph): void
}

const SHAPE_SIZE: Readonly<Record<StepKindName, (textWidth: number) => { width: number, height: number }>> = {
  // A diamond: its text sits in the middle half, so the box is wider and taller.
  branch: (w) => ({ width: Math.round(w * 1.45), height: 72 }),
  // A pill: the round ends take room.
  hangup: (w) => ({ width: w + 20, height: 48 }),
  play: (w) => ({ width: w, height: 52 }),
  menu: (w) => ({ width: w, height: 52 }),
  collect: (w) => ({ width: w, height: 52 }),
  queue: (w) => ({ width: w, height: 52 }),
  ticket: (w) => ({ width: w, height: 52 }),
  survey: (w) => ({ width: w, height: 52 }),
  callback: (w) => ({ width: w, height: 52 })
}

export function nodeSize (node: Pick<GraphNode, 'id' | 'kind' | 'label'>): { width: number, height: number } {
  const text = Math.max(textWidth(node.id, FONT.id), textWidth(node.label, FONT.label)) + PADDING
  const size = SHAPE_SIZE[node.kind](Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, text)))
  return { width: Math.min(MAX_WIDTH * 1.45, size.width), height: size.height }
}

const isDigitRun = (a: string, b: string): boolean => /^[1-9]$/.test(a) && /^[1-9]$/.test(b) && Number(b) === Number(a) + 1

/** Keys in keypad order, runs of three or more digits written as a range: 1–7、0、*. */
export function compactKeys (keys: readonly string[]): string {
  const sorted = [...new Set(keys)].sort((a, b) => KEY_ORDER.indexOf(a) - KEY_ORDER.indexOf(b))
  const parts: string[] = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && isDigitRun(sorted[j] ?? '', sorted[j + 1] ?? '')) j++
    const run = sorted.slice(i, j + 1)
    parts.push(...(run.length >= 3 ? [`${run[0] ?? ''}–${run[run.length - 1] ?? ''}`] : run))
    i = j + 1
  }
  return parts.join('、')
}

/** The label of several exits drawn as one edge. */
export function mergedLabel (exits: readonly GraphExit[]): string {
  const keys = exits.filter((e) => e.outcome === 'key' && e.key !== undefined).map((e) => e.key ?? '')
  const parts = keys.length === 0 ? [] : [`按${compactKeys(keys)}`]
  for (const e of exits) {
    if (e.outcome === 'key' || e.label === '' || parts.includes(e.label)) continue
    parts.push(e.label)
  }
  return parts.join('；')
}

const round = (n: number): number => Math.round(n * 10) / 10

interface Merged { from: string, to: string, exits: GraphExit[] }

function mergeEdges (graph: FlowGraph): Merged[] {
  const byPair = new Map<string, Merged>()
  for (const edge of graph.edges) {
    // Step ids have no spaces (STEP_ID_PATTERN), so the pair key cannot collide.
    const key = `${edge.from} ${edge.to}`
    const { from, ...exit } = edge
    const merged = byPair.get(key) ?? { from, to: edge.to, exits: [] }
    merged.exits.push(exit)
    byPair.set(key, merged)
  }
  return [...byPair.values()]
}

/** Room kept beside a node for a loop back to itself (dagre's own loops stray from the node). */
const LOOP = 26

function loopRoom (direction: Direction, label: string): number {
  if (direction === 'LR') return LOOP + (label === '' ? 0 : FONT.edge + 10)
  return LOOP + (label === '' ? 0 : textWidth(label, FONT.edge) + 12)
}

/** A loop on the node's right (top to bottom) or below it (left to right), in the room kept. */
function selfLoop (node: LaidOutNode, direction: Direction, label: string): Pick<LaidOutEdge, 'points' | 'labelX' | 'labelY'> {
  const { x, y, width: w, height: h } = node
  if (direction === 'LR') {
    const bottom = y + h / 2
    const points = [{ x: x - w / 4, y: bottom }, { x: x - w / 4, y: bottom + LOOP }, { x: x + w / 4, y: bottom + LOOP }, { x: x + w / 4, y: bottom }]
    return { points, ...(label === '' ? {} : { labelX: x, labelY: round(bottom + LOOP + 4 + FONT.edge / 2) }) }
  }
  const right = x + w / 2
  const points = [{ x: right, y: y - h / 4 }, { x: right + LOOP, y: y - h / 4 }, { x: right + LOOP, y: y + h / 4 }, { x: right, y: y + h / 4 }]
  return { points, ...(label === '' ? {} : { labelX: round(right + LOOP + 6 + textWidth(label, FONT.edge) / 2), labelY: y }) }
}

/**
 * Where the line from `toward` to the node's centre crosses the node's outline: the border of
 * its box, or of its diamond for a branch (|dx|/w + |dy|/h = 1). Dagre ends edges on the box
 * it was given, which is larger than the node where room was kept for a loop.
 */
function clip (node: LaidOutNode, toward: Point): Point {
  const dx = toward.x - node.x
  const dy = toward.y - node.y
  const w = node.width / 2
  const h = node.height / 2
  if (dx === 0 && dy === 0) return toward
  const scale = node.kind === 'branch'
    ? 1 / (Math.abs(dx) / w + Math.abs(dy) / h)
    : Math.min(dx === 0 ? Infinity : w / Math.abs(dx), dy === 0 ? Infinity : h / Math.abs(dy))
  return { x: round(node.x + dx * scale), y: round(node.y + dy * scale) }
}

function clipEnds (points: Point[], from: LaidOutNode, to: LaidOutNode): Point[] {
  const second = points[1]
  const beforeLast = points[points.length - 2]
  if (second === undefined || beforeLast === undefined) return points
  return [clip(from, second), ...points.slice(1, -1), clip(to, beforeLast)]
}

/** Lays the graph out top to bottom (`TB`, default) or left to right (`LR`). */
export function layoutFlowGraph (graph: FlowGraph, options: { file: string, direction?: Direction }): LaidOutGraph {
  const direction = options.direction ?? 'TB'
  const merged = mergeEdges(graph)
  const loops = new Map(merged.filter((e) => e.from === e.to).map((e) => [e.from, mergedLabel(e.exits)]))
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: direction, nodesep: 28, ranksep: 44, edgesep: 12, marginx: 16, marginy: 16 })
  for (const node of graph.nodes) {
    const size = nodeSize(node)
    const loop = loops.get(node.id)
    // The room is kept on both sides so the node's centre stays where dagre puts the box's.
    const room = loop === undefined ? 0 : 2 * loopRoom(direction, loop)
    g.setNode(node.id, direction === 'LR' ? { ...size, height: size.height + room } : { ...size, width: size.width + room })
  }
  for (const edge of merged) {
    if (edge.from === edge.to) continue
    const label = mergedLabel(edge.exits)
    g.setEdge(edge.from, edge.to, label === '' ? { width: 0, height: 0, labelpos: 'c' } : { width: textWidth(label, FONT.edge) + 8, height: FONT.edge + 6, labelpos: 'c' })
  }
  dagre.layout(g)
  const nodes = graph.nodes.map((node): LaidOutNode => {
    const box = g.node(node.id)
    return { ...node, x: round(box.x ?? 0), y: round(box.y ?? 0), ...nodeSize(node) }
  })
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const edges = merged.flatMap((edge): LaidOutEdge[] => {
    const from = byId.get(edge.from)
    const to = byId.get(edge.to)
    if (from === undefined || to === undefined) return []
    const label = mergedLabel(edge.exits)
    const common = { from: edge.from, to: edge.to, label, exits: edge.exits.map(({ to: _to, ...exit }) => exit) }
    if (edge.from === edge.to) return [{ ...common, ...selfLoop(from, direction, label) }]
    const laid = g.edge(edge.from, edge.to)
    const points = (laid.points ?? []).map((p) => ({ x: round(p.x), y: round(p.y) }))
    return [{
      ...common,
      points: clipEnds(points, from, to),
      ...(label === '' || laid.x === undefined || laid.y === undefined ? {} : { labelX: round(laid.x), labelY: round(laid.y) })
    }]
  })
  const size = g.graph()
  return {
    flow: { ...graph.flow, file: basename(options.file) },
    direction,
    start: graph.start,
    ends: graph.ends,
    nodes,
    edges,
    width: Math.ceil(Number(size.width ?? 0)),
    height: Math.ceil(Number(size.height ?? 0))
  }
}
