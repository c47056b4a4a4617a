// `npm run bench`: a whole controller on the embedded simulator under the traffic generator,
// and what it takes — calls per second, latencies (call setup, the transfer's first dial, the
// API, the dashboard's push), event-loop delay, memory per call. Speed is measured here, not
// asserted in tests. See docs/bench.md.
//
//   npx tsx scripts/bench.ts [--duration 30] [--rate 7200] [--protocol esl|ari] [--time-scale 0.05]
//                            [--redis] [--json] [--seed 1] [--answer 0.9] [--at <ISO instant>]
//                            [--api-interval-ms 100] [--log-level info] [--log-file <path>]
//
// --rate is calls per hour of simulated time; the real rate is rate ÷ 3600 ÷ time scale calls
// a second (7200 at 0.05: 40 calls/s). Exit status 2 on a bad flag, 1 if the run failed.

import { spawnSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import cliProgress from 'cli-progress'
import { startSyntheticAgents } from '../src/adapters/sim/synthetic-agents.js'
import { seededRandom, startSimTraffic } from '../src/adapters/sim/traffic.js'
import { startBenchController } from './bench/controller.js'
import { eventLoopDelay, pollApi, sampleMemory, watchCallSetup, watchDashboard, watchTransferDials } from './bench/probes.js'
import { type BenchResult, endedByFinalState, table, transferFigures } from './bench/report.js'

const USAGE = 'usage: tsx scripts/bench.ts [--duration s] [--rate calls/h] [--protocol esl|ari] [--time-scale x] ' +
  '[--redis] [--json] [--seed n] [--answer p] [--at ISO] [--api-interval-ms ms] [--log-level lvl] [--log-file path]'

function fail (reason: string): never {
  process.stderr.write(`bench: ${reason}\n${USAGE}\n`)
  process.exit(2)
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        duration: { type: 'string', default: '30' },
        rate: { type: 'string', default: '7200' },
        protocol: { type: 'string', default: 'esl' },
        'time-scale': { type: 'string', default: '0.05' },
        redis: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        seed: { type: 'string', default: '1' },
        answer: { type: 'string', default: '0.9' },
        at: { type: 'string', default: '2026-03-02T10:00:00+08:00' },
        'api-interval-ms': { type: 'string', default: '100' },
        'log-level': { type: 'string', default: 'info' },
        'log-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    return fail((err as Error).message)
  }
})()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}

