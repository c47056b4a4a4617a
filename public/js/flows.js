// The flow view page (流程图), for supervisors and admins: the files of ivr-flows/ with their
// state — in force (在用), or refused (已拒绝) with every problem as file, path and reason — and
// the chosen flow's version in force drawn as SVG from GET /api/flows/:id/graph, which brings
// the layout (positions, edge points, label places): the page only draws. A box per step,
// coloured by kind, with its label and kind name; start, ends and unreachable steps marked; an
// arrow per edge with its words (按1, 超时/按错, 工作时间 …). Clicking a step shows its
// prompts, settings and exits beside the drawing. Top-to-bottom or left-to-right; the drawing
// fits the width (viewBox) and zooms in steps, the panel scrolling.
//
// `?flow=<id>&direction=TB|LR` in the address opens that flow that way. Everything is built
// with createElement / createElementNS and text nodes: names and prompt texts from the files
// are never HTML.
import { ApiError, api, boot, el, fill, notify, time } from './common.js'

const SVG_NS = 'http://www.w3.org/2000/svg'
const DIRECTIONS = ['TB', 'LR']
const STATUS_WORDS = { loaded: '在用', rejected: '已拒绝' }
/** Zoom steps besides "fit the width". */
const ZOOMS = [0.25, 0.35, 0.5, 0.75, 1, 1.25, 1.5, 2]

const $ = (id) => document.getElementById(id)

const state = {
  /** The last answer of GET /api/flows. */
  files: undefined,
  flowId: undefined,
  direction: 'TB',
  /** undefined: fit the width; else a scale. */
  zoom: undefined,
  graph: undefined,
  selected: undefined,
  /** Only the answer to the latest graph request is drawn. */
  request: 0
}

/** An SVG element: attributes, then children (strings become text). */
function svg (tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, String(value))
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return node
}

function failed (what, err) {
  notify(err instanceof ApiError ? `${what}：${err.message}` : `无法连接服务器：${err.message}`, 'error')
}

// --- the files -----------------------------------------------------------------------------

const problemItem = (p) => el('li', {}, el('code', {}, `${p.file}: ${p.path}:`), ' ', el('span', { class: 'reason' }, p.reason))

function refusal (f) {
  const stays = f.version === undefined
    ? '此文件从未生效，没有可用的版本 (never in force)。'
    : `仍在使用有效版本 ${f.version}，新来电按该版本运行 (the version in force stays)。`
  return el('div', { class: 'refusal' },
    el('p', {},
      el('strong', {}, '检查未通过，修改已拒绝 (refused)'),
      f.refusedAt === undefined ? '' : ` · ${time(Date.parse(f.refusedAt))}`,
      ' — ', stays),
    el('ul', { class: 'problems' }, f.problems.map(problemItem)))
}

function fileRows (f) {
  const current = f.id !== undefined && f.id === state.flowId
  const rows = [el('tr', { dataset: { file: f.file, status: f.status, flow: f.id ?? '' }, class: current ? 'current' : undefined },
    el('td', {}, el('code', {}, f.file)),
    el('td', {}, el('span', { class: 'badge status', dataset: { status: f.status } }, STATUS_WORDS[f.status] ?? f.status)),
    el('td', {}, f.name ?? '—', f.id === undefined ? undefined : el('div', { class: 'muted sub' }, f.id)),
    el('td', {}, f.version === undefined ? el('span', { class: 'muted' }, '无 (none)') : el('code', {}, f.version)),
    el('td', { class: 'num' }, f.steps ?? '—'),
    el('td', { class: 'num' }, f.id === undefined
      ? ''
      : el('button', { type: 'button', class: current ? 'show' : 'secondary show', onclick: () => { void choose(f.id) } }, current ? '正在查看' : '查看流程图'))
  )]
  if (f.status === 'rejected') rows.push(el('tr', { class: 'detail-row', dataset: { refusal: f.file } }, el('td', { colspan: 6 }, refusal(f))))
  if (f.warnings.length > 0) {
    rows.push(el('tr', { class: 'detail-row', dataset: { warnings: f.file } }, el('td', { colspan: 6 },
      el('div', { class: 'warnings' }, el('p', {}, el('strong', {}, '警告 (warnings)'), ' — 文件可用，但请检查：'), el('ul', { class: 'problems' }, f.warnings.map(problemItem))))))
  }
  return rows
}

