// The monthly report page (月度报表): the six figures of a month — transfer requests,
// transferred successfully, next-urgent tickets, closed within 24 h, resolved, satisfied —
// overall and per department, how the month's calls ended, two charts, and the CSV for Excel.
// Everything comes from GET /api/reports/monthly (definitions: docs/report.md); the page
// computes no figure itself.
// `?month=YYYY-MM` in the address opens that month; without it, the server's current month.
/* global echarts -- loaded by report.html from /ui/vendor/echarts.min.js before this module */
import { callTiles } from './call-figures.js'
import { api, ApiError, boot, chartPct, el, fill, getToken, notify, pct, time } from './common.js'

/** The Shanghai plans' target for the transfer connection rate. */
const TARGET = 0.9
const COLORS = { requests: '#1f6fd1', rate: '#1a8f4c', target: '#c9302c', tickets: '#c77700', within: '#1f6fd1', resolved: '#7b4fc9', satisfied: '#1a8f4c' }

const $ = (id) => document.getElementById(id)
const charts = {}
let shown

/** `YYYY-MM` of an instant in Asia/Shanghai. */
const shanghaiMonth = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date(ms)).slice(0, 7)
const count = (n) => (n === null || n === undefined ? '—' : String(n))
const rate = (r) => pct(r, 2)

function cell (figure, value, text, sub) {
  return el('td', { class: 'num', dataset: { figure, value: value === null ? '' : String(value) } },
    text, sub === undefined ? undefined : el('div', { class: 'muted sub' }, sub))
}

/** One table row: the six figures with the counts behind them underneath. */
/** Requests the switch cut short: shown when there are any, never counted in the share. */
function lostNote (requests) {
  const lost = requests['switch-lost'] ?? 0
  return lost > 0 ? ` · 交换机中断 ${lost}` : ''
}

function row (name, id, f, tag = 'tr') {
  const t = f.transfers
  const nu = f.tickets.nextUrgent
  const s = f.satisfaction
  const empty = t.requests === 0 && f.tickets.all.raised === 0 && s.rated === 0
  return el(tag, { dataset: { department: id }, class: empty ? 'empty' : undefined },
    el('th', { scope: 'row' }, name, id === '' ? undefined : el('div', { class: 'muted sub' }, id)),
    cell('transferRequests', t.requests, count(t.requests), `取消 ${t.all.cancelled}${lostNote(t.all)}${t.all.hunting > 0 ? ` · 转接中 ${t.all.hunting}` : ''}`),
    cell('transferSuccessRate', t.all.rate, rate(t.all.rate), `${t.all.connected} / ${t.all.counted}`),
    cell('workingTimeRate', t.workingTime.rate, rate(t.workingTime.rate), `非工作时段 ${rate(t.afterHours.rate)}`),
    cell('nextUrgentTickets', nu.raised, count(nu.raised), `转接失败 ${f.tickets.transferFailed.raised}`),
    cell('closedWithin24hRate', nu.closedWithin24hRate, rate(nu.closedWithin24hRate), `${nu.closedWithin24h} / ${nu.decided}${nu.pending > 0 ? ` · 待定 ${nu.pending}` : ''}`),
    cell('resolvedRate', nu.resolvedRate, rate(nu.resolvedRate), `${nu.resolved} / ${nu.closed}`),
    cell('satisfiedRate', s.rate, rate(s.rate), `${s.satisfied + s.basicallySatisfied} / ${s.rated}`)
  )
}

