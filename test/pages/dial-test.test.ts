// The dial-test page in a real Chromium: a supervisor starts a run of every transfer number,
// watches the progress bar reach the total with the counts live, reads the table, filters it
// to failures, runs a few numbers again and sees those failing twice in a row highlighted.
import t from 'tap'
import { listen, openPage, screenshot } from '../helpers/browser.js'
import { startTestController } from '../helpers/controller.js'

const SUPERVISOR = 'supervisor-token-0001'
const AGENT = 'agent-token-agent01-0001'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${AGENT}:agent:agent01` }
const at = '2026-03-02T10:00:00+08:00'
// tax-invoice's hunt list in config/directory.yaml.
const [A, B, C] = ['02155010002', '02155010003', '02155010001'] as const

void t.test('start a run, watch it to the end, filter, see the numbers failing twice', async (t) => {
  // A rings 0.5 s of a 60 s timeout (×0.02 in the simulator), so a loaded machine cannot
  // turn its answer into a no-answer.
  const { controller, sim } = await startTestController(t, 'esl', { ivr: { at }, env, config: { dialTest: { ringTimeoutSec: 60 } } })
  sim.model.defineEndpoint(A, { kind: 'answer', afterMs: 500 })
  sim.model.defineEndpoint(B, { kind: 'busy' })
  sim.model.defineEndpoint(C, { kind: 'no-answer' })
  const base = await listen(controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dial-test.html`, { token: SUPERVISOR })
  await page.locator('#settings', { hasText: '119' }).waitFor()
  t.match(await page.textContent('#settings'), /目录中共 119 个转接号码；同时拨打 4 个，振铃 60 秒无应答；未设定计划拨测/)
  t.equal(await page.locator('#results tbody tr').count(), 0, 'no results before the first run')

  // Every number: the bar goes to 119 of 119 while the counts move.
  await page.click('#start')
  await page.waitForSelector('#progress[data-total="119"]')
  await page.waitForSelector('#progress[data-done="119"]', { timeout: 30_000 })
  t.equal(await page.getAttribute('#progress', 'max'), '119')
  t.equal(await page.locator('#results tbody tr').count(), 119, 'a row per number')
  t.equal(await page.textContent('#counts [data-count=answered] .value'), '1')
  t.equal(await page.textContent('#counts [data-count=busy] .value'), '1')
  t.equal(await page.textContent('#counts [data-count=no-answer] .value'), '1')
  t.equal(await page.textContent('#counts [data-count=unreachable] .value'), '116')
  t.equal(await page.textContent('#counts [data-count=failed] .value'), '118')
  const row = page.locator(`#results tbody tr[data-number="${A}"]`)
  t.equal(await row.getAttribute('data-outcome'), 'answered')
  t.match(await row.textContent(), /税务局.*发票领用.*接通/)
  t.match(await page.locator(`#results tbody tr[data-number="${B}"]`).textContent(), /忙 ✗.*USER_BUSY/)
  await page.locator('#status', { hasText: '拨测完成' }).waitFor()
  t.equal(await page.locator('#cancel').isHidden(), true, 'nothing to cancel after the end')

  await page.check('#only-failures')
  t.equal(await page.locator('#results tbody tr').count(), 118, 'failures only')
  t.equal(await page.locator(`#results tbody tr[data-number="${A}"]`).count(), 0)
  await page.uncheck('#only-failures')
  t.match(await page.textContent('#failing'), /无/, 'nobody failed twice yet')

  // Three of them again: busy and no answer twice in a row (working time) are the alarm.
  await page.fill('#numbers', `${A}, ${B}，${C}`)
  await page.click('#start')
  await page.waitForSelector('#progress[data-total="3"][data-done="3"]')
  await page.waitForSelector(`#failing li[data-number="${C}"]`)
  const failing = await Promise.all((await page.locator('#failing li').all()).map(async (li) => await li.getAttribute('data-number')))
  t.same(failing.sort(), [B, C].sort())
  t.equal(await page.getAttribute('#failing-panel', 'data-alarm'), 'true')
  t.match(await page.textContent(`#failing li[data-number="${B}"]`), /税务局.*连续 2 次失败/)
  t.equal(await page.locator('#results tbody tr.failing-twice').count(), 2, 'highlighted in the table')
  t.equal(await page.locator('#runs tbody tr').count(), 2, 'both runs listed')
  t.match(await page.textContent('#runs tbody tr:first-child'), /手动.*已完成.*3\/3/)
  await screenshot(page, 'dial-test')

  // An earlier run can be looked at again.
  await page.click('#runs tbody tr:nth-child(2) button')
  await page.locator(`#results tbody tr[data-number="02155140005"]`).waitFor()
  t.equal(await page.locator('#results tbody tr').count(), 119, 'the first run again')
  t.equal(await page.locator('#runs tbody tr.shown').count(), 1)
  t.same(errors, [], 'no page errors')
})

void t.test('an agent is not let in', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const base = await listen(controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/dial-test.html`, { token: AGENT })
  await page.waitForSelector('#login-error')
  t.match(await page.textContent('#login-error'), /班长|管理员/)
  t.equal(await page.locator('#login').isVisible(), true, 'asked for another token')
  t.equal(await page.textContent('#settings'), '—', 'nothing loaded')
  t.same(errors, [])
})
