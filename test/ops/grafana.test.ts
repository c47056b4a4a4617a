// The Grafana dashboard in ops/grafana/: valid JSON Grafana imports (unique panel ids, a
// layout that fits, one data-source variable), and every panel expression valid PromQL for
// promtool once Grafana's variables are replaced as Grafana would.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { DASHBOARD_FILE, allPanels, dashboard, labelValuesMetric, promtool, substitute } from './ops-files.js'

const DS = '${DS_PROMETHEUS}'

void t.test('the dashboard is JSON Grafana imports: schema version, uid, unique panel ids', async (t) => {
  const text = await readFile(DASHBOARD_FILE, 'utf8')
  t.doesNotThrow(() => { JSON.parse(text) }, 'valid JSON')
  const dash = await dashboard()
  t.ok(dash.schemaVersion >= 36 && dash.schemaVersion <= 41, `schemaVersion ${dash.schemaVersion}`)
  t.match(dash.uid, /^[\w-]{1,40}$/, 'a uid Grafana accepts (at most 40 characters)')
  t.match(dash.title, /[\u4e00-\u9fff].*\(.+\)/, 'a Chinese title with English in brackets')
  const panels = allPanels(dash.panels)
  const ids = panels.map((panel) => panel.id)
  t.ok(ids.every((id) => Number.isInteger(id) && id > 0), 'positive integer ids')
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'no repeated id')
})

void t.test('panels fit the 24-column grid without overlapping', async (t) => {
  const panels = allPanels((await dashboard()).panels)
  for (const { id, gridPos: g } of panels) {
    t.ok(g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24, `panel ${id} inside the grid`)
  }
  const overlaps: string[] = []
  for (const [i, a] of panels.entries()) {
    for (const b of panels.slice(i + 1)) {
      const p = a.gridPos
      const q = b.gridPos
      if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) overlaps.push(`${a.id}/${b.id}`)
    }
  }
  t.same(overlaps, [], 'no two panels overlap')
})

void t.test('every query goes to the DS_PROMETHEUS variable, which is defined', async (t) => {
  const dash = await dashboard()
  const dsVar = dash.templating.list.find((v) => v.name === 'DS_PROMETHEUS')
  t.equal(dsVar?.type, 'datasource', 'DS_PROMETHEUS is a data-source variable')
  t.equal(dsVar?.query, 'prometheus', 'of Prometheus data sources')
  const queried = allPanels(dash.panels).filter((panel) => panel.type !== 'row')
  t.ok(queried.length >= 12, 'the panels were read')
  for (const panel of queried) {
    t.equal(panel.datasource?.uid, DS, `panel ${panel.id} data source`)
    const targets = panel.targets ?? []
    t.ok(targets.length > 0, `panel ${panel.id} has queries`)
    const refIds = targets.map((target) => target.refId)
    t.equal(new Set(refIds).size, refIds.length, `panel ${panel.id}: refIds unique`)
    for (const target of targets) {
      t.equal(target.datasource?.uid, DS, `panel ${panel.id} ${target.refId}: data source`)
      t.ok((target.expr ?? '').trim().length > 0, `panel ${panel.id} ${target.refId}: an expression`)
    }
  }
  for (const variable of dash.templating.list.filter((v) => v.type === 'query')) {
    t.equal(variable.datasource?.uid, DS, `variable ${variable.name} data source`)
  }
})

void t.test('every variable an expression uses is defined, and variable queries are label_values()', async (t) => {
  const dash = await dashboard()
  const defined = new Set(dash.templating.list.map((v) => v.name))
  const exprs = allPanels(dash.panels).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''))
  const used = new Set(exprs.flatMap((expr) => [...expr.matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1] ?? '')))
  for (const name of used) {
    if (name.startsWith('__')) continue
    t.ok(defined.has(name), `$${name} is a dashboard variable`)
  }
  for (const variable of dash.templating.list.filter((v) => v.type === 'query')) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? ''
    t.ok(labelValuesMetric(query), `variable ${variable.name}: ${query}`)
  }
})

void t.test('every panel expression is valid PromQL (promtool check rules)', async (t) => {
  const dash = await dashboard()
  const variables = dash.templating.list.map((v) => v.name)
  const rules = allPanels(dash.panels).flatMap((panel) => (panel.targets ?? []).map((target) => {
    const expr = substitute(target.expr ?? '', variables)
    return { record: `dashboard:panel_${panel.id}_${target.refId ?? ''}`, expr }
  }))
  t.ok(rules.length >= 20, `${rules.length} expressions`)
  for (const rule of rules) t.notMatch(rule.expr, /\$/, `${rule.record}: no variable left`)

  const dir = await mkdtemp(join(tmpdir(), 'hotline-dash-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'dashboard-rules.yml')
  await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }))
  const run = await promtool(['check', 'rules', file])
  t.equal(run.code, 0, run.stdout + run.stderr)
  t.match(run.stdout, `SUCCESS: ${rules.length} rules found`)

  // The same check refuses a broken expression: it is really looking.
  await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules: [...rules, { record: 'dashboard:broken', expr: 'sum by (department (hotline_tickets_open)' }] }] }))
  const broken = await promtool(['check', 'rules', file])
  t.not(broken.code, 0, 'a broken expression is refused')
})
