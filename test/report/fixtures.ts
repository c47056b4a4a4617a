// A fixed month of records for the monthly report's tests: February 2026 in Shanghai, with
// records on both sides of its edges. The figures they must give are worked out by hand in
// monthly-report.test.ts; the route and page tests write the same records into the stores.

import { type EndedCall, callDay, callIncrements } from '../../src/domain/call-figures.js'
import type { Store } from '../../src/ports/store.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { Ticket, TicketKind } from '../../src/domain/ticket-record.js'
import type { TransferRecord, TransferState } from '../../src/domain/transfer-record.js'

/** Epoch ms of a Shanghai wall-clock time (UTC+8): `cst('2026-02-03 09:00')`. */
export const cst = (text: string): number => Date.parse(`${text.replace(' ', 'T')}+08:00`)

/** 00:00 on 2026-02-01 in Shanghai = 2026-01-31T16:00:00Z. */
export const FEB_START = Date.parse('2026-01-31T16:00:00Z')
/** 00:00 on 2026-03-01 in Shanghai = 2026-02-28T16:00:00Z. */
export const MAR_START = Date.parse('2026-02-28T16:00:00Z')
/** When the report is made: 10:00 on 2026-03-01 (ticket k5 is then 14 h old and still open). */
export const REPORT_AT = cst('2026-03-01 10:00')

export const DEPARTMENTS = [
  { id: 'tax', name: '税务局', nameEn: 'Tax Bureau' },
  { id: 'market', name: '市场监督管理局', nameEn: 'Administration for Market Regulation' },
  { id: 'hrss', name: '人力资源和社会保障局', nameEn: 'Human Resources and Social Security Bureau' }
]

const MATTER: Record<string, string> = { tax: 'vat-invoice', market: 'business-license', hrss: 'social-insurance' }

function transfer (id: string, callId: string, requestedAt: number, departmentId: string, workingTime: boolean,
  state: TransferState, dials: DialOutcomeKind[]): TransferRecord {
  const matterId = MATTER[departmentId] ?? 'unknown'
  return {
    id,
    callId,
    matterId,
    departmentId,
    requestedAt,
    workingTime,
    state,
    attempts: dials.map((outcome, index) => ({
      number: `0215501${departmentId.length}00${index}`, matterId, departmentId, index, startedAt: requestedAt + index * 20_000, ringMs: 15_000, outcome
    }))
  }
}

// WT = the department's working time, AH = after hours.
export const TRANSFERS: TransferRecord[] = [
  transfer('t01', 'c01', cst('2026-02-02 09:30'), 'tax', true, 'connected', ['answered']),
  transfer('t02', 'c02', cst('2026-02-02 10:00'), 'tax', true, 'connected', ['busy', 'answered']),
  transfer('t03', 'c03', cst('2026-02-03 11:00'), 'tax', true, 'all-failed', ['busy', 'no-answer']),
  // The caller hung up while the only number rang: cancelled, apart.
  transfer('t04', 'c04', cst('2026-02-04 14:00'), 'tax', true, 'cancelled', ['cancelled']),
  // The caller hung up just as the specialist answered: connected (connection-rate.ts).
  transfer('t05', 'c05', cst('2026-02-05 18:00'), 'tax', false, 'cancelled', ['answered']),
  // Still hunting when the report is made: no result yet.
  transfer('t06', 'c06', cst('2026-02-27 16:00'), 'tax', true, 'hunting', ['no-answer']),
  transfer('t07', 'c07', cst('2026-02-10 18:30'), 'market', false, 'connected', ['answered']),
  transfer('t08', 'c08', cst('2026-02-11 19:00'), 'market', false, 'all-failed', ['rejected']),
  // One call, two requests: market first, then tax; its rating counts for market.
  transfer('t09', 'c09', cst('2026-02-12 10:00'), 'market', true, 'connected', ['answered']),
  transfer('t10', 'c09', cst('2026-02-12 10:20'), 'tax', true, 'all-failed', ['busy']),
  // The last millisecond of February, and the first of March.
  transfer('t11', 'c11', MAR_START - 1, 'tax', true, 'all-failed', ['no-answer']),
  transfer('t12', 'c12', MAR_START, 'tax', true, 'connected', ['answered']),
  // Call c13 ran over midnight into February: a request on each side of it.
  transfer('t14', 'c13', FEB_START - 1, 'tax', true, 'all-failed', ['busy']),
  transfer('t13', 'c13', FEB_START, 'tax', true, 'connected', ['answered'])
]

