// Ticket rules: due times from the shipped calendar (the published 2025 holiday notice), the
// status machine edge by edge, and overdue.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { loadCalendar } from '../../src/config/calendar-schema.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import {
  MAX_TICKET_TEXT, TICKET_ACTIONS, TICKET_TRANSITIONS, type TicketAction, isOverdue, newTicket, nextStatus,
  ticketDueAt, transition
} from '../../src/domain/tickets.js'
import { TICKET_STATUSES, type Ticket, type TicketRequest } from '../../src/domain/ticket-record.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))
const calendar = new WorkCalendar(await loadCalendar(CONFIG_DIR))

/** Epoch ms of an Asia/Shanghai wall-clock time. */
const at = (local: string): number => Date.parse(`${local}+08:00`)

const request = (when: number, extra: Partial<TicketRequest> = {}): TicketRequest => ({
  kind: 'next-urgent',
  callId: 'call-1',
  matterId: 'vat-invoice',
  departmentId: 'tax',
  callbackNumber: '13812345678',
  choices: { priority: 'handling' },
  at: when,
  ...extra
})

void t.test('due: 10:00 of the next working day, by the published calendar', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['Friday 18:00 → Monday 10:00', '2025-03-14T18:00:00', '2025-03-17T10:00:00'],
    ['Saturday → Monday', '2025-03-15T11:00:00', '2025-03-17T10:00:00'],
    ['eve of National Day → the first working day after the break', '2025-09-30T18:00:00', '2025-10-09T10:00:00'],
    ['inside the break', '2025-10-03T09:30:00', '2025-10-09T10:00:00'],
    ['Friday before a make-up Saturday → that Saturday', '2025-10-10T18:00:00', '2025-10-11T10:00:00'],
    ['on the make-up Saturday after hours → Monday', '2025-10-11T18:00:00', '2025-10-13T10:00:00'],
    ['make-up Sunday before opening → that Sunday', '2025-09-28T07:30:00', '2025-09-28T10:00:00'],
    ['a working day before opening → the same day', '2025-03-12T08:00:00', '2025-03-12T10:00:00'],
    ['during working hours → the next working day', '2025-03-12T14:00:00', '2025-03-13T10:00:00']
  ]
  for (const [what, raised, due] of cases) {
    t.equal(ticketDueAt(calendar, at(raised), 'tax'), at(due), what)
  }
})

void t.test('due: the department\'s own hours decide "before opening"', async (t) => {
  // Customs opens at 08:30 (config/calendar.yaml): at 08:45 it is already open.
  t.equal(ticketDueAt(calendar, at('2025-03-12T08:45:00'), 'customs'), at('2025-03-13T10:00:00'))
  t.equal(ticketDueAt(calendar, at('2025-03-12T08:45:00'), 'tax'), at('2025-03-12T10:00:00'))
})

void t.test('a new ticket: open, due as given, the request copied', async (t) => {
  const raised = request(at('2025-03-14T18:00:00'))
  const ticket = newTicket(raised, 'T1', 42)
  t.same(ticket, {
    id: 'T1', kind: 'next-urgent', callId: 'call-1', matterId: 'vat-invoice', departmentId: 'tax',
    callbackNumber: '13812345678', choices: { priority: 'handling' }, createdAt: raised.at, dueAt: 42,
    status: 'open', history: [{ at: raised.at, status: 'open', by: 'controller', note: 'next-urgent' }]
  })
  raised.choices.priority = 'changed'
  t.equal(ticket.choices.priority, 'handling', 'the choices are a copy')
  t.notOk('matterId' in newTicket(request(1, { matterId: undefined }), 'T2', 2), 'no matter: no field')
})

const base = (status: Ticket['status'], extra: Partial<Ticket> = {}): Ticket => ({
  ...newTicket(request(1000), 'T1', 5000), status, ...extra
})
const input = (action: TicketAction) => ({ action, at: 2000, by: 'x', note: 'n', resolution: 'r', resolved: true })

void t.test('the table: every status × action is allowed exactly when an edge says so', async (t) => {
  for (const status of TICKET_STATUSES) {
    for (const action of TICKET_ACTIONS) {
      const edge = TICKET_TRANSITIONS.find(([from, a]) => from === status && a === action)
      const result = transition(base(status, status === 'open' ? {} : { deliveredAt: 1500 }), input(action))
      if (edge !== undefined) {
        t.ok(result.ok && 'change' in result && result.ticket.status === edge[2], `${status} --${action}--> ${edge[2]}`)
      } else if (action === 'deliver') {
        t.ok(result.ok && result.ticket.status === status, `${status}: a late delivery keeps the status`)
      } else {
        t.match(result, { ok: false, problem: 'state', reason: new RegExp(`cannot ${action}`) }, `${status} --${action}--> refused`)
      }
      t.equal(nextStatus(status, action), edge?.[2])
    }
  }
})

