// POST /api/calls/:id/ticket: the agent on a call raises a next-urgent ticket for a matter's
// department with the caller's full number as callback — which the agent never sees.
import t from 'tap'
import { SCRAPE } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'
import { ADMIN, AGENT, CALLER, OTHER_AGENT, SUPERVISOR, api, callWithAgent, startConsoleController } from './call.js'

interface TicketAnswer {
  created: boolean
  ticketId: string
  kind: string
  matterId: string
  matterName: string
  departmentId: string
  departmentName: string
  dueAt: string
}

void t.test('the agent raises a ticket for the call; a second request returns the same ticket', async (t) => {
  const c = await startConsoleController(t)
  const { callId } = await callWithAgent(c)
  const note = '企业需要书面答复，请税务局回电'
  const first = await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, { matterId: 'tax-invoice', note })
  t.equal(first.statusCode, 201, first.body)
  const ticket = first.json<TicketAnswer>()
  t.match(ticket, { created: true, kind: 'next-urgent', matterId: 'tax-invoice', matterName: '发票领用', departmentId: 'tax', departmentName: '税务局' })
  // Raised on Wednesday 2026-03-04 10:00: due before 10:00 of the next working day.
  t.equal(ticket.dueAt, '2026-03-05T02:00:00.000Z', 'next working day, 10:00 Beijing time')
  t.notOk(first.body.includes(CALLER), 'the agent never sees the full number')
  t.notOk(first.body.includes('5678'), 'nor a piece of it')

  const again = await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, { matterId: 'tax-vat-filing' })
  t.equal(again.statusCode, 200, 'nothing new')
  t.match(again.json(), { created: false, ticketId: ticket.ticketId, matterId: 'tax-invoice' }, 'the first ticket, idempotent per call')

  // What the department gets: the full callback number, the caller's choices and the note.
  const stored = await api(c, 'GET', `/api/tickets/${ticket.ticketId}`, ADMIN)
  t.match(stored.json(), {
    kind: 'next-urgent',
    callId,
    departmentId: 'tax',
    callbackNumber: CALLER,
    choices: { priority: 'handling', category: '税务', matter: 'tax-invoice', agentNote: note, raisedBy: 'agent01' }
  })
  const seen = await api(c, 'GET', `/api/tickets/${ticket.ticketId}`, SUPERVISOR)
  t.equal(seen.json<{ callbackNumber: string }>().callbackNumber, '138****5678', 'masked for supervisors')
  const metrics = await c.controller.app.inject({ url: '/metrics', headers: SCRAPE })
  t.match(metrics.body, /hotline_console_tickets_total\{result="created"\} 1/)
  t.match(metrics.body, /hotline_console_tickets_total\{result="existing"\} 1/)
})

void t.test('refusals: another agent 403, unknown call 404, unknown matter 400, call over 409', async (t) => {
  const c = await startConsoleController(t)
  const { caller, callId } = await callWithAgent(c)
  const other = await api(c, 'POST', `/api/calls/${callId}/ticket`, OTHER_AGENT, { matterId: 'tax-invoice' })
  t.equal(other.statusCode, 403, 'an agent acts on its own call only')
  t.equal((await api(c, 'POST', '/api/calls/no-such-call/ticket', OTHER_AGENT, { matterId: 'tax-invoice' })).statusCode, 403,
    'an agent learns nothing of calls not theirs')
  const unknown = await api(c, 'POST', '/api/calls/no-such-call/ticket', SUPERVISOR, { matterId: 'tax-invoice' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'HC_NOT_FOUND', message: /no call/ })
  const matter = await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, { matterId: 'no-such-matter' })
  t.equal(matter.statusCode, 400)
  t.match(matter.json<{ message: string }>().message, /no matter "no-such-matter"/)
  t.equal((await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, { matterId: 'tax-invoice', callbackNumber: '13900000000' })).statusCode, 400,
    'the callback number is the caller\'s, never one from the request')
  t.equal((await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, {})).statusCode, 400, 'a matter is needed')
  t.equal((await api(c, 'POST', `/api/calls/${callId}/ticket`, undefined, { matterId: 'tax-invoice' })).statusCode, 401)

  // The caller hangs up: the agent wraps up the call, but its number is gone with it.
  caller.hangup()
  await eventually(async () => (await c.controller.store.getCall(callId))?.endedAt !== undefined ? true : undefined, 'call recorded as ended')
  const agent = await c.controller.store.getAgent('agent01')
  t.equal(agent?.callId, callId, 'the agent still has the call (wrap-up)')
  const over = await api(c, 'POST', `/api/calls/${callId}/ticket`, AGENT, { matterId: 'tax-invoice' })
  t.equal(over.statusCode, 409)
  t.match(over.json<{ message: string }>().message, /has ended/)
  t.equal((await api(c, 'POST', `/api/calls/${callId}/ticket`, SUPERVISOR, { matterId: 'tax-invoice' })).statusCode, 409)
})
