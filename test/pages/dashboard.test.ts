// The supervisor dashboard (实时监控) in a real Chromium over a whole controller: connection
// rates per department, matter and number in the tables and the charts equal to what the API
// computes from seeded transfer records, with the 90 % and 95 % lines; an agent, a call moving
// from the IVR to the queue, the agent and a three-way call, tickets falling overdue and the
// switch going away all appear on the open page without a reload; today's calls by how they
// ended, at desktop and phone widths; caller numbers only ever masked; the live indicator
// through a dropped stream; agents refused; and the page still equal to a fresh snapshot
// after a run of simulated traffic.
import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import type { Page } from 'playwright-core'
import { startSyntheticAgents } from '../../src/adapters/sim/synthetic-agents.js'
import { seededRandom, startSimTraffic } from '../../src/adapters/sim/traffic.js'
import { loadConfig } from '../../src/config/index.js'
import { type EndedCall, callDay, callIncrements } from '../../src/domain/call-figures.js'
import type { LiveSnapshot, NumberRowT, RateRowT } from '../../src/features/live/schema.js'
import { createLogger } from '../../src/logger.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { Ticket } from '../../src/domain/ticket-record.js'
import type { TransferRecord, TransferState } from '../../src/domain/transfer-record.js'
import { listen, openPage, screenshot, waitForPage } from '../helpers/browser.js'
import { CONFIG_DIR, PROTOCOLS, type TestController, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'
import { at as keys } from '../console/call.js'

// The load test below runs simulated traffic for a while on top of the other tests.
t.setTimeout(300_000)

const SUPERVISOR = 'supervisor-token-dashboard-01'
const ADMIN = 'admin-token-dashboard-00001'
const AGENT = 'agent-token-agent01-dashboard'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${ADMIN}:admin,${AGENT}:agent:agent01` }
/** A Monday, in working time. */
const WORKING = '2026-03-02T10:00:00+08:00'
const CALLER = '13912345678'
const MIN = 60_000
const WAIT = { timeout: 30_000 }

async function snapshotOf (c: TestController): Promise<LiveSnapshot> {
  const res = await c.controller.app.inject({ url: '/api/live/snapshot', headers: { authorization: `Bearer ${SUPERVISOR}` } })
  if (res.statusCode !== 200) throw new Error(`snapshot: ${res.statusCode} ${res.body}`)
  return res.json<LiveSnapshot>()
}

async function post (c: TestController, url: string, token: string, payload: Record<string, unknown> = {}): Promise<number> {
  return (await c.controller.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload })).statusCode
}

/** The page's formats (public/js/common.js pct, public/js/dashboard-rates.js chartPct). */
const pct = (rate: number | null | undefined): string => rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
const chartPct = (rate: number | null | undefined): number | '-' => rate === null || rate === undefined ? '-' : Math.round(rate * 10000) / 100

// Page-side code is passed as strings: the test's TypeScript has no DOM types.
const tile = async (page: Page, figure: string): Promise<string> =>
  (await page.locator(`#tiles [data-figure="${figure}"] .value`).textContent()) ?? ''

/** Waits until a tile shows `value`. */
async function tileIs (page: Page, figure: string, value: string): Promise<void> {
  await page.waitForSelector(`#tiles [data-figure="${figure}"][data-value="${value}"]`, WAIT)
}

interface ChartOption {
  series: Array<{ name: string, data: unknown[], markLine?: { data: Array<{ xAxis: number, name: string }> } }>
  yAxis: Array<{ data: string[] }>
}

const chartOption = async (page: Page, id: string): Promise<ChartOption> =>
  JSON.parse(await page.evaluate<string>(`JSON.stringify(echarts.getInstanceByDom(document.getElementById(${JSON.stringify(id)}))?.getOption() ?? { series: [], yAxis: [] })`)) as ChartOption

type Table = Record<string, Record<string, string>>

/** Everything the page shows as figures: tiles, the three rate tables, agents, calls, alarms, the department chart. */
interface Shown {
  tiles: Record<string, string>, departments: Table, total: Table, matters: Table, numbers: Table
  agents: Record<string, string>, calls: string[], alarms: string[], departmentChart: unknown[][]
}

const READ_PAGE = `(() => {
  const text = (node) => (node?.firstChild?.textContent ?? '').trim()
  const table = (id) => Object.fromEntries([...document.querySelectorAll('#' + id + ' tr[data-id]')].map((tr) =>
    [tr.dataset.id, Object.fromEntries([...tr.querySelectorAll('td[data-figure]')].map((td) => [td.dataset.figure, text(td)]))]))
  const chart = echarts.getInstanceByDom(document.getElementById('chart-departments'))
  return {
    at: document.getElementById('updated').dataset.at ?? '',
    shown: {
      tiles: Object.fromEntries([...document.querySelectorAll('#tiles .tile')].map((t) => [t.dataset.figure, t.querySelector('.value').textContent])),
      departments: table('department-rows'),
      total: table('department-total'),
      matters: table('matter-rows'),
      numbers: table('number-rows'),
      agents: Object.fromEntries([...document.querySelectorAll('#agent-rows tr')].map((tr) => [tr.dataset.agentId, tr.dataset.state])),
      calls: [...document.querySelectorAll('#call-rows tr')].map((tr) => tr.dataset.callId),
      alarms: [...document.querySelectorAll('#alarms li')].map((li) => li.dataset.key),
      departmentChart: (chart?.getOption().series ?? []).map((s) => s.data)
    }
  }
})()`

const readPage = async (page: Page): Promise<{ at: string, shown: Shown }> => await page.evaluate<{ at: string, shown: Shown }>(READ_PAGE)

function requestFigures (hour: RateRowT | undefined, today: RateRowT | undefined): Record<string, string> {
  const n = (v: number | undefined): string => String(v ?? 0)
  return {
    'hour-rate': pct(hour?.rate), 'today-rate': pct(today?.rate), 'today-connected': n(today?.connected), 'today-failed': n(today?.failed),
    'today-cancelled': n(today?.cancelled), 'today-hunting': n(today?.hunting), 'today-all-rate': pct(today?.allRate), 'today-attempt-rate': pct(today?.attemptRate)
  }
}

function numberFigures (hour: NumberRowT | undefined, today: NumberRowT | undefined): Record<string, string> {
  const n = (v: number | undefined): string => String(v ?? 0)
  return {
    'hour-rate': pct(hour?.workingRate), 'today-rate': pct(today?.workingRate), 'today-all-rate': pct(today?.rate),
    'today-busy': n(today?.busy), 'today-no-answer': n(today?.noAnswer), 'today-other': n(today?.other)
  }
}

function rows<R> (hour: R[], today: R[], key: (r: R) => string, figures: (h: R | undefined, d: R | undefined) => Record<string, string>): Table {
  const h = new Map(hour.map((r) => [key(r), r]))
  const d = new Map(today.map((r) => [key(r), r]))
  return Object.fromEntries([...new Set([...d.keys(), ...h.keys()])].map((k) => [k, figures(h.get(k), d.get(k))]))
}

/** What the page must show for a snapshot, worked out from the API's document alone. */
function expectedFrom (s: LiveSnapshot): Shown {
  const r = s.connectionRate!
  const n = (v: number | undefined): string => v === undefined ? '—' : String(v)
  return {
    tiles: {
      'rate-today': pct(r.today.overall.rate),
      'rate-hour': pct(r.lastHour.overall.rate),
      'calls-ivr': n(s.calls?.ivr),
      'calls-waiting': n(s.calls?.waiting),
      'calls-agent': n(s.calls?.agent),
      'calls-three-way': n(s.calls?.threeWay),
      'agents-ready': n(s.agents?.byState.ready),
      'tickets-awaiting': n(s.tickets?.awaitingContact),
      'tickets-due-soon': n(s.tickets?.dueSoon),
      'tickets-overdue': n(s.tickets?.overdue),
      'today-offered': n(s.callsToday?.offered),
      'today-served': n(s.callsToday?.served),
      'today-by-design': n(s.callsToday?.completedByDesign),
      'today-abandoned': n(s.callsToday?.abandoned.total),
      'today-queue-abandon-rate': pct(s.callsToday?.queueAbandonRate),
      'today-cut': n(s.callsToday?.cut),
      'today-failed': n(s.callsToday?.failed),
      'today-refused': n(s.callsToday?.refused)
    },
    departments: rows(r.lastHour.byDepartment, r.today.byDepartment, (d) => d.id, requestFigures),
    total: { all: requestFigures(r.lastHour.overall, r.today.overall) },
    matters: rows(r.lastHour.byMatter, r.today.byMatter, (m) => m.id, requestFigures),
    numbers: rows(r.lastHour.byNumber, r.today.byNumber, (x) => x.number, numberFigures),
    agents: Object.fromEntries((s.agents?.list ?? []).map((a) => [a.id, a.state])),
    calls: (s.calls?.list ?? []).map((c) => c.callId),
    alarms: s.alarms.map((a) => a.key),
    departmentChart: [r.lastHour.byDepartment.map((d) => chartPct(d.rate)), r.today.byDepartment.map((d) => chartPct(d.rate))]
  }
}

/**
 * Takes fresh snapshots from the API until the page, once it has drawn a snapshot at least as
 * new, shows exactly the figures of one of them; returns the last comparison either way.
 */
async function pageAgainstApi (page: Page, c: TestController): Promise<{ shown: Shown, expected: Shown }> {
  let last: { shown: Shown, expected: Shown } | undefined
  for (let i = 0; i < 10; i++) {
    const api = await snapshotOf(c)
    await waitForPage(page, `Date.parse(document.getElementById('updated')?.dataset.at ?? '') >= ${Date.parse(api.at)}`, WAIT.timeout)
    const { shown } = await readPage(page)
    last = { shown, expected: expectedFrom(api) }
    if (isDeepStrictEqual(last.shown, last.expected)) break
  }
  return last!
}

// --- seeded transfer records -----------------------------------------------------------------

function transfer (id: string, requestedAt: number, departmentId: string, matterId: string, workingTime: boolean,
  state: TransferState, dials: Array<[string, DialOutcomeKind]>): TransferRecord {
  return {
    id, callId: `call-${id}`, matterId, departmentId, requestedAt, workingTime, state,
    attempts: dials.map(([number, outcome], index) => ({ number, matterId, departmentId, index, startedAt: requestedAt + index * 20_000, ringMs: 15_000, outcome })),
    ...(state === 'hunting' ? {} : { endedAt: requestedAt + 120_000 })
  }
}

/**
 * tax (发票领用), 20 minutes ago, in working time: 9 of 10 connected (the first number busy,
 * the second answering), the tenth failed on all three numbers, one more still hunting.
 * market (企业开办): 90 minutes ago (today, not the last hour), 2 of 5 connected; 30 minutes
 * ago one connected after hours; 10 minutes ago one the caller hung up on (cancelled).
 */
function seed (now: number): TransferRecord[] {
  const records: TransferRecord[] = []
  for (let i = 0; i < 9; i++) {
    records.push(transfer(`tax-${i}`, now - 20 * MIN, 'tax', 'tax-invoice', true, 'connected', [['02155010002', 'busy'], ['02155010003', 'answered']]))
  }
  records.push(transfer('tax-9', now - 20 * MIN, 'tax', 'tax-invoice', true, 'all-failed', [['02155010002', 'busy'], ['02155010003', 'no-answer'], ['02155010001', 'busy']]))
  records.push(transfer('tax-hunting', now - MIN, 'tax', 'tax-invoice', true, 'hunting', [['02155010002', 'no-answer']]))
  for (let i = 0; i < 5; i++) {
    const connected = i < 2
    records.push(transfer(`market-${i}`, now - 90 * MIN, 'market', 'market-company-setup', true, connected ? 'connected' : 'all-failed', connected
      ? [['02155020002', 'busy'], ['02155020003', 'answered']]
      : [['02155020002', 'busy'], ['02155020003', 'busy'], ['02155020004', 'no-answer'], ['02155020001', 'busy']]))
  }
  records.push(transfer('market-after-hours', now - 30 * MIN, 'market', 'market-company-setup', false, 'connected', [['02155020002', 'answered']]))
  records.push(transfer('market-cancelled', now - 10 * MIN, 'market', 'market-company-setup', true, 'cancelled', [['02155020002', 'cancelled']]))
  return records
}

void t.test('connection rates per department, matter and number: tiles, tables and charts equal the API, with the 90 % and 95 % lines', async (t) => {
  const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
  const now = Date.parse((await snapshotOf(c)).at)
  for (const record of seed(now)) await c.controller.store.putTransfer(record)
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: SUPERVISOR })
  await page.waitForSelector('#department-rows tr[data-id="tax"] td[data-figure="today-rate"][data-value="0.9"]', WAIT)

  // Worked out by hand from the seeded records.
  const { shown } = await readPage(page)
  t.match(shown.departments.tax, { 'hour-rate': '90.0%', 'today-rate': '90.0%', 'today-connected': '9', 'today-failed': '1', 'today-hunting': '1', 'today-all-rate': '90.0%' })
  t.match(shown.departments.market, {
    'hour-rate': '—', 'today-rate': '40.0%', 'today-connected': '2', 'today-failed': '3', 'today-cancelled': '1', 'today-all-rate': '50.0%'
  }, 'the after-hours request counts in all hours only; the cancelled one apart')
  t.match(shown.departments.hrss, { 'hour-rate': '—', 'today-rate': '—' }, 'a department without transfers: no rate, never 0 %')
  t.match(shown.total.all, { 'hour-rate': '90.0%', 'today-rate': '73.3%', 'today-connected': '11', 'today-failed': '4', 'today-cancelled': '1', 'today-hunting': '1' })
  t.equal(shown.tiles['rate-today'], '73.3%')
  t.equal(shown.tiles['rate-hour'], '90.0%')
  t.match(shown.numbers['02155010002'], { 'today-rate': '0.0%', 'today-busy': '10' })
  t.match(shown.numbers['02155010003'], { 'today-rate': '90.0%', 'today-no-answer': '1' })
  t.match(shown.numbers['02155020002'], { 'hour-rate': '—', 'today-rate': '0.0%', 'today-all-rate': '16.7%' }, 'a number\'s working time apart from all hours')
  t.equal(await page.getAttribute('#department-rows tr[data-id="tax"] td[data-figure="today-rate"]', 'class'), 'num warn', '90 %: at the target, under the national standard')
  t.equal(await page.getAttribute('#department-rows tr[data-id="market"] td[data-figure="today-rate"]', 'class'), 'num bad', 'under the target')
  t.equal(await page.getAttribute('#department-rows tr[data-id="market"]', 'class'), 'below', 'flagged below target')

  // Every figure of the page as the API gives it.
  const api = await snapshotOf(c)
  const expected = expectedFrom(api)
  t.strictSame(shown.departments, expected.departments, 'the department table is the API\'s')
  t.strictSame(shown.matters, expected.matters, 'the matter table is the API\'s')
  t.strictSame(shown.numbers, expected.numbers, 'the number table is the API\'s')
  t.strictSame(shown.total, expected.total)

  const departments = await chartOption(page, 'chart-departments')
  t.strictSame(departments.yAxis[0]?.data, api.connectionRate!.today.byDepartment.map((d) => d.name), 'every department, in the API\'s order')
  t.strictSame(departments.series.map((s) => s.name), ['近1小时', '今日'])
  t.strictSame(departments.series.map((s) => s.data), expected.departmentChart)
  t.equal(departments.series[1]?.data[0], 90, 'tax today')
  t.equal(departments.series[1]?.data[1], 40, 'market today')
  t.equal(departments.series[0]?.data[1], '-', 'market: nothing in the last hour, no bar')
  t.strictSame(departments.series[1]?.markLine?.data.map((l) => [l.xAxis, l.name]), [[90, '目标 90%'], [95, '全国标准 95%']], 'the target and national lines')
  const matters = await chartOption(page, 'chart-matters')
  t.strictSame(matters.yAxis[0]?.data, ['发票领用', '企业开办'], 'the busiest matter first')
  t.strictSame(matters.series.map((s) => s.data), [[90, '-'], [90, 40]])
  t.strictSame(matters.series[1]?.markLine?.data.map((l) => l.xAxis), [90, 95])
  const numbers = await chartOption(page, 'chart-numbers')
  t.strictSame(numbers.yAxis[0]?.data, ['02155010002', '02155010003', '02155020002', '02155020003', '02155020001', '02155020004', '02155010001'], 'by dials today')
  const today = new Map(api.connectionRate!.today.byNumber.map((n) => [n.number, n]))
  t.strictSame(numbers.series[1]?.data, numbers.yAxis[0]?.data.map((n) => chartPct(today.get(n)?.workingRate)), 'working-time dial rates as the API gives them')
  t.strictSame(numbers.series[1]?.data.slice(0, 4), [0, 90, 0, 40])
  t.ok(await page.locator('#chart-departments canvas').count() > 0, 'the chart is drawn')

  // market is under the target over enough requests: the alarm says so.
  const alarm = page.locator('#alarms li[data-key="below-target:market"]')
  t.match(await alarm.textContent(), /市场监督管理局.*40\.0%.*90\.0%/)
  t.equal(await page.getAttribute('#alarms-panel', 'data-level'), 'warning')
  t.match(await page.textContent('#rate-lines'), /目标 90%.*全国标准 95%/)
  await screenshot(page, 'dashboard-rates')
  t.same(errors, [], 'no page errors')
})

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: an agent and a call through the IVR, the queue, the agent and a three-way call appear live, the caller masked`, async (t) => {
    // The simulator in real time (prompts of a second, menus waiting six): the call stays in
    // each step long enough to be seen there, however busy the machine.
    const sim = { kind: 'sim', sim: { protocol, timeScale: 1, traffic: { callsPerHour: 0 } }, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } }
    const c = await startTestController(t, protocol, { ivr: { at: WORKING }, env, config: { switch: sim } })
    c.sim.model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
    c.sim.model.defineEndpoint('02155010002', { kind: 'answer', afterMs: 300 })
    const base = await listen(c.controller.app)
    const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: SUPERVISOR })
    await page.waitForSelector('#live[data-state="live"]', WAIT)
    await page.waitForSelector('#agent-rows tr[data-agent-id="agent01"][data-state="logged-out"]', WAIT)
    t.equal(await tile(page, 'calls-ivr'), '0')
    t.equal(await tile(page, 'agents-ready'), '0')
    t.ok(await page.isVisible('#calls-empty'), 'no calls')
    t.match(await page.textContent('#live-text'), /实时/)
    t.match(await page.textContent('#updated-at'), /更新于 \d\d:\d\d:\d\d/)
    const id = (await snapshotOf(c)).controllerId
    t.match(await page.textContent(`#controllers li[data-controller-id="${id}"]`), new RegExp(`${id}.*${protocol === 'esl' ? 'FreeSWITCH' : 'Asterisk'}.*交换机已连接`))
    t.ok(await page.isVisible('#no-alarms'), 'no alarms')
    await screenshot(page, `dashboard-${protocol}-quiet`)

    // agent01 logs in: signed in, not ready yet.
    t.equal(await post(c, '/api/agents/agent01/login', AGENT), 200)
    await page.waitForSelector('#agent-rows tr[data-agent-id="agent01"][data-state="not-ready"]', WAIT)
    t.match(await page.textContent('#agent-rows tr[data-agent-id="agent01"]'), /示忙.*刚签入/)

    // A caller dials in: in the IVR, masked.
    const caller = c.sim.model.placeCall({ from: CALLER, to: '12345' })
    await tileIs(page, 'calls-ivr', '1')
    t.equal(await page.textContent('#call-rows tr[data-phase="ivr"] td.caller'), '139****5678')
    // 办事 → 税务 → 发票领用, and nobody ready: waiting in the queue.
    await keys(caller, 'priority-menu', '1')
    await keys(caller, 'category-menu', '1')
    await keys(caller, 'matter-menu-tax', '1')
    await page.waitForSelector('#call-rows tr[data-phase="waiting"]', WAIT)
    await tileIs(page, 'calls-waiting', '1')
    t.equal(await tile(page, 'calls-ivr'), '0')
    t.match(await page.textContent('#call-rows tr[data-phase="waiting"]'), /排队等待.*139\*{4}5678.*发票领用.*税务局/)
    t.match(await page.textContent('#tiles [data-figure="calls-waiting"] .sub'), /最长等待 \d+:\d\d/)
    await screenshot(page, `dashboard-${protocol}-waiting`)

    // agent01 ready: the queue serves the caller to them.
    t.equal(await post(c, '/api/agents/agent01/ready', AGENT), 200)
    const row = page.locator('#call-rows tr[data-phase="agent"]')
    await row.waitFor(WAIT)
    await tileIs(page, 'calls-agent', '1')
    t.equal(await tile(page, 'calls-waiting'), '0')
    await page.waitForSelector('#agent-rows tr[data-agent-id="agent01"][data-state="on-call"]', WAIT)
    t.match(await page.textContent('#agent-rows tr[data-agent-id="agent01"] td.call'), /139\*{4}5678.*话务员通话.*发票领用/)
    t.match(await row.textContent(), /agent01/)

    // The agent brings in the tax bureau: a three-way call, and the department's rate moves.
    const callId = (await row.getAttribute('data-call-id')) ?? ''
    await eventually(() => c.controller.calls.agentOf(callId) === 'agent01' ? true : undefined, 'conversation begun', 15_000)
    t.equal(await post(c, `/api/calls/${callId}/transfer`, SUPERVISOR, { matterId: 'tax-invoice' }), 202)
    await page.waitForSelector(`#call-rows tr[data-call-id="${callId}"][data-phase="three-way"]`, WAIT)
    await tileIs(page, 'calls-three-way', '1')
    t.equal(await tile(page, 'calls-agent'), '0')
    await page.waitForSelector('#department-rows tr[data-id="tax"] td[data-figure="today-rate"][data-value="1"]', WAIT)
    t.equal(await page.textContent('#department-rows tr[data-id="tax"] td[data-figure="today-connected"]'), '1')
    await screenshot(page, `dashboard-${protocol}-three-way`)

    const html = await page.content()
    const text = await page.evaluate<string>('document.body.innerText')
    t.notOk(html.includes(CALLER) || text.includes(CALLER), 'the full caller number is nowhere in the page')
    t.ok(text.includes('139****5678'), 'the masked one is')

    caller.hangup()
    await caller.ended
    await tileIs(page, 'calls-three-way', '0')
    // The call, ended, is in today's figures: offered and served by a person.
    await tileIs(page, 'today-served', '1')
    t.equal(await tile(page, 'today-offered'), '1')
    t.equal(await tile(page, 'today-abandoned'), '0')
    await page.waitForSelector('#calls-empty', { state: 'visible', ...WAIT })
    t.equal(await page.locator('#call-rows tr').count(), 0, 'the call is gone from the list')
    t.same(errors, [], 'no page errors')
  })
}

