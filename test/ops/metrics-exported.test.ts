// Every metric the alert rules and the Grafana dashboard name is one a running controller
// exports on /metrics: a renamed metric would otherwise leave an alert that can never fire.

import t from 'tap'
import { SCRAPE, startTestController } from '../helpers/controller.js'
import {
  allPanels, alertRules, dashboard, exportedSeries, labelValuesMetric, metricNames, substitute
} from './ops-files.js'

/** Prometheus's own series about a scrape, not the controller's. */
const FROM_PROMETHEUS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped'])

void t.test('metricNames finds the metrics of an expression and nothing else', async (t) => {
  t.same(metricNames('sum by (department) (increase(hotline_transfer_requests_total{result="connected",working_time="true"}[1h]))'),
    ['hotline_transfer_requests_total'])
  t.same(metricNames('(a_total or 0 * b_total) / on (instance) group_left (vendor) c < 0.9 and d >= 10'), ['a_total', 'b_total', 'c', 'd'])
  t.same(metricNames('absent(up{job="hotline-controller"})'), ['up'])
  t.same(metricNames('histogram_quantile(0.95, sum by (le) (rate(x_bucket{instance=~"a|b"}[5m] offset 1h)))'), ['x_bucket'])
  t.same(metricNames('count(hotline_switch_up == 1) or vector(0)'), ['hotline_switch_up'])
  t.same(metricNames('max_over_time(g{l="by (x)"}[1h:5m]) * 1e3'), ['g'])
})

void t.test('exportedSeries reads # TYPE lines, histogram suffixes included', async (t) => {
  const page = [
    '# HELP c_total A counter', '# TYPE c_total counter',
    '# HELP h A histogram', '# TYPE h histogram', 'h_bucket{le="1"} 0',
    '# HELP g A gauge', '# TYPE g gauge'
  ].join('\n')
  t.same([...exportedSeries(page)].sort(), ['c_total', 'g', 'h_bucket', 'h_count', 'h_sum'])
})

void t.test('every metric in alerts.yml and the Grafana dashboard is exported by the controller', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at: '2026-03-02T10:00:00+08:00' } })
  const res = await controller.app.inject({ url: '/metrics', headers: SCRAPE })
  t.equal(res.statusCode, 200)
  const exported = exportedSeries(res.body)
  // Labelled counters before their first event print HELP and TYPE only: they count.
  t.ok(exported.has('hotline_transfer_requests_total'), 'a metric without samples yet is listed')
  t.ok(exported.has('hotline_call_duration_seconds_bucket'), 'histograms are listed with their suffixes')

  const dash = await dashboard()
  const variables = dash.templating.list.map((v) => v.name)
  const used = new Map<string, string>()
  for (const rule of await alertRules()) {
    for (const name of metricNames(rule.expr)) used.set(name, `alert ${rule.alert}`)
  }
  for (const panel of allPanels(dash.panels)) {
    for (const target of panel.targets ?? []) {
      for (const name of metricNames(substitute(target.expr ?? '', variables))) used.set(name, `panel ${panel.id} ${target.refId ?? ''}`)
    }
  }
  for (const variable of dash.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? ''
    const name = labelValuesMetric(query)
    if (name !== undefined) used.set(name, `variable ${variable.name}`)
  }
  t.ok(used.size >= 15, `${used.size} metric names used`)

  for (const [name, where] of [...used].sort()) {
    if (FROM_PROMETHEUS.has(name)) continue
    t.ok(exported.has(name), `${name} (${where}) is exported`)
  }
})
