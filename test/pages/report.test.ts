// The monthly report page in a real Chromium, over a whole controller whose stores hold the
// records of test/report/fixtures.ts: the six figures in the tiles and the table, how the
// month's calls ended, the charts drawn from the same answer, picking a month, the CSV
// download, and the roles.
import { readFile } from 'node:fs/promises'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { listen, openPage, screenshot, waitForPage } from '../helpers/browser.js'
import { startTestController } from '../helpers/controller.js'
import { TICKETS, TRANSFERS, callRecords, countEndedCalls } from '../report/fixtures.js'

const SUPERVISOR = 'supervisor-token-report-0001'
const AGENT = 'agent-token-agent01-report-01'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${AGENT}:agent:agent01` }
/** The controller lives at 10:00 on 1 March 2026: February is over, March has begun. */
const at = '2026-03-01T10:00:00+08:00'

async function seeded (t: Test, withoutCalls: readonly string[] = []): Promise<string> {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const tickets = controller.tickets
  if (tickets === undefined) throw new Error('the line has tickets')
  for (const r of TRANSFERS) await controller.store.putTransfer(r)
  for (const c of callRecords()) if (!withoutCalls.includes(c.callId)) await controller.store.putCall(c)
  for (const k of TICKETS) await tickets.store.create(k, undefined)
  await countEndedCalls(controller.store)
  return await listen(controller.app)
}

const tile = async (page: Page, figure: string): Promise<string> =>
  (await page.locator(`#tiles [data-figure="${figure}"] .value`).textContent()) ?? ''

// Page-side code is passed as strings: the test's TypeScript has no DOM types.
const cells = async (page: Page, department: string): Promise<Record<string, string>> =>
  await page.evaluate<Record<string, string>>(`Object.fromEntries([...document.querySelectorAll('tr[data-department=${JSON.stringify(department)}] td')]
    .map((td) => [td.dataset.figure, (td.firstChild?.textContent ?? '').trim()]))`)

interface ChartSeries { name: string, data: unknown[], markLine?: { data: Array<{ yAxis: number }> } }
interface ChartOption { series: ChartSeries[], xAxis: Array<{ data: string[] }> }

/** The option echarts holds for a chart: what it draws. */
const chartOption = async (page: Page, id: string): Promise<ChartOption> =>
  JSON.parse(await page.evaluate<string>(`JSON.stringify(echarts.getInstanceByDom(document.getElementById(${JSON.stringify(id)}))?.getOption() ?? { series: [], xAxis: [] })`)) as ChartOption