/** Where the page draws today's call tiles, and whether a value is cut off. */
interface TileBox { figure: string, label: string, x: number, y: number, width: number, visible: boolean, clipped: boolean }

const TODAY_TILES = `(() => ({
  viewport: window.innerWidth,
  tiles: [...document.querySelectorAll('#tiles .group-today')].map((tile) => {
    const box = tile.getBoundingClientRect()
    const value = tile.querySelector('.value')
    return {
      figure: tile.dataset.figure, label: tile.querySelector('.label').firstChild.textContent,
      x: box.x, y: box.y, width: box.width, visible: box.width > 0 && box.height > 0 && getComputedStyle(tile).visibility === 'visible',
      clipped: value.scrollWidth > value.clientWidth
    }
  })
}))()`

for (const [width, height, what] of [[1440, 900, 'desktop'], [390, 844, 'phone']] as const) {
  void t.test(`today's calls by how they ended: the tiles, their figures and words, on a ${what} (${width} px)`, async (t) => {
    const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
    const day = callDay(Date.parse((await snapshotOf(c)).at))
    // Today, counted as the controller counts ended calls: 3 served (queued), 1 ticket by
    // design, abandons in the IVR (10 s), the queue (40 s, 80 s) and while an agent rang
    // (30 s), 1 cut (the switch lost), 1 failed, 2 refused.
    const calls: EndedCall[] = [
      ...Array.from({ length: 3 }, (): EndedCall => ({ finalState: 'completed', reason: 'served', queue: { group: 'enterprise-seat', enqueuedAt: 0 } })),
      { finalState: 'completed', reason: 'ticket' },
      { finalState: 'abandoned', abandon: { phase: 'ivr', waitedMs: 10_000 } },
      { finalState: 'abandoned', abandon: { phase: 'queue', waitedMs: 40_000 }, queue: { group: 'enterprise-seat', enqueuedAt: 0 } },
      { finalState: 'abandoned', abandon: { phase: 'queue', waitedMs: 80_000 }, queue: { group: 'enterprise-seat', enqueuedAt: 0 } },
      { finalState: 'abandoned', abandon: { phase: 'ringing-agent', waitedMs: 30_000 }, queue: { group: 'enterprise-seat', enqueuedAt: 0 } },
      { finalState: 'cut', reason: 'switch-lost' },
      { finalState: 'failed', reason: 'HC_INTERNAL' },
      { finalState: 'refused', reason: 'shutting down' },
      { finalState: 'refused', reason: 'store unavailable' }
    ]
    for (const call of calls) await c.controller.store.addCallCounts(day, callIncrements(call))
    const base = await listen(c.controller.app)
    const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: SUPERVISOR, viewport: { width, height } })
    await tileIs(page, 'today-offered', '12')

    // By hand: 12 offered = 4 completed (3 served, 1 by design) + 4 abandoned + 1 cut + 1 failed
    // + 2 refused; queued 3 + 2 + 1 = 6; queue abandon rate (2 + 1) / 6 = 50.0 %, their average
    // wait (40 + 80 + 30) / 3 = 50 s; the IVR abandon is in neither.
    const sub = async (figure: string): Promise<string> => (await page.locator(`#tiles [data-figure="${figure}"] .sub`).textContent()) ?? ''
    const level = async (figure: string): Promise<string> => (await page.getAttribute(`#tiles [data-figure="${figure}"]`, 'class')) ?? ''
    t.equal(await sub('today-offered'), '已完成 4 · 进入排队 6')
    t.equal(await tile(page, 'today-served'), '3')
    t.equal(await tile(page, 'today-by-design'), '1')
    t.equal(await tile(page, 'today-abandoned'), '4')
    t.equal(await sub('today-abandoned'), 'IVR 1 · 排队 2 · 振铃中 1')
    t.equal(await tile(page, 'today-queue-abandon-rate'), '50.0%')
    await tileIs(page, 'today-queue-abandon-rate', '0.5')
    t.equal(await sub('today-queue-abandon-rate'), '进入排队 6 · 平均等待 0:50')
    t.equal(await tile(page, 'today-cut'), '1')
    t.equal(await sub('today-cut'), '交换机断开 1')
    t.equal(await tile(page, 'today-failed'), '1')
    t.match(await level('today-failed'), /\bbad\b/, 'a failure in red')
    t.equal(await tile(page, 'today-refused'), '2')
    t.match(await level('today-refused'), /\bwarn\b/)
    t.notMatch(await level('today-offered'), /\bwarn\b/, 'the figures add up: no warning')
    const api = await snapshotOf(c)
    t.match(api.callsToday, { day, offered: 12, queueAbandonRate: 0.5, queueAbandonAvgWaitMs: 50_000, addsUp: true }, 'the API says the same')

    const { viewport, tiles } = await page.evaluate<{ viewport: number, tiles: TileBox[] }>(TODAY_TILES)
    t.strictSame(tiles.map((b) => [b.figure, b.label]), [
      ['today-offered', '今日来电'], ['today-served', '已服务'], ['today-by-design', '流程办结'], ['today-abandoned', '放弃'],
      ['today-queue-abandon-rate', '排队放弃率'], ['today-cut', '中断'], ['today-failed', '失败'], ['today-refused', '拒接']
    ], 'the eight tiles, in order, with their Chinese labels')
    t.same(tiles.filter((b) => !b.visible).map((b) => b.figure), [], 'every tile shown')
    t.same(tiles.filter((b) => b.x < 0 || b.x + b.width > viewport + 0.5).map((b) => b.figure), [], 'every tile inside the width of the screen')
    t.same(tiles.filter((b) => b.clipped).map((b) => b.figure), [], 'no figure cut off')
    const rows = new Set(tiles.map((b) => Math.round(b.y)))
    if (what === 'desktop') t.equal(rows.size, 1, 'one row of tiles on a desktop')
    else {
      t.equal(rows.size, 4, 'two tiles a row on a phone')
      t.same(tiles.filter((b) => b.width < viewport / 3).map((b) => b.figure), [], 'each a readable half of the screen, not a sliver')
    }
    await screenshot(page, `dashboard-calls-today-${what}`)
    t.same(errors, [], 'no page errors')
  })
}