function tiles (overall) {
  const f = overall.figures
  const t = overall.transfers.all
  const nu = overall.tickets.nextUrgent
  const s = overall.satisfaction
  const subs = {
    transferRequests: `成功 ${t.connected} · 失败 ${t.failed} · 取消 ${t.cancelled}${lostNote(t)}`,
    transferSuccessRate: `工作时段 ${rate(overall.transfers.workingTime.rate)}（目标 ${pct(TARGET, 0)}）`,
    nextUrgentTickets: `转接失败工单 ${overall.tickets.transferFailed.raised}`,
    closedWithin24hRate: `${nu.closedWithin24h} / ${nu.decided}${nu.pending > 0 ? ` · 待定 ${nu.pending}` : ''}`,
    resolvedRate: `${nu.resolved} / ${nu.closed}`,
    satisfiedRate: `满意 ${s.satisfied} · 基本满意 ${s.basicallySatisfied} · 不满意 ${s.dissatisfied}`
  }
  for (const tile of document.querySelectorAll('#tiles .tile')) {
    const key = tile.dataset.figure
    const value = f[key]
    tile.querySelector('.value').textContent = key.endsWith('Rate') ? rate(value) : count(value)
    tile.querySelector('.sub').textContent = subs[key]
    // The ≥ 90 % target applies in working time (MISSION: "connection-rate target in working
    // hours"), so the tile is judged by the working-time share it shows underneath.
    const judged = key === 'transferSuccessRate' ? overall.transfers.workingTime.rate : null
    tile.classList.toggle('bad', judged !== null && judged < TARGET)
    tile.classList.toggle('ok', judged !== null && judged >= TARGET)
  }
}

/** The month's calls, the whole line: how they ended (the same tiles as the dashboard's 今日来电). */
function drawCallTiles (calls) {
  const shown = callTiles(calls)
  for (const tile of document.querySelectorAll('#call-tiles .tile')) {
    const { text, value, sub = '', level } = shown[tile.dataset.figure]
    tile.querySelector('.value').textContent = text
    tile.dataset.value = value
    tile.querySelector('.sub').textContent = sub
    for (const kind of ['ok', 'warn', 'bad']) tile.classList.toggle(kind, kind === level)
  }
}

function chart (id) {
  charts[id] ??= echarts.init($(id))
  return charts[id]
}

function drawCharts (rows) {
  // Departments with nothing in the month would only be empty bars.
  const shownRows = rows.filter((d) => d.transfers.requests > 0 || d.tickets.all.raised > 0 || d.satisfaction.rated > 0)
  const names = shownRows.map((d) => d.name)
  const axis = { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0, width: 110, overflow: 'truncate' } }
  const pctAxis = { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } }
  const tooltip = { trigger: 'axis', valueFormatter: (v) => (v === '-' || v === undefined ? '—' : String(v)) }
  chart('chart-transfers').setOption({
    tooltip,
    legend: { top: 0 },
    grid: { left: 48, right: 56, bottom: 80, top: 36 },
    xAxis: axis,
    yAxis: [{ type: 'value', name: '请求', minInterval: 1 }, pctAxis],
    series: [
      { name: '转接请求', type: 'bar', data: shownRows.map((d) => d.transfers.requests), itemStyle: { color: COLORS.requests } },
      {
        name: '转接成功率',
        type: 'line',
        yAxisIndex: 1,
        data: shownRows.map((d) => chartPct(d.transfers.all.rate)),
        itemStyle: { color: COLORS.rate },
        markLine: { symbol: 'none', lineStyle: { color: COLORS.target, type: 'dashed' }, label: { formatter: '目标 90%', position: 'insideEndTop' }, data: [{ yAxis: TARGET * 100 }] }
      }
    ]
  }, true)
  chart('chart-tickets').setOption({
    tooltip,
    legend: { top: 0 },
    grid: { left: 48, right: 56, bottom: 80, top: 36 },
    xAxis: axis,
    yAxis: [{ type: 'value', name: '工单', minInterval: 1 }, pctAxis],
    series: [
      { name: '次紧急工单', type: 'bar', data: shownRows.map((d) => d.tickets.nextUrgent.raised), itemStyle: { color: COLORS.tickets } },
      { name: '24小时内办结率', type: 'line', yAxisIndex: 1, data: shownRows.map((d) => chartPct(d.tickets.nextUrgent.closedWithin24hRate)), itemStyle: { color: COLORS.within } },
      { name: '解决率', type: 'line', yAxisIndex: 1, data: shownRows.map((d) => chartPct(d.tickets.nextUrgent.resolvedRate)), itemStyle: { color: COLORS.resolved } },
      { name: '满意率', type: 'line', yAxisIndex: 1, data: shownRows.map((d) => chartPct(d.satisfaction.rate)), itemStyle: { color: COLORS.satisfied } }
    ]
  }, true)
}

