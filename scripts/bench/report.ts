// The figures `npm run bench` prints: one result object, shown as a table for people and as
// one JSON line for scripts (the last line of the output with --json). Counts of calls and
// transfers come from the controller's own Prometheus counters, so they are the figures an
// operator's dashboard would show for the same run.

import type { Metrics } from '../../src/metrics.js'
import type { MemoryFigures, Percentiles } from './probes.js'

export interface BenchResult {
  setup: {
    protocol: 'esl' | 'ari'
    store: 'memory' | 'redis'
    timeScale: number
    /** Offered load, calls per hour of simulated time. */
    rateCallsPerHour: number
    durationSec: number
    seed: number
  }
  calls: {
    offered: number
    completed: number
    activeAtEnd: number
    offeredPerSec: number
    completedPerSec: number
    /** Calls the controller ended, by final state (completed, abandoned, refused, failed). */
    byFinalState: Record<string, number>
  }
  /** Requests the synthetic agents made; the rest are finished requests as counted by the controller. */
  transfers: { requested: number, connected: number, failed: number, cancelled: number, attempts: number, attemptsAnswered: number }
  latencyMs: {
    callSetup: Percentiles | null
    transferDial: Percentiles | null
    api: Percentiles | null
    dashboardPush: Percentiles | null
  }
  apiErrors: number
  /** Polls answered 503 while the controller shed reads (overloaded). */
  apiShed: number
  eventLoopDelayMs: Percentiles
  memory: MemoryFigures
  notes: string[]
}

type Labelled = Record<string, number>

/** Sums a counter's values by one label. */
async function byLabel (metric: { get: () => Promise<{ values: Array<{ value: number, labels: Record<string, string | number | undefined> }> }> }, label: string): Promise<Labelled> {
  const out: Labelled = {}
  for (const { value, labels } of (await metric.get()).values) {
    const key = String(labels[label] ?? 'none')
    out[key] = (out[key] ?? 0) + value
  }
  return out
}

const total = (values: Labelled): number => Object.values(values).reduce((a, b) => a + b, 0)

export async function transferFigures (metrics: Metrics, requested: number): Promise<BenchResult['transfers']> {
  const requests = await byLabel(metrics.transferRequests, 'result')
  const attempts = await byLabel(metrics.transferAttempts, 'outcome')
  return {
    requested,
    connected: requests.connected ?? 0,
    failed: requests.failed ?? 0,
    cancelled: requests.cancelled ?? 0,
    attempts: total(attempts),
    attemptsAnswered: attempts.answered ?? 0
  }
}

export async function endedByFinalState (metrics: Metrics): Promise<Labelled> {
  return await byLabel(metrics.callsEnded, 'final_state')
}

const fixed = (n: number, digits = 1): string => n.toFixed(digits)

function latencyRow (p: Percentiles | null): string {
  if (p === null) return '—'
  return `p50 ${fixed(p.p50, 2)}  p90 ${fixed(p.p90, 2)}  p99 ${fixed(p.p99, 2)}  max ${fixed(p.max, 2)} ms  (n=${p.count})`
}

const kib = (v: number | undefined): string => v === undefined ? '—' : `${fixed(v)} KiB`

export function table (r: BenchResult): string {
  const rows: Array<[string, string]> = [
    ['switch / store', `${r.setup.protocol === 'esl' ? 'FreeSWITCH (ESL)' : 'Asterisk (ARI)'} simulator / ${r.setup.store}`],
    ['offered load', `${r.setup.rateCallsPerHour} calls/h simulated, time scale ${r.setup.timeScale}, ${fixed(r.setup.durationSec)} s`],
    ['calls offered / completed', `${r.calls.offered} / ${r.calls.completed}  (${r.calls.activeAtEnd} still up)`],
    ['calls/s offered / completed', `${fixed(r.calls.offeredPerSec, 2)} / ${fixed(r.calls.completedPerSec, 2)}`],
    ['calls ended by final state', Object.entries(r.calls.byFinalState).map(([k, v]) => `${k} ${v}`).join(', ') || '—'],
    ['transfers requested / connected / failed / cancelled', `${r.transfers.requested} / ${r.transfers.connected} / ${r.transfers.failed} / ${r.transfers.cancelled}`],
    ['transfer dials answered / made', `${r.transfers.attemptsAnswered} / ${r.transfers.attempts}`],
    ['call setup latency (dial → first prompt)', latencyRow(r.latencyMs.callSetup)],
    ['transfer dial latency (request → first dial)', latencyRow(r.latencyMs.transferDial)],
    ['API latency (GET /api/agents)', latencyRow(r.latencyMs.api) + (r.apiErrors > 0 ? `, ${r.apiErrors} errors` : '') + (r.apiShed > 0 ? `, ${r.apiShed} shed (503, overloaded)` : '')],
    ['dashboard push latency (agent change → snapshot)', latencyRow(r.latencyMs.dashboardPush)],
    ['event-loop delay', latencyRow(r.eventLoopDelayMs)],
    ['calls up at peak', String(r.memory.peakConcurrentCalls)],
    ['memory per call (heap / RSS at peak)', `${kib(r.memory.heapPerCallKiB)} / ${kib(r.memory.rssPerCallKiB)}`],
    ['memory per call retained (heap after GC)', kib(r.memory.retainedHeapPerCallKiB)],
    ['heap baseline / at peak, RSS at peak', `${r.memory.baselineHeapMiB} / ${r.memory.heapAtPeakMiB} MiB, ${r.memory.rssAtPeakMiB} MiB`]
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)
  for (const note of r.notes) lines.push(`note: ${note}`)
  return lines.join('\n')
}