function ticket (id: string, now: number, dueAt: number): Ticket {
  return {
    id, kind: 'next-urgent', callId: `call-${id}`, matterId: 'tax-invoice', departmentId: 'tax', callbackNumber: CALLER,
    choices: {}, createdAt: now, dueAt, status: 'open', history: []
  }
}

void t.test('a ticket falls due, then overdue, and the switch disconnects: the open page follows, the alarms first', async (t) => {
  const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: ADMIN })
  await page.waitForSelector('#live[data-state="live"]', WAIT)
  await tileIs(page, 'tickets-awaiting', '0')

  // Written straight to the store, as another controller's worker would: no signal, the
  // page's periodic refresh shows them.
  const now = Date.parse((await snapshotOf(c)).at)
  await c.controller.tickets!.store.create(ticket('k-soon', now, now + 15_000), undefined)
  await c.controller.tickets!.store.create(ticket('k-later', now, now + 5 * 60 * MIN), undefined)
  await tileIs(page, 'tickets-awaiting', '2')
  t.equal(await tile(page, 'tickets-due-soon'), '1', 'one due within two hours')
  t.equal(await tile(page, 'tickets-overdue'), '0')
  t.match(await page.textContent('#tiles [data-figure="tickets-due-soon"] .sub'), /2 小时内到期/)
  t.equal(await page.textContent('#ticket-facts dd[data-status="open"]'), '2')
  await screenshot(page, 'dashboard-tickets-due-soon')

  await tileIs(page, 'tickets-overdue', '1')
  t.equal(await tile(page, 'tickets-due-soon'), '0')
  t.equal(await tile(page, 'tickets-awaiting'), '2')
  t.ok((await page.getAttribute('#tiles [data-figure="tickets-overdue"]', 'class'))?.includes('bad'), 'overdue in red')
  await page.waitForSelector('#alarms li[data-key="tickets-overdue:overdue"][data-severity="warning"]', WAIT)
  t.match(await page.textContent('#alarms li[data-key="tickets-overdue:overdue"]'), /1 张工单已超过联系时限/)

  // The switch goes away for good: a critical alarm, first in the list, and the controller in red.
  const id = (await snapshotOf(c)).controllerId
  await c.sim.close()
  await page.waitForSelector(`#alarms li[data-key="switch:${id}"][data-severity="critical"]`, WAIT)
  t.equal(await page.getAttribute('#alarms li:first-child', 'data-key'), `switch:${id}`, 'critical first')
  t.match(await page.textContent(`#alarms li[data-key="switch:${id}"]`), /交换机已断开/)
  t.equal(await page.getAttribute('#alarms-panel', 'data-level'), 'critical')
  t.equal(await page.textContent('#alarm-count'), '2')
  await page.waitForSelector(`#controllers li.bad[data-controller-id="${id}"][data-switch-state="disconnected"]`, WAIT)
  t.match(await page.textContent(`#controllers li[data-controller-id="${id}"]`), /交换机已断开/)
  await screenshot(page, 'dashboard-alarms')
  t.same(errors, [], 'no page errors')
})

