import t from 'tap'
import type { FlowTicketRequest } from '../../../src/flows/step.js'
import { type TicketStep, ticketStep } from '../../../src/flows/steps/ticket.js'
import { at, fakeStepContext, services } from '../fake-call.js'

const ticket: TicketStep = { kind: 'ticket', ticketKind: 'next-urgent', prompt: 'ticket-registered', next: 'bye' }
const choices = { priority: 'handling', category: '税务', matter: 'tax-invoice' }

void t.test("without a ticket service: the request is recorded next to the caller's choices", async (t) => {
  const f = fakeStepContext([], services(), choices)
  t.same(await ticketStep.run(ticket, f.ctx, f.signal), { next: 'bye' })
  t.same(f.ctx.vars(), { ...choices, ticket: 'next-urgent' })
  t.same(f.caller.heard, ['play:ticket-registered'])
  const g = fakeStepContext([])
  await ticketStep.run({ kind: 'ticket', ticketKind: 'transfer-failed', next: 'bye' }, g.ctx, g.signal)
  t.same(g.ctx.vars(), { ticket: 'transfer-failed' })
  t.same(g.caller.heard, [], 'no prompt configured, none played')
})

void t.test('with a ticket service: it gets the kind, the callback number and the choices', async (t) => {
  const raised: FlowTicketRequest[] = []
  const now = at('2025-03-12T19:00:00')
  const tickets = {
    raise: async (request: FlowTicketRequest, signal: AbortSignal) => {
      t.equal(signal.aborted, false)
      raised.push(request)
      return { ticketId: '01JTICKET' }
    }
  }
  const f = fakeStepContext([], services({ now, tickets }), choices)
  t.same(await ticketStep.run(ticket, f.ctx, f.signal), { next: 'bye' })
  t.same(raised, [{ kind: 'next-urgent', callId: 'call-1', callerNumber: '13812345678', choices: { ...choices, ticket: 'next-urgent' }, at: now }])
  t.equal(f.ctx.get('ticketId'), '01JTICKET')
})

void t.test('an aborted call raises nothing', async (t) => {
  const f = fakeStepContext([])
  f.abort.abort()
  await t.rejects(ticketStep.run(ticket, f.ctx, f.signal), { code: 'HC_ABORTED' })
  t.same(f.ctx.vars(), {})
})
