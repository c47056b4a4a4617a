// The monthly report as CSV for Excel: one row per department and a 合计 (total) row.
//
// - UTF-8 with a byte-order mark: Excel opens a CSV without one in the system's ANSI code page
//   (GBK on a Chinese Windows) and garbles every Chinese character; with "\uFEFF" first it
//   reads UTF-8.
// - RFC 4180: fields separated by commas, lines ended by CRLF, a field holding a comma, a
//   quote or a line break enclosed in double quotes with its quotes doubled.
// - Header cells carry Chinese and English, `转接请求 (transfer requests)`.
// - Shares are percentages with two decimals (90.61 means 90.61 %), empty when there is
//   nothing to compute them over — never NaN or 0.
// - A text cell that starts with = + - @ (a department name from a directory edited by hand)
//   is prefixed with ' so a spreadsheet shows it instead of running it as a formula (OWASP,
//   "CSV Injection").
// - The month's calls (来电 …) are the whole line's, not a department's: their columns come
//   last and are filled on the 合计 row only, empty on the department rows.

import type { CallFigures } from '../../domain/call-figures.js'
import type { DepartmentReport, MonthlyReport, ReportFigures } from '../../domain/monthly-report.js'

export const CSV_BOM = '\uFEFF'

type Cell = string | number | null

interface Column {
  header: string
  value: (f: ReportFigures) => number | null
  percent?: boolean
}

/** The columns after the department's name and id, in order. */
export const CSV_COLUMNS: readonly Column[] = [
  { header: '转接请求 (transfer requests)', value: (f) => f.transfers.requests },
  { header: '转接成功 (connected)', value: (f) => f.transfers.all.connected },
  { header: '转接失败 (failed)', value: (f) => f.transfers.all.failed },
  { header: '来电方挂断取消 (cancelled)', value: (f) => f.transfers.all.cancelled },
  { header: '交换机中断 (switch lost)', value: (f) => f.transfers.all['switch-lost'] },
  { header: '转接中 (hunting)', value: (f) => f.transfers.all.hunting },
  { header: '转接成功率% (transferred successfully %)', value: (f) => f.transfers.all.rate, percent: true },
  { header: '工作时段成功率% (working time %)', value: (f) => f.transfers.workingTime.rate, percent: true },
  { header: '非工作时段成功率% (after hours %)', value: (f) => f.transfers.afterHours.rate, percent: true },
  { header: '次紧急工单 (next-urgent tickets)', value: (f) => f.tickets.nextUrgent.raised },
  { header: '24小时内办结 (closed within 24 h)', value: (f) => f.tickets.nextUrgent.closedWithin24h },
  { header: '未满24小时未办结 (pending)', value: (f) => f.tickets.nextUrgent.pending },
  { header: '24小时内办结率% (closed within 24 h %)', value: (f) => f.tickets.nextUrgent.closedWithin24hRate, percent: true },
  { header: '已办结 (closed)', value: (f) => f.tickets.nextUrgent.closed },
  { header: '已解决 (resolved)', value: (f) => f.tickets.nextUrgent.resolved },
  { header: '解决率% (resolved %)', value: (f) => f.tickets.nextUrgent.resolvedRate, percent: true },
  { header: '转接失败工单 (transfer-failed tickets)', value: (f) => f.tickets.transferFailed.raised },
  { header: '参评 (ratings)', value: (f) => f.satisfaction.rated },
  { header: '满意 (satisfied)', value: (f) => f.satisfaction.satisfied },
  { header: '基本满意 (basically satisfied)', value: (f) => f.satisfaction.basicallySatisfied },
  { header: '不满意 (dissatisfied)', value: (f) => f.satisfaction.dissatisfied },
  { header: '满意率% (satisfied %)', value: (f) => f.satisfaction.rate, percent: true }
]

interface CallColumn {
  header: string
  value: (c: CallFigures) => number | null
  format?: 'percent' | 'seconds'
}

/** The month's calls, after CSV_COLUMNS: on the 合计 row only. */
export const CSV_CALL_COLUMNS: readonly CallColumn[] = [
  { header: '来电 (calls offered)', value: (c) => c.offered },
  { header: '已完成 (completed)', value: (c) => c.completed },
  { header: '已服务 (served)', value: (c) => c.served },
  { header: '流程办结 (completed by design)', value: (c) => c.completedByDesign },
  { header: '放弃 (abandoned)', value: (c) => c.abandoned.total },
  { header: 'IVR放弃 (abandoned in the IVR)', value: (c) => c.abandoned.ivr },
  { header: '排队放弃 (abandoned in the queue)', value: (c) => c.abandoned.queue },
  { header: '振铃中放弃 (abandoned while an agent rang)', value: (c) => c.abandoned.ringingAgent },
  { header: '进入排队 (queued)', value: (c) => c.queued },
  { header: '排队放弃率% (queue abandon rate %)', value: (c) => c.queueAbandonRate, format: 'percent' },
  { header: '排队放弃平均等待秒 (average wait of queue abandons in s)', value: (c) => c.queueAbandonAvgWaitMs, format: 'seconds' },
  { header: '中断 (cut)', value: (c) => c.cut },
  { header: '失败 (failed)', value: (c) => c.failed },
  { header: '拒接 (refused)', value: (c) => c.refused }
]

export const CSV_HEADER: readonly string[] = [
  '部门 (department)', '部门编号 (department id)', ...CSV_COLUMNS.map((c) => c.header), ...CSV_CALL_COLUMNS.map((c) => c.header)
]

/** The total row's name. */
export const TOTAL_LABEL = '合计 (total)'

/** 0.90605 → "90.61"; null → "". */
export function percent (rate: number | null): string {
  return rate === null ? '' : (Math.round(rate * 10_000) / 100).toFixed(2)
}

function field (cell: Cell): string {
  if (cell === null) return ''
  if (typeof cell === 'number') return String(cell)
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** 12345.6 ms → "12.3" (seconds, one decimal); null → "". */
export function seconds (ms: number | null): string {
  return ms === null ? '' : (Math.round(ms / 100) / 10).toFixed(1)
}

function callCells (calls: CallFigures | undefined): Cell[] {
  return CSV_CALL_COLUMNS.map((c) => {
    if (calls === undefined) return null
    const v = c.value(calls)
    return c.format === 'percent' ? percent(v) : c.format === 'seconds' ? seconds(v) : v
  })
}

function row (name: string, id: string, figures: ReportFigures, calls?: CallFigures): Cell[] {
  return [name, id, ...CSV_COLUMNS.map((c) => {
    const v = c.value(figures)
    return c.percent === true ? percent(v) : v
  }), ...callCells(calls)]
}

/** The whole file, BOM first. */
export function monthlyCsv (report: MonthlyReport): string {
  const rows: Cell[][] = [
    [...CSV_HEADER],
    ...report.byDepartment.map((d: DepartmentReport) => row(d.name, d.departmentId, d)),
    row(TOTAL_LABEL, '', report.overall, report.calls)
  ]
  return CSV_BOM + rows.map((cells) => cells.map(field).join(',')).join('\r\n') + '\r\n'
}

/** `attachment` with an ASCII name and the Chinese one for browsers that read RFC 6266's filename*. */
export function csvDisposition (month: string): string {
  const ascii = `monthly-report-${month}.csv`
  const chinese = encodeURIComponent(`月度报表-${month}.csv`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${chinese}`
}