void t.test('the stream drops: "reconnecting", the last figures dimmed; back: live, with what changed meanwhile', async (t) => {
  const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: SUPERVISOR })
  await page.waitForSelector('#live[data-state="live"]', WAIT)
  await page.waitForSelector('#agent-rows tr[data-agent-id="agent01"][data-state="logged-out"]', WAIT)

  // The connection is cut and, for now, cannot be made again.
  await page.route('**/api/live/stream', async (route) => { await route.abort('connectionrefused') })
  c.controller.app.server.closeAllConnections()
  await page.waitForSelector('#live[data-state="reconnecting"]', WAIT)
  t.match(await page.textContent('#live-text'), /重新连接中/)
  t.equal(await page.getAttribute('body', 'data-live'), 'false', 'the figures are dimmed')
  t.match(await page.textContent('#status'), /正在重新连接/)
  t.equal(await page.getAttribute('#agent-rows tr[data-agent-id="agent01"]', 'data-state'), 'logged-out', 'the last figures stay')
  await screenshot(page, 'dashboard-reconnecting')

  // Meanwhile agent01 logs in ready; the page gets it once the stream is back.
  t.equal(await post(c, '/api/agents/agent01/login', AGENT, { ready: true }), 200)
  await page.unroute('**/api/live/stream')
  await page.waitForSelector('#live[data-state="live"]', WAIT)
  await page.waitForSelector('#agent-rows tr[data-agent-id="agent01"][data-state="ready"]', WAIT)
  t.equal(await page.getAttribute('body', 'data-live'), 'true')
  await tileIs(page, 'agents-ready', '1')
  await screenshot(page, 'dashboard-reconnected')
  // The cut stream is the browser's own network error (the response ended mid-stream), nothing of the page's.
  t.same(errors.filter((e) => !/ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED/.test(e)), [], 'no page errors')
})

