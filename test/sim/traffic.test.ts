// The traffic generator's shapes, with a seeded random and a virtual timer so long spans of
// simulated time run in milliseconds: Poisson arrivals at the configured rate (also when
// several fall in one timer millisecond), department lines answering with their department's
// probability per dial (busy and no answer two to one), callers' keys following the shipped
// flow to the matter they chose, and the model asking an endpoint chooser at every dial.
// Bounds are many standard deviations wide: with a fixed seed they pass or fail the same way
// every run, and a broken generator lands far outside them.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import {
  type CallerPlan, type TrafficTimer, drawPlan, keysFor, poissonArrivals, seededRandom, startSimTraffic
} from '../../src/adapters/sim/traffic.js'
import type { EndpointBehaviour, EndpointChooser } from '../../src/adapters/sim/model-types.js'
import { loadConfig } from '../../src/config/index.js'
import { createLogger } from '../../src/logger.js'
import { CONFIG_DIR, FLOWS_DIR } from '../helpers/controller.js'
import { SHIPPED_INSTALL } from '../helpers/install.js'

const logger = createLogger({ level: 'silent' })

/** A timer on virtual time: `run(until)` fires everything due up to `until` ms, in order. */
function virtualTimer (): { timer: TrafficTimer, run: (until: number) => void, now: () => number } {
  let now = 0
  let seq = 0
  const due: Array<{ at: number, seq: number, fn: () => void }> = []
  const timer: TrafficTimer = (ms, fn) => {
    const task = { at: now + Math.max(1, ms), seq: seq++, fn }
    due.push(task)
    return () => {
      const i = due.indexOf(task)
      if (i >= 0) due.splice(i, 1)
    }
  }
  const run = (until: number): void => {
    for (;;) {
      due.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = due[0]
      if (next === undefined || next.at > until) break
      due.shift()
      now = next.at
      next.fn()
    }
    now = until
  }
  return { timer, run, now: () => now }
}

const HOUR = 3_600_000

void t.test('arrivals: the count over a long span is close to rate × time', async (t) => {
  const { timer, run } = virtualTimer()
  let arrivals = 0
  poissonArrivals({ callsPerHour: 600, timeScale: 1, random: seededRandom(7), timer, onArrival: () => { arrivals++ } })
  run(20 * HOUR)
  // Expected 12 000, standard deviation about 110: ±5 % is more than five of them.
  t.ok(arrivals > 11_400 && arrivals < 12_600, `12 000 expected in 20 h, got ${arrivals}`)
})

void t.test('arrivals: several per timer millisecond keep the rate (fractions carried)', async (t) => {
  const { timer, run } = virtualTimer()
  let arrivals = 0
  let fired = 0
  const counting: TrafficTimer = (ms, fn) => timer(ms, () => { fired++; fn() })
  // Mean gap 100 ms of script time × 0.002 = 0.2 real ms: about five arrivals per millisecond.
  poissonArrivals({ callsPerHour: 36_000, timeScale: 0.002, random: seededRandom(11), timer: counting, onArrival: () => { arrivals++ } })
  run(2 * HOUR * 0.002)
  // 72 000 expected in two simulated hours (sd about 270).
  t.ok(arrivals > 70_000 && arrivals < 74_000, `72 000 expected, got ${arrivals}`)
  t.ok(fired < arrivals / 2, `arrivals are batched per millisecond (${fired} timers for ${arrivals} arrivals)`)
})

void t.test('arrivals: gaps are exponential (about 63 % shorter than the mean)', async (t) => {
  const { timer, run, now } = virtualTimer()
  const times: number[] = []
  poissonArrivals({ callsPerHour: 3600, timeScale: 1, random: seededRandom(3), timer, onArrival: () => { times.push(now()) } })
  run(5000 * 1000)
  const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0))
  const short = gaps.filter((g) => g < 1000).length / gaps.length
  // P(gap < mean) = 1 − 1/e ≈ 0.632 for an exponential; a fixed interval would give 0 or 1.
  t.ok(short > 0.6 && short < 0.66, `share of gaps below the mean: ${short.toFixed(3)}`)
})

