// Gathers a month's records from the stores and hands them to the arithmetic
// (domain/monthly-report.ts): the transfer requests of the month, the tickets raised in it,
// the survey rating on the record of each call that asked for a transfer, and the call counts
// of the month's days.
//
// Reading a month of tickets: the ticket store has no time-range query. Its `list` answers
// newest first (createdAt descending, both adapters), so the month's tickets are the ones
// between the newest and the first ticket older than the month. The list is asked again with
// a larger limit until it reaches past the month's start or runs out; the tickets newer than
// the month are read too and dropped. That is exact, and bounded: past MAX_TICKETS_READ
// tickets the report is refused (503, HC_STORE) rather than answered from a truncated list.
// A `createdSince`/`createdUntil` range on TicketQuery (ZREVRANGEBYSCORE on the Redis
// `tickets` index, whose score is createdAt) would read the month alone: see docs/report.md.

import { daysBetween } from '../../domain/call-figures.js'
import { monthOf, monthlyReport, type DepartmentName, type MonthSpan, type MonthlyReport } from '../../domain/monthly-report.js'
import { HotlineError } from '../../errors.js'
import { FLOW_VARS } from '../../flows/step.js'
import type { Clock } from '../../ports/clock.js'
import type { Store } from '../../ports/store.js'
import type { CallRecord } from '../../domain/call-record.js'
import type { TicketStore } from '../../ports/ticket-store.js'
import type { Ticket } from '../../domain/ticket-record.js'
import type { TransferStore } from '../../ports/transfers.js'
import type { TransferRecord } from '../../domain/transfer-record.js'
import { DISPATCH_DEPARTMENT } from '../../tickets/flow-ticket-sink.js'

/** The first ticket list asks for this many; each further one for four times as many. */
export const FIRST_TICKET_PAGE = 1_000
/** The most tickets one report reads (the month's and every newer one). */
export const MAX_TICKETS_READ = 256_000
/** Calls last minutes; a call record older than this before the month made no earlier request. */
const LONGEST_CALL_MS = 24 * 3_600_000
/**
 * A report as served: `callsUnread` counts the month's calls with a transfer request whose call
 * record is no longer in the store (it keeps the newest records only, see docs/store.md), so
 * their satisfaction ratings are missing from the figures. Said, never hidden.
 */
export type ServedReport = MonthlyReport & { callsUnread: number }

/** Call records read at once. */
const CALL_READS = 32

/** The hotline's own dispatch desk (派单), where tickets go that no department owns. */
const DISPATCH_DESK: DepartmentName = { id: DISPATCH_DEPARTMENT, name: '12345 派单', nameEn: '12345 dispatch desk' }

export interface MonthlyReportDeps {
  store: TransferStore & Pick<Store, 'getCall' | 'callCounts'>
  tickets: Pick<TicketStore, 'list'>
  directory: { departments(): ReadonlyArray<{ id: string, name: string, nameEn: string }> }
  clock: Clock
}

/** The tickets of the store raised in [since, until), oldest first. */
export async function ticketsRaisedIn (store: Pick<TicketStore, 'list'>, since: number, until: number, max = MAX_TICKETS_READ): Promise<Ticket[]> {
  for (let limit = Math.min(FIRST_TICKET_PAGE, max); ; limit = Math.min(limit * 4, max)) {
    const newestFirst = await store.list({ limit })
    const oldest = newestFirst.at(-1)
    const reachedPast = oldest === undefined || oldest.createdAt < since
    if (newestFirst.length < limit || reachedPast) {
      return newestFirst.filter((t) => t.createdAt >= since && t.createdAt < until).reverse()
    }
    if (limit >= max) {
      throw new HotlineError('HC_STORE', `the month's tickets are beyond the newest ${max} tickets; the ticket store needs a time-range query to report on it`)
    }
  }
}

export class MonthlyReportService {
  readonly #deps: MonthlyReportDeps

  constructor (deps: MonthlyReportDeps) {
    this.#deps = deps
  }

  /** The month the clock is in. */
  currentMonth (): MonthSpan {
    return monthOf(this.#deps.clock.now())
  }

  /** The report rows: the directory's departments, and the hotline's dispatch desk for tickets no department owns. */
  departments (): DepartmentName[] {
    const listed = this.#deps.directory.departments().map((d) => ({ id: d.id, name: d.name, nameEn: d.nameEn }))
    if (!listed.some((d) => d.id === DISPATCH_DEPARTMENT)) listed.push(DISPATCH_DESK)
    return listed
  }

  async report (span: MonthSpan): Promise<ServedReport> {
    const at = this.#deps.clock.now()
    const { store } = this.#deps
    const [transfers, tickets, callCounts] = await Promise.all([
      store.listTransfers({ since: span.since, until: span.until }),
      ticketsRaisedIn(this.#deps.tickets, span.since, span.until),
      // The month's calls from the day counts: the call records of a month are not all kept.
      store.callCounts(daysBetween(span.since, span.until))
    ])
    const callIds = [...new Set(transfers.map((t) => t.callId))]
    const calls = await this.#calls(callIds)
    const ratings = new Map<string, string>()
    for (const call of calls) {
      const rating = call.choices[FLOW_VARS.satisfaction]
      if (rating !== undefined) ratings.set(call.callId, rating)
    }
    const earlierCalls = await this.#earlierCalls(span, calls)
    const report = monthlyReport({ span, at, transfers, tickets, ratings, earlierCalls, departments: this.departments(), callCounts })
    // The dispatch desk (when the directory does not list it) is a row only in a month it got
    // tickets: it owns no matter, so it never has transfers or ratings.
    const listed = this.#deps.directory.departments().some((d) => d.id === DISPATCH_DEPARTMENT)
    const desk = report.byDepartment.find((d) => d.departmentId === DISPATCH_DEPARTMENT)
    if (!listed && desk !== undefined && desk.tickets.all.raised === 0) {
      report.byDepartment = report.byDepartment.filter((d) => d !== desk)
    }
    return { ...report, callsUnread: callIds.length - calls.length }
  }

  async #calls (ids: readonly string[]): Promise<CallRecord[]> {
    const found: CallRecord[] = []
    for (let i = 0; i < ids.length; i += CALL_READS) {
      const batch = await Promise.all(ids.slice(i, i + CALL_READS).map(async (id) => await this.#deps.store.getCall(id)))
      for (const call of batch) if (call !== undefined) found.push(call)
    }
    return found
  }

  /**
   * Calls that began before the month and asked for a transfer before it too: their rating
   * was counted in that month. Only calls running over midnight at the month's start can be
   * such, so this reads a few hours of transfer records at most.
   */
  async #earlierCalls (span: MonthSpan, calls: readonly CallRecord[]): Promise<Set<string>> {
    const before = calls.filter((c) => c.startedAt < span.since)
    if (before.length === 0) return new Set()
    const from = Math.max(Math.min(...before.map((c) => c.startedAt)), span.since - LONGEST_CALL_MS)
    const ids = new Set(before.map((c) => c.callId))
    const earlier: TransferRecord[] = await this.#deps.store.listTransfers({ since: from, until: span.since })
    return new Set(earlier.filter((t) => ids.has(t.callId)).map((t) => t.callId))
  }
}
