import t from 'tap'
import { loadDirectory } from '../../src/config/directory-schema.js'
import type { TicketSink } from '../../src/ports/tickets.js'
import type { Ticket, TicketRequest } from '../../src/domain/ticket-record.js'
import { DISPATCH_DEPARTMENT, flowTicketSink, owningDepartment } from '../../src/tickets/flow-ticket-sink.js'

const directory = await loadDirectory(new URL('../../config/directory.yaml', import.meta.url).pathname)

void t.test('the chosen matter decides the department', async (t) => {
  t.same(owningDepartment(directory, { matter: 'tax-invoice', category: '社保' }), { departmentId: 'tax', matterId: 'tax-invoice' })
})

void t.test('without a matter, the department owning most of the category', async (t) => {
  const owner = owningDepartment(directory, { category: '税务' })
  t.equal(owner.departmentId, 'tax')
  t.notOk('matterId' in owner)
})

void t.test('neither: the hotline dispatch desk', async (t) => {
  t.same(owningDepartment(directory, { priority: 'help' }), { departmentId: DISPATCH_DEPARTMENT })
  t.same(owningDepartment(directory, { matter: 'no-such-matter' }), { departmentId: DISPATCH_DEPARTMENT })
})

void t.test('a flow ticket becomes a ticket with the callback number and the choices', async (t) => {
  const raised: TicketRequest[] = []
  const sink: TicketSink = {
    raise: async (request) => {
      raised.push(request)
      return { id: 'T1' } as Ticket
    }
  }
  const result = await flowTicketSink(sink, directory).raise({
    kind: 'next-urgent', callId: 'c1', callerNumber: '02155550123', choices: { matter: 'hpf-deposit', priority: 'help' }, at: 1000
  }, new AbortController().signal)
  t.same(result, { ticketId: 'T1' })
  t.match(raised, [{ kind: 'next-urgent', callId: 'c1', departmentId: 'hpf', matterId: 'hpf-deposit', callbackNumber: '02155550123', at: 1000 }])
})
