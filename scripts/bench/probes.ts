// What `npm run bench` measures while the traffic runs, each probe on its own: call setup
// (a caller dials → the first prompt plays to them), the transfer's first dial (the agent
// asks → the department's phone is dialled), API answers over real HTTP, the dashboard's push
// (an agent changes state → the next `snapshot` event of /api/live/stream), the event loop's
// delay, and memory against the number of calls up. Latencies go into HDR histograms
// (hdr-histogram-js) in microseconds, so percentiles are exact to three digits.

import { Agent, request } from 'node:http'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import * as hdr from 'hdr-histogram-js'
import type { ModelEvent, SimCallHandle } from '../../src/adapters/sim/model-types.js'
import type { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import type { Agents } from '../../src/calls/agents.js'
import type { CallManager } from '../../src/calls/call-manager.js'
import type { Directory, Matter } from '../../src/domain/directory.js'

export interface Percentiles { count: number, p50: number, p90: number, p99: number, max: number }

const round = (ms: number): number => Math.round(ms * 1000) / 1000

export class Latency {
  readonly #histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 })

  record (ms: number): void {
    this.#histogram.recordValue(Math.max(1, Math.round(ms * 1000)))
  }

  /** In milliseconds; undefined before anything was recorded. */
  summary (): Percentiles | undefined {
    const h = this.#histogram
    if (h.totalCount === 0) return undefined
    // A percentile is the top of its HDR bucket, which may lie above the largest value seen.
    const max = round(h.maxValue / 1000)
    const at = (p: number): number => Math.min(max, round(h.getValueAtPercentile(p) / 1000))
    return { count: h.totalCount, p50: at(50), p90: at(90), p99: at(99), max }
  }
}

/** placeCall → the first prompt starts playing to that caller. */
export function watchCallSetup (model: SimSwitch): { onPlaced: (call: SimCallHandle) => void, latency: Latency, stop: () => void } {
  const latency = new Latency()
  const placed = new Map<string, number>()
  const onEvent = (event: ModelEvent): void => {
    if (event.type !== 'playback-started' && event.type !== 'channel-hangup-complete') return
    const at = placed.get(event.channel.id)
    if (at === undefined) return
    placed.delete(event.channel.id)
    if (event.type === 'playback-started') latency.record(performance.now() - at)
  }
  model.on('event', onEvent)
  return {
    onPlaced: (call) => { placed.set(call.channel.id, performance.now()) },
    latency,
    stop: () => { model.off('event', onEvent) }
  }
}

/**
 * The agent asks for a transfer → the switch creates the leg to the first number of the
 * matter's hunt list. A dial is matched to the oldest request waiting on that number whose
 * transfer is ringing its first entry.
 */
export function watchTransferDials (model: SimSwitch, calls: Pick<CallManager, 'live'>, directory: Directory): {
  onTransferRequest: (callId: string, matter: Matter) => void, latency: Latency, stop: () => void
} {
  const latency = new Latency()
  const pending: Array<{ callId: string, number: string, at: number }> = []
  const onEvent = (event: ModelEvent): void => {
    if (event.type !== 'channel-created' || event.channel.direction !== 'outbound') return
    const number = event.channel.destination
    if (!directory.isDirectoryNumber(number)) return
    const now = performance.now()
    // Requests never dialled (refused, the caller gone) are dropped after a minute.
    while (pending.length > 0 && now - (pending[0]?.at ?? now) > 60_000) pending.shift()
    const i = pending.findIndex((p) => p.number === number && (calls.live(p.callId)?.ringing?.index ?? 0) === 0)
    const match = pending[i]
    if (match === undefined) return
    pending.splice(i, 1)
    latency.record(now - match.at)
  }
  model.on('event', onEvent)
  return {
    onTransferRequest: (callId, matter) => {
      const first = matter.hunt[0]
      if (first !== undefined) pending.push({ callId, number: first.number, at: performance.now() })
    },
    latency,
    stop: () => { model.off('event', onEvent) }
  }
}

/** GET `path` over HTTP one request after another, `intervalMs` apart, on one kept-alive connection. */
export function pollApi (base: string, path: string, token: string, intervalMs: number): {
  latency: Latency, errors: () => number, shed: () => number, stop: () => Promise<void>
} {
  const latency = new Latency()
  // Our own agent, destroyed at the end: an idle kept-alive socket would hold the server's
  // close until the client's keep-alive timeout.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const url = new URL(path, base)
  let errors = 0
  // 503 while the controller sheds reads under load (http/shedding.ts): its choice, not an error.
  let shed = 0
  let stopped = false
  const once = (): Promise<number> => new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now()
      try {
        const status = await once()
        if (status === 200) latency.record(performance.now() - started)
        else if (status === 503) shed++
        else errors++
      } catch {
        errors++
      }
      await sleep(intervalMs)
    }
  })()
  return {
    latency,
    errors: () => errors,
    shed: () => shed,
    stop: async () => {
      stopped = true
      await loop
      agent.destroy()
    }
  }
}

