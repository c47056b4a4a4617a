// After-hours calls raise a next-urgent ticket (次紧急工单) to the department owning the
// caller's matter, due before 10:00 of the next working day by the real holiday calendar:
// a Friday evening, the eve of National Day, a make-up Saturday. Whole calls on both
// switches; the ticket is read back through the tickets API as a supervisor and as the
// department would.
import t from 'tap'
import type { SimCallHandle } from '../../src/adapters/sim/model-types.js'
import { PROTOCOLS, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const SUPERVISOR = 'supervisor-token-0123456789'
const TAX_DESK = 'tax-desk-token-0123456789'
const API_TOKENS = `${SUPERVISOR}:supervisor,${TAX_DESK}:department:tax`

async function at (caller: SimCallHandle, prompt: string, digits: string): Promise<void> {
  await eventually(() => sounds(caller.heard).includes(prompt) ? true : undefined, prompt, 15_000)
  caller.sendDtmf(digits)
}

const CASES: Array<{ what: string, call: string, due: string }> = [
  { what: 'Friday 18:00 → Monday 10:00', call: '2025-03-14T18:00:00+08:00', due: '2025-03-17T02:00:00.000Z' },
  { what: 'the eve of National Day → 10:00 after the week off', call: '2025-09-30T18:00:00+08:00', due: '2025-10-09T02:00:00.000Z' },
  { what: 'a make-up Saturday evening before the Spring Festival → 10:00 after it', call: '2026-02-14T18:00:00+08:00', due: '2026-02-24T02:00:00.000Z' }
]

for (const protocol of PROTOCOLS) {
  for (const { what, call, due } of CASES) {
    void t.test(`${protocol}: ${what}`, async (t) => {
      const c = await startTestController(t, protocol, { ivr: { at: call }, env: { API_TOKENS } })
      const caller = c.sim.model.placeCall({ from: '13812345678', to: '12345' })
      await at(caller, 'priority-menu', '1') // 办事
      await at(caller, 'category-menu', '1') // 税务
      await at(caller, 'matter-menu-tax', '2') // 增值税申报
      await at(caller, 'callback-confirm', '1') // the caller ID is the number to call back
      await caller.ended
      t.same(sounds(caller.heard).slice(-2), ['ticket-registered', 'goodbye'])

      const list = await c.controller.app.inject({ url: '/api/tickets?department=tax', headers: { authorization: `Bearer ${SUPERVISOR}` } })
      t.equal(list.statusCode, 200)
      const tickets = list.json<{ tickets: Array<Record<string, unknown>> }>().tickets
      t.equal(tickets.length, 1, 'one ticket')
      t.match(tickets[0], {
        kind: 'next-urgent',
        departmentId: 'tax',
        matterId: 'tax-vat-filing',
        status: 'open',
        dueAt: due,
        callbackNumber: '138****5678',
        choices: { priority: 'handling', category: '税务', matter: 'tax-vat-filing' }
      }, 'due before 10:00 of the next working day; the supervisor sees the number masked')

      const id = String(tickets[0]?.id)
      const own = await c.controller.app.inject({ url: `/api/tickets/${id}`, headers: { authorization: `Bearer ${TAX_DESK}` } })
      t.equal(own.statusCode, 200)
      t.match(own.json(), { callbackNumber: '13812345678' }, 'the owning department sees the number to call')

      const summary = await eventually(() => c.controller.calls.recent().find((s) => s.legId === caller.channel.id), 'call record')
      t.match(summary, { finalState: 'completed', reason: 'ticket', choices: { ticket: 'next-urgent', ticketId: id } })
    })
  }
}
