// Load shedding: while the event loop is overloaded — late and busy with its own work — reads
// (GET/HEAD) other than the probes are answered 503 with Retry-After at once, so the loop drains and /health, /ready and
// /metrics — and the calls, which share the loop — keep answering in time. Actions (POST and
// the like: an agent's transfer, a ticket closed) still go through: refusing them would hurt
// a caller on the line, and they are few beside a flood of reads.

import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { failureBody } from './schemas.js'

export interface SheddingLimits {
  /** Mean event-loop delay over a sample above which reads are shed; 0 turns shedding off. */
  maxEventLoopDelayMs: number
  /**
   * …while the loop was also busy more than this share of the sample (0–1). A loop that is
   * late but idle is starved by other processes on the machine, not overloaded by its own
   * work: shedding our reads would not help it.
   */
  minEventLoopUtilization: number
  /** What a shed request is told to wait (the Retry-After header). */
  retryAfterSec: number
}

/** config/default.yaml's `api.shedding`, for an app built without settings (tests, tools). */
export const DEFAULT_SHEDDING: SheddingLimits = { maxEventLoopDelayMs: 30, minEventLoopUtilization: 0.9, retryAfterSec: 5 }

export interface LoadSample {
  /** Mean event-loop delay of the last sample (ms). */
  delayMs: number
  /** Share of the last sample the loop was busy. */
  utilization: number
  overloaded: boolean
}

/** How often the loop is sampled; a sample is also how long shedding lasts at least. */
export const SAMPLE_MS = 500
/** monitorEventLoopDelay's timer resolution, taken off the mean as under-pressure does. */
const RESOLUTION_MS = 10

/** Late and busy: our own work holds the loop. Late but idle is a starved machine. */
export function isOverloaded (delayMs: number, utilization: number, limits: Pick<SheddingLimits, 'maxEventLoopDelayMs' | 'minEventLoopUtilization'>): boolean {
  return limits.maxEventLoopDelayMs > 0 && delayMs > limits.maxEventLoopDelayMs && utilization > limits.minEventLoopUtilization
}

/** Watches the event loop: a new sample every SAMPLE_MS. */
export class LoadWatch {
  readonly #limits: SheddingLimits
  readonly #onChange: (sample: LoadSample) => void
  readonly #histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  #elu: EventLoopUtilization = performance.eventLoopUtilization()
  #timer: NodeJS.Timeout | undefined
  #sample: LoadSample = { delayMs: 0, utilization: 0, overloaded: false }
  #over = false

  constructor (limits: SheddingLimits, onChange: (sample: LoadSample) => void) {
    this.#limits = limits
    this.#onChange = onChange
  }

  get sample (): LoadSample {
    return this.#sample
  }

  start (): void {
    if (this.#timer !== undefined || this.#limits.maxEventLoopDelayMs === 0) return
    this.#histogram.enable()
    this.#elu = performance.eventLoopUtilization()
    this.#timer = setInterval(() => { this.#take() }, SAMPLE_MS).unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#histogram.disable()
  }

  #take (): void {
    const mean = this.#histogram.mean / 1e6
    const delayMs = Number.isNaN(mean) ? 0 : Math.max(0, mean - RESOLUTION_MS)
    this.#histogram.reset()
    const now = performance.eventLoopUtilization()
    const utilization = performance.eventLoopUtilization(now, this.#elu).utilization
    this.#elu = now
    const over = isOverloaded(delayMs, utilization, this.#limits)
    // Shedding starts after two samples over in a row (a second), so that one long task — a
    // start, a reload — sheds nothing; it ends with the first sample under.
    const overloaded = over && (this.#over || this.#sample.overloaded)
    this.#over = over
    const was = this.#sample.overloaded
    this.#sample = { delayMs, utilization, overloaded }
    if (overloaded !== was) this.#onChange(this.#sample)
  }
}

/** Reads that are shed under load: everything read-only but the probes (route config `probe`). */
export function isShed (request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  return (request.routeOptions.config as { probe?: boolean }).probe !== true
}

export interface SheddingOptions extends SheddingLimits {
  logger: Logger
  /** Counts each shed request (hotline_http_shed_total). */
  onShed: () => void
  /** Tests give their own watch to say when the loop is overloaded. */
  watch?: Pick<LoadWatch, 'sample' | 'start' | 'stop'>
}

export const sheddingPlugin = fp((app: FastifyInstance, options: SheddingOptions) => {
  const log = options.logger
  const watch = options.watch ?? new LoadWatch(options, (sample) => {
    const figures = { delayMs: Math.round(sample.delayMs), utilization: Number(sample.utilization.toFixed(2)) }
    if (sample.overloaded) log.warn(figures, 'event loop overloaded: reads other than the probes are answered 503 until it recovers')
    else log.info(figures, 'event loop recovered: reads are served again')
  })
  watch.start()
  app.addHook('onClose', (_app, done) => { watch.stop(); done() })
  app.addHook('onRequest', async (request, reply) => {
    if (!watch.sample.overloaded || !isShed(request)) return
    options.onShed()
    await reply.code(503).header('retry-after', String(options.retryAfterSec))
      .send(failureBody(503, 'HC_OVERLOADED', `the controller is overloaded: try again in ${options.retryAfterSec} s`))
    return reply
  })
}, { name: 'hotline-shedding' })
