// Synthetic traffic for the embedded simulator: callers who dial the hotline and key through
// the menus they hear, department lines that answer a share of the dials, and agents' phones
// that answer and talk. `npm start` runs it so a newcomer sees a live line on the pages, and
// `npm run bench` drives the controller with it. Never used against a real switch.
//
// - Callers arrive as a Poisson process: gaps between calls are exponential with mean
//   1/rate, the usual model of independent callers (arrivals of a call centre). Each caller
//   carries a plan drawn on arrival — priority, maybe a matter, a survey mark — and keys it
//   when the matching prompt starts, a moment later, as people do.
// - Every number of the directory answers each dial with its department's probability
//   (`switch.sim.traffic.answer`), after ringing a few seconds, and the specialist talks a
//   while; the other dials are busy or ring out, two to one.
// - Time is the simulator's: every delay here is script time, scaled by the model's
//   `timeScale`, so a run at 0.05 lives twenty minutes of the line in one real minute. The
//   generator reads no clock; it only sets timers.

import type { Logger } from 'pino'
import type { Directory, Matter } from '../../domain/directory.js'
import type { EndpointBehaviour, ModelEvent, SimCallHandle } from './model-types.js'
import type { SimSwitch } from './sim-switch.js'

/** Runs `fn` after `ms` real milliseconds; returns the cancel function. */
export type TrafficTimer = (ms: number, fn: () => void) => () => void

export interface SimTrafficOptions {
  /** Mean arrivals per hour of script time; 0 places no calls (phones are still defined). */
  callsPerHour: number
  /** Chance a department number answers a dial, by department id; `default` for the rest (0.9 if absent). */
  answer: Readonly<Record<string, number>>
  /** The number callers dial (the hotline). */
  to: string
  /** Departments' numbers and the matters callers choose; without it callers skip the matter menus. */
  directory?: Directory
  /** Agents' phones: each dial answers after a couple of seconds and talks a while. */
  agentExtensions: readonly string[]
  logger: Logger
  /** Uniform [0, 1) source; pass `seededRandom(n)` for a repeatable run. Default Math.random. */
  random?: () => number
  /** Real-time timer; default setTimeout (unref'd). Tests pass a virtual one. */
  timer?: TrafficTimer
  /** Told of each call placed (the bench times its setup from here). */
  onPlaced?: (call: SimCallHandle) => void
}

export interface DialCounts { dials: number, answered: number, busy: number, noAnswer: number }

export interface TrafficStats {
  /** Calls placed to the hotline. */
  placed: number
  /** Of those, calls over (hung up by either side). */
  ended: number
  /** Placed and not over yet. */
  active: number
  /** Keys the callers sent. */
  keyed: number
  /** Dials of department numbers and how each far end chose to behave, by department id. */
  byDepartment: Record<string, DialCounts>
  answeredByDepartment: Record<string, number>
  /** Dials of agents' phones. */
  agentDials: number
}

export interface SimTraffic {
  /** No new callers; callers already in the line go on to the end of their call. */
  stop(): void
  stats(): TrafficStats
}

/** mulberry32: a small, fast seeded generator, plenty for traffic shapes (not for secrets). */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const defaultTimer: TrafficTimer = (ms, fn) => {
  const handle = setTimeout(fn, ms)
  handle.unref()
  return () => { clearTimeout(handle) }
}

const between = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min))

/** An exponential gap with mean 3 600 000 / callsPerHour ms (inverse transform sampling). */
export function exponentialGapMs (random: () => number, callsPerHour: number): number {
  return -Math.log(1 - random()) * 3_600_000 / callsPerHour
}

/**
 * Poisson arrivals: `onArrival` once per arrival, gaps exponential in script time and
 * multiplied by `timeScale` into real time. Timers have a one-millisecond grain, so arrivals
 * due within the same millisecond are made together and the fraction left is carried to the
 * next gap: the mean rate stays exact however fast the line runs.
 */
export function poissonArrivals (options: {
  callsPerHour: number, timeScale: number, random: () => number, timer: TrafficTimer, onArrival: () => void
}): () => void {
  const { callsPerHour, timeScale, random, timer, onArrival } = options
  if (!(callsPerHour > 0)) return () => undefined
  const gap = (): number => exponentialGapMs(random, callsPerHour) * timeScale
  let stopped = false
  let cancel = (): void => undefined
  /** Real ms from the last timer's firing to the next arrival. */
  let due = gap()
  const wait = (): void => {
    const ms = Math.floor(due)
    due -= ms
    cancel = timer(ms, fire)
  }
  const fire = (): void => {
    if (stopped) return
    while (due < 1 && !stopped) {
      onArrival()
      due += gap()
    }
    if (!stopped) wait()
  }
  wait()
  return () => {
    stopped = true
    cancel()
  }
}

