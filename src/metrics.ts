// Prometheus metrics. Counters only count; rates are derived by the query, so several
// controllers add up. No per-call or per-caller labels (cardinality and personal data).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export class Metrics {
  readonly registry = new Registry()
  readonly callsOffered: Counter
  readonly callsEnded: Counter<'final_state' | 'reason'>
  readonly callsInProgress: Gauge
  readonly callDuration: Histogram<'final_state'>
  readonly ivrInputs: Counter<'result'>
  readonly switchUp: Gauge<'vendor'>
  readonly switchReconnects: Counter<'vendor'>
  readonly calendarYearMissing: Gauge<'year'>
  readonly callErrors: Counter<'code'>

  constructor () {
    collectDefaultMetrics({ register: this.registry })
    const registers = [this.registry]
    this.callsOffered = new Counter({
      name: 'hotline_calls_offered_total', help: 'Calls offered to the controller by the switch', registers
    })
    this.callsEnded = new Counter({
      name: 'hotline_calls_ended_total',
      help: 'Calls ended, by final state and reason',
      labelNames: ['final_state', 'reason'],
      registers
    })
    this.callsInProgress = new Gauge({
      name: 'hotline_calls_in_progress', help: 'Calls currently handled by this controller', registers
    })
    this.callDuration = new Histogram({
      name: 'hotline_call_duration_seconds',
      help: 'Call duration from offer to end',
      labelNames: ['final_state'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers
    })
    this.ivrInputs = new Counter({
      name: 'hotline_ivr_inputs_total',
      help: 'Menu inputs by result (digit pressed, timeout)',
      labelNames: ['result'],
      registers
    })
    this.switchUp = new Gauge({
      name: 'hotline_switch_up', help: '1 while the switch connection is up', labelNames: ['vendor'], registers
    })
    this.switchReconnects = new Counter({
      name: 'hotline_switch_disconnects_total',
      help: 'Times the switch connection was lost',
      labelNames: ['vendor'],
      registers
    })
    this.calendarYearMissing = new Gauge({
      name: 'hotline_calendar_year_missing',
      help: '1 for a year the working-day calendar needs but has no holiday data for',
      labelNames: ['year'],
      registers
    })
    this.callErrors = new Counter({
      name: 'hotline_call_errors_total',
      help: 'Errors inside calls, by error code (the call is ended cleanly)',
      labelNames: ['code'],
      registers
    })
  }
}
