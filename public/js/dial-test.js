// The dial-test page (拨测): start a run of every transfer number (or of some), watch it go
// through the run's event stream, read the results, see which numbers failed twice in a row,
// and look back at earlier runs. Supervisors and admins.

import { ApiError, api, boot, el, fill, notify, stream, time } from './common.js'

const OUTCOMES = {
  answered: '接通',
  busy: '忙',
  'no-answer': '无应答',
  unreachable: '不可达',
  cancelled: '已取消'
}
const STATES = { running: '进行中', completed: '已完成', cancelled: '已取消' }
const TRIGGERS = { manual: '手动', schedule: '计划' }
/** While no run is followed, the list is looked at this often (a scheduled run, another supervisor). */
const IDLE_REFRESH_MS = 10_000

const $ = (id) => document.getElementById(id)

const state = {
  /** The run shown: its whole view. */
  run: undefined,
  /** Numbers failing twice in a row. */
  failing: new Set(),
  /** The running run last switched to by itself: a run the user moved away from is not forced back. */
  seenRunning: undefined,
  /** Aborts the stream followed. */
  following: undefined,
  /** Counts the runs asked to be shown: an answer to an older ask is dropped. */
  shows: 0,
  drawQueued: false
}

const ms = (iso) => iso === undefined ? undefined : Date.parse(iso)

function outcomeText (r) {
  if (r.state === 'pending') return '待拨'
  if (r.state === 'dialling') return '拨号中…'
  return `${OUTCOMES[r.outcome] ?? r.outcome}${r.failed ? ' ✗' : ''}`
}

function drawCounts (run) {
  const counts = run?.byOutcome ?? {}
  for (const tile of document.querySelectorAll('#counts [data-count]')) {
    const key = tile.dataset.count
    tile.querySelector('.value').textContent = String(key === 'failed' ? run?.failed ?? 0 : counts[key] ?? 0)
  }
  const progress = $('progress')
  progress.max = Math.max(run?.total ?? 1, 1)
  progress.value = run?.done ?? 0
  progress.dataset.done = String(run?.done ?? 0)
  progress.dataset.total = String(run?.total ?? 0)
  $('progress-text').textContent = run === undefined ? '—' : `${run.done} / ${run.total}`
  const running = run?.state === 'running'
  $('start').disabled = running
  $('cancel').hidden = !running
}

function resultRow (r) {
  return el('tr', {
    dataset: { number: r.number, state: r.state, outcome: r.outcome ?? '', failed: String(r.failed === true) },
    class: state.failing.has(r.number) ? 'failing-twice' : undefined
  },
  el('td', { class: 'number' }, r.number),
  el('td', {}, r.departments.join('、')),
  el('td', { class: 'matters' }, r.matters.map((m) => m.name).join('、'), r.labels.length > 0 ? el('span', { class: 'muted' }, `（${r.labels.join('、')}）`) : ''),
  el('td', { class: 'outcome' }, outcomeText(r)),
  el('td', { class: 'num' }, r.ringMs === undefined ? '' : `${(r.ringMs / 1000).toFixed(1)} s`),
  el('td', { class: 'muted' }, r.cause ?? ''),
  el('td', { class: 'muted' }, r.startedAt === undefined ? '' : time(ms(r.startedAt), { date: false })))
}

function drawResults () {
  const run = state.run
  const onlyFailures = $('only-failures').checked
  const rows = (run?.results ?? []).filter((r) => !onlyFailures || r.failed === true)
  fill(document.querySelector('#results tbody'), rows.map(resultRow))
  $('results-empty').hidden = rows.length > 0
  $('results-empty').textContent = run === undefined ? '尚无拨测结果 (no results yet)' : '没有符合条件的号码 (nothing to show)'
  $('run-title').textContent = run === undefined
    ? '拨测结果 (results)'
    : `拨测结果 (results) · ${time(ms(run.startedAt))} · ${TRIGGERS[run.trigger] ?? run.trigger} · ${STATES[run.state] ?? run.state}`
  for (const tr of document.querySelectorAll('#runs tbody tr')) tr.classList.toggle('shown', tr.dataset.id === run?.id)
}

/** Draws at most once a frame however many events arrive. */
function draw () {
  if (state.drawQueued) return
  state.drawQueued = true
  requestAnimationFrame(() => {
    state.drawQueued = false
    drawCounts(state.run)
    drawResults()
  })
}

function drawRuns (runs) {
  fill(document.querySelector('#runs tbody'), runs.map((run) => el('tr', { dataset: { id: run.id, state: run.state } },
    el('td', {}, time(ms(run.startedAt))),
    el('td', {}, TRIGGERS[run.trigger] ?? run.trigger),
    el('td', {}, STATES[run.state] ?? run.state),
    el('td', { class: 'num' }, `${run.done}/${run.total}`),
    el('td', { class: 'num' }, run.byOutcome.answered),
    el('td', { class: 'num' }, run.byOutcome.busy),
    el('td', { class: 'num' }, run.byOutcome['no-answer']),
    el('td', { class: 'num' }, run.byOutcome.unreachable),
    el('td', { class: run.failed > 0 ? 'num bad' : 'num' }, run.failed),
    el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => { showClicked(run.id) } }, '查看 (view)')))))
  for (const tr of document.querySelectorAll('#runs tbody tr')) tr.classList.toggle('shown', tr.dataset.id === state.run?.id)
}

