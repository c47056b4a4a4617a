// The dial-test results as a plain-text table for a terminal (scripts/dial-test.ts): zh-CN
// column names with English beside them, columns padded by display width — a Chinese
// character takes two terminal cells (Unicode East Asian Width "W"/"F", UAX #11), so
// padding by string length would skew every row with a department name in it.

import { OUTCOME_LABELS, type DialTestOutcome } from './types.js'

/** The result fields the table shows (the API's JSON, instants as ISO strings). */
export interface TableRow {
  number: string
  departments: string[]
  matters: Array<{ name: string }>
  state: string
  outcome?: DialTestOutcome
  ringMs?: number
  cause?: string
  failed?: boolean
}

const COLUMNS = ['号码 (number)', '部门 (department)', '事项 (matters)', '结果 (outcome)', '振铃 (ring s)', '原因 (cause)'] as const

/** Cells a character takes in a terminal: 2 for East Asian wide and full-width forms. */
function cellWidth (codePoint: number): number {
  const wide = (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  return wide ? 2 : 1
}

export function displayWidth (text: string): number {
  let width = 0
  for (const ch of text) width += cellWidth(ch.codePointAt(0) ?? 0)
  return width
}

/** Cut to at most `max` cells, with `…` when cut. */
export function truncate (text: string, max: number): string {
  if (displayWidth(text) <= max) return text
  let out = ''
  let width = 0
  for (const ch of text) {
    const w = cellWidth(ch.codePointAt(0) ?? 0)
    if (width + w > max - 1) break
    out += ch
    width += w
  }
  return `${out}…`
}

function pad (text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

export function outcomeText (row: Pick<TableRow, 'state' | 'outcome' | 'failed'>): string {
  if (row.outcome === undefined) return row.state === 'dialling' ? '拨号中' : '未拨'
  return `${row.failed === true ? '✗ ' : ''}${OUTCOME_LABELS[row.outcome]} ${row.outcome}`
}

/** The table, one line per number, in the order given. */
export function resultTable (rows: readonly TableRow[], options: { mattersWidth?: number } = {}): string {
  const mattersWidth = options.mattersWidth ?? 28
  const cells = rows.map((r) => [
    r.number,
    r.departments.join('、'),
    truncate(r.matters.map((m) => m.name).join('、'), mattersWidth),
    outcomeText(r),
    r.ringMs === undefined ? '' : (r.ringMs / 1000).toFixed(1),
    r.cause ?? ''
  ])
  const widths = COLUMNS.map((c, i) => Math.max(displayWidth(c), ...cells.map((row) => displayWidth(row[i] ?? ''))))
  const line = (row: readonly string[]): string => row.map((cell, i) => pad(cell, widths[i] ?? 0)).join('  ').trimEnd()
  return [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')
}