function renderFiles () {
  const { flows, problems } = state.files
  fill($('files'), flows.length === 0
    ? el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'ivr-flows/ 中没有流程文件 (no flow files)'))
    : flows.flatMap(fileRows))
  const catalogue = $('catalogue-problems')
  catalogue.hidden = problems.length === 0
  fill(catalogue, problems.length === 0
    ? []
    : [el('p', {}, el('strong', {}, '提示音目录或流程文件夹的修改被拒绝 (refused)'), ' — 仍使用原有效版本。'), el('ul', { class: 'problems' }, problems.map(problemItem))])
}

function renderNotice () {
  const file = state.files?.flows.find((f) => f.id === state.flowId)
  const notice = $('graph-notice')
  notice.hidden = file?.status !== 'rejected'
  notice.textContent = file?.status === 'rejected'
    ? `${file.file} 的最近一次修改未通过检查，已被拒绝（原因见上表）；下图是仍在使用的有效版本 ${file.version}。`
    : ''
}

async function loadFiles () {
  try {
    state.files = await api('/api/flows')
  } catch (err) {
    failed('无法加载流程文件列表', err)
    return false
  }
  const inForce = state.files.flows.filter((f) => f.id !== undefined)
  if (!inForce.some((f) => f.id === state.flowId)) state.flowId = inForce[0]?.id
  renderFiles()
  renderNotice()
  $('loaded-at').textContent = `列表更新于 ${time(Date.now(), { date: false })}`
  return true
}

// --- the drawing ---------------------------------------------------------------------------

/** A smooth line through dagre's points: straight ends, rounded bends. */
function pathOf (points) {
  const [first, ...rest] = points
  let d = `M${first.x},${first.y}`
  if (rest.length === 1) return `${d} L${rest[0].x},${rest[0].y}`
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]
    const next = rest[i + 1]
    const end = i === rest.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 }
    d += ` Q${p.x},${p.y} ${end.x},${end.y}`
  }
  return d
}

function shapeOf (n) {
  const { x, y, width: w, height: h } = n
  if (n.kind === 'branch') return svg('polygon', { class: 'shape', points: `${x},${y - h / 2} ${x + w / 2},${y} ${x},${y + h / 2} ${x - w / 2},${y}` })
  return svg('rect', { class: 'shape', x: x - w / 2, y: y - h / 2, width: w, height: h, rx: n.kind === 'hangup' ? h / 2 : 6 })
}

/** Room for a line of text at `dy` from the centre: a diamond narrows towards its tips. */
function room (n, dy) {
  if (n.kind === 'branch') return n.width * (1 - Math.abs(dy) / (n.height / 2)) - 10
  return n.width - (n.kind === 'hangup' ? n.height / 2 + 4 : 14)
}

const MARKS = [
  ['start', '开始'],
  ['end', '结束'],
  ['unreachable', '不可达']
]

/** Small tags on a box's top-left corner: 开始, 结束, 不可达. */
function marksOf (n) {
  const marks = MARKS.filter(([mark]) => mark === 'unreachable' ? !n.reachable : n[mark])
  let x = n.kind === 'branch' ? n.x - n.width / 4 - 14 : n.x - n.width / 2 + 6
  const y = n.kind === 'branch' ? n.y - n.height / 4 - 8 : n.y - n.height / 2 - 8
  return marks.map(([mark, words]) => {
    const width = words.length * 11 + 10
    const tag = svg('g', { class: `mark mark-${mark}` },
      svg('rect', { x, y, width, height: 15, rx: 7.5 }),
      svg('text', { x: x + width / 2, y: y + 7.5 }, words))
    x += width + 4
    return tag
  })
}