function render (report) {
  shown = report
  $('month').value = report.month
  const state = report.complete ? '' : ' · 本月尚未结束，数据仍会增加 (month in progress)'
  $('span').textContent = `${report.month}（北京时间 ${time(Date.parse(report.since))} 起，${time(Date.parse(report.until))} 前），统计于 ${time(Date.parse(report.at))}${state}`
  // Ratings read from call records the store no longer keeps are missing: said, not hidden.
  $('unread').hidden = report.callsUnread === 0
  $('unread').textContent = report.callsUnread === 0
    ? ''
    : `注意：${report.callsUnread} 通有转接请求的通话记录已超出保留期，满意率未计入其评价 (ratings of ${report.callsUnread} calls no longer stored)`
  tiles(report.overall)
  drawCallTiles(report.calls)
  fill($('report-rows'), report.byDepartment.map((d) => row(d.name, d.departmentId, d)))
  fill($('report-total'), row('合计 (total)', '', report.overall))
  drawCharts(report.byDepartment)
  $('download').disabled = false
}

async function load (month) {
  const query = month === undefined || month === '' ? '' : `?month=${encodeURIComponent(month)}`
  notify('加载中… (loading)')
  try {
    const report = await api(`/api/reports/monthly${query}`)
    render(report)
    const url = new URL(location.href)
    url.searchParams.set('month', report.month)
    history.replaceState(null, '', url)
    notify(`已加载 ${report.month} 月度报表`, 'ok')
    return report
  } catch (err) {
    notify(err instanceof ApiError ? `无法加载：${err.message}` : `无法连接服务器：${err.message}`, 'error')
    return undefined
  }
}

/** The CSV through fetch (the download needs the bearer token), saved from a blob. */
async function download () {
  if (shown === undefined) return
  const button = $('download')
  button.disabled = true
  try {
    const res = await fetch(`/api/reports/monthly?month=${encodeURIComponent(shown.month)}&format=csv`, {
      headers: { authorization: `Bearer ${getToken()}`, accept: 'text/csv' }
    })
    if (!res.ok) {
      const body = await res.json().catch(() => ({}))
      throw new ApiError(res.status, body)
    }
    const blob = await res.blob()
    const url = URL.createObjectURL(blob)
    const link = el('a', { href: url, download: `月度报表-${shown.month}.csv`, hidden: true })
    document.body.append(link)
    link.click()
    link.remove()
    // The click has handed the blob to the download; free it after this task.
    setTimeout(() => URL.revokeObjectURL(url), 0)
    notify(`已下载 月度报表-${shown.month}.csv`, 'ok')
  } catch (err) {
    notify(`下载失败：${err.message}`, 'error')
  } finally {
    button.disabled = false
  }
}

async function start () {
  const first = await load(new URL(location.href).searchParams.get('month') ?? undefined)
  // The latest month the server reports on is its current one in Beijing time (a later one
  // is refused), whichever month the page opened on.
  if (first !== undefined) $('month').max = shanghaiMonth(Date.parse(first.at))
  $('month-form').addEventListener('submit', (event) => {
    event.preventDefault()
    void load($('month').value)
  })
  $('month').addEventListener('change', () => { if ($('month').value !== '') void load($('month').value) })
  $('download').addEventListener('click', () => { void download() })
  window.addEventListener('resize', () => { for (const c of Object.values(charts)) c.resize() })
}

void boot({ page: 'report.html', roles: ['supervisor', 'admin'], start })