function drawSettings (list) {
  const schedule = list.schedule === undefined
    ? '未设定计划拨测 (no schedule)'
    : `每日 ${list.schedule.at} 计划拨测（工作时间跳过），下次 ${time(ms(list.schedule.nextAt))}`
  $('settings').textContent = `目录中共 ${list.numbers} 个转接号码；同时拨打 ${list.concurrency} 个，振铃 ${list.ringTimeoutSec} 秒无应答；${schedule}`
}

async function loadFailing () {
  const { failing, watch } = await api('/api/dial-tests/failing')
  state.failing = new Set(failing.map((h) => h.number))
  $('failing-panel').dataset.alarm = String(failing.length > 0)
  fill($('failing'), failing.length === 0
    ? [el('li', { class: 'none' }, el('span', { class: 'detail' }, '无 (none)'))]
    : failing.map((h) => el('li', { dataset: { number: h.number } },
      el('span', { class: 'number' }, h.number), ' ',
      el('span', { class: 'detail' }, `${h.department} · ${h.matters.map((m) => m.name).join('、')} · 连续 ${h.consecutiveFailures} 次失败，最近：${OUTCOMES[h.lastOutcome] ?? h.lastOutcome}${h.lastCause ? `（${h.lastCause}）` : ''} · ${time(ms(h.lastTestedAt))}`))))
  const shown = watch.slice(0, 10).map((h) => h.number).join('、')
  $('watch').textContent = watch.length === 0
    ? ''
    : `另有 ${watch.length} 个号码最近一次失败，再失败一次即告警 (failed once): ${shown}${watch.length > 10 ? ' …' : ''}`
}

/** The list of runs; follows the one in progress, or shows the newest when nothing is shown. */
async function refresh () {
  const list = await api('/api/dial-tests')
  drawSettings(list)
  drawRuns(list.runs)
  await loadFailing()
  if (list.runningId !== undefined && list.runningId !== state.seenRunning) {
    state.seenRunning = list.runningId
    await show(list.runningId)
  }
  else if (state.run === undefined && list.runs.length > 0) await show(list.runs[0].id)
  else draw()
}

function unfollow () {
  state.following?.abort()
  state.following = undefined
}

/**
 * Shows a run; a running one is followed through its event stream until it ends. When two
 * calls overlap (a click while the list refreshes) the last asked for wins, and only its
 * stream stays open: a stream of a run no longer shown would reconnect for ever.
 */
async function show (id) {
  const asked = ++state.shows
  const run = await api(`/api/dial-tests/${id}`)
  if (asked !== state.shows) return
  unfollow()
  state.run = run
  draw()
  if (run.state === 'running') follow(id)
}

function showClicked (id) {
  show(id).catch((err) => notify(`无法加载该次拨测：${err.message}`, 'error'))
}

function follow (id) {
  const controller = new AbortController()
  state.following = controller
  stream(`/api/dial-tests/${id}/stream`, (event, data) => {
    // Another run is shown now: this stream has nobody to tell.
    if (state.run?.id !== id) { controller.abort(); return }
    if (event === 'snapshot') state.run = data
    if (event === 'result') {
      const i = state.run.results.findIndex((r) => r.number === data.number)
      if (i >= 0) state.run.results[i] = data
    }
    if (event === 'progress') Object.assign(state.run, data, { results: state.run.results })
    if (event === 'end') {
      state.run = data
      controller.abort()
      if (state.following === controller) state.following = undefined
      notify(data.state === 'cancelled'
        ? `拨测已取消：已测 ${data.done}/${data.total} (cancelled)`
        : `拨测完成：${data.total} 个号码，失败 ${data.failed} 个 (completed)`, data.failed > 0 ? 'error' : 'ok')
      void refresh().catch((err) => notify(`刷新失败：${err.message}`, 'error'))
    }
    draw()
  }, { signal: controller.signal })
}

async function startRun (event) {
  event.preventDefault()
  const text = $('numbers').value.trim()
  const numbers = text === '' ? undefined : text.split(/[\s,，、;；]+/).filter((n) => n !== '')
  try {
    const run = await api('/api/dial-tests', { method: 'POST', body: numbers === undefined ? {} : { numbers } })
    notify(`拨测开始：${run.total} 个号码 (started)`, 'info')
    state.shows++
    unfollow()
    state.run = run
    state.seenRunning = run.id
    draw()
    follow(run.id)
    await refresh()
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      notify('已有拨测正在进行，显示该次拨测 (a run is in progress)', 'info')
      await refresh()
      return
    }
    notify(`无法开始拨测：${err.message}`, 'error')
  }
}

async function cancelRun () {
  const id = state.run?.id
  if (id === undefined) return
  $('cancel').disabled = true
  try {
    state.run = await api(`/api/dial-tests/${id}/cancel`, { method: 'POST', body: {} })
    draw()
  } catch (err) {
    notify(`无法取消：${err.message}`, 'error')
  } finally {
    $('cancel').disabled = false
  }
}

boot({
  page: 'dial-test.html',
  roles: ['supervisor', 'admin'],
  start: async () => {
    $('start-form').addEventListener('submit', (event) => { void startRun(event) })
    $('cancel').addEventListener('click', () => { void cancelRun() })
    $('only-failures').addEventListener('change', () => { drawResults() })
    try {
      await refresh()
    } catch (err) {
      notify(`加载失败：${err.message}`, 'error')
    }
    setInterval(() => {
      if (state.following !== undefined) return
      refresh().catch((err) => notify(`刷新失败：${err.message}`, 'error'))
    }, IDLE_REFRESH_MS)
  }
})
