// The connection-rate (接通率) part of the supervisor dashboard: per department, per matter and
// per transfer number, last hour and today, as charts (echarts) against the target line and
// the national-standard line, and as tables with the counts behind each rate. Every figure is
// the snapshot's `connectionRate` section (GET /api/live/snapshot, src/features/live/rates.ts); the page
// computes no rate itself, it only picks, sorts and formats.
/* global echarts -- loaded by dashboard.html from /ui/vendor/echarts.min.js before this module */
import { chartPct, el, fill, pct } from './common.js'

/** Matters and numbers drawn in a chart (the busiest today); the tables list them all. */
const CHART_ROWS = 15
const COLORS = { hour: '#8fb8ea', today: '#1f6fd1', target: '#c9302c', national: '#1a8f4c', axis: '#66788a' }

const $ = (id) => document.getElementById(id)
const charts = {}
/** What each chart was last drawn from: it is redrawn only when that changes. */
const drawn = {}

/** The colour class of a rate (none for rates not held to the lines): under the target, between target and national standard, at or above it. */
function level (rate, lines) {
  if (rate === null || rate === undefined) return undefined
  if (rate < lines.target) return 'bad'
  return rate < lines.national ? 'warn' : 'ok'
}

function rateCell (figure, rate, lines, sub) {
  return el('td', { class: ['num', lines === undefined ? undefined : level(rate, lines)].filter(Boolean).join(' '), dataset: { figure, value: rate === null || rate === undefined ? '' : String(rate) } },
    pct(rate), sub === undefined ? undefined : el('div', { class: 'muted sub' }, sub))
}

function countCell (figure, n) {
  return el('td', { class: 'num', dataset: { figure, value: String(n ?? '') } }, n === undefined ? '—' : String(n))
}

const counts = (row) => (row === undefined ? '0 / 0' : `${row.connected} / ${row.counted}`)

/** Columns of the department and matter tables (request figures). */
const REQUEST_HEAD = [
  ['近1小时', '工作时间'], ['今日接通率', '工作时间 成功/计数'], ['成功', 'connected'], ['失败', 'failed'],
  ['取消', 'cancelled'], ['转接中', 'hunting'], ['全时段', '含非工作时间'], ['拨号接通率', 'attempts']
]
const NUMBER_HEAD = [
  ['近1小时', '工作时间'], ['今日', '工作时间'], ['今日全时段', '接通/拨号'], ['忙', 'busy'], ['无应答', 'no answer'], ['其他', '拒接/不可达/失败']
]

function head (id, first, columns) {
  fill($(id), el('th', {}, first), columns.map(([zh, en]) => el('th', { class: 'num' }, zh, el('br'), el('span', { class: 'muted' }, en))))
}

/** One department or matter: last hour and today (working time), today's counts, all hours, attempts. */
function requestRow (key, label, sub, hour, today, lines, tag = 'tr') {
  const t = today ?? { rate: null, connected: 0, counted: 0, failed: 0, cancelled: 0, hunting: 0, allRate: null, allCounted: 0, attemptRate: null }
  return el(tag, { dataset: { id: key }, class: t.belowTarget ? 'below' : undefined },
    el('th', { scope: 'row' }, label,
      t.belowTarget ? el('span', { class: 'badge flag' }, '低于目标') : undefined,
      sub === undefined ? undefined : el('div', { class: 'muted sub' }, sub)),
    rateCell('hour-rate', hour?.rate ?? null, lines, counts(hour)),
    rateCell('today-rate', t.rate, lines, counts(t)),
    countCell('today-connected', t.connected),
    countCell('today-failed', t.failed),
    countCell('today-cancelled', t.cancelled),
    countCell('today-hunting', t.hunting),
    rateCell('today-all-rate', t.allRate, undefined, `计数 ${t.allCounted}`),
    // Dials answered of all dials: below the request rate by nature (busy transfer), not held to the lines.
    rateCell('today-attempt-rate', t.attemptRate, undefined))
}

