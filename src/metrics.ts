// Prometheus metrics. Counters only count; rates are derived by the query, so several
// controllers add up. No per-call or per-caller labels (cardinality and personal data).

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { requestResult } from './domain/connection-rate.js'
import type { TransferRecord } from './domain/transfer-record.js'

export class Metrics {
  readonly registry = new Registry()
  readonly callsOffered: Counter
  readonly callsEnded: Counter<'final_state' | 'reason' | 'ended_by'>
  readonly callsQueued: Counter
  readonly callsAbandoned: Counter<'phase'>
  readonly abandonWait: Histogram<'phase'>
  readonly callsInState: Gauge<'state'>
  readonly callsInProgress: Gauge
  readonly callEndsUnstored: Gauge
  readonly callDuration: Histogram<'final_state'>
  readonly ivrInputs: Counter<'result'>
  readonly switchUp: Gauge<'vendor'>
  readonly switchReconnects: Counter<'vendor'>
  readonly calendarYearMissing: Gauge<'year'>
  readonly callErrors: Counter<'code'>
  readonly unexpectedErrors: Counter<'kind'>
  readonly promptsMissing: Gauge
  readonly promptsSkipped: Counter<'prompt'>
  readonly ticketsRaised: Counter<'kind'>
  readonly ticketsDelivered: Counter
  readonly ticketDeliveryFailures: Counter
  readonly ticketsDead: Gauge
  readonly ticketsOverdue: Gauge
  readonly ticketsOpen: Gauge
  readonly transferRequests: Counter<'department' | 'working_time' | 'result'>
  readonly transferAttempts: Counter<'department' | 'number' | 'working_time' | 'outcome'>
  readonly connectionRateBelowTarget: Gauge<'department'>
  readonly httpShed: Counter

  constructor () {
    collectDefaultMetrics({ register: this.registry })
    const registers = [this.registry]
    this.httpShed = new Counter({
      name: 'hotline_http_shed_total',
      help: 'Reads answered 503 at once while the event loop was overloaded (http/shedding.ts); probes are never shed',
      registers
    })
    this.callsOffered = new Counter({
      name: 'hotline_calls_offered_total', help: 'Calls offered to the controller by the switch', registers
    })
    this.callsEnded = new Counter({
      name: 'hotline_calls_ended_total',
      help: 'Calls ended, by final state, reason and who ended them (caller, controller, switch)',
      labelNames: ['final_state', 'reason', 'ended_by'],
      registers
    })
    // The queue's abandon rate, as contact centres reckon it:
    // sum(hotline_calls_abandoned_total{phase=~"queue|ringing-agent"}) / sum(hotline_calls_queued_total).
    this.callsQueued = new Counter({
      name: 'hotline_calls_queued_total', help: 'Calls that joined a queue to agents (once per call)', registers
    })
    this.callsAbandoned = new Counter({
      name: 'hotline_calls_abandoned_total',
      help: 'Callers who hung up before reaching a person, by where they were (ivr, queue, ringing-agent)',
      labelNames: ['phase'],
      registers
    })
    this.abandonWait = new Histogram({
      name: 'hotline_abandon_wait_seconds',
      help: 'How long an abandoning caller had waited where they hung up (the IVR from the answer, the queue from joining it)',
      labelNames: ['phase'],
      buckets: [5, 10, 20, 30, 60, 120, 180, 300, 600],
      registers
    })
    this.callsInState = new Gauge({
      name: 'hotline_calls_in_state',
      help: "This controller's calls in progress by state (offered … with-specialist)",
      labelNames: ['state'],
      registers
    })
    this.callsInProgress = new Gauge({
      name: 'hotline_calls_in_progress', help: 'Calls currently handled by this controller', registers
    })
    this.callEndsUnstored = new Gauge({
      name: 'hotline_call_ends_unstored',
      help: 'Calls ended whose final record the store has not taken yet (tried again until it does)',
      registers
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
    this.unexpectedErrors = new Counter({
      name: 'hotline_unexpected_errors_total',
      help: 'Errors nothing expected (a bug): the call it hit ends cleanly, the others go on',
      labelNames: ['kind'],
      registers
    })
    // Prompt ids are a fixed catalogue (ivr-flows/prompts.yaml): a bounded label.
    this.promptsMissing = new Gauge({
      name: 'hotline_prompts_missing',
      help: 'Prompts of the catalogue the switch has no sound file for, at the last check',
      registers
    })
    this.promptsSkipped = new Counter({
      name: 'hotline_prompts_skipped_total',
      help: 'Prompts a call should have heard but the switch could not play; the call went on without them',
      labelNames: ['prompt'],
      registers
    })
    this.ticketsRaised = new Counter({
      name: 'hotline_tickets_raised_total',
      help: 'Tickets raised to departments, by kind (next-urgent, transfer-failed)',
      labelNames: ['kind'],
      registers
    })
    this.ticketsDelivered = new Counter({
      name: 'hotline_tickets_delivered_total', help: 'Tickets delivered to a department webhook', registers
    })
    this.ticketDeliveryFailures = new Counter({
      name: 'hotline_ticket_delivery_failures_total',
      help: 'Failed webhook delivery attempts (error status, network error, timeout)',
      registers
    })
    // These three gauges describe the shared ticket store, so every controller on one Redis
    // reports the same figure: aggregate them with max(), not sum().
    this.ticketsDead = new Gauge({
      name: 'hotline_tickets_dead',
      help: 'Ticket deliveries parked as dead after too many failures (alarm above 0)',
      registers
    })
    this.ticketsOverdue = new Gauge({
      name: 'hotline_tickets_overdue',
      help: 'Tickets past their due time whose department has not contacted the business',
      registers
    })
    this.ticketsOpen = new Gauge({
      name: 'hotline_tickets_open', help: 'Tickets not yet closed (any status but closed)', registers
    })
    // Connection rate (接通率), docs/connection-rate.md. Labels are bounded by the directory
    // (departments, their transfer numbers); never a call, a caller or an agent.
    this.transferRequests = new Counter({
      name: 'hotline_transfer_requests_total',
      help: 'Finished three-way transfer requests by department, working time and result (connected, failed, cancelled, switch-lost)',
      labelNames: ['department', 'working_time', 'result'],
      registers
    })
    this.transferAttempts = new Counter({
      name: 'hotline_transfer_attempts_total',
      help: 'Dials of finished transfer requests by department, number, working time and normalised outcome',
      labelNames: ['department', 'number', 'working_time', 'outcome'],
      registers
    })
    this.connectionRateBelowTarget = new Gauge({
      name: 'hotline_connection_rate_below_target',
      help: "1 while a department's working-time connection rate today is below the target (over enough requests)",
      labelNames: ['department'],
      registers
    })
  }
}

/**
 * Counts a transfer request once it has finished (connected, all failed or cancelled): the
 * request and each of its dials. Call it exactly once per request, when it leaves `hunting`;
 * a record still hunting is not counted (returns false). The result follows the same rule as
 * the figures computed from stored records (domain/connection-rate.ts), so the two agree.
 */
export function countTransfer (metrics: Metrics, record: TransferRecord): boolean {
  const result = requestResult(record)
  if (result === undefined) return false
  const workingTime = record.workingTime ? 'true' : 'false'
  metrics.transferRequests.inc({ department: record.departmentId, working_time: workingTime, result })
  for (const attempt of record.attempts) {
    metrics.transferAttempts.inc({
      department: attempt.departmentId, number: attempt.number, working_time: workingTime, outcome: attempt.outcome
    })
  }
  return true
}
