// The monthly report (月度报表) of the enterprise seat: the six figures the Shanghai enterprise
// line published for its first month (report 2023-03: "2399 transfer requests, 90.61 %
// transferred successfully, 277 next-urgent tickets, 90 % closed within 24 h, 96.2 % resolved,
// 92.3 % satisfied"), overall and per owning department. Pure: the records of the month and
// the instant of the report are handed in; nothing here reads a clock or a store.
//
// Definitions (docs/report.md says the same in prose):
//
// - Month: a calendar month in Asia/Shanghai, half-open [00:00 of the 1st, 00:00 of the next
//   1st), as luxon computes it (calendar-time.ts): March 2026 starts at 2026-02-28T16:00:00Z.
// - Transfer requests (转接请求): requests made in the month (`requestedAt`), whatever became of
//   them: connected + failed + cancelled + still hunting. How each one counts is
//   connection-rate.ts's `requestResult`, reused here so the report and the live figures
//   never disagree about one record.
// - Transferred successfully (转接成功率): connected / (connected + failed). A request the caller
//   cancelled during the hunt gave the department no chance to answer and is shown apart; one
//   still hunting has no result yet. Working time and after hours are also given apart.
// - Next-urgent tickets (次紧急工单): tickets of kind `next-urgent` raised in the month
//   (`createdAt`). Transfer-failed tickets (转接失败工单) get the same figures, apart.
// - Closed within 24 h (24小时内办结率): closedWithin24h / decided. A ticket is closed within
//   24 h when `closedAt - createdAt <= 24 h` (exactly 24 h is within). The base is every ticket
//   of the month whose outcome is known at the report's instant: closed (in time or late), or
//   still open more than 24 h after it was raised (late for sure). A ticket still open and
//   raised less than 24 h before the report is `pending` and left out until it is decided.
//   Closed tickets alone would be the wrong base: a ticket nobody ever closes would then never
//   count against the rate. For a month reported more than a day after its end, `decided` is
//   every ticket of the month.
// - Resolved (解决率): resolved / closed — of the month's tickets closed so far, those the
//   department closed with `resolved: true`. An open ticket has no resolution to count yet.
// - Satisfied (满意率): (满意 + 基本满意) / ratings given, from the survey after the agent
//   conversation (好差评; flows/steps/survey.ts: key 1 satisfied, 2 basically-satisfied,
//   3 dissatisfied). 基本满意 counts as satisfied, as 12345 satisfaction rates are commonly
//   reckoned ((满意 + 基本满意) / 参评); the strict share (满意 only) is given beside it. A caller
//   who gave no rating is in neither count. The ratings are those of the calls that made a
//   transfer request in the month: each call counts once, in the month and department of its
//   first transfer request (a call whose first request fell in the month before belongs to
//   that month).
//
// - Calls (来电): how the month's calls ended — offered, served, completed by design, abandoned
//   by phase, the queue abandon rate, cut, failed, refused — from the day counts of the
//   month's days summed (call-figures.ts), for the whole line only: a call has no department
//   until it asks for a transfer.
//
// Per department: transfers by their record's department, tickets by theirs, ratings by the
// department of the call's first request. The overall figures are computed from the counts
// (sums over every record), never as an average of departments' ratios, and every count of
// the overall row is the sum of the departments' rows.

import { type CallFigures, callFigures } from './call-figures.js'
import { type RequestFigures, emptyRequests, requestResult } from './connection-rate.js'
import { localMonth, monthOfInstant } from './calendar-time.js'
import type { Ticket, TicketKind } from './ticket-record.js'
import type { TransferRecord } from './transfer-record.js'
import type { Satisfaction } from './call-record.js'

/** A ticket closed this long after it was raised, or sooner, was closed within 24 h. */
export const CLOSE_WITHIN_MS = 24 * 3_600_000

/** The survey's values (flows/steps/survey.ts), in the order reports list them. */
export const RATINGS: readonly Satisfaction[] = ['satisfied', 'basically-satisfied', 'dissatisfied']

/** The earliest month a report is made for (months are checked against it). */
export const FIRST_REPORT_YEAR = 2000

export interface MonthSpan {
  /** `YYYY-MM`. */
  month: string
  /** Epoch ms of 00:00 on the 1st in Shanghai, included. */
  since: number
  /** Epoch ms of 00:00 on the next month's 1st in Shanghai, excluded. */
  until: number
}

/** The Shanghai calendar month of `YYYY-MM`; undefined when the text is not a real month. */
export function parseMonth (text: string): MonthSpan | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(text)
  if (m === null) return undefined
  const [year, month] = [Number(m[1]), Number(m[2])]
  if (month < 1 || month > 12) return undefined
  return monthSpan(year, month)
}

export function monthSpan (year: number, month: number): MonthSpan {
  const { key, since, until } = localMonth(year, month)
  return { month: key, since, until }
}

