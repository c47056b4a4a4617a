// The supervisor dashboard (实时监控): alarms, connection rates against the target and the
// national standard, calls by phase, today's calls by how they ended, agents and their states,
// tickets open / due soon / overdue, and the controllers feeding the figures. Everything comes from the live stream
// (GET /api/live/stream: a `snapshot` event at open and within a second of every change on any
// controller sharing the store; the document of GET /api/live/snapshot, src/features/live/schema.ts).
// The page computes no figure; between snapshots it only lets the durations tick.
// Supervisors and admins only.
import { AGENT_STATE_WORDS, boot, duration, el, fill, maskNumber, notify, stream, time } from './common.js'
import { callTiles } from './call-figures.js'
import { linesOf, overallTile, renderRates, setUpRates } from './dashboard-rates.js'

/** The order of the state counts above the agents table: who can take a call first. */
const STATE_ORDER = ['ready', 'ringing', 'on-call', 'wrap-up', 'not-ready', 'logged-out']
const REASON_WORDS = {
  login: '刚签入',
  manual: '手动示忙',
  break: '小休',
  meal: '用餐',
  training: '培训',
  meeting: '会议',
  paperwork: '事务处理',
  'no-answer': '未接听，自动示忙',
  unreachable: '话机不可达',
  failed: '呼叫话机失败'
}
const PHASE_WORDS = { ivr: 'IVR 导航中', waiting: '排队等待', agent: '话务员通话', 'three-way': '三方通话' }
const SWITCH_WORDS = { ready: '已连接', connecting: '连接中', disconnected: '已断开', closed: '已关闭' }
const VENDOR_WORDS = { freeswitch: 'FreeSWITCH', asterisk: 'Asterisk' }
const SEVERITY_WORDS = { critical: '严重', warning: '警告' }
const TICKET_STATUS_WORDS = { open: '新建（未送达）', delivered: '已送达', acknowledged: '已签收', contacted: '已联系', closed: '已办结' }
/** No snapshot for this long while connected: the figures may be old (the server sends one every 5 s). */
const STALE_MS = 20_000

const $ = (id) => document.getElementById(id)

const view = {
  /** The snapshot shown. */
  snapshot: undefined,
  /** Server time minus this browser's time, from the last snapshot. */
  skew: 0,
  /** When (browser time) the last snapshot came. */
  receivedAt: 0,
  live: false,
  /** The newest snapshot not drawn yet: a burst of events is drawn once. */
  pending: undefined
}

const serverNow = () => Date.now() + view.skew
const ms = (iso) => (iso === undefined ? undefined : Date.parse(iso))

