// Schemas of the monthly report API (OpenAPI at /docs) and the mapping of a report to JSON.
// Only the listed fields ever leave: no call id, caller number or ticket text is in a report.

import { type Static, Type } from '@sinclair/typebox'
import type { DepartmentReport, ReportFigures } from '../../domain/monthly-report.js'
import { CallFiguresSchema } from '../../http/schemas.js'
import type { ServedReport } from './monthly-service.js'

export const MonthlyQuery = Type.Object({
  /** `YYYY-MM`; the current month (Asia/Shanghai) when absent. Checked in the handler for a clear reason. */
  month: Type.Optional(Type.String({ maxLength: 20, description: 'YYYY-MM, Asia/Shanghai calendar month; default: the current month' })),
  // A pattern rather than a union of literals: its 400 then names what is expected.
  format: Type.Optional(Type.String({ pattern: '^(json|csv)$', description: 'json or csv (the table for Excel; also chosen by Accept: text/csv)' }))
}, { additionalProperties: false })
export type MonthlyQueryT = Static<typeof MonthlyQuery>

const Rate = Type.Union([Type.Number(), Type.Null()])
const Count = Type.Integer({ minimum: 0 })

const Requests = Type.Object({
  counted: Count,
  connected: Count,
  failed: Count,
  cancelled: Count,
  'switch-lost': Type.Integer({ minimum: 0, description: 'the switch went away and the hunt could not finish: not counted' }),
  hunting: Count,
  rate: Rate
}, { description: 'rate = connected / (connected + failed) = connected / counted' })

const Transfers = Type.Object({
  requests: Type.Integer({ minimum: 0, description: 'every request made in the month: connected + failed + cancelled + switch-lost + hunting' }),
  all: Requests,
  workingTime: Requests,
  afterHours: Requests
})

const Tickets = Type.Object({
  raised: Count,
  closed: Count,
  closedWithin24h: Count,
  pending: Type.Integer({ minimum: 0, description: 'open and raised 24 h or less before the report: not yet decided' }),
  decided: Type.Integer({ minimum: 0, description: 'raised − pending: the base of closedWithin24hRate' }),
  closedWithin24hRate: Rate,
  resolved: Count,
  resolvedRate: Type.Union([Type.Number(), Type.Null()], { description: 'resolved / closed' })
})

const Satisfaction = Type.Object({
  rated: Count,
  satisfied: Count,
  basicallySatisfied: Count,
  dissatisfied: Count,
  rate: Type.Union([Type.Number(), Type.Null()], { description: '(satisfied + basicallySatisfied) / rated' }),
  strictRate: Type.Union([Type.Number(), Type.Null()], { description: 'satisfied / rated' })
})

/** The six published figures, picked out of the counts below them. */
const Headline = Type.Object({
  transferRequests: Count,
  transferSuccessRate: Rate,
  nextUrgentTickets: Count,
  closedWithin24hRate: Rate,
  resolvedRate: Rate,
  satisfiedRate: Rate
})

const Figures = {
  figures: Headline,
  transfers: Transfers,
  tickets: Type.Object({ nextUrgent: Tickets, transferFailed: Tickets, all: Tickets }),
  satisfaction: Satisfaction
}

const Iso = Type.String({ format: 'date-time' })

export const MonthlyAnswer = Type.Object({
  month: Type.String({ description: 'YYYY-MM' }),
  timeZone: Type.Literal('Asia/Shanghai'),
  since: Iso,
  until: Iso,
  at: Iso,
  complete: Type.Boolean({ description: 'false while the month is not over: its figures will still grow' }),
  callsUnread: Type.Integer({ minimum: 0, description: 'calls of the month with a transfer request whose call record the store no longer keeps: their satisfaction ratings are missing from satisfiedRate' }),
  overall: Type.Object(Figures),
  calls: Type.Object(CallFiguresSchema.properties, { description: "how the month's calls ended, the whole line: the day counts of the month's days summed (a call counts on the day it was offered)" }),
  byDepartment: Type.Array(Type.Object({
    departmentId: Type.String(),
    name: Type.String(),
    nameEn: Type.String(),
    ...Figures
  }))
})
export type MonthlyAnswerT = Static<typeof MonthlyAnswer>

export const CsvBody = Type.String({ description: 'UTF-8 with BOM, CRLF lines; header row in Chinese and English; one row per department, then 合计 (total)' })

type FiguresT = MonthlyAnswerT['overall']

function figuresJson (f: ReportFigures): FiguresT {
  return {
    figures: {
      transferRequests: f.transfers.requests,
      transferSuccessRate: f.transfers.all.rate,
      nextUrgentTickets: f.tickets.nextUrgent.raised,
      closedWithin24hRate: f.tickets.nextUrgent.closedWithin24hRate,
      resolvedRate: f.tickets.nextUrgent.resolvedRate,
      satisfiedRate: f.satisfaction.rate
    },
    transfers: f.transfers,
    tickets: f.tickets,
    satisfaction: f.satisfaction
  }
}

export function monthlyJson (report: ServedReport): MonthlyAnswerT {
  const iso = (ms: number): string => new Date(ms).toISOString()
  return {
    month: report.month,
    timeZone: 'Asia/Shanghai',
    since: iso(report.since),
    until: iso(report.until),
    at: iso(report.at),
    complete: report.complete,
    callsUnread: report.callsUnread,
    overall: figuresJson(report.overall),
    calls: report.calls,
    byDepartment: report.byDepartment.map((d: DepartmentReport) => ({
      departmentId: d.departmentId, name: d.name, nameEn: d.nameEn, ...figuresJson(d)
    }))
  }
}