void t.test('February: the six figures overall and per department, and the charts, in a real browser', async (t) => {
  const base = await seeded(t)
  const { page, errors } = await openPage(t, `${base}/ui/report.html?month=2026-02`, { token: SUPERVISOR })
  await page.waitForSelector('#report-rows tr[data-department="tax"]')
  t.equal(await page.locator('#month').inputValue(), '2026-02')
  // The figures worked out by hand in test/report/monthly-report.test.ts.
  t.equal(await page.locator('#month').getAttribute('max'), '2026-03', 'opened on a past month, still no month after the current one to pick')
  t.equal(await page.locator('#unread').isHidden(), true, 'every call record read: no warning')
  t.equal(await tile(page, 'transferRequests'), '12')
  t.equal(await tile(page, 'transferSuccessRate'), '60.00%')
  t.match(await page.locator('#tiles [data-figure="transferSuccessRate"] .sub').textContent(), /工作时段 57\.14%（目标 90%）/)
  t.equal(await page.locator('#tiles [data-figure="transferSuccessRate"]').getAttribute('class'), 'tile bad', 'judged by the working-time share, under 90 %')
  t.equal(await tile(page, 'nextUrgentTickets'), '8')
  t.equal(await tile(page, 'closedWithin24hRate'), '71.43%')
  t.equal(await tile(page, 'resolvedRate'), '66.67%')
  t.equal(await tile(page, 'satisfiedRate'), '66.67%')
  t.strictSame(await cells(page, 'tax'), {
    transferRequests: '9', transferSuccessRate: '57.14%', workingTimeRate: '50.00%', nextUrgentTickets: '5',
    closedWithin24hRate: '50.00%', resolvedRate: '66.67%', satisfiedRate: '75.00%'
  })
  t.strictSame(await cells(page, 'hrss'), {
    transferRequests: '0', transferSuccessRate: '—', workingTimeRate: '—', nextUrgentTickets: '0',
    closedWithin24hRate: '—', resolvedRate: '—', satisfiedRate: '—'
  }, 'a department without records: no rate, never NaN')
  t.match(await page.locator('#report-rows tr[data-department="tax"] th').textContent(), /税务局/)
  t.strictSame(await cells(page, ''), {
    transferRequests: '12', transferSuccessRate: '60.00%', workingTimeRate: '57.14%', nextUrgentTickets: '8',
    closedWithin24hRate: '71.43%', resolvedRate: '66.67%', satisfiedRate: '66.67%'
  }, 'the 合计 row')
  t.match(await page.locator('#report-total th').textContent(), /合计/)

  // The month's calls, the whole line, worked out in monthly-report.test.ts: 11 offered,
  // 2 served, 2 by design, 4 abandoned, 5 queued, (2 + 1) / 5 = 60.0 % with 60 s average wait.
  const callTile = async (figure: string): Promise<[string, string]> => [
    (await page.locator(`#call-tiles [data-figure="${figure}"] .value`).textContent()) ?? '',
    (await page.locator(`#call-tiles [data-figure="${figure}"] .sub`).textContent()) ?? ''
  ]
  t.strictSame(await callTile('offered'), ['11', '已完成 4 · 进入排队 5'])
  t.strictSame(await callTile('served'), ['2', '接通话务员或专员'])
  t.strictSame(await callTile('by-design'), ['2', '工单、转普通热线等'])
  t.strictSame(await callTile('abandoned'), ['4', 'IVR 1 · 排队 2 · 振铃中 1'])
  t.strictSame(await callTile('queue-abandon-rate'), ['60.0%', '进入排队 5 · 平均等待 1:00'])
  t.equal(await page.getAttribute('#call-tiles [data-figure="queue-abandon-rate"]', 'data-value'), '0.6')
  t.strictSame(await callTile('cut'), ['1', '交换机断开 1'])
  t.strictSame(await callTile('failed'), ['1', ''])
  t.strictSame(await callTile('refused'), ['1', ''])
  t.match(await page.getAttribute('#call-tiles [data-figure="failed"]', 'class'), /\bbad\b/)

  const transfers = await chartOption(page, 'chart-transfers')
  t.strictSame(transfers.xAxis[0]?.data, ['税务局', '市场监督管理局', '12345 派单'], 'departments with records only')
  t.strictSame(transfers.series.map((s) => s.name), ['转接请求', '转接成功率'])
  t.strictSame(transfers.series[0]?.data, [9, 3, 0])
  t.strictSame(transfers.series[1]?.data, [57.14, 66.67, '-'], 'no share for the dispatch desk: no point')
  t.equal(transfers.series[1]?.markLine?.data[0]?.yAxis, 90, 'the 90 % target line')
  const tickets = await chartOption(page, 'chart-tickets')
  t.strictSame(tickets.series.map((s) => [s.name, s.data]), [
    ['次紧急工单', [5, 2, 1]],
    ['24小时内办结率', [50, 100, 100]],
    ['解决率', [66.67, 100, 0]],
    ['满意率', [75, 50, '-']]
  ])
  t.ok(await page.locator('#chart-transfers canvas').count() > 0, 'the transfers chart is drawn')
  t.ok(await page.locator('#chart-tickets canvas').count() > 0, 'the tickets chart is drawn')
  await screenshot(page, 'report')
  t.same(errors, [], 'no page errors')
})