void t.test('arrivals: stop ends them; 0 calls per hour places none', async (t) => {
  const { timer, run } = virtualTimer()
  let arrivals = 0
  const stop = poissonArrivals({ callsPerHour: 3600, timeScale: 1, random: seededRandom(5), timer, onArrival: () => { arrivals++ } })
  run(HOUR)
  const before = arrivals
  stop()
  run(3 * HOUR)
  t.equal(arrivals, before, 'nothing after stop')
  t.ok(before > 3000, `some before stop (${before})`)
  let none = 0
  poissonArrivals({ callsPerHour: 0, timeScale: 1, random: seededRandom(5), timer, onArrival: () => { none++ } })
  run(10 * HOUR)
  t.equal(none, 0)
})

void t.test('department lines answer with their department\'s probability, per dial', async (t) => {
  const { directory } = await loadConfig(CONFIG_DIR, {})
  const model = new SimSwitch({ timeScale: 1, install: SHIPPED_INSTALL })
  t.teardown(() => { model.close() })
  const traffic = startSimTraffic(model, {
    callsPerHour: 0, answer: { tax: 0.5, customs: 0, default: 0.9 }, to: '12345', directory, agentExtensions: ['8001'],
    logger, random: seededRandom(42)
  })
  t.teardown(() => { traffic.stop() })
  const numberOf = (department: string): string => directory.mattersOfDepartment(department)[0]!.hunt[0]!.number
  const dial = (number: string): EndpointBehaviour => {
    const chooser = model.endpoint(number) ?? model.phoneBehaviour(number)
    if (typeof chooser !== 'function') throw new Error(`no chooser for ${number}`)
    return chooser({ number, callerIdNumber: '12345' })
  }
  const tally = (number: string, n: number): Record<string, number> => {
    const kinds: Record<string, number> = {}
    for (let i = 0; i < n; i++) {
      const kind = dial(number).kind
      kinds[kind] = (kinds[kind] ?? 0) + 1
    }
    return kinds
  }
  const tax = tally(numberOf('tax'), 4000)
  // 2000 expected answered (sd about 32); the 2000 others about 1333 busy, 667 unanswered.
  t.ok((tax.answer ?? 0) > 1800 && (tax.answer ?? 0) < 2200, `tax answered ${tax.answer}`)
  const taxBusy = (tax.busy ?? 0) / ((tax.busy ?? 0) + (tax['no-answer'] ?? 0))
  t.ok(taxBusy > 0.6 && taxBusy < 0.73, `busy share of the refusals ${taxBusy.toFixed(3)} (2:1)`)
  const market = tally(numberOf('market'), 4000)
  t.ok((market.answer ?? 0) > 3500 && (market.answer ?? 0) < 3700, `market (default 0.9) answered ${market.answer}`)
  const customs = tally(numberOf('customs'), 500)
  t.equal(customs.answer, undefined, 'a department at 0 never answers')
  const stats = traffic.stats()
  t.equal(stats.answeredByDepartment.tax, tax.answer, 'stats count what the lines did')
  t.equal(stats.byDepartment.tax?.dials, 4000)
  t.equal(stats.byDepartment.customs?.busy, customs.busy)
  t.equal(stats.answeredByDepartment.customs, undefined)
  // Answers ring a few seconds, inside the number's ring timeout; agents' phones always answer.
  for (let i = 0; i < 200; i++) {
    const b = dial(numberOf('market'))
    if (b.kind === 'answer') t.ok(b.afterMs >= 2000 && b.afterMs < 9000 && (b.hangupAfterMs ?? 0) >= 40_000, 'ring and talk times')
  }
  t.equal(dial('8001').kind, 'answer', 'an agent\'s phone answers')
  t.equal(traffic.stats().agentDials, 1)
})

