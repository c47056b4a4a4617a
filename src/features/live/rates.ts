// The connection-rate (接通率) part of the snapshot: the stats service's figures for a window
// (stats/connection-rate-service.ts, arithmetic in domain/connection-rate.ts) turned into rows
// the page draws, with department and matter names from the directory. Every department of
// the directory has a row, traffic or not, so the chart always shows the whole line.

import { type Figures, type SplitFigures, belowTarget, emptyAttempts, emptyRequests } from '../../domain/connection-rate.js'
import type { Directory } from '../../domain/directory.js'
import type { ConnectionRateResult } from '../../stats/connection-rate-service.js'
import type { NumberRowT, RateRowT, RateWindowT } from './schema.js'

export type RateDirectory = Pick<Directory, 'department' | 'departments' | 'matter'>

const iso = (ms: number): string => new Date(ms).toISOString()

function row (id: string, name: string, figures: SplitFigures, rule: { target: number, minCounted: number }): RateRowT {
  const wt = figures.workingTime
  return {
    id,
    name,
    rate: wt.requests.rate,
    counted: wt.requests.counted,
    connected: wt.requests.connected,
    failed: wt.requests.failed,
    cancelled: wt.requests.cancelled,
    hunting: wt.requests.hunting,
    allRate: figures.all.requests.rate,
    allCounted: figures.all.requests.counted,
    attemptRate: wt.attempts.rate,
    belowTarget: belowTarget(wt, rule)
  }
}

function emptySplit (): SplitFigures {
  const none = (): Figures => ({ requests: emptyRequests(), attempts: emptyAttempts() })
  return { workingTime: none(), afterHours: none(), all: none() }
}

export function rateWindow (result: ConnectionRateResult, directory: RateDirectory): RateWindowT {
  const rule = { target: result.target, minCounted: result.minAttemptsForAlarm }
  const departmentName = (id: string): string => directory.department(id)?.name ?? id
  const seen = new Map(result.byDepartment.map((d) => [d.departmentId, d]))
  const ids = [...new Set([...directory.departments().map((d) => d.id), ...seen.keys()])]
  const byDepartment = ids.map((id) => row(id, departmentName(id), seen.get(id) ?? emptySplit(), rule))
  const byMatter = result.byMatter.map((m) => ({
    ...row(m.matterId, directory.matter(m.matterId)?.name ?? m.matterId, m, rule),
    departmentId: m.departmentId,
    departmentName: departmentName(m.departmentId)
  }))
  const byNumber = result.byNumber.map((n): NumberRowT => {
    const o = n.all.outcomes
    return {
      number: n.number,
      departmentNames: n.departmentIds.map(departmentName),
      rate: n.all.rate,
      counted: n.all.counted,
      answered: n.all.answered,
      busy: o.busy,
      noAnswer: o['no-answer'],
      other: o.rejected + o.unreachable + o.failed,
      workingRate: n.workingTime.rate
    }
  })
  return {
    name: result.window.name,
    since: iso(result.window.since),
    until: iso(result.window.until),
    overall: row('all', '全部 (all)', result.overall, rule),
    byDepartment,
    byMatter,
    byNumber,
    departmentsBelowTarget: result.departmentsBelowTarget
  }
}