function nodeOf (n) {
  const classes = ['node', n.start ? 'start' : '', n.end ? 'end' : '', n.reachable ? '' : 'unreachable'].filter(Boolean).join(' ')
  const flags = [n.start ? '开始' : '', n.end ? '结束' : '', n.reachable ? '' : '不可达'].filter(Boolean).join('，')
  const node = svg('g', {
    class: classes,
    'data-step': n.id,
    'data-kind': n.kind,
    tabindex: 0,
    role: 'button',
    'aria-label': `${n.label}（${n.kindName}，${n.id}${flags === '' ? '' : `，${flags}`}）`
  },
  svg('title', {}, `${n.id} · ${n.kindName}\n${n.label}`),
  shapeOf(n),
  svg('text', { class: 'node-label', x: n.x, y: n.y - 7, 'data-room': room(n, -7) }, n.label),
  svg('text', { class: 'node-kind', x: n.x, y: n.y + 11, 'data-room': room(n, 11) }, `${n.kindName} · ${n.id}`),
  marksOf(n))
  node.addEventListener('click', () => { select(n.id) })
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); select(n.id) }
  })
  return node
}

function edgeOf (e) {
  const exits = e.exits.map((x) => `${x.label === '' ? '下一步' : x.label}${x.detail === undefined ? '' : `：${x.detail}`}`).join('\n')
  return svg('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to, 'data-label': e.label },
    svg('title', {}, `${e.from} → ${e.to}\n${exits}`),
    svg('path', { d: pathOf(e.points), 'marker-end': 'url(#arrow)' }))
}

function edgeLabelOf (e) {
  if (e.label === '' || e.labelX === undefined) return undefined
  return svg('g', { class: 'edge-label', 'data-from': e.from, 'data-to': e.to },
    svg('rect', {}),
    svg('text', { x: e.labelX, y: e.labelY }, e.label))
}

/** Sizes what depends on the font, once in the page: label backgrounds, texts too long for their box. */
function fitTexts (root) {
  for (const label of root.querySelectorAll('.edge-label')) {
    const box = label.querySelector('text').getBBox()
    const rect = label.querySelector('rect')
    for (const [key, value] of Object.entries({ x: box.x - 3, y: box.y - 1, width: box.width + 6, height: box.height + 2, rx: 3 })) rect.setAttribute(key, String(value))
  }
  for (const text of root.querySelectorAll('.node text[data-room]')) {
    const roomPx = Number(text.dataset.room)
    if (text.getComputedTextLength() > roomPx) {
      text.setAttribute('textLength', String(roomPx))
      text.setAttribute('lengthAdjust', 'spacingAndGlyphs')
    }
  }
}

function renderLegend (g) {
  const kinds = new Map(g.nodes.map((n) => [n.kind, n.kindName]))
  fill($('legend'),
    [...kinds].map(([kind, name]) => el('li', { dataset: { kind } }, el('span', { class: 'swatch', dataset: { kind } }), name)),
    el('li', { class: 'mark-key' }, el('span', { class: 'tag start' }, '开始'), '来电从此开始'),
    el('li', { class: 'mark-key' }, el('span', { class: 'tag end' }, '结束'), '通话在此结束'),
    g.nodes.some((n) => !n.reachable) ? el('li', { class: 'mark-key' }, el('span', { class: 'tag unreachable' }, '不可达'), '从开始无法到达') : undefined,
    el('li', { class: 'muted' }, '箭头上的文字：离开该步骤的条件'))
}

