// The agent console (坐席工作台). An agent token opens its own agent; a supervisor or admin
// picks an agent. Everything shown comes from the agent's live stream
// (GET /api/agents/:id/stream, one `agent` event per change and every 2 s during a call); the
// buttons call the agents, calls, directory and ticket APIs and leave the redrawing to the
// stream. Buttons that do not apply to the agent's state are disabled; the server refuses
// them anyway (409) and the reason shows in the status line.
import { AGENT_STATE_WORDS, ApiError, api, boot, duration, el, fill, maskNumber, notify, stream, time } from './common.js'

/** Why an agent is not ready: the console's own reasons and the line's. */
const REASON_WORDS = {
  login: '刚签入，未示闲',
  manual: '手动示忙',
  break: '小休',
  meal: '用餐',
  training: '培训',
  meeting: '会议',
  paperwork: '事务处理',
  'no-answer': '来电未接听，已自动示忙',
  unreachable: '话机不可达，已自动示忙',
  failed: '呼叫话机失败，已自动示忙'
}
const CALL_STATE_WORDS = {
  'with-agent': '通话中',
  hunting: '正在转接部门',
  'connecting-specialist': '部门已接听，正在接入会议',
  'three-way': '三方通话中',
  'with-specialist': '您已离开，来电者与部门通话中',
  'telling-caller': '正在告知来电者转接结果',
  closing: '通话结束中',
  'in-progress': '接通中',
  ended: '已结束'
}
const OUTCOME_WORDS = {
  answered: '接通',
  busy: '忙',
  'no-answer': '无应答',
  rejected: '拒接',
  unreachable: '不可达',
  failed: '失败',
  cancelled: '已取消'
}

const $ = (id) => document.getElementById(id)

/** What the page knows: whose console, the last snapshot, and when it came (server clock). */
const view = {
  agentId: undefined,
  snapshot: undefined,
  /** Server time minus this browser's time, from the last snapshot. */
  skew: 0,
  streamAbort: undefined,
  /** Matters the agent has seen (search results, the caller's choice, transfers): id → name. */
  matters: new Map(),
  busy: false
}

const serverNow = () => Date.now() + view.skew
const ms = (isoText) => isoText === undefined ? undefined : Date.parse(isoText)

/** What a refusal means, before the server's own reason (which names the state or field). */
const STATUS_WORDS = {
  400: '请求有误',
  401: '令牌无效',
  403: '无权操作',
  404: '未找到',
  409: '当前状态不允许此操作',
  429: '操作过于频繁',
  503: '暂时无法完成，请重试'
}

function failed (err) {
  const message = err instanceof ApiError ? err.message : String(err?.message ?? err)
  const words = err instanceof ApiError ? STATUS_WORDS[err.status] : undefined
  notify(words === undefined ? `操作失败：${message}` : `操作失败（${words}）：${message}`, 'error')
}

/** Runs one button's request; the page stays usable whatever happens. */
async function act (label, run) {
  if (view.busy) return
  view.busy = true
  render()
  try {
    await run()
    notify(`${label}：成功`, 'ok')
  } catch (err) {
    failed(err)
  } finally {
    view.busy = false
    render()
  }
}

async function agentAction (action, body = {}) {
  const label = { login: '签入', ready: '示闲', 'not-ready': '示忙', logout: '签出' }[action]
  await act(action === 'ready' && view.snapshot?.agent.state === 'wrap-up' ? '完成整理' : label, async () => {
    const agent = await api(`/api/agents/${encodeURIComponent(view.agentId)}/${action}`, { method: 'POST', body })
    // The stream follows with the whole picture; the agent's own part is shown at once.
    if (view.snapshot !== undefined) view.snapshot = { ...view.snapshot, agent }
  })
}

// --- drawing -------------------------------------------------------------------------------