/** The Shanghai calendar month an instant falls in. */
export function monthOf (instant: number): MonthSpan {
  const { key, since, until } = monthOfInstant(instant)
  return { month: key, since, until }
}

/** Transfer requests of a month: every request made, and how they ended. */
export interface TransferFigures {
  /** Every request made in the month: connected + failed + cancelled + hunting. */
  requests: number
  /** Counts and success share (`rate` = connected / (connected + failed)); `all` = the two halves. */
  all: RequestFigures
  workingTime: RequestFigures
  afterHours: RequestFigures
}

/** Tickets of one kind (or of both) raised in the month. */
export interface TicketFigures {
  raised: number
  /** Closed by the report's instant (at any time after being raised). */
  closed: number
  closedWithin24h: number
  /** Still open, raised 24 h or less before the report: not yet decided either way. */
  pending: number
  /** raised − pending: the base of `closedWithin24hRate`. */
  decided: number
  /** closedWithin24h / decided; null when nothing is decided. */
  closedWithin24hRate: number | null
  /** Closed with `resolved: true`. */
  resolved: number
  /** resolved / closed; null when none is closed. */
  resolvedRate: number | null
}

export interface TicketKindFigures {
  nextUrgent: TicketFigures
  transferFailed: TicketFigures
  /** Both kinds together. */
  all: TicketFigures
}

export interface SatisfactionFigures {
  /** Calls that gave a rating. */
  rated: number
  satisfied: number
  basicallySatisfied: number
  dissatisfied: number
  /** (satisfied + basicallySatisfied) / rated; null without ratings. */
  rate: number | null
  /** satisfied / rated; null without ratings. */
  strictRate: number | null
}

export interface ReportFigures {
  transfers: TransferFigures
  tickets: TicketKindFigures
  satisfaction: SatisfactionFigures
}

export interface DepartmentName {
  id: string
  /** Chinese name, as the directory has it (the id for a department it does not know). */
  name: string
  nameEn: string
}

export interface DepartmentReport extends ReportFigures {
  departmentId: string
  name: string
  nameEn: string
}

export interface MonthlyReport extends MonthSpan {
  /** The instant the figures were computed (tickets' `pending` is judged against it). */
  at: number
  /** False while the month is not over at `at`: the figures will still grow. */
  complete: boolean
  overall: ReportFigures
  /** The directory's departments in its order, then any other department met, by id. */
  byDepartment: DepartmentReport[]
  /** How the month's calls ended, the whole line (no department: see the header). */
  calls: CallFigures
}

export interface MonthlyInput {
  span: MonthSpan
  at: number
  /** Transfer requests made in the month (others are ignored). */
  transfers: readonly TransferRecord[]
  /** Tickets raised in the month (others are ignored). */
  tickets: readonly Ticket[]
  /** The survey answer on each call's record (`choices.satisfaction`), by call id. */
  ratings: ReadonlyMap<string, string>
  /** Calls that made a transfer request before the month: their rating belongs to that month. */
  earlierCalls?: ReadonlySet<string>
  /** Rows of the report, in order (usually the directory's departments). */
  departments: readonly DepartmentName[]
  /** The call counts of the month's days, summed (Store.callCounts of `daysBetween(since, until)`). */
  callCounts: Readonly<Record<string, number>>
}

function ratio (part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole
}

function emptyTransfers (): TransferFigures {
  return { requests: 0, all: emptyRequests(), workingTime: emptyRequests(), afterHours: emptyRequests() }
}

export function emptyTickets (): TicketFigures {
  return { raised: 0, closed: 0, closedWithin24h: 0, pending: 0, decided: 0, closedWithin24hRate: null, resolved: 0, resolvedRate: null }
}

function emptySatisfaction (): SatisfactionFigures {
  return { rated: 0, satisfied: 0, basicallySatisfied: 0, dissatisfied: 0, rate: null, strictRate: null }
}

function emptyFigures (): ReportFigures {
  return {
    transfers: emptyTransfers(),
    tickets: { nextUrgent: emptyTickets(), transferFailed: emptyTickets(), all: emptyTickets() },
    satisfaction: emptySatisfaction()
  }
}

function addTransfer (f: TransferFigures, record: TransferRecord): void {
  const result = requestResult(record)
  f.requests++
  for (const half of [f.all, record.workingTime ? f.workingTime : f.afterHours]) {
    if (result === undefined) half.hunting++
    else half[result]++
  }
}

/** How one ticket counts at `at`. */
export function ticketOutcome (ticket: Ticket, at: number): 'within' | 'late' | 'pending' {
  if (ticket.closedAt !== undefined) return ticket.closedAt - ticket.createdAt <= CLOSE_WITHIN_MS ? 'within' : 'late'
  return at - ticket.createdAt > CLOSE_WITHIN_MS ? 'late' : 'pending'
}

