// What a chaos run must leave behind, counted from three witnesses that do not share a memory:
// the switch (each caller's story, what is still on it), the store (call records, day
// figures, transfers, tickets) and the departments' webhook (what it took).
import { callDay } from '../../src/domain/call-figures.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import type { Store } from '../../src/ports/store.js'
import type { TicketStore } from '../../src/ports/ticket-store.js'
import type { PlacedCallStory, SimStatus } from '../../src/sim-main.js'
import type { WebhookReceiver } from './webhook-receiver.js'

export interface Invariant {
  name: string
  value: number | string
  target: number | 'all' | 'any'
  ok: boolean
}

export interface ChaosCounts {
  placed: number
  /** Callers a controller answered, or that have a record. */
  reached: number
  oneFinalState: number
  /** Placed calls with more than one record, or a record without a final state (their leg ids). */
  badRecords: string[]
  countedTwice: number
  legsLeft: number
  roomsLeft: number
  /** Each placed caller's longest silence (ms). */
  silences: number[]
  ticketsRaised: number
  ticketsDelivered: number
  ticketsDuplicated: number
  ticketsLost: number
  servedAsAbandoned: number
  /** Final states of the records, e.g. { completed: 12, abandoned: 3 }. */
  finalStates: Record<string, number>
}

export interface Witnesses {
  placed: readonly string[]
  stories: readonly PlacedCallStory[]
  status: SimStatus
  store: Store
  tickets: TicketStore
  receiver: WebhookReceiver
}

export async function countInvariants (w: Witnesses): Promise<ChaosCounts> {
  const records = await w.store.listCalls({})
  const byLeg = new Map<string, CallRecord[]>()
  for (const record of records) byLeg.set(record.legId, [...(byLeg.get(record.legId) ?? []), record])
  const stories = new Map(w.stories.map((s) => [s.id, s]))
  let reached = 0
  let oneFinalState = 0
  let servedAsAbandoned = 0
  const badRecords: string[] = []
  for (const id of w.placed) {
    const story = stories.get(id)
    const mine = byLeg.get(id) ?? []
    // A caller the switch never answered and no controller recorded never reached one.
    if (story?.answered !== true && mine.length === 0) continue
    reached += 1
    if (mine.length === 1 && mine[0]?.finalState !== undefined) oneFinalState += 1
    else badRecords.push(id)
    if (story?.talked === true && mine.some((r) => r.finalState === 'abandoned')) servedAsAbandoned += 1
  }
  const finalStates: Record<string, number> = {}
  for (const record of records) {
    if (record.finalState !== undefined) finalStates[record.finalState] = (finalStates[record.finalState] ?? 0) + 1
  }
  // Every final record counted once in its day's figures: offered = final records of the day.
  const days = [...new Set(records.filter((r) => r.finalState !== undefined).map((r) => callDay(r.startedAt)))]
  const figures = await Promise.all(days.map(async (day) => ({ day, counts: await w.store.callCounts([day]) })))
  let countedTwice = 0
  for (const { day, counts } of figures) {
    const ended = records.filter((r) => r.finalState !== undefined && callDay(r.startedAt) === day).length
    countedTwice += Math.max(0, (counts.offered ?? 0) - ended)
  }

  const raised = await w.tickets.list({ limit: 100_000 })
  const delivered = raised.filter((t) => w.receiver.taken.has(t.id)).length
  const storeDuplicates = new Map<string, number>()
  for (const t of raised) storeDuplicates.set(`${t.callId} ${t.kind}`, (storeDuplicates.get(`${t.callId} ${t.kind}`) ?? 0) + 1)
  const duplicated = new Set([
    ...[...storeDuplicates].filter(([, n]) => n > 1).map(([key]) => key),
    ...w.receiver.duplicates().map((d) => `${d.callId} ${d.kind}`)
  ])
  // Lost: raised and never delivered, or a hunt that failed with no ticket behind it.
  const transfers = await w.store.listTransfers({ since: 0, until: Number.MAX_SAFE_INTEGER })
  const ids = new Set(raised.map((t) => t.id))
  const unticketed = transfers.filter((t) => t.state === 'all-failed' && (t.ticketId === undefined || !ids.has(t.ticketId))).length
  return {
    placed: w.placed.length,
    reached,
    oneFinalState,
    badRecords,
    countedTwice,
    legsLeft: w.status.channels,
    roomsLeft: w.status.conferences,
    silences: w.stories.map((s) => s.longestSilenceMs),
    ticketsRaised: raised.length,
    ticketsDelivered: delivered,
    ticketsDuplicated: duplicated.size,
    ticketsLost: raised.length - delivered + unticketed,
    servedAsAbandoned,
    finalStates
  }
}