void t.test('an agent token is not let in', async (t) => {
  const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: AGENT })
  await page.waitForSelector('#login-error', WAIT)
  t.equal(await page.textContent('#login-error'), '此页面需要以下角色之一：班长、管理员')
  t.equal(await page.locator('main').isHidden(), true, 'nothing of the dashboard shown')
  t.equal(await page.locator('#tiles [data-value]').count(), 0, 'no figure drawn')
  await screenshot(page, 'dashboard-refused')
  t.same(errors, [])
})

void t.test('under simulated traffic the page keeps up: caller numbers masked, and once it settles its figures equal a fresh snapshot', async (t) => {
  const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
  const { directory, agents: agentsConfig } = await loadConfig(CONFIG_DIR, {})
  const logger = createLogger({ level: 'silent' })
  const ivr = c.controller.ivr!
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: SUPERVISOR })
  await page.waitForSelector('#live[data-state="live"]', WAIT)

  const agents = await startSyntheticAgents({
    agents: ivr.agents, calls: c.controller.calls, transfers: ivr.transfers, directory, agentIds: agentsConfig.agents.map((a) => a.id),
    scaled: (ms) => c.sim.model.scaled(ms), logger, random: seededRandom(11), wrapUpMs: 3000
  })
  let connected = 0
  ivr.transfers.on('transfer.connected', () => { connected++ })
  const callers = new Set<string>()
  const traffic = startSimTraffic(c.sim.model, {
    callsPerHour: 200, answer: { default: 0.85 }, to: '12345', directory, agentExtensions: agentsConfig.agents.map((a) => a.extension),
    logger, random: seededRandom(12), onPlaced: (call) => { callers.add(call.channel.callerIdNumber) }
  })
  t.teardown(() => {
    traffic.stop()
    agents.stop()
  })

  // While calls run: the page lists them, every caller masked, no number in full.
  await page.locator('#call-rows tr').nth(4).waitFor({ timeout: 60_000 })
  const shownCallers = await page.locator('#call-rows td.caller').allTextContents()
  t.ok(shownCallers.length >= 5 && shownCallers.every((n) => /^1\d\d\*{4}\d{4}$/.test(n)), `callers masked (${shownCallers.slice(0, 3).join(', ')} …)`)
  await screenshot(page, 'dashboard-traffic')
  await eventually(() => traffic.stats().placed >= 40 ? true : undefined, '40 callers placed', 60_000)
  await eventually(() => connected >= 3 ? true : undefined, 'transfers connected', 60_000)
  const html = await page.content()
  const leaked = [...callers].filter((n) => html.includes(n))
  t.same(leaked, [], `none of the ${callers.size} caller numbers in full in the page`)

  // Stop the traffic; let every call end and every agent be ready again (read from the store:
  // the API's rate limit is for pages, not for a loop).
  traffic.stop()
  await eventually(async () => {
    const calls = (await c.controller.store.listCalls({ active: true })).filter((r) => r.finalState === undefined)
    const busy = (await c.controller.store.listAgents()).filter((a) => a.state !== 'ready')
    return traffic.stats().active === 0 && calls.length === 0 && busy.length === 0 ? true : undefined
  }, 'the line quiet', 90_000)
  agents.stop()

  const { shown, expected } = await pageAgainstApi(page, c)
  t.strictSame(shown, expected, 'the page shows the figures of a fresh GET /api/live/snapshot')
  t.ok(Number(expected.tiles['agents-ready']) === agentsConfig.agents.length, 'every agent ready again')
  t.ok(Object.keys(expected.departments).length > 0 && Object.keys(expected.numbers).length > 0, 'rates were drawn from the traffic')
  await screenshot(page, 'dashboard-after-traffic')
  t.same(errors, [], 'no page errors')
})

void t.test('a token withdrawn while the page is open: back to the sign-in form, saying why', async (t) => {
  const c = await startTestController(t, 'esl', { ivr: { at: WORKING }, env })
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dashboard.html`, { token: SUPERVISOR })
  await page.waitForSelector('#live[data-state="live"]', WAIT)
  // As after a restart with other tokens: every API request is now refused.
  await page.route('**/api/**', async (route) => {
    await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ statusCode: 401, error: 'Unauthorized', code: 'HC_UNAUTHORIZED', message: 'unknown API token' }) })
  })
  c.controller.app.server.closeAllConnections()
  await page.waitForSelector('#login-error', WAIT)
  t.match(await page.textContent('#login-error'), /令牌已失效，请重新登录/)
  t.equal(await page.locator('main').isHidden(), true, 'nothing of the dashboard is shown')
  await screenshot(page, 'dashboard-token-withdrawn')
  t.same(errors.filter((e) => !/ERR_INCOMPLETE_CHUNKED_ENCODING|401/.test(e)), [], 'no page errors')
})
