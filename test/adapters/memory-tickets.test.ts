import t from 'tap'
import { MemoryTicketStore } from '../../src/adapters/memory/memory-tickets.js'
import { ticketStoreContract } from './ticket-store-contract.js'

void t.test('the ticket store contract', async (t) => {
  ticketStoreContract(t, async () => new MemoryTicketStore())
})

void t.test('what a caller holds is a copy', async (t) => {
  const store = new MemoryTicketStore()
  t.teardown(() => store.close())
  const { ticket } = await store.create({
    id: 'T1', kind: 'next-urgent', callId: 'c1', departmentId: 'tax', callbackNumber: '13812345678', choices: {},
    createdAt: 1, dueAt: 2, status: 'open', history: []
  }, undefined)
  ticket.choices.x = 'changed'
  ticket.history.push({ at: 3, status: 'closed', by: 'x' })
  t.same(await store.get('T1'), { ...ticket, choices: {}, history: [] })
})
