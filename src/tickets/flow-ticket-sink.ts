// The bridge from a flow's `ticket` step to the ticket service: it works out which department
// owns the caller's request from their choices — the chosen matter's department, else the
// department owning most matters of the chosen category — and raises the ticket there. A
// request with neither goes to the hotline's own dispatch desk (派单), where hotline staff
// assign it: it stays visible in the tickets API, never dropped.

import type { Directory } from '../domain/directory.js'
import type { FlowTicketRequest, FlowTicketSink } from '../flows/step.js'
import type { TicketSink } from '../ports/tickets.js'

/** Department id of the hotline's dispatch desk, for tickets with no matter or category. */
export const DISPATCH_DEPARTMENT = 'hotline-dispatch'

export function owningDepartment (directory: Directory, choices: Record<string, string>): { departmentId: string, matterId?: string } {
  const matter = choices.matter === undefined ? undefined : directory.matter(choices.matter)
  if (matter !== undefined) return { departmentId: matter.departmentId, matterId: matter.id }
  const category = choices.category
  if (category !== undefined) {
    const counts = new Map<string, number>()
    for (const m of directory.mattersByCategory(category)) counts.set(m.departmentId, (counts.get(m.departmentId) ?? 0) + 1)
    const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    if (best !== undefined) return { departmentId: best[0] }
  }
  return { departmentId: DISPATCH_DEPARTMENT }
}

export function flowTicketSink (tickets: TicketSink, directory: Directory): FlowTicketSink {
  return {
    raise: async (request: FlowTicketRequest) => {
      const owner = owningDepartment(directory, request.choices)
      const ticket = await tickets.raise({
        kind: request.kind,
        callId: request.callId,
        ...owner,
        callbackNumber: request.callerNumber,
        choices: request.choices,
        at: request.at
      })
      return { ticketId: ticket.id }
    }
  }
}