void t.test('the model asks an endpoint chooser at every dial', async (t) => {
  const model = new SimSwitch({ timeScale: 0.01, install: SHIPPED_INSTALL })
  t.teardown(() => { model.close() })
  const asked: string[] = []
  const kinds: Array<EndpointBehaviour['kind']> = ['busy', 'answer']
  const chooser: EndpointChooser = (dial) => {
    asked.push(`${dial.number}<${dial.callerIdNumber}`)
    const kind = kinds[asked.length - 1] ?? 'busy'
    return kind === 'answer' ? { kind, afterMs: 10 } : { kind }
  }
  model.defineEndpoint('02150008101', chooser)
  t.equal(model.endpoint('02150008101'), chooser, 'the number exists (ARI allocates a channel for it)')
  const first = await model.originate({ number: '02150008101', callerIdNumber: '12345' })
  t.match(first, { ok: false, cause: 'USER_BUSY' })
  const second = await model.originate({ number: '02150008101', callerIdNumber: '12345' })
  t.equal(second.ok, true, 'the second dial answers')
  t.same(asked, ['02150008101<12345', '02150008101<12345'])
  model.defineEndpoint('02150008101', { kind: 'busy' })
  t.match(model.endpoint('02150008101'), { kind: 'busy' }, 'a fixed behaviour replaces the chooser')
  model.defineEndpoint('02150008101', chooser)
  t.equal(model.removeEndpoint('02150008101'), true)
  t.equal(model.endpoint('02150008101'), undefined)
})

interface FlowOption { next: string, set?: Record<string, string> }
interface FlowFile { steps: Record<string, { options?: Record<string, FlowOption> }> }

void t.test('callers key the matter they chose, through the shipped flow\'s menus', async (t) => {
  const { directory } = await loadConfig(CONFIG_DIR, {})
  const flow = parse(await readFile(join(FLOWS_DIR, 'enterprise-seat.yaml'), 'utf8')) as FlowFile
  const option = (step: string, key: string | undefined): FlowOption | undefined =>
    key === undefined ? undefined : flow.steps[step]?.options?.[key]
  let checked = 0
  for (const matter of directory.matters()) {
    const plan: CallerPlan = { priority: '1', category: matter.category, matter, survey: '1', anyKey: '1' }
    t.equal(option('priority-menu', keysFor('priority-menu', plan, directory))?.set?.priority, 'handling')
    let step = option('category-menu', keysFor('category-menu', plan, directory))?.next
    if (step === 'category-menu-more') step = option(step, keysFor(step, plan, directory))?.next
    t.ok(step?.startsWith('matter-menu-'), `${matter.id}: a matter menu after the categories (${step})`)
    const chosen = option(step ?? '', keysFor(step ?? '', plan, directory))
    t.equal(chosen?.set?.matter, matter.id, `${matter.id}: keyed through to it`)
    checked++
  }
  t.equal(checked, directory.matters().length)
  const skipper: CallerPlan = { priority: '2', survey: '3', anyKey: '2' }
  t.equal(option('category-menu', keysFor('category-menu', skipper, directory))?.next, 'hours', 'no category: 0')
  t.equal(keysFor('matter-menu-tax', { ...skipper, category: '税务' }, directory), '0', 'no matter: 0')
  t.equal(keysFor('survey', skipper, directory), '3')
  t.equal(keysFor('callback-confirm', skipper, directory), '1', 'the caller ID is confirmed for the call back')
  t.equal(keysFor('welcome', skipper, directory), undefined, 'nothing asked, nothing keyed')
})

void t.test('plans: most callers are first priority, most name a category', async (t) => {
  const { directory } = await loadConfig(CONFIG_DIR, {})
  const random = seededRandom(99)
  const counts = { first: 0, category: 0, matter: 0 }
  const n = 4000
  for (let i = 0; i < n; i++) {
    const plan = drawPlan(random, directory)
    if (plan.priority !== '4') counts.first++
    if (plan.category !== undefined) counts.category++
    if (plan.matter !== undefined) counts.matter++
  }
  t.ok(counts.first > 0.75 * n && counts.first < 0.85 * n, `first priority ${counts.first}`)
  t.ok(counts.category > 0.81 * n && counts.category < 0.89 * n, `category ${counts.category}`)
  t.ok(counts.matter > 0.64 * n && counts.matter < 0.72 * n, `matter ${counts.matter}`)
})
