// The agent console (坐席工作台) in a real Chromium, used as an agent would through a whole
// call: log in, ready, the call with the caller's choices, find the matter, transfer (first
// number busy, the second answers), watch the hunt, leave the conference, raise a ticket,
// finish the wrap-up. And a supervisor opening any agent's console.
import t from 'tap'
import type { Page } from 'playwright-core'
import { PROTOCOLS } from '../helpers/controller.js'
import { listen, openPage, screenshot } from '../helpers/browser.js'
import { eventually } from '../helpers/sim.js'
import { AGENT, CALLER, SUPERVISOR, TAX_INVOICE, answeredLeg, at, startConsoleController } from '../console/call.js'

/** Waits for `#id` to carry `data-<key>="<value>"` (the page redraws from its stream). */
async function dataIs (page: Page, selector: string, key: string, value: string): Promise<void> {
  await page.waitForSelector(`${selector}[data-${key}="${value}"]`, { timeout: 15_000 })
}

async function click (page: Page, selector: string): Promise<void> {
  await page.waitForSelector(`${selector}:not([disabled])`, { timeout: 15_000 })
  await page.click(selector)
}

/** A click on a button the page had disabled, as when the state changed under the agent's finger. */
async function staleClick (page: Page, id: string): Promise<void> {
  // A string, evaluated in the page: the test's TypeScript has no DOM types.
  await page.evaluate(`(() => { const b = document.getElementById(${JSON.stringify(id)}); b.disabled = false; b.click() })()`)
}

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: a whole call at the agent console`, async (t) => {
    const c = await startConsoleController(t, protocol)
    c.sim.model.registerPhone('8001', { kind: 'answer', afterMs: 500 })
    c.sim.model.defineEndpoint(TAX_INVOICE[0], { kind: 'busy', afterMs: 2000 })
    c.sim.model.defineEndpoint(TAX_INVOICE[1], { kind: 'answer', afterMs: 2000 })
    const base = await listen(c.controller.app)
    const { page, errors } = await openPage(t, `${base}/ui/agent.html`, { token: AGENT })

    // Log in, then ready.
    await dataIs(page, '#agent-state', 'state', 'logged-out')
    t.equal(await page.textContent('#agent-state'), '签出')
    t.ok(await page.isDisabled('#btn-ready'), 'not ready before logging in')
    t.ok(await page.isDisabled('#btn-wrap-up-done'))
    await click(page, '#btn-login')
    await dataIs(page, '#agent-state', 'state', 'not-ready')
    t.equal(await page.textContent('#agent-state'), '签入', 'logged in, not yet ready')
    t.ok(await page.isDisabled('#btn-login'))
    await click(page, '#btn-ready')
    await dataIs(page, '#agent-state', 'state', 'ready')
    t.equal(await page.textContent('#agent-state'), '示闲')

    // A caller of 办事 → 税务 → 发票领用 reaches the agent.
    const caller = c.sim.model.placeCall({ from: CALLER, to: '12345' })
    await at(caller, 'priority-menu', '1')
    await at(caller, 'category-menu', '1')
    await at(caller, 'matter-menu-tax', '1')
    await dataIs(page, '#call-state', 'state', 'with-agent')
    t.equal(await page.textContent('#agent-state'), '通话中')
    t.equal(await page.textContent('#call-caller'), '138****5678', 'the caller masked')
    t.equal(await page.textContent('#choice-priority'), '办事')
    t.equal(await page.textContent('#choice-category'), '税务')
    t.equal(await page.textContent('#choice-matter'), '发票领用')
    t.ok(await page.isDisabled('#btn-leave'), 'nobody to leave to yet')
    t.ok(await page.isDisabled('#btn-logout'), 'no logging out during a call')

    // Find the matter and transfer.
    await page.fill('#matter-q', '发票')
    await page.click('#btn-search')
    const row = '#matter-results li[data-matter-id="tax-invoice"]'
    await page.waitForSelector(row)
    t.match(await page.textContent(row), /税务局.*3 个转接号码/)
    await screenshot(page, `agent-console-${protocol}-call`)
    await click(page, `${row} button.transfer`)

    // The hunt: the first number busy, the second answers; caller, agent and specialist talk.
    await page.waitForSelector(`#hunt-attempts tr[data-outcome="busy"][data-index="0"]`, { timeout: 15_000 })
    await page.waitForSelector(`#hunt-attempts tr[data-outcome="answered"][data-index="1"]`, { timeout: 15_000 })
    await dataIs(page, '#call-state', 'state', 'three-way')
    t.match(await page.textContent('#hunt-attempts tr[data-index="0"]'), new RegExp(`${TAX_INVOICE[0]}.*忙`))
    t.match(await page.textContent('#hunt-attempts tr[data-index="1"]'), new RegExp(`${TAX_INVOICE[1]}.*接通`))
    t.match(await page.textContent('#hunt-summary'), /税务局已接通.*三方通话中/)
    t.ok(await page.isDisabled(`${row} button.transfer`), 'one transfer at a time')
    await screenshot(page, `agent-console-${protocol}-three-way`)

    // Leave the conference: caller and specialist talk on, the agent wraps up.
    await click(page, '#btn-leave')
    await dataIs(page, '#agent-state', 'state', 'wrap-up')
    await dataIs(page, '#call-state', 'state', 'with-specialist')
    t.equal(await page.textContent('#agent-state'), '话后整理')
    t.ok(await page.isVisible('#wrap-up-note'))
    t.ok(answeredLeg(c, TAX_INVOICE[1]), 'the specialist is still on the line')

    // Raise a ticket for the matter transferred to.
    t.equal(await page.inputValue('#ticket-matter'), 'tax-invoice', 'the matter transferred to is offered')
    await page.fill('#ticket-note', '企业需要书面答复')
    await click(page, '#btn-ticket')
    await page.waitForSelector('#ticket-result[data-ticket-id]', { timeout: 15_000 })
    const ticketId = await page.getAttribute('#ticket-result', 'data-ticket-id')
    t.match(await page.textContent('#ticket-result'), /次紧急工单.*税务局.*发票领用.*前回电/)
    t.ok(await page.isDisabled('#btn-ticket'), 'one ticket per call')
    const tickets = await c.controller.tickets!.service.list({ limit: 10 })
    t.match(tickets, { ok: true, tickets: [{ id: ticketId, callbackNumber: CALLER, departmentId: 'tax', choices: { agentNote: '企业需要书面答复' } }] })
    t.notOk((await page.content()).includes(CALLER), 'the full caller number is nowhere in the page')

    // Done: ready for the next caller.
    await click(page, '#btn-wrap-up-done')
    await dataIs(page, '#agent-state', 'state', 'ready')
    t.ok(await page.isHidden('#wrap-up-note'))
    t.ok(await page.isHidden('#call-info'), 'the call is gone from the panel')
    t.ok(await page.isVisible('#no-call'))
    await screenshot(page, `agent-console-${protocol}`)
    t.same(errors, [], 'no page errors')
    caller.hangup()
    await caller.ended
  })
}