/** `m:ss`, or `h:mm:ss` past an hour. */
function span (millis) {
  if (millis < 3_600_000) return duration(millis)
  const s = Math.max(0, Math.round(millis / 1000))
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

/** `2 小时内` or `45 分钟内`. */
function within (minutes) {
  return minutes % 60 === 0 ? `${minutes / 60} 小时内` : `${minutes} 分钟内`
}

/** A clock time, with the date when it is not today (Beijing time, the server's day). */
function when (millis) {
  return time(millis, { date: time(millis).slice(0, 5) !== time(serverNow()).slice(0, 5) })
}

/** A duration from `since` to now that the page keeps ticking (see tick()). */
function ticking (since, prefix = '') {
  return el('span', { class: 'ticking', dataset: { since: String(ms(since)), prefix } }, `${prefix}${span(serverNow() - ms(since))}`)
}

function tick () {
  const now = serverNow()
  for (const node of document.querySelectorAll('.ticking[data-since]')) {
    node.textContent = `${node.dataset.prefix ?? ''}${span(now - Number(node.dataset.since))}`
  }
  const stale = view.live && view.snapshot !== undefined && Date.now() - view.receivedAt > STALE_MS
  $('updated').classList.toggle('warn', stale)
  $('stale').hidden = !stale
}

// --- drawing -------------------------------------------------------------------------------

function renderLive () {
  const live = $('live')
  live.dataset.state = view.live ? 'live' : view.snapshot === undefined ? 'connecting' : 'reconnecting'
  $('live-dot').dataset.live = String(view.live)
  $('live-text').textContent = view.live ? '实时 (live)' : view.snapshot === undefined ? '连接中… (connecting)' : '重新连接中… (reconnecting)'
  // While the stream is away the figures shown are the last ones received: dimmed.
  document.body.dataset.live = String(view.live)
}

function renderHeader (s) {
  const updated = $('updated')
  updated.dataset.at = s.at
  fill($('updated-at'), `更新于 ${when(ms(s.at))} (last update)`)
  const alive = s.controllers.filter((c) => c.alive).length
  $('controllers-note').textContent = `${s.controllers.length} 个控制器（${alive} 个在线），由 ${s.controllerId} 汇总`
  fill($('controllers'), s.controllers.map((c) => {
    const healthy = c.alive && (c.switchState === 'ready' || c.draining)
    const words = [
      VENDOR_WORDS[c.vendor] ?? c.vendor,
      `交换机${SWITCH_WORDS[c.switchState] ?? c.switchState}`,
      `通话 ${c.callsInProgress}`,
      c.draining ? '停止中' : undefined,
      c.alive ? undefined : `心跳中断（最后 ${when(ms(c.lastSeen))}）`
    ].filter(Boolean).join(' · ')
    return el('li', {
      class: healthy ? 'ok' : 'bad',
      dataset: { controllerId: c.controllerId, switchState: c.switchState, alive: String(c.alive) },
      title: c.switchDetail
    }, el('strong', {}, c.controllerId), c.controllerId === s.controllerId ? el('span', { class: 'here' }, '本页') : undefined, ` ${words}`)
  }))
}

function renderAlarms (alarms) {
  const critical = alarms.some((a) => a.severity === 'critical')
  $('alarms-panel').dataset.level = alarms.length === 0 ? 'none' : critical ? 'critical' : 'warning'
  $('alarm-count').textContent = String(alarms.length)
  $('no-alarms').hidden = alarms.length > 0
  fill($('alarms'), alarms.map((a) => el('li', { dataset: { key: a.key, kind: a.kind, severity: a.severity } },
    el('span', { class: 'severity' }, SEVERITY_WORDS[a.severity] ?? a.severity),
    el('span', { class: 'message' }, a.message),
    a.since === undefined ? undefined : el('span', { class: 'muted since' }, `自 ${when(ms(a.since))}（`, ticking(a.since), '）'))))
}

/** Sets one tile: its text, the raw value for machines, the line under it and its colour. */
function tile (figure, { text, value = text, sub = '', level } = {}) {
  const node = document.querySelector(`#tiles [data-figure="${figure}"]`)
  node.querySelector('.value').textContent = text
  node.dataset.value = value
  fill(node.querySelector('.sub'), sub)
  for (const kind of ['ok', 'warn', 'bad']) node.classList.toggle(kind, kind === level)
}

const count = (n) => (n === undefined ? { text: '—', value: '' } : { text: String(n), value: String(n) })

function renderTiles (s) {
  const rates = s.connectionRate
  const lines = rates === undefined ? undefined : linesOf(rates)
  tile('rate-today', rates === undefined ? count() : overallTile(rates.today, lines))
  tile('rate-hour', rates === undefined ? count() : overallTile(rates.lastHour, lines))
  const calls = s.calls
  const hunting = calls?.list.filter((c) => c.transfer === 'hunting').length ?? 0
  tile('calls-ivr', { ...count(calls?.ivr), sub: calls === undefined ? '' : `在线通话共 ${calls.total}` })
  tile('calls-waiting', {
    ...count(calls?.waiting),
    sub: calls?.longestWaitSince === undefined ? '' : ticking(calls.longestWaitSince, '最长等待 '),
    level: (calls?.waiting ?? 0) > 0 ? 'warn' : undefined
  })
  tile('calls-agent', { ...count(calls?.agent), sub: hunting > 0 ? `其中正在转接 ${hunting}` : '' })
  tile('calls-three-way', { ...count(calls?.threeWay), sub: calls === undefined ? '' : `坐席离开 ${calls.agentLeft}` })
  const agents = s.agents
  const online = agents === undefined ? 0 : agents.total - (agents.byState['logged-out'] ?? 0)
  tile('agents-ready', {
    ...count(agents?.byState.ready),
    sub: agents === undefined ? '' : `在线 ${online} / 共 ${agents.total}`,
    level: agents !== undefined && online > 0 && agents.byState.ready === 0 ? 'warn' : undefined
  })
  const t = s.tickets
  tile('tickets-awaiting', { ...count(t?.awaitingContact), sub: t === undefined ? '' : `待推送 ${t.queued}` })
  tile('tickets-due-soon', {
    ...count(t?.dueSoon),
    sub: t === undefined ? '' : `${within(t.dueSoonMinutes)}到期`,
    level: (t?.dueSoon ?? 0) > 0 ? 'warn' : undefined
  })
  tile('tickets-overdue', {
    ...count(t?.overdue),
    sub: t === undefined || t.dead === 0 ? '' : `推送失败 ${t.dead}`,
    level: (t?.overdue ?? 0) > 0 || (t?.dead ?? 0) > 0 ? 'bad' : t === undefined ? undefined : 'ok'
  })
  // Today's calls by how they ended (the section is missing when it could not be read: —).
  for (const [figure, shown] of Object.entries(callTiles(s.callsToday))) tile(`today-${figure}`, shown)
}

/** The matter a call is about, as the caller chose it in the IVR. */
function matterOf (c) {
  if (c.matterName !== undefined) return [c.matterName, c.departmentName]
  return [c.category === undefined ? '未选事项 (not chosen)' : `${c.category}（未选事项）`, undefined]
}

function renderCalls (calls) {
  $('calls-total').textContent = calls === undefined
    ? '数据暂不可用 (unavailable)'
    : `共 ${calls.total} 通${calls.list.length < calls.total ? `，显示最早的 ${calls.list.length} 通` : ''}`
  const list = calls?.list ?? []
  $('calls-empty').hidden = list.length > 0
  fill($('call-rows'), list.map((c) => {
    const [matter, department] = matterOf(c)
    const notes = [c.transfer === 'hunting' ? '转接中' : undefined, c.agentLeft === true ? '话务员已离开' : undefined].filter(Boolean)
    return el('tr', { dataset: { callId: c.callId, phase: c.phase } },
      el('td', {}, el('span', { class: 'badge phase', dataset: { phase: c.phase } }, PHASE_WORDS[c.phase] ?? c.phase),
        notes.length === 0 ? undefined : el('div', { class: 'muted sub' }, notes.join(' · '))),
      el('td', { class: 'caller' }, maskNumber(c.caller)),
      el('td', {}, matter, department === undefined ? undefined : el('div', { class: 'muted sub' }, department)),
      el('td', {}, c.agentId ?? ''),
      el('td', { class: 'num' }, ticking(c.since)),
      el('td', { class: 'num' }, ticking(c.startedAt)),
      el('td', { class: 'muted' }, c.controllerId))
  }))
}

function renderAgents (agents, calls) {
  $('agents-empty').hidden = agents !== undefined
  $('agents-total').textContent = agents === undefined ? '' : `共 ${agents.total}`
  fill($('agent-counts'), agents === undefined
    ? []
    : STATE_ORDER.map((state) => el('li', { dataset: { state } },
      el('span', { class: 'badge state', dataset: { state } }, AGENT_STATE_WORDS[state]), ` ${agents.byState[state] ?? 0}`)))
  const byCall = new Map((calls?.list ?? []).map((c) => [c.callId, c]))
  fill($('agent-rows'), (agents?.list ?? []).map((a) => {
    const call = a.callId === undefined ? undefined : byCall.get(a.callId)
    const reason = a.state === 'not-ready' && a.reason !== undefined ? REASON_WORDS[a.reason] ?? a.reason : undefined
    return el('tr', { dataset: { agentId: a.id, state: a.state } },
      el('th', { scope: 'row' }, a.name, el('div', { class: 'muted sub' }, a.id)),
      el('td', {}, el('span', { class: 'badge state', dataset: { state: a.state } }, AGENT_STATE_WORDS[a.state] ?? a.state),
        reason === undefined ? undefined : el('div', { class: 'muted sub' }, reason)),
      el('td', { class: 'since' }, when(ms(a.since)), el('span', { class: 'muted' }, ' · ', ticking(a.since))),
      el('td', { class: 'call', dataset: { callId: a.callId ?? '' } }, call === undefined
        ? (a.callId === undefined ? '' : el('span', { class: 'muted' }, '通话已结束'))
        : [maskNumber(call.caller), el('div', { class: 'muted sub' }, `${PHASE_WORDS[call.phase] ?? call.phase} · ${matterOf(call)[0]}`)]))
  }))
}

function renderTickets (t) {
  const facts = $('ticket-facts')
  if (t === undefined) {
    fill(facts)
    $('tickets-note').textContent = '工单数据暂不可用 (tickets unavailable)'
    return
  }
  const rows = [
    ...Object.entries(TICKET_STATUS_WORDS).map(([status, words]) => [status, words, t.byStatus[status] ?? 0]),
    ['queued', '待推送（发件箱）', t.queued],
    ['dead', '推送失败（已停止重试）', t.dead]
  ]
  fill(facts, rows.flatMap(([key, words, n]) => [
    el('dt', {}, words),
    el('dd', { class: ['num', key === 'dead' && n > 0 ? 'bad' : undefined].filter(Boolean).join(' '), dataset: { status: key } }, String(n))
  ]))
  $('tickets-note').textContent = `待联系 = 新建、已送达、已签收；须在到期前联系企业（次紧急工单：下一个工作日 10:00 前）。即将超时：${within(t.dueSoonMinutes)}到期。`
}

function render () {
  const s = view.pending
  view.pending = undefined
  if (s === undefined) return
  view.snapshot = s
  renderLive()
  renderHeader(s)
  renderAlarms(s.alarms)
  renderTiles(s)
  renderCalls(s.calls)
  renderAgents(s.agents, s.calls)
  renderTickets(s.tickets)
  renderRates(s.connectionRate)
  tick()
}

// --- the stream ----------------------------------------------------------------------------

function follow () {
  stream('/api/live/stream', (name, data) => {
    if (name !== 'snapshot') return
    view.skew = Date.parse(data.at) - Date.now()
    view.receivedAt = Date.now()
    // Several events read at once are drawn once, the newest.
    const scheduled = view.pending !== undefined
    view.pending = data
    if (!scheduled) setTimeout(render, 0)
  }, {
    onState: (state) => {
      view.live = state === 'open'
      renderLive()
      if (state === 'open') notify('')
      else notify('与服务器的实时连接中断，正在重新连接；显示的是最后收到的数据 (reconnecting)', 'error')
    }
  })
}

function start () {
  setUpRates()
  renderLive()
  setInterval(tick, 1000)
  follow()
}

void boot({ page: 'dashboard.html', roles: ['supervisor', 'admin'], start })