function renderAgent (agent) {
  const badge = $('agent-state')
  badge.dataset.state = agent?.state ?? ''
  badge.textContent = agent === undefined
    ? '—'
    : agent.state === 'not-ready' && agent.reason === 'login' ? '签入' : AGENT_STATE_WORDS[agent.state] ?? agent.state
  $('agent-name').textContent = agent === undefined ? '话务员工作台' : `${agent.name}（${agent.id} · 分机 ${agent.extension}）`
  $('agent-reason').textContent = agent?.state === 'not-ready' && agent.reason !== undefined ? REASON_WORDS[agent.reason] ?? agent.reason : ''
  $('agent-since').textContent = agent === undefined ? '' : `自 ${time(ms(agent.since))}`
  $('wrap-up-note').hidden = agent?.state !== 'wrap-up'
}

function renderCall (call) {
  $('no-call').hidden = call !== undefined
  $('call-info').hidden = call === undefined
  if (call === undefined) return
  $('call-info').dataset.callId = call.callId
  $('call-caller').textContent = maskNumber(call.caller ?? '')
  $('call-started').textContent = time(ms(call.startedAt))
  $('call-state').textContent = CALL_STATE_WORDS[call.state] ?? call.state
  $('call-state').dataset.state = call.state
  $('choice-priority').textContent = call.priority ?? '未选择'
  $('choice-category').textContent = call.category ?? '未选择'
  $('choice-matter').textContent = call.matterName ?? '未选择（请询问来电者）'
  if (call.matterId !== undefined) rememberMatter(call.matterId, call.matterName)
  renderDuration()
}

/** The talk time, ticking between snapshots against the server's clock. */
function renderDuration () {
  const call = view.snapshot?.call
  if (call === undefined) return
  const from = ms(call.answeredAt) ?? ms(call.startedAt)
  const to = ms(call.endedAt) ?? serverNow()
  $('call-duration').textContent = from === undefined ? '—' : duration(to - from)
}

function transferSummary (t) {
  const department = t.departmentName ?? t.departmentId
  switch (t.state) {
    case 'hunting': return t.ringing === undefined ? `正在转接${department}（${t.matterName ?? t.matterId}）…` : `正在转接${department}：第 ${t.ringing.index + 1} 个号码振铃中`
    case 'connected':
      if (t.endedAt !== undefined) return `${department}（${t.answeredNumber ?? ''}）的通话已结束`
      return t.agentLeftAt === undefined ? `${department}已接通（${t.answeredNumber ?? ''}），三方通话中` : `${department}已接通，您已离开会议`
    case 'all-failed':
      return t.ticketId === undefined
        ? `${department}的 ${t.attempts.length} 个号码均未接通，转接失败工单未生成，请手工登记`
        : `${department}的 ${t.attempts.length} 个号码均未接通，已生成转接失败工单 ${t.ticketId}`
    case 'cancelled': return '来电者已挂机，转接已取消'
    default: return t.state
  }
}

function renderHunt (call) {
  const transfer = call?.transfers.at(-1)
  const summary = $('hunt-summary')
  summary.dataset.state = transfer?.state ?? ''
  summary.textContent = transfer === undefined ? '尚未转接' : transferSummary(transfer)
  if (transfer === undefined) { fill($('hunt-attempts')); return }
  const rows = transfer.attempts.map((a) => el('tr', { dataset: { outcome: a.outcome, index: String(a.index) } },
    el('td', { class: 'num' }, String(a.index + 1)),
    el('td', { class: 'number' }, a.number),
    el('td', {}, a.label ?? ''),
    el('td', { class: 'outcome' }, OUTCOME_WORDS[a.outcome] ?? a.outcome),
    el('td', { class: 'num' }, `${(a.ringMs / 1000).toFixed(1)} 秒`)))
  if (transfer.ringing !== undefined) {
    const r = transfer.ringing
    rows.push(el('tr', { dataset: { outcome: 'ringing', index: String(r.index) } },
      el('td', { class: 'num' }, String(r.index + 1)),
      el('td', { class: 'number' }, r.number),
      el('td', {}, r.label ?? ''),
      el('td', { class: 'outcome' }, '振铃中…'),
      el('td', { class: 'num' }, `${Math.max(0, (serverNow() - ms(r.since)) / 1000).toFixed(0)} 秒`)))
  }
  fill($('hunt-attempts'), rows)
}