function addTicket (f: TicketFigures, ticket: Ticket, at: number): void {
  f.raised++
  const outcome = ticketOutcome(ticket, at)
  if (outcome === 'pending') f.pending++
  if (outcome === 'within') f.closedWithin24h++
  if (ticket.closedAt !== undefined) {
    f.closed++
    if (ticket.resolved === true) f.resolved++
  }
}

function addRating (f: SatisfactionFigures, rating: Satisfaction): void {
  f.rated++
  if (rating === 'satisfied') f.satisfied++
  else if (rating === 'basically-satisfied') f.basicallySatisfied++
  else f.dissatisfied++
}

/** Fills in the totals and rates from the counts. */
function settle (f: ReportFigures): void {
  for (const r of [f.transfers.all, f.transfers.workingTime, f.transfers.afterHours]) {
    r.counted = r.connected + r.failed
    r.rate = ratio(r.connected, r.counted)
  }
  for (const t of [f.tickets.nextUrgent, f.tickets.transferFailed, f.tickets.all]) {
    t.decided = t.raised - t.pending
    t.closedWithin24hRate = ratio(t.closedWithin24h, t.decided)
    t.resolvedRate = ratio(t.resolved, t.closed)
  }
  const s = f.satisfaction
  s.rate = ratio(s.satisfied + s.basicallySatisfied, s.rated)
  s.strictRate = ratio(s.satisfied, s.rated)
}

const KIND_KEY: Record<TicketKind, 'nextUrgent' | 'transferFailed'> = { 'next-urgent': 'nextUrgent', 'transfer-failed': 'transferFailed' }

const isRating = (value: string | undefined): value is Satisfaction => RATINGS.includes(value as Satisfaction)

const inSpan = (span: MonthSpan, instant: number): boolean => instant >= span.since && instant < span.until

/**
 * The rated calls of the month and the department each counts for: the department of the
 * call's first transfer request in the month, unless the call made one before the month.
 */
export function ratedCalls (input: Pick<MonthlyInput, 'span' | 'transfers' | 'ratings' | 'earlierCalls'>): Array<{ callId: string, departmentId: string, rating: Satisfaction }> {
  const first = new Map<string, TransferRecord>()
  for (const record of input.transfers) {
    if (!inSpan(input.span, record.requestedAt) || input.earlierCalls?.has(record.callId) === true) continue
    const seen = first.get(record.callId)
    // Ties at the same instant go by request id, so the answer does not depend on list order.
    if (seen === undefined || record.requestedAt < seen.requestedAt || (record.requestedAt === seen.requestedAt && record.id < seen.id)) {
      first.set(record.callId, record)
    }
  }
  const rated: Array<{ callId: string, departmentId: string, rating: Satisfaction }> = []
  for (const [callId, record] of first) {
    const rating = input.ratings.get(callId)
    if (isRating(rating)) rated.push({ callId, departmentId: record.departmentId, rating })
  }
  return rated
}

/** The month's figures, overall and per department. */
export function monthlyReport (input: MonthlyInput): MonthlyReport {
  const { span, at } = input
  const overall = emptyFigures()
  const rows = new Map<string, DepartmentReport>()
  const row = (departmentId: string): DepartmentReport => {
    let found = rows.get(departmentId)
    if (found === undefined) {
      found = { departmentId, name: departmentId, nameEn: departmentId, ...emptyFigures() }
      rows.set(departmentId, found)
    }
    return found
  }
  for (const d of input.departments) rows.set(d.id, { departmentId: d.id, name: d.name, nameEn: d.nameEn, ...emptyFigures() })
  const listed = rows.size

  for (const record of input.transfers) {
    if (!inSpan(span, record.requestedAt)) continue
    addTransfer(overall.transfers, record)
    addTransfer(row(record.departmentId).transfers, record)
  }
  for (const ticket of input.tickets) {
    if (!inSpan(span, ticket.createdAt)) continue
    for (const f of [overall, row(ticket.departmentId)]) {
      addTicket(f.tickets[KIND_KEY[ticket.kind]], ticket, at)
      addTicket(f.tickets.all, ticket, at)
    }
  }
  for (const { departmentId, rating } of ratedCalls(input)) {
    addRating(overall.satisfaction, rating)
    addRating(row(departmentId).satisfaction, rating)
  }

  settle(overall)
  const all = [...rows.values()]
  for (const r of all) settle(r)
  // Departments the list did not name (a department since removed from the directory) follow it, by id.
  const extra = all.slice(listed).sort((a, b) => a.departmentId < b.departmentId ? -1 : a.departmentId > b.departmentId ? 1 : 0)
  return {
    ...span, at, complete: at >= span.until, overall, byDepartment: [...all.slice(0, listed), ...extra], calls: callFigures(input.callCounts)
  }
}
