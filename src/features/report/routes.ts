// REST API of the monthly report (月度报表), for supervisors and admins:
//
//   GET /api/reports/monthly[?month=YYYY-MM][&format=json|csv]
//
// JSON by default; CSV for Excel with `format=csv`, or with `Accept: text/csv` when no format
// is named (an explicit format wins over the header). The month is an Asia/Shanghai calendar
// month, the current one when absent. A month that is not `YYYY-MM`, before 2000, or after
// the current month is a 400 that says so: a future month has no records, and an empty table
// for it would read as a month without work. Definitions: docs/report.md.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { FIRST_REPORT_YEAR, type MonthSpan, parseMonth } from '../../domain/monthly-report.js'
import { isHotlineError } from '../../errors.js'
import { BEARER, ERROR_RESPONSES, Failure, failureBody } from '../../http/schemas.js'
import { typeboxValidator } from '../../http/validator.js'
import { csvDisposition, monthlyCsv } from './csv.js'
import type { MonthlyReportService } from './monthly-service.js'
import { CsvBody, MonthlyAnswer, MonthlyQuery, type MonthlyQueryT, monthlyJson } from './schemas.js'

export interface ReportRoutesDeps {
  reports: MonthlyReportService
}

/** Why a month cannot be reported on; undefined when it can. */
export function monthProblem (text: string, current: MonthSpan): string | undefined {
  const span = parseMonth(text)
  if (span === undefined) return `month: expected YYYY-MM with a month 01–12, e.g. ${current.month}; got "${text}"`
  if (span.month < `${FIRST_REPORT_YEAR}-01`) return `month: ${span.month} is before ${FIRST_REPORT_YEAR}-01, the earliest month reported on`
  if (span.since > current.since) return `month: ${span.month} has not begun (the current month in Asia/Shanghai is ${current.month})`
  return undefined
}

function wantsCsv (request: FastifyRequest<{ Querystring: MonthlyQueryT }>): boolean {
  if (request.query.format !== undefined) return request.query.format === 'csv'
  const accept = request.headers.accept ?? ''
  return /(^|[\s,])text\/csv\b/i.test(accept)
}

function reportRoutes (app: FastifyInstance, deps: ReportRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const supervisors = app.requireRole(['supervisor', 'admin'])

  app.get<{ Querystring: MonthlyQueryT }>('/api/reports/monthly', {
    onRequest: supervisors,
    schema: {
      summary: 'Monthly report: transfer requests, transferred successfully, next-urgent tickets, closed within 24 h, resolved, satisfied — overall and per department',
      description: 'An Asia/Shanghai calendar month (default: the current one). JSON, or CSV for Excel (UTF-8 with BOM, Chinese and English header, one row per department and 合计) with format=csv or Accept: text/csv. 400 for a month that is malformed, before 2000-01 or not begun. Definitions of every figure: docs/report.md.',
      tags: ['reports'],
      security: BEARER,
      querystring: MonthlyQuery,
      response: {
        200: {
          description: 'The report',
          content: {
            'application/json': { schema: MonthlyAnswer },
            'text/csv': { schema: CsvBody }
          }
        },
        ...ERROR_RESPONSES,
        503: Failure
      }
    }
  }, async (request, reply) => {
    const current = deps.reports.currentMonth()
    const text = request.query.month ?? current.month
    const problem = monthProblem(text, current)
    if (problem !== undefined) return await reply.code(400).send(failureBody(400, 'HC_BAD_REQUEST', problem))
    const span = parseMonth(text) as MonthSpan
    let report
    try {
      report = await deps.reports.report(span)
    } catch (err) {
      if (!isHotlineError(err, 'HC_STORE')) throw err
      request.log.error({ err }, 'monthly report: records could not be read')
      return await reply.code(503).send(failureBody(503, 'HC_STORE', err.message))
    }
    // Figures of people's work: not for shared caches.
    void reply.header('cache-control', 'no-store')
    if (wantsCsv(request)) {
      return await reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', csvDisposition(report.month))
        .send(monthlyCsv(report))
    }
    return await reply.header('content-type', 'application/json; charset=utf-8').send(monthlyJson(report))
  })
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const reportRoutesPlugin = fp(reportRoutes, {
  name: 'hotline-report-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

export async function registerReportRoutes (app: FastifyInstance, deps: ReportRoutesDeps): Promise<void> {
  await app.register(reportRoutesPlugin, deps)
}