function renderTicket (call) {
  const result = $('ticket-result')
  const ticket = call?.ticket
  result.hidden = ticket === undefined
  if (ticket === undefined) { delete result.dataset.ticketId; return }
  result.dataset.ticketId = ticket.ticketId
  result.textContent = `已登记次紧急工单 ${ticket.ticketId}：${ticket.departmentName}（${ticket.matterName ?? ticket.matterId ?? ''}），须于 ${time(ms(ticket.dueAt))} 前回电`
}

/** Enables what applies now (the server decides in the end). */
function renderButtons () {
  const agent = view.snapshot?.agent
  const call = view.snapshot?.call
  const state = agent?.state
  const idle = !view.busy && agent !== undefined
  const is = (...states) => idle && states.includes(state)
  $('btn-login').disabled = !is('logged-out')
  $('btn-ready').disabled = !is('not-ready')
  $('btn-not-ready').disabled = !is('ready', 'not-ready', 'wrap-up')
  $('btn-logout').disabled = !is('ready', 'not-ready', 'wrap-up')
  $('btn-wrap-up-done').disabled = !is('wrap-up')
  const talking = is('on-call') && call !== undefined && call.agentPresent
  $('btn-leave').disabled = !(talking && call.state === 'three-way')
  const canTransfer = talking && call.state === 'with-agent'
  for (const button of document.querySelectorAll('#matter-results button.transfer')) button.disabled = !canTransfer
  const canTicket = idle && call !== undefined && call.state !== 'ended' && call.ticket === undefined && $('ticket-matter').value !== ''
  $('btn-ticket').disabled = !canTicket
}

function render () {
  const snapshot = view.snapshot
  renderAgent(snapshot?.agent)
  renderCall(snapshot?.call)
  renderHunt(snapshot?.call)
  renderTicket(snapshot?.call)
  for (const t of snapshot?.call?.transfers ?? []) rememberMatter(t.matterId, t.matterName)
  renderButtons()
}

// --- matters: search, transfer, ticket -----------------------------------------------------

/** Adds a matter to the ticket form's choice (the newest selected unless one is chosen). */
function rememberMatter (id, name, select = false) {
  const options = $('ticket-matter')
  if (!view.matters.has(id)) {
    view.matters.set(id, name ?? id)
    options.append(el('option', { value: id }, name ?? id))
  }
  if (select || options.value === '') options.value = id
}

async function search () {
  const q = $('matter-q').value.trim()
  const category = $('matter-category').value
  const params = new URLSearchParams()
  if (q !== '') params.set('q', q)
  if (category !== '') params.set('category', category)
  params.set('limit', '50')
  try {
    const { matters, total } = await api(`/api/directory/matters?${params}`)
    fill($('matter-results'), matters.length === 0
      ? el('li', { class: 'muted' }, '没有找到事项')
      : matters.map((m) => el('li', { dataset: { matterId: m.id } },
        el('span', { class: 'what' }, m.name, el('br'), el('span', { class: 'meta' }, `${m.category} · ${m.departmentName} · ${m.numbers} 个转接号码`)),
        el('button', { type: 'button', class: 'transfer', onclick: () => { void transfer(m) } }, '转接'))))
    notify(total > matters.length ? `找到 ${total} 个事项，显示前 ${matters.length} 个` : `找到 ${total} 个事项`)
  } catch (err) {
    failed(err)
  }
  renderButtons()
}