/** What one caller means to key, drawn when they call. */
export interface CallerPlan {
  /** Priority menu: 1 办事, 2 求助, 3 热点政策享受, 4 other enquiries. */
  priority: string
  /** The category they pick; undefined: they key 0 and let the agent ask. */
  category?: string
  /** The matter they pick; undefined: they key 0 at the matter menu. */
  matter?: Matter
  /** Satisfaction: 1 满意, 2 基本满意, 3 不满意. */
  survey: string
  /** First-call script (no flows): any key. */
  anyKey: string
}

const weighted = (random: () => number, table: ReadonlyArray<readonly [string, number]>): string => {
  let r = random() * table.reduce((sum, [, w]) => sum + w, 0)
  for (const [value, w] of table) {
    r -= w
    if (r < 0) return value
  }
  return table[table.length - 1]?.[0] ?? ''
}

// Shares assumed for the synthetic line (no published split): most callers are first priority.
const PRIORITIES = [['1', 45], ['2', 20], ['3', 15], ['4', 20]] as const
const SURVEY = [['1', 75], ['2', 17], ['3', 8]] as const
/** The shipped flow lists eight categories on its first menu page and the rest after key 9. */
const FIRST_PAGE = 8

export function drawPlan (random: () => number, directory: Directory | undefined): CallerPlan {
  const plan: CallerPlan = {
    priority: weighted(random, PRIORITIES),
    survey: weighted(random, SURVEY),
    anyKey: String(between(random, 1, 4))
  }
  const matters = directory?.matters() ?? []
  // 85 % name a category; of those 80 % name the matter too (the rest leave it to the agent).
  if (matters.length > 0 && random() < 0.85) {
    const matter = matters[Math.floor(random() * matters.length)] as Matter
    plan.category = matter.category
    if (random() < 0.8) plan.matter = matter
  }
  return plan
}

/**
 * The digits a caller with `plan` keys when `prompt` starts; undefined for prompts that ask
 * nothing. Keys follow ivr-flows/enterprise-seat.yaml: categories in directory order (eight
 * on the first page, 9 for the next), matters in directory order within their category.
 */
export function keysFor (prompt: string, plan: CallerPlan, directory: Directory | undefined): string | undefined {
  const categoryIndex = plan.category === undefined || directory === undefined ? -1 : directory.categories().indexOf(plan.category)
  switch (prompt) {
    case 'priority-menu': return plan.priority
    case 'category-menu':
      if (categoryIndex < 0) return '0'
      return categoryIndex < FIRST_PAGE ? String(categoryIndex + 1) : '9'
    case 'category-menu-more':
      return categoryIndex >= FIRST_PAGE && categoryIndex < FIRST_PAGE + 9 ? String(categoryIndex - FIRST_PAGE + 1) : '0'
    case 'survey': return plan.survey
    case 'callback-confirm': return '1'
    case 'first-call-menu': return plan.anyKey
  }
  if (!prompt.startsWith('matter-menu-')) return undefined
  if (plan.matter === undefined || directory === undefined) return '0'
  const position = directory.mattersByCategory(plan.matter.category).findIndex((m) => m.id === plan.matter?.id)
  return position >= 0 && position < 9 ? String(position + 1) : '0'
}

function randomMobile (random: () => number): string {
  const prefixes = ['138', '139', '150', '186', '177', '135', '189']
  return (prefixes[Math.floor(random() * prefixes.length)] ?? '138') + String(Math.floor(random() * 1e8)).padStart(8, '0')
}

/** Department of each directory number, and the shortest ring timeout it is dialled with. */
function departmentNumbers (directory: Directory): Map<string, { departmentId: string, ringTimeoutMs: number }> {
  const numbers = new Map<string, { departmentId: string, ringTimeoutMs: number }>()
  for (const matter of directory.matters()) {
    for (const entry of matter.hunt) {
      const known = numbers.get(entry.number)
      const ringTimeoutMs = Math.min(known?.ringTimeoutMs ?? Infinity, entry.ringTimeoutSec * 1000)
      numbers.set(entry.number, { departmentId: known?.departmentId ?? matter.departmentId, ringTimeoutMs })
    }
  }
  return numbers
}

/** Answer probability of a department: its own, else `default`, else 0.9. */
export function answerProbability (answer: Readonly<Record<string, number>>, departmentId: string): number {
  return answer[departmentId] ?? answer.default ?? 0.9
}