void t.test('a supervisor picks an agent and acts for them; errors show in the status line', async (t) => {
  const c = await startConsoleController(t)
  const base = await listen(c.controller.app)
  const { page, errors } = await openPage(t, `${base}/ui/agent.html`, { token: SUPERVISOR })
  await page.waitForSelector('#agent-select option[value="agent02"]', { state: 'attached' })
  t.ok(await page.isVisible('#agent-picker'), 'supervisors choose whose console')
  await page.selectOption('#agent-select', 'agent02')
  await page.waitForSelector('#agent-name:has-text("agent02")')
  await dataIs(page, '#agent-state', 'state', 'logged-out')
  await click(page, '#btn-login')
  await dataIs(page, '#agent-state', 'state', 'not-ready')
  await page.selectOption('#not-ready-reason', 'meal')
  await click(page, '#btn-not-ready')
  await page.waitForSelector('#agent-reason:has-text("用餐")')
  t.equal((await c.controller.store.getAgent('agent02'))?.reason, 'meal')

  // The agent logs out elsewhere meanwhile: the page follows, and a stale click is refused.
  await c.controller.ivr!.agents.logout('agent02')
  await dataIs(page, '#agent-state', 'state', 'logged-out')
  await staleClick(page, 'btn-logout')
  await page.waitForSelector('#status[data-kind="ok"]')
  // Logging out when logged out is already done: the server answers success, nothing changes.
  await dataIs(page, '#agent-state', 'state', 'logged-out')
  await staleClick(page, 'btn-ready')
  await page.waitForSelector('#status[data-kind="error"]')
  t.match(await page.textContent('#status'), /操作失败.*log in first/)
  await eventually(async () => (await c.controller.store.getAgent('agent02'))?.state === 'logged-out' ? true : undefined, 'still logged out')
  await screenshot(page, 'agent-console-supervisor')
  t.same(errors.filter((e) => !e.includes('409')), [], 'no page errors beyond the refused request')
})