async function transfer (matter) {
  const callId = view.snapshot?.call?.callId
  if (callId === undefined) return
  rememberMatter(matter.id, matter.name, true)
  await act(`转接 ${matter.departmentName}（${matter.name}）`, async () => {
    await api(`/api/calls/${encodeURIComponent(callId)}/transfer`, { method: 'POST', body: { matterId: matter.id } })
  })
}

async function leave () {
  const callId = view.snapshot?.call?.callId
  if (callId === undefined) return
  await act('离开会议', async () => {
    await api(`/api/calls/${encodeURIComponent(callId)}/leave`, { method: 'POST', body: {} })
  })
}

async function raiseTicket (event) {
  event.preventDefault()
  const callId = view.snapshot?.call?.callId
  const matterId = $('ticket-matter').value
  if (callId === undefined || matterId === '') return
  const note = $('ticket-note').value.trim()
  await act('登记工单', async () => {
    const ticket = await api(`/api/calls/${encodeURIComponent(callId)}/ticket`, {
      method: 'POST', body: note === '' ? { matterId } : { matterId, note }
    })
    const call = view.snapshot?.call
    if (call !== undefined && call.callId === callId) call.ticket = ticket
    $('ticket-note').value = ''
  })
}

// --- the stream ----------------------------------------------------------------------------

function follow (agentId) {
  view.streamAbort?.abort()
  view.agentId = agentId
  view.snapshot = undefined
  render()
  const abort = new AbortController()
  view.streamAbort = abort
  stream(`/api/agents/${encodeURIComponent(agentId)}/stream`, (name, data) => {
    if (name !== 'agent' || abort.signal.aborted) return
    view.skew = Date.parse(data.now) - Date.now()
    // A new call starts with an empty ticket form.
    if (data.call?.callId !== view.snapshot?.call?.callId) $('ticket-note').value = ''
    view.snapshot = data
    render()
  }, {
    signal: abort.signal,
    onState: (state) => {
      $('live-dot').dataset.live = String(state === 'open')
      $('live-text').textContent = state === 'open' ? '实时' : '重新连接中…'
    }
  })
}

async function pickAgent () {
  $('agent-picker').hidden = false
  const { agents } = await api('/api/agents')
  const select = $('agent-select')
  fill(select, agents.map((a) => el('option', { value: a.id }, `${a.id} ${a.name}`)))
  select.addEventListener('change', () => { follow(select.value) })
  return agents[0]?.id
}

async function loadCategories () {
  const { categories } = await api('/api/directory/categories')
  $('matter-category').append(...categories.map((c) => el('option', { value: c.name }, `${c.name}（${c.matters}）`)))
}

async function start (me) {
  $('btn-login').addEventListener('click', () => { void agentAction('login') })
  $('btn-ready').addEventListener('click', () => { void agentAction('ready') })
  $('btn-wrap-up-done').addEventListener('click', () => { void agentAction('ready') })
  $('btn-not-ready').addEventListener('click', () => { void agentAction('not-ready', { reason: $('not-ready-reason').value }) })
  $('btn-logout').addEventListener('click', () => { void agentAction('logout') })
  $('btn-leave').addEventListener('click', () => { void leave() })
  $('matter-search').addEventListener('submit', (event) => { event.preventDefault(); void search() })
  $('matter-category').addEventListener('change', () => { void search() })
  $('ticket-form').addEventListener('submit', (event) => { void raiseTicket(event) })
  $('ticket-matter').addEventListener('change', renderButtons)
  setInterval(() => {
    renderDuration()
    if (view.snapshot?.call?.transfers.at(-1)?.ringing !== undefined) renderHunt(view.snapshot.call)
  }, 1000)
  try {
    await loadCategories()
    const agentId = me.role === 'agent' ? me.agentId : await pickAgent()
    if (agentId === undefined) { notify('没有可显示的话务员', 'error'); return }
    follow(agentId)
  } catch (err) {
    failed(err)
  }
}

void boot({ page: 'agent.html', roles: ['agent', 'supervisor', 'admin'], start })