/**
 * Agents' phones: picked up after a ring or two; the agent talks one to three minutes unless
 * they leave earlier (a three-way transfer) or the caller goes.
 */
export function registerAgentPhones (model: SimSwitch, extensions: readonly string[], random: () => number, onDial?: () => void): void {
  for (const extension of extensions) {
    model.registerPhone(extension, (): EndpointBehaviour => {
      onDial?.()
      return { kind: 'answer', afterMs: between(random, 1500, 4000), hangupAfterMs: between(random, 60_000, 200_000) }
    })
  }
}

export function startSimTraffic (model: SimSwitch, options: SimTrafficOptions): SimTraffic {
  const random = options.random ?? Math.random
  const timer = options.timer ?? defaultTimer
  const { directory, logger } = options
  const counts: TrafficStats = { placed: 0, ended: 0, active: 0, keyed: 0, byDepartment: {}, answeredByDepartment: {}, agentDials: 0 }

  // Department lines: each dial answers with the department's probability, after ringing a
  // few seconds (never past the shortest ring timeout the number has); otherwise busy or
  // ringing out, two to one.
  for (const [number, { departmentId, ringTimeoutMs }] of directory === undefined ? [] : departmentNumbers(directory)) {
    const p = answerProbability(options.answer, departmentId)
    model.defineEndpoint(number, (): EndpointBehaviour => {
      const c = (counts.byDepartment[departmentId] ??= { dials: 0, answered: 0, busy: 0, noAnswer: 0 })
      c.dials++
      if (random() < p) {
        c.answered++
        counts.answeredByDepartment[departmentId] = c.answered
        const ring = Math.min(between(random, 2000, 9000), Math.floor(ringTimeoutMs * 0.8))
        return { kind: 'answer', afterMs: ring, hangupAfterMs: between(random, 40_000, 180_000) }
      }
      if (random() < 2 / 3) {
        c.busy++
        return { kind: 'busy', afterMs: between(random, 300, 1500) }
      }
      c.noAnswer++
      return { kind: 'no-answer' }
    })
  }
  registerAgentPhones(model, options.agentExtensions, random, () => { counts.agentDials++ })

  const ours = new Map<string, CallerPlan>()
  let stopped = false
  const onEvent = (event: ModelEvent): void => {
    if (event.type === 'channel-hangup-complete') {
      if (!ours.delete(event.channel.id)) return
      counts.ended++
      if (stopped && ours.size === 0) model.off('event', onEvent)
      return
    }
    if (event.type !== 'playback-started') return
    const plan = ours.get(event.channel.id)
    if (plan === undefined) return
    const digits = keysFor(event.media.replace(/^.*[/:]/, '').replace(/\.wav$/, ''), plan, directory)
    if (digits === undefined) return
    const id = event.channel.id
    // Callers key a moment after the prompt starts: they have heard enough to choose.
    timer(model.scaled(between(random, 700, 2500)), () => {
      if (ours.has(id) && model.sendDtmf(id, digits)) counts.keyed++
    })
  }
  model.on('event', onEvent)

  const place = (): void => {
    const plan = drawPlan(random, directory)
    // Most callers stay to the end; some give up in the menus or the queue.
    const patienceMs = random() < 0.08 ? between(random, 20_000, 90_000) : 20 * 60_000
    let call: SimCallHandle
    try {
      call = model.placeCall({ from: randomMobile(random), to: options.to, hangupAfterMs: patienceMs })
    } catch (err) {
      // The switch was closed under the generator (shutdown): no more callers.
      logger.info({ err }, 'simulator traffic stopped: the switch is closed')
      stop()
      return
    }
    // The switch is down (a restart): this caller never got through; the next one may.
    if (call.channel.answerState === 'hangup') return
    ours.set(call.channel.id, plan)
    counts.placed++
    options.onPlaced?.(call)
  }
  const stopArrivals = poissonArrivals({ callsPerHour: options.callsPerHour, timeScale: model.timeScale, random, timer, onArrival: place })
  logger.info({
    callsPerHour: options.callsPerHour,
    departmentNumbers: directory?.allNumbers().length ?? 0,
    agentPhones: options.agentExtensions.length
  }, 'simulator traffic started')
  function stop (): void {
    if (stopped) return
    stopped = true
    stopArrivals()
    if (ours.size === 0) model.off('event', onEvent)
    logger.info({ placed: counts.placed }, 'simulator traffic stopped')
  }

  return {
    stop,
    stats: () => ({
      ...counts,
      active: ours.size,
      byDepartment: structuredClone(counts.byDepartment),
      answeredByDepartment: { ...counts.answeredByDepartment }
    })
  }
}