export const RATINGS: Record<string, string> = {
  c01: 'satisfied',
  c02: 'basically-satisfied',
  c03: 'dissatisfied',
  // c04: no rating given.
  c05: 'excellent', // not a survey value: ignored
  c07: 'satisfied',
  c09: 'dissatisfied',
  c11: 'satisfied',
  c12: 'satisfied', // March
  c13: 'basically-satisfied' // January (its first request)
}

/** The call records behind the transfers, with the survey's answer. */
export function callRecords (): CallRecord[] {
  const first = new Map<string, number>()
  for (const t of TRANSFERS) first.set(t.callId, Math.min(first.get(t.callId) ?? Infinity, t.requestedAt))
  return [...first].map(([callId, requestedAt]): CallRecord => ({
    callId,
    legId: `leg-${callId}`,
    controllerId: 'ctl-test',
    caller: '138****5678',
    startedAt: requestedAt - 120_000,
    endedAt: requestedAt + 600_000,
    finalState: 'completed',
    choices: Object.hasOwn(RATINGS, callId) ? { satisfaction: String(RATINGS[callId]) } : {},
    path: []
  }))
}

const H = 3_600_000

function ticket (id: string, kind: TicketKind, departmentId: string, createdAt: number,
  closed?: { after: number, resolved: boolean }): Ticket {
  const t: Ticket = {
    id,
    kind,
    callId: `tc-${id}`,
    departmentId,
    callbackNumber: '13812345678',
    choices: {},
    createdAt,
    dueAt: createdAt + 16 * H,
    status: closed === undefined ? 'open' : 'closed',
    history: [{ at: createdAt, status: 'open', by: 'controller' }]
  }
  if (closed !== undefined) {
    t.contactedAt = createdAt + closed.after / 2
    t.closedAt = createdAt + closed.after
    t.resolution = '已办理'
    t.resolved = closed.resolved
  }
  return t
}

export const TICKETS: Ticket[] = [
  ticket('k1', 'next-urgent', 'tax', cst('2026-02-02 18:00'), { after: 15 * H, resolved: true }),
  // Closed exactly 24 h after it was raised: within.
  ticket('k2', 'next-urgent', 'tax', cst('2026-02-03 18:00'), { after: 24 * H, resolved: false }),
  // One millisecond later: not within.
  ticket('k3', 'next-urgent', 'tax', cst('2026-02-04 18:00'), { after: 24 * H + 1, resolved: true }),
  // Open for two days at the report: late.
  ticket('k4', 'next-urgent', 'tax', cst('2026-02-27 09:00')),
  // Open, raised 14 h before the report: pending.
  ticket('k5', 'next-urgent', 'tax', cst('2026-02-28 20:00')),
  ticket('k6', 'next-urgent', 'market', cst('2026-02-10 19:00'), { after: 15 * H, resolved: true }),
  ticket('k7', 'next-urgent', 'market', FEB_START, { after: 5 * H, resolved: true }),
  ticket('k8', 'next-urgent', 'market', FEB_START - 1, { after: 5 * H, resolved: true }),
  ticket('k9', 'next-urgent', 'tax', MAR_START, { after: 1 * H, resolved: true }),
  ticket('f1', 'transfer-failed', 'tax', cst('2026-02-05 10:00'), { after: 2 * H, resolved: true }),
  ticket('f2', 'transfer-failed', 'market', cst('2026-02-06 10:00')),
  // No matter, no category: the hotline's dispatch desk.
  ticket('d1', 'next-urgent', 'hotline-dispatch', cst('2026-02-07 20:00'), { after: 13 * H, resolved: false })
]

