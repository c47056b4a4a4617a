// Tells the live pages when a ticket changed. The ticket service (tickets/ticket-service.ts)
// has no events, so its changing operations are wrapped on the one instance the controller
// shares (the flows, the tickets API and the delivery worker all hold that instance): after
// an operation that may have changed a ticket settles, `onChange` is called. What the
// operation returns or throws is passed on untouched. Tickets falling overdue with the
// passing of time change nothing stored; the dashboard's periodic refresh shows those.

import type { TicketService } from '../../tickets/ticket-service.js'

const CHANGING = ['raise', 'acknowledge', 'recordContact', 'close', 'markDelivered', 'redeliver'] as const

type Changing = typeof CHANGING[number]

/** Wraps the service's changing operations; returns the function that restores them. */
export function watchTicketService (service: TicketService, onChange: () => void): () => void {
  const target = service as unknown as Record<Changing, (...args: unknown[]) => Promise<unknown>>
  const own = new Map<Changing, boolean>()
  const originals = new Map<Changing, (...args: unknown[]) => Promise<unknown>>()
  const notify = (): void => {
    try {
      onChange()
    } catch {
      // A page's refresh must never reach the ticket's caller.
    }
  }
  for (const name of CHANGING) {
    const original = target[name]
    if (typeof original !== 'function') continue
    own.set(name, Object.prototype.hasOwnProperty.call(service, name))
    originals.set(name, original)
    target[name] = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      try {
        return await original.apply(service, args)
      } finally {
        notify()
      }
    }
  }
  return () => {
    for (const [name, original] of originals) {
      if (own.get(name) === true) target[name] = original
      else Reflect.deleteProperty(target, name)
    }
  }
}