void t.test('a whole life: delivered, acknowledged, contacted twice, closed', async (t) => {
  let ticket = base('open')
  const step = (action: TicketAction, when: number, extra: object = {}): Ticket => {
    const r = transition(ticket, { action, at: when, by: 'department:tax', ...extra })
    if (!r.ok) throw new Error(r.reason)
    return r.ticket
  }
  ticket = step('deliver', 1100)
  t.match(ticket, { status: 'delivered', deliveredAt: 1100 })
  ticket = step('acknowledge', 1200)
  t.match(ticket, { status: 'acknowledged', acknowledgedAt: 1200 })
  ticket = step('contact', 1300, { note: '  无人接听  ' })
  ticket = step('contact', 1400, { note: '已回电，企业已知晓办理流程' })
  t.equal(ticket.contactedAt, 1300, 'the first contact counts')
  ticket = step('close', 1500, { resolution: ' 已指导企业在线申领发票 ', resolved: true })
  t.match(ticket, { status: 'closed', closedAt: 1500, resolution: '已指导企业在线申领发票', resolved: true })
  t.same(ticket.history.map((h) => [h.status, h.at, h.note]), [
    ['open', 1000, 'next-urgent'], ['delivered', 1100, undefined], ['acknowledged', 1200, undefined],
    ['contacted', 1300, '无人接听'], ['contacted', 1400, '已回电，企业已知晓办理流程'], ['closed', 1500, undefined]
  ], 'one entry per change, texts trimmed')
  t.ok(ticket.history.slice(1).every((h) => h.by === 'department:tax'))
})

void t.test('a department may acknowledge before the delivery is confirmed; the delivery is recorded later', async (t) => {
  const acknowledged = transition(base('open'), { action: 'acknowledge', at: 1200, by: 'department:tax' })
  if (!acknowledged.ok) throw new Error(acknowledged.reason)
  const delivered = transition(acknowledged.ticket, { action: 'deliver', at: 1300, by: 'worker' })
  t.match(delivered, { ok: true, ticket: { status: 'acknowledged', deliveredAt: 1300 } })
  if (!delivered.ok) throw new Error(delivered.reason)
  t.match(delivered.ticket.history.at(-1), { status: 'acknowledged', by: 'worker', note: /delivered/ })
  t.match(transition(delivered.ticket, { action: 'deliver', at: 1400, by: 'worker' }), { ok: true, unchanged: true },
    'a second confirmation changes nothing')
  t.match(transition(base('delivered', { deliveredAt: 1100 }), { action: 'deliver', at: 1400, by: 'worker' }), { ok: true, unchanged: true })
})

void t.test('input rules: notes, resolution, resolved', async (t) => {
  const contacted = base('contacted', { contactedAt: 1500 })
  const refusals: Array<[Ticket, Parameters<typeof transition>[1], RegExp]> = [
    [base('acknowledged'), { action: 'contact', at: 2, by: 'x' }, /needs a note/],
    [base('acknowledged'), { action: 'contact', at: 2, by: 'x', note: '   ' }, /note is empty/],
    [base('acknowledged'), { action: 'contact', at: 2, by: 'x', note: 'x'.repeat(MAX_TICKET_TEXT + 1) }, /longer than/],
    [contacted, { action: 'close', at: 2, by: 'x', resolved: true }, /resolution text/],
    [contacted, { action: 'close', at: 2, by: 'x', resolution: ' ', resolved: true }, /resolution text/],
    [contacted, { action: 'close', at: 2, by: 'x', resolution: 'x'.repeat(MAX_TICKET_TEXT + 1), resolved: false }, /longer than/],
    [contacted, { action: 'close', at: 2, by: 'x', resolution: 'done' }, /resolved: true or false/]
  ]
  for (const [ticket, action, reason] of refusals) {
    t.match(transition(ticket, action), { ok: false, problem: 'input', reason }, String(reason))
  }
  t.match(transition(contacted, { action: 'close', at: 2, by: 'x', resolution: '企业暂不办理', resolved: false }),
    { ok: true, ticket: { status: 'closed', resolved: false } }, 'unresolved is a valid outcome')
  t.match(transition(base('delivered'), { action: 'contact', at: 2, by: 'x', note: 'n' }), { ok: false, problem: 'state', reason: /acknowledge it first/ })
  t.match(transition(base('acknowledged'), { action: 'close', at: 2, by: 'x', resolution: 'r', resolved: true }),
    { ok: false, problem: 'state', reason: /record the contact/ })
  t.match(transition(base('closed'), { action: 'acknowledge', at: 2, by: 'x' }), { ok: false, reason: /the ticket is closed/ })
})

void t.test('overdue: not contacted and past the due instant', async (t) => {
  for (const status of TICKET_STATUSES) {
    const ticket = base(status)
    const uncontacted = ['open', 'delivered', 'acknowledged'].includes(status)
    t.equal(isOverdue(ticket, 5000), false, `${status}: at the due instant`)
    t.equal(isOverdue(ticket, 5001), uncontacted, `${status}: just after`)
  }
})