/** An ended call of the month, as its day's counts know it (its id only names it here). */
export interface EndedCallFixture extends EndedCall {
  id: string
  startedAt: number
}

const SEAT = { group: 'enterprise-seat', enqueuedAt: 0 }

/** Calls as the controller counts them when they end, on the day each was offered (`startedAt`). */
export const ENDED_CALLS: EndedCallFixture[] = [
  // The last millisecond of January: January's.
  { id: 'e01', startedAt: FEB_START - 1, finalState: 'completed', reason: 'served', queue: SEAT },
  { id: 'e02', startedAt: FEB_START, finalState: 'completed', reason: 'served', queue: SEAT },
  { id: 'e03', startedAt: cst('2026-02-02 09:30'), finalState: 'completed', reason: 'served', queue: SEAT },
  { id: 'e04', startedAt: cst('2026-02-02 18:00'), finalState: 'completed', reason: 'ticket' },
  { id: 'e05', startedAt: cst('2026-02-03 11:00'), finalState: 'abandoned', reason: 'hung up in the IVR', abandon: { phase: 'ivr', waitedMs: 12_000 } },
  { id: 'e06', startedAt: cst('2026-02-03 11:05'), finalState: 'abandoned', reason: 'hung up in the queue', abandon: { phase: 'queue', waitedMs: 30_000 }, queue: SEAT },
  { id: 'e07', startedAt: cst('2026-02-04 14:00'), finalState: 'abandoned', reason: 'hung up while an agent rang', abandon: { phase: 'ringing-agent', waitedMs: 50_000 }, queue: SEAT },
  { id: 'e08', startedAt: cst('2026-02-05 09:00'), finalState: 'abandoned', reason: 'hung up in the queue', abandon: { phase: 'queue', waitedMs: 100_000 }, queue: SEAT },
  { id: 'e09', startedAt: cst('2026-02-10 18:00'), finalState: 'refused', reason: 'shutting down' },
  { id: 'e10', startedAt: cst('2026-02-11 19:00'), finalState: 'cut', reason: 'switch-lost' },
  { id: 'e11', startedAt: cst('2026-02-12 10:00'), finalState: 'failed', reason: 'HC_INTERNAL' },
  // The last millisecond of February (to the ordinary line: by design), and the first of March.
  { id: 'e12', startedAt: MAR_START - 1, finalState: 'completed', reason: 'to-ordinary' },
  { id: 'e13', startedAt: MAR_START, finalState: 'abandoned', reason: 'hung up in the IVR', abandon: { phase: 'ivr', waitedMs: 4_000 } }
]

/**
 * February's counts, summed by hand from e02–e12: 11 offered; completed e02 e03 (served), e04
 * e12 (by design); abandoned e05 (IVR, 12 s), e06 e08 (queue, 30 s + 100 s), e07 (ringing,
 * 50 s); refused e09; cut e10 (switch lost); failed e11; queued e02 e03 e06 e07 e08.
 */
export const FEB_CALL_COUNTS: Record<string, number> = {
  offered: 11,
  completed: 4,
  'completed:served': 2,
  'completed:by-design': 2,
  abandoned: 4,
  'abandoned:ivr': 1,
  'abandoned:queue': 2,
  'abandoned:ringing-agent': 1,
  'abandon-wait-ms:ivr': 12_000,
  'abandon-wait-ms:queue': 130_000,
  'abandon-wait-ms:ringing-agent': 50_000,
  refused: 1,
  cut: 1,
  'cut:switch-lost': 1,
  failed: 1,
  queued: 5
}

/** Adds each ended call to its day's counts, as the controller does when the call ends. */
export async function countEndedCalls (store: Pick<Store, 'addCallCounts'>): Promise<void> {
  for (const call of ENDED_CALLS) await store.addCallCounts(callDay(call.startedAt), callIncrements(call))
}
