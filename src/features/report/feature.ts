// The monthly report feature (月度报表): the six figures the Shanghai enterprise line published
// for its first month — transfer requests, transferred successfully, next-urgent tickets,
// closed within 24 h, resolved, satisfied — for any calendar month, overall and per
// department, as JSON, as CSV for Excel, and on the page report.html. Computed on request from
// the shared stores (transfer records, tickets, call records), so every controller on one
// Redis gives the same answer. Definitions: docs/report.md.

import type { Feature, FeatureContext } from '../context.js'
import { MonthlyReportService } from './monthly-service.js'
import { registerReportRoutes } from './routes.js'

export function startReportFeature (ctx: FeatureContext): Promise<Feature> {
  const reports = new MonthlyReportService({
    store: ctx.store,
    tickets: ctx.tickets.store,
    directory: ctx.directory,
    clock: ctx.clock
  })
  return Promise.resolve({
    name: 'reports',
    routes: async (app) => { await registerReportRoutes(app, { reports }) }
  })
}