function drawGraph (g) {
  const root = svg('svg', {
    id: 'graph-svg',
    viewBox: `0 0 ${g.width} ${g.height}`,
    role: 'group',
    'aria-label': `${g.flow.name} 流程图`,
    'data-flow': g.flow.id,
    'data-version': g.flow.version,
    'data-direction': g.direction
  },
  svg('defs', {},
    svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' })),
    svg('marker', { id: 'arrow-related', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head related' }))),
  svg('g', { class: 'edges' }, g.edges.map(edgeOf)),
  svg('g', { class: 'nodes' }, g.nodes.map(nodeOf)),
  svg('g', { class: 'edge-labels' }, g.edges.map(edgeLabelOf)))
  fill($('graph'), root)
  fitTexts(root)
  applyZoom()

  $('flow-title').textContent = g.flow.name
  $('flow-meta').textContent = `${g.flow.id} · ${g.flow.file} · 版本 ${g.flow.version} · ${g.nodes.length} 个步骤 · ${g.edges.length} 条连线`
  $('flow-description').textContent = g.flow.description ?? ''
  renderLegend(g)
  renderNotice()
  for (const button of document.querySelectorAll('button[data-direction]')) button.setAttribute('aria-pressed', String(button.dataset.direction === g.direction))

  if (g.nodes.some((n) => n.id === state.selected)) select(state.selected)
  else clearDetails()
}

async function loadGraph () {
  const id = state.flowId
  const request = ++state.request
  if (id === undefined) {
    state.graph = undefined
    fill($('graph'), el('p', { class: 'muted' }, '没有生效的流程 (no flow in force)'))
    return
  }
  try {
    const graph = await api(`/api/flows/${encodeURIComponent(id)}/graph?direction=${state.direction}`)
    if (request !== state.request) return
    state.graph = graph
    drawGraph(graph)
    const url = new URL(location.href)
    url.searchParams.set('flow', id)
    url.searchParams.set('direction', state.direction)
    history.replaceState(null, '', url)
  } catch (err) {
    if (request === state.request) failed(`无法加载流程 ${id}`, err)
  }
}

// --- zoom ----------------------------------------------------------------------------------

/** The scale at which the drawing fits the panel's width (never enlarged past its own size). */
function fitScale () {
  const width = $('graph').clientWidth
  return state.graph === undefined || width === 0 ? 1 : Math.min(1, width / state.graph.width)
}

function applyZoom () {
  const root = $('graph-svg')
  if (root === null || state.graph === undefined) return
  const fit = state.zoom === undefined
  root.classList.toggle('fit', fit)
  root.style.width = fit ? '' : `${Math.round(state.graph.width * state.zoom)}px`
  root.style.height = fit ? '' : `${Math.round(state.graph.height * state.zoom)}px`
  root.style.maxWidth = fit ? `${state.graph.width}px` : 'none'
  $('zoom-level').textContent = fit ? `适应宽度 ${Math.round(fitScale() * 100)}%` : `${Math.round(state.zoom * 100)}%`
  $('zoom-fit').setAttribute('aria-pressed', String(fit))
}

function zoom (step) {
  if (state.graph === undefined) return
  const now = state.zoom ?? fitScale()
  const next = step > 0 ? ZOOMS.find((z) => z > now + 0.001) ?? ZOOMS[ZOOMS.length - 1] : [...ZOOMS].reverse().find((z) => z < now - 0.001) ?? ZOOMS[0]
  state.zoom = next
  applyZoom()
  if (state.selected !== undefined) nodeElement(state.selected)?.scrollIntoView({ block: 'nearest', inline: 'center' })
}

// --- the details ---------------------------------------------------------------------------

const nodeElement = (id) => [...document.querySelectorAll('#graph-svg g.node')].find((g) => g.dataset.step === id)

function clearDetails () {
  state.selected = undefined
  delete $('details').dataset.step
  $('details-empty').hidden = false
  $('details-body').hidden = true
  fill($('details-body'))
}

function section (title, content, empty) {
  return [el('h4', {}, title), content ?? el('p', { class: 'muted' }, empty)]
}

function details (n) {
  const marks = [n.start ? '开始步骤 (start)' : '', n.end ? '通话在此结束 (end)' : '', n.reachable ? '' : '从开始步骤无法到达 (unreachable)'].filter(Boolean)
  const labelOf = (id) => state.graph?.nodes.find((x) => x.id === id)?.label
  return [
    el('h3', { id: 'details-title' }, n.label),
    el('p', { class: 'kind-line' }, el('span', { class: 'badge kind', dataset: { kind: n.kind } }, n.kindName), ' ', el('code', {}, n.id),
      marks.map((m) => el('span', { class: 'badge flag' }, m))),
    section('提示音 (prompts)',
      n.prompts.length === 0 ? undefined : el('ul', { class: 'prompts', id: 'details-prompts' }, n.prompts.map((p) => el('li', { dataset: { prompt: p.id } },
        el('div', {}, el('span', { class: 'role' }, p.role), ' ', el('code', {}, p.id)),
        el('div', { class: 'text' }, p.text ?? '（提示音目录中无文本）')))),
      '无：此步骤不放音'),
    section('参数 (settings)',
      n.facts.length === 0 ? undefined : el('dl', { class: 'facts', id: 'details-facts' }, n.facts.flatMap((f) => [el('dt', {}, f.name), el('dd', {}, f.value)])),
      '无'),
    section('去向 (exits)',
      n.exits.length === 0 ? undefined : el('ul', { class: 'exits', id: 'details-exits' }, n.exits.map((x) => el('li', { dataset: { to: x.to, outcome: x.outcome } },
        el('span', { class: 'exit-label' }, x.label === '' ? '下一步' : x.label), ' → ',
        el('button', { type: 'button', class: 'goto', title: '查看此步骤', onclick: () => { select(x.to, { scroll: true }) } }, x.to),
        labelOf(x.to) === undefined ? undefined : el('span', { class: 'muted' }, ` ${labelOf(x.to)}`),
        x.detail === undefined ? undefined : el('div', { class: 'muted sub' }, x.detail)))),
      '无：通话在此结束')
  ]
}

function select (id, { scroll = false } = {}) {
  const n = state.graph?.nodes.find((x) => x.id === id)
  if (n === undefined) return
  state.selected = id
  for (const g of document.querySelectorAll('#graph-svg g.node')) g.classList.toggle('selected', g.dataset.step === id)
  for (const g of document.querySelectorAll('#graph-svg g.edge')) {
    const related = g.dataset.from === id || g.dataset.to === id
    g.classList.toggle('related', related)
    g.querySelector('path').setAttribute('marker-end', related ? 'url(#arrow-related)' : 'url(#arrow)')
  }
  $('details').dataset.step = id
  $('details-empty').hidden = true
  $('details-body').hidden = false
  fill($('details-body'), details(n).flat())
  if (scroll) nodeElement(id)?.scrollIntoView({ block: 'nearest', inline: 'center' })
}

// --- the page ------------------------------------------------------------------------------

async function choose (id) {
  if (id === state.flowId) return
  state.flowId = id
  state.selected = undefined
  state.zoom = undefined
  renderFiles()
  await loadGraph()
}

async function reload () {
  notify('刷新中… (reloading)')
  if (!(await loadFiles())) return
  await loadGraph()
  notify('已刷新 (reloaded)', 'ok')
}

async function start () {
  const params = new URL(location.href).searchParams
  const direction = params.get('direction')
  if (DIRECTIONS.includes(direction)) state.direction = direction
  state.flowId = params.get('flow') ?? undefined
  $('reload').addEventListener('click', () => { void reload() })
  for (const button of document.querySelectorAll('button[data-direction]')) {
    button.addEventListener('click', () => {
      if (state.direction === button.dataset.direction) return
      state.direction = button.dataset.direction
      void loadGraph()
    })
  }
  $('zoom-in').addEventListener('click', () => { zoom(1) })
  $('zoom-out').addEventListener('click', () => { zoom(-1) })
  $('zoom-fit').addEventListener('click', () => { state.zoom = undefined; applyZoom() })
  window.addEventListener('resize', () => { applyZoom() })
  if (await loadFiles()) await loadGraph()
}

void boot({ page: 'flows.html', roles: ['supervisor', 'admin'], start })