export interface DashboardProbe {
  /** Undefined when the stream could be read; else why not. */
  note: string | undefined
  latency: Latency
  stop: () => void
}

/**
 * Reads the dashboard's event stream as a page does (fetch with the bearer token) and times
 * each agent state change to the next `snapshot` event. A missing route is a note, not an
 * error: the live dashboard is a feature of its own.
 */
export async function watchDashboard (base: string, token: string, agents: Agents): Promise<DashboardProbe> {
  const latency = new Latency()
  const abort = new AbortController()
  let res: Response
  try {
    res = await fetch(new URL('/api/live/stream', base), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal })
  } catch (err) {
    return { note: `GET /api/live/stream failed: ${(err as Error).message}`, latency, stop: () => undefined }
  }
  if (!res.ok || res.body === null) {
    abort.abort()
    const note = res.status === 404
      ? 'GET /api/live/stream answered 404: no live dashboard in this build, push latency not measured'
      : `GET /api/live/stream answered ${res.status}: push latency not measured`
    return { note, latency, stop: () => undefined }
  }
  let changedAt: number | undefined
  const onChanged = (): void => { changedAt ??= performance.now() }
  agents.on('changed', onChanged)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  void (async () => {
    let buffer = ''
    let event = 'message'
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '')
        buffer = buffer.slice(newline + 1)
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line === '') {
          if (event === 'snapshot' && changedAt !== undefined) {
            latency.record(performance.now() - changedAt)
            changedAt = undefined
          }
          event = 'message'
        }
      }
    }
  })().catch(() => undefined)
  return {
    note: undefined,
    latency,
    stop: () => {
      agents.off('changed', onChanged)
      abort.abort()
    }
  }
}

export function eventLoopDelay (): { summary: () => Percentiles, stop: () => void } {
  const monitor = monitorEventLoopDelay({ resolution: 10 })
  monitor.enable()
  const ms = (ns: number): number => round(ns / 1e6)
  return {
    summary: () => ({
      count: monitor.count,
      p50: ms(monitor.percentile(50)),
      p90: ms(monitor.percentile(90)),
      p99: ms(monitor.percentile(99)),
      max: ms(monitor.max)
    }),
    stop: () => { monitor.disable() }
  }
}

/**
 * A full garbage collection, so heap figures count what is retained: V8's gc, which
 * `npm run bench` exposes (`tsx --expose-gc`). Started another way, the flag is set now, which
 * Node documents as unsupported after start but V8 honours for new contexts.
 */
export function collectGarbage (): void {
  const exposed = (globalThis as { gc?: () => void }).gc
  if (exposed !== undefined) {
    exposed()
    return
  }
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
}

export interface MemoryFigures {
  baselineHeapMiB: number
  peakConcurrentCalls: number
  heapAtPeakMiB: number
  rssAtPeakMiB: number
  /** (heap at the busiest moment − baseline) ÷ calls up then. */
  heapPerCallKiB: number | undefined
  rssPerCallKiB: number | undefined
  /** After a full collection at the end: heap still held ÷ calls still up. */
  retainedHeapPerCallKiB: number | undefined
}

/** Samples memory against the calls up, every `everyMs`. */
export function sampleMemory (callsUp: () => number, everyMs = 250): { finish: () => MemoryFigures } {
  collectGarbage()
  const base = process.memoryUsage()
  let peak = { calls: 0, heap: base.heapUsed, rss: base.rss }
  const timer = setInterval(() => {
    const calls = callsUp()
    if (calls <= peak.calls) return
    const now = process.memoryUsage()
    peak = { calls, heap: now.heapUsed, rss: now.rss }
  }, everyMs)
  const mib = (bytes: number): number => Math.round(bytes / 1048576 * 10) / 10
  const perCall = (bytes: number, calls: number): number | undefined => calls > 0 ? Math.round(bytes / calls / 1024 * 10) / 10 : undefined
  return {
    finish: () => {
      clearInterval(timer)
      const callsAtEnd = callsUp()
      collectGarbage()
      const end = process.memoryUsage()
      return {
        baselineHeapMiB: mib(base.heapUsed),
        peakConcurrentCalls: peak.calls,
        heapAtPeakMiB: mib(peak.heap),
        rssAtPeakMiB: mib(peak.rss),
        heapPerCallKiB: perCall(peak.heap - base.heapUsed, peak.calls),
        rssPerCallKiB: perCall(peak.rss - base.rss, peak.calls),
        retainedHeapPerCallKiB: perCall(end.heapUsed - base.heapUsed, callsAtEnd)
      }
    }
  }
}