function numberRow (key, hour, today, lines) {
  const t = today ?? { rate: null, workingRate: null, counted: 0, answered: 0, busy: 0, noAnswer: 0, other: 0, departmentNames: hour?.departmentNames ?? [] }
  return el('tr', { dataset: { id: key } },
    el('th', { scope: 'row', class: 'number' }, key, el('div', { class: 'muted sub' }, t.departmentNames.join('、'))),
    rateCell('hour-rate', hour?.workingRate ?? null, lines),
    rateCell('today-rate', t.workingRate, lines),
    rateCell('today-all-rate', t.rate, undefined, `${t.answered} / ${t.counted}`),
    countCell('today-busy', t.busy),
    countCell('today-no-answer', t.noAnswer),
    countCell('today-other', t.other))
}

/** Rows of both windows by key, today's order first (the last hour can reach into yesterday). */
function joined (hourRows, todayRows, keyOf) {
  const hour = new Map(hourRows.map((r) => [keyOf(r), r]))
  const today = new Map(todayRows.map((r) => [keyOf(r), r]))
  const keys = [...new Set([...today.keys(), ...hour.keys()])]
  return keys.map((key) => ({ key, hour: hour.get(key), today: today.get(key) }))
}

/** Busiest today first (counted requests or dials, then those still hunting), then by name. */
function busiest (rows, volume) {
  return [...rows].sort((a, b) => volume(b) - volume(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

function chart (id) {
  charts[id] ??= echarts.init($(id))
  return charts[id]
}

/**
 * A horizontal bar chart: one category per row (top to bottom as in the table), the last
 * hour and today side by side, and the two reference lines drawn on today's series.
 */
function drawRates (id, names, hour, today, lines) {
  const key = JSON.stringify([names, hour, today, lines])
  if (drawn[id] === key) return
  drawn[id] = key
  const node = $(id)
  node.style.height = `${Math.max(180, names.length * 28 + 84)}px`
  const c = chart(id)
  c.resize()
  // The two lines are close: both names at the top, the target's to the left of its line, the
  // standard's to the right of its own.
  const markLine = {
    symbol: 'none',
    silent: true,
    data: [
      {
        name: `目标 ${pct(lines.target, 0)}`,
        xAxis: chartPct(lines.target),
        lineStyle: { color: COLORS.target, type: 'dashed', width: 2 },
        label: { position: 'start', align: 'right', padding: [0, 4, 0, 0], formatter: '{b}', color: COLORS.target, fontWeight: 'bold' }
      },
      {
        name: `全国标准 ${pct(lines.national, 0)}`,
        xAxis: chartPct(lines.national),
        lineStyle: { color: COLORS.national, type: 'dashed', width: 2 },
        label: { position: 'start', align: 'left', padding: [0, 0, 0, 4], formatter: '{b}', color: COLORS.national, fontWeight: 'bold' }
      }
    ]
  }
  c.setOption({
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => (v === '-' || v === undefined ? '—' : `${v}%`) },
    legend: { top: 0, data: ['近1小时', '今日'] },
    grid: { left: 8, right: 92, top: 48, bottom: 8, containLabel: true },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%', color: COLORS.axis } },
    yAxis: { type: 'category', inverse: true, data: names, axisLabel: { width: 150, overflow: 'truncate', color: COLORS.axis } },
    series: [
      { name: '近1小时', type: 'bar', data: hour, barMaxWidth: 12, itemStyle: { color: COLORS.hour } },
      {
        name: '今日',
        type: 'bar',
        data: today,
        barMaxWidth: 12,
        itemStyle: { color: COLORS.today },
        // Today's figure written at its bar, so a 0 % reads apart from no transfers at all.
        label: { show: true, position: 'right', formatter: '{c}%', fontSize: 11, color: COLORS.axis },
        markLine
      }
    ]
  }, true)
}

function departments (section, lines) {
  const rows = joined(section.lastHour.byDepartment, section.today.byDepartment, (r) => r.id)
  fill($('department-rows'), rows.map(({ key, hour, today }) =>
    requestRow(key, (today ?? hour).name, key, hour, today, lines)))
  fill($('department-total'), requestRow('all', '全部 (all)', undefined, section.lastHour.overall, section.today.overall, lines))
  drawRates('chart-departments', rows.map((r) => (r.today ?? r.hour).name),
    rows.map((r) => chartPct(r.hour?.rate)), rows.map((r) => chartPct(r.today?.rate)), lines)
}

function matters (section, lines) {
  const rows = busiest(joined(section.lastHour.byMatter, section.today.byMatter, (r) => r.id),
    (r) => (r.today?.allCounted ?? 0) + (r.today?.hunting ?? 0))
  fill($('matter-rows'), rows.map(({ key, hour, today }) => {
    const any = today ?? hour
    return requestRow(key, any.name, any.departmentName, hour, today, lines)
  }))
  $('matters-empty').hidden = rows.length > 0
  $('matter-body').hidden = rows.length === 0
  if (rows.length === 0) { delete drawn['chart-matters']; return }
  const top = rows.slice(0, CHART_ROWS)
  drawRates('chart-matters', top.map((r) => (r.today ?? r.hour).name),
    top.map((r) => chartPct(r.hour?.rate)), top.map((r) => chartPct(r.today?.rate)), lines)
}

function numbers (section, lines) {
  const rows = busiest(joined(section.lastHour.byNumber, section.today.byNumber, (r) => r.number), (r) => r.today?.counted ?? 0)
  fill($('number-rows'), rows.map(({ key, hour, today }) => numberRow(key, hour, today, lines)))
  $('numbers-empty').hidden = rows.length > 0
  $('number-body').hidden = rows.length === 0
  if (rows.length === 0) { delete drawn['chart-numbers']; return }
  const top = rows.slice(0, CHART_ROWS)
  drawRates('chart-numbers', top.map((r) => r.key),
    top.map((r) => chartPct(r.hour?.workingRate)), top.map((r) => chartPct(r.today?.workingRate)), lines)
}

/** The headline tiles' figures: overall working-time rate of a window, with its counts. */
export function overallTile (window, lines) {
  const o = window?.overall
  if (o === undefined) return { text: '—', value: '', sub: '', level: undefined }
  const apart = [o.cancelled > 0 ? `取消 ${o.cancelled}` : '', o.hunting > 0 ? `转接中 ${o.hunting}` : ''].filter(Boolean)
  return {
    text: pct(o.rate),
    value: o.rate === null ? '' : String(o.rate),
    sub: [`工作时间 成功 ${o.connected} / ${o.counted}`, el('br'), [`全时段 ${pct(o.allRate)}`, ...apart].join(' · ')],
    level: level(o.rate, lines)
  }
}

export function linesOf (section) {
  return { target: section.target, national: section.nationalStandard }
}

/** Draws the rate tables and charts; a missing section (the store unreadable) empties them. */
export function renderRates (section) {
  if (section === undefined) {
    for (const id of ['department-rows', 'department-total', 'matter-rows', 'number-rows']) fill($(id))
    // The charts too: old bars beside empty tables would read as today's figures.
    for (const [id, c] of Object.entries(charts)) {
      c.clear()
      delete drawn[id]
    }
    return
  }
  const lines = linesOf(section)
  $('rate-lines').textContent = `工作时间 · 目标 ${pct(lines.target, 0)} · 全国标准 ${pct(lines.national, 0)} · 告警门槛 ${section.minAttemptsForAlarm} 次`
  departments(section, lines)
  matters(section, lines)
  numbers(section, lines)
}

/** Draws the table headers once. */
export function setUpRates () {
  head('department-head', '部门 (department)', REQUEST_HEAD)
  head('matter-head', '事项 (matter)', REQUEST_HEAD)
  head('number-head', '号码 (number)', NUMBER_HEAD)
  window.addEventListener('resize', () => { for (const c of Object.values(charts)) c.resize() })
}
