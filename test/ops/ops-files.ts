// Shared by the ops tests: where the operations files are, running promtool, the metric names
// a PromQL expression selects, and the sample names a /metrics page exports.

import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'

export const ROOT = new URL('../../', import.meta.url).pathname
export const PROMETHEUS_DIR = join(ROOT, 'ops/prometheus')
export const ALERTS_FILE = join(PROMETHEUS_DIR, 'alerts.yml')
export const ALERT_TESTS_FILE = join(PROMETHEUS_DIR, 'alerts.test.yml')
export const PROMETHEUS_CONFIG = join(PROMETHEUS_DIR, 'prometheus.yml')
export const DASHBOARD_FILE = join(ROOT, 'ops/grafana/hotline-dashboard.json')

export interface Run { code: number, stdout: string, stderr: string }

/** Runs promtool (Debian package `prometheus`, installed by scripts/ensure-deps.sh --test). */
export async function promtool (args: string[], cwd = ROOT): Promise<Run> {
  return await new Promise((resolve, reject) => {
    execFile('promtool', args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new Error(`promtool could not run (${err.message}); install the Debian package prometheus: sh scripts/ensure-deps.sh --test`))
        return
      }
      resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr })
    })
  })
}

export interface AlertRule {
  alert: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export async function alertRules (): Promise<AlertRule[]> {
  const doc = parse(await readFile(ALERTS_FILE, 'utf8')) as { groups: Array<{ name: string, rules: AlertRule[] }> }
  return doc.groups.flatMap((group) => group.rules)
}

// --- PromQL ------------------------------------------------------------------------------

/** Words of PromQL that look like identifiers but never name a metric. */
const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool',
  'atan2', 'inf', 'nan', 'Inf', 'NaN'
])

/**
 * The metric names an expression selects. Not a full parser, enough for rules and panels:
 * strings, label matchers ({…}), ranges ([…]) and label lists (by (…), on (…), …) are blanked
 * first; what remains as an identifier not followed by `(` or by a `by`/`without` clause (a
 * function call or an aggregation) and not a keyword is a metric name. Durations and numbers
 * never start an identifier.
 */
export function metricNames (expr: string): string[] {
  const blank = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#.*$/gm, '')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1()')
  const names = new Set<string>()
  for (const match of blank.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*/g)) {
    const word = match[0]
    const after = blank.slice((match.index) + word.length).trimStart()
    // A function call, or an aggregation with its clause first: `sum by (le) (…)`.
    if (after.startsWith('(') || /^(by|without)\s*\(/.test(after) || KEYWORDS.has(word)) continue
    names.add(word)
  }
  return [...names].sort()
}

/**
 * The sample names a Prometheus text page exports, from its `# TYPE` lines: a metric
 * registered without samples yet (a labelled counter before its first event) still prints
 * HELP and TYPE with prom-client, so it counts. A histogram exports _bucket, _sum and _count,
 * a summary the name itself, _sum and _count; prom-client names counters with their _total.
 */
export function exportedSeries (text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) {
    const [, name = '', type] = match
    if (type === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix)
    } else if (type === 'summary') {
      for (const suffix of ['', '_sum', '_count']) names.add(name + suffix)
    } else {
      names.add(name)
    }
  }
  return names
}

// --- Grafana -----------------------------------------------------------------------------

export interface PanelTarget { refId?: string, expr?: string, datasource?: { type?: string, uid?: string } }
export interface Panel {
  id: number
  type: string
  title?: string
  gridPos: { x: number, y: number, w: number, h: number }
  datasource?: { type?: string, uid?: string }
  targets?: PanelTarget[]
  panels?: Panel[]
}
export interface TemplateVariable { name: string, type: string, query?: string | { query?: string }, datasource?: { uid?: string } }
export interface Dashboard {
  uid: string
  title: string
  schemaVersion: number
  panels: Panel[]
  templating: { list: TemplateVariable[] }
}

export async function dashboard (): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard
}

/** Every panel, those inside collapsed rows too. */
export function allPanels (panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])])
}

/** Grafana's interval variables, replaced by what Prometheus would see for a 5-minute step. */
const INTERVALS = ['$__rate_interval', '$__interval', '$__range', '${__rate_interval}', '${__interval}', '${__range}']

/**
 * A panel expression as Prometheus receives it: interval variables as 5m, the dashboard's
 * own variables (`$department`, `${instance}`) as `.*`, what "All" sends for them.
 */
export function substitute (expr: string, variables: readonly string[]): string {
  let out = expr
  for (const interval of INTERVALS) out = out.split(interval).join('5m')
  for (const name of variables) out = out.split(`\${${name}}`).join('.*').split(`$${name}`).join('.*')
  return out
}

/** The metric a `label_values(metric, label)` variable query reads. */
export function labelValuesMetric (query: string): string | undefined {
  return /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)$/.exec(query.trim())?.[1]
}