void t.test('the current month by default; another month picked; the CSV downloaded', async (t) => {
  const base = await seeded(t)
  const { page, errors } = await openPage(t, `${base}/ui/report.html`, { token: SUPERVISOR })
  await waitForPage(page, `document.getElementById('month')?.value === '2026-03'`)
  await page.waitForSelector('#report-rows tr[data-department="tax"]')
  t.equal(await tile(page, 'transferRequests'), '1', 'March: t12 only')
  t.equal(await page.locator('#call-tiles [data-figure="offered"] .value').textContent(), '1', 'March\'s calls: e13 only')
  t.equal(await page.locator('#call-tiles [data-figure="queue-abandon-rate"] .value').textContent(), '—', 'nothing queued: no rate')
  t.match(await page.locator('#span').textContent(), /本月尚未结束/)
  t.equal(await page.locator('#month').getAttribute('max'), '2026-03', 'no later month to pick')

  await page.locator('#month').fill('2026-02')
  await page.locator('#load').click()
  await waitForPage(page, `document.querySelector('#tiles [data-figure="transferRequests"] .value')?.textContent === '12'`)
  t.match(page.url(), /\?month=2026-02$/, 'the address names the month shown')
  t.equal(await tile(page, 'nextUrgentTickets'), '8')
  t.equal(await page.locator('#call-tiles [data-figure="offered"] .value').textContent(), '11', "February's calls, not March's")

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()])
  t.equal(download.suggestedFilename(), '月度报表-2026-02.csv')
  const bytes = await readFile(await download.path())
  t.strictSame([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM, as the server sent it')
  const lines = bytes.subarray(3).toString('utf8').split('\r\n')
  t.match(lines[0], /^部门 \(department\),部门编号 \(department id\),转接请求 \(transfer requests\)/)
  t.ok(lines.includes('合计 (total),,12,6,4,1,0,1,60.00,57.14,66.67,8,5,1,71.43,6,4,66.67,2,6,3,1,2,66.67,11,4,2,2,4,1,2,1,5,60.00,60.0,1,1,1'), 'the total row, the month\'s calls last')
  await waitForPage(page, `document.getElementById('status')?.dataset.kind === 'ok'`)
  t.match(await page.locator('#status').textContent(), /已下载/)

  await page.locator('#month').fill('2026-05')
  await page.locator('#load').click()
  await waitForPage(page, `document.getElementById('status')?.dataset.kind === 'error'`)
  t.match(await page.locator('#status').textContent(), /2026-05 has not begun/, 'the server\'s reason is shown')
  t.equal(await tile(page, 'transferRequests'), '12', 'the month shown stays')
  t.same(errors.filter((e) => !e.includes('400')), [], 'no page errors (the refused month is a 400 the page reports)')
})

void t.test('ratings of calls the store no longer keeps: the page says how many are missing', async (t) => {
  const base = await seeded(t, ['c01', 'c03'])
  const { page, errors } = await openPage(t, `${base}/ui/report.html?month=2026-02`, { token: SUPERVISOR })
  await page.locator('#unread', { hasText: '2 通' }).waitFor()
  t.match(await page.locator('#unread').textContent(), /2 通有转接请求的通话记录已超出保留期，满意率未计入其评价/)
  t.match(await page.locator('#tiles [data-figure="satisfiedRate"] .sub').textContent(), /满意 2 · 基本满意 1 · 不满意 1/, 'four ratings left')
  t.same(errors, [])
})

void t.test('an agent token is not let in', async (t) => {
  const base = await seeded(t)
  const { page, errors } = await openPage(t, `${base}/ui/report.html`, { token: AGENT })
  await page.waitForSelector('#login-error')
  t.match(await page.locator('#login-error').textContent(), /班长|管理员/)
  t.equal(await page.locator('main').isHidden(), true)
  t.same(errors, [])
})