function number (name: string, text: string, min: number, max: number): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number from ${min} to ${max}, got "${text}"`)
  return n
}

const durationSec = number('duration', values.duration, 0.1, 86_400)
const rate = number('rate', values.rate, 1, 1_000_000)
const timeScale = number('time-scale', values['time-scale'], 0.001, 100)
const seed = Math.trunc(number('seed', values.seed, 0, 2 ** 32 - 1))
const answer = number('answer', values.answer, 0, 1)
const apiIntervalMs = number('api-interval-ms', values['api-interval-ms'], 1, 60_000)
const protocol = values.protocol === 'esl' || values.protocol === 'ari' ? values.protocol : fail(`--protocol must be esl or ari, got "${values.protocol}"`)
if (Number.isNaN(new Date(values.at).getTime())) fail(`--at must be an ISO instant, got "${values.at}"`)
if (values.redis && spawnSync('redis-server', ['--version']).status !== 0) {
  fail('--redis needs redis-server on PATH (Debian package redis-server, or `sh scripts/ensure-deps.sh --test`)')
}

async function run (): Promise<BenchResult> {
  const line = await startBenchController({
    protocol, timeScale, redis: values.redis, at: values.at, logLevel: values['log-level'], logFile: values['log-file']
  })
  const { controller, model, directory } = line
  const ivr = controller.ivr
  if (ivr === undefined) throw new Error('the bench controller has no enterprise-seat line')
  const notes: string[] = []
  try {
    const setup = watchCallSetup(model)
    const dials = watchTransferDials(model, line.controller.calls, directory)
    const agents = await startSyntheticAgents({
      agents: ivr.agents,
      calls: line.controller.calls,
      transfers: ivr.transfers,
      directory,
      agentIds: line.agents.agents.map((a) => a.id),
      scaled: (ms) => model.scaled(ms),
      logger: line.logger.child({ component: 'synthetic-agents' }),
      random: seededRandom(seed + 1),
      // A wrap-up of a few seconds of script time, so agents are not idle on real-time timers.
      wrapUpMs: 5000,
      onTransferRequest: dials.onTransferRequest
    })
    const dashboard = await watchDashboard(line.url, line.token, ivr.agents)
    if (dashboard.note !== undefined) notes.push(dashboard.note)
    const api = pollApi(line.url, '/api/agents', line.token, apiIntervalMs)
    const loop = eventLoopDelay()
    let trafficUp = (): number => 0
    const memory = sampleMemory(() => trafficUp())
    const started = performance.now()
    const traffic = startSimTraffic(model, {
      callsPerHour: rate,
      answer: { default: answer },
      to: line.hotlineNumber,
      directory,
      agentExtensions: line.agents.agents.map((a) => a.extension),
      logger: line.logger.child({ component: 'traffic' }),
      random: seededRandom(seed),
      onPlaced: setup.onPlaced
    })
    trafficUp = () => traffic.stats().active

    const bar = new cliProgress.SingleBar({
      format: 'bench [{bar}] {value}/{total} s | offered {offered} | up {up} | done {done}',
      stream: process.stderr,
      hideCursor: true
    }, cliProgress.Presets.shades_classic)
    const total = Math.ceil(durationSec)
    bar.start(total, 0, { offered: 0, up: 0, done: 0 })
    let interrupted = false
    const onSigint = (): void => { interrupted = true }
    process.once('SIGINT', onSigint)
    while (!interrupted && performance.now() - started < durationSec * 1000) {
      await sleep(Math.min(250, Math.max(1, durationSec * 1000 - (performance.now() - started))))
      const s = traffic.stats()
      bar.update(Math.min(total, Math.floor((performance.now() - started) / 1000)), { offered: s.placed, up: s.active, done: s.ended })
    }
    process.off('SIGINT', onSigint)
    traffic.stop()
    const elapsedSec = (performance.now() - started) / 1000
    const counts = traffic.stats()
    bar.update(total, { offered: counts.placed, up: counts.active, done: counts.ended })
    bar.stop()
    if (interrupted) notes.push(`interrupted after ${elapsedSec.toFixed(1)} s`)

    const eventLoop = loop.summary()
    loop.stop()
    await api.stop()
    dashboard.stop()
    agents.stop()
    setup.stop()
    dials.stop()
    const mem = memory.finish()
    return {
      setup: { protocol, store: line.store, timeScale, rateCallsPerHour: rate, durationSec: Math.round(elapsedSec * 10) / 10, seed },
      calls: {
        offered: counts.placed,
        completed: counts.ended,
        activeAtEnd: counts.active,
        offeredPerSec: Math.round(counts.placed / elapsedSec * 100) / 100,
        completedPerSec: Math.round(counts.ended / elapsedSec * 100) / 100,
        byFinalState: await endedByFinalState(controller.metrics)
      },
      transfers: await transferFigures(controller.metrics, agents.stats().transfersRequested),
      latencyMs: {
        callSetup: setup.latency.summary() ?? null,
        transferDial: dials.latency.summary() ?? null,
        api: api.latency.summary() ?? null,
        dashboardPush: dashboard.latency.summary() ?? null
      },
      apiErrors: api.errors(),
      apiShed: api.shed(),
      eventLoopDelayMs: eventLoop,
      memory: mem,
      notes
    }
  } finally {
    await line.close()
  }
}

run().then((result) => {
  process.stdout.write(table(result) + '\n')
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n')
  // Sockets of the API poller's keep-alive pool may linger; the figures are out.
  process.exit(0)
}, (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
