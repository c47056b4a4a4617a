// A DialTester on a whole controller's switch adapter (the simulator over ESL or ARI), with
// the shipped directory and calendar, its own metrics registry and a clock of the test's
// choosing — what the feature builds, minus the HTTP side.

import type { Test } from 'tap'
import pino from 'pino'
import { Registry } from 'prom-client'
import type { ModelEvent } from '../../src/adapters/sim/model-types.js'
import { loadConfig } from '../../src/config/index.js'
import { DialTester } from '../../src/features/dialtest/dial-tester.js'
import { type DialTestMetrics, FailureTracker, registerDialTestMetrics } from '../../src/features/dialtest/failures.js'
import { dialTestTargets } from '../../src/features/dialtest/targets.js'
import type { Directory } from '../../src/domain/directory.js'
import { type Clock, ShiftedClock } from '../../src/ports/clock.js'
import { CONFIG_DIR, type Protocol, type TestController, startTestController } from '../helpers/controller.js'

/** A Monday in working time (2026-03-02 is an ordinary working day). */
export const WORKING = '2026-03-02T10:00:00+08:00'
/** The same Monday at night. */
export const NIGHT = '2026-03-02T23:00:00+08:00'

export interface TesterSetup {
  c: TestController
  tester: DialTester
  failures: FailureTracker
  metrics: DialTestMetrics
  registry: Registry
  directory: Directory
  numbers: string[]
}

export async function startTester (t: Test, protocol: Protocol, options: {
  at?: string
  concurrency?: number
  ringTimeoutSec?: number
  clock?: Clock
} = {}): Promise<TesterSetup> {
  const c = await startTestController(t, protocol)
  const { directory, calendar } = await loadConfig(CONFIG_DIR, {})
  const registry = new Registry()
  const metrics = registerDialTestMetrics(registry)
  const targets = dialTestTargets(directory)
  const failures = new FailureTracker(metrics, targets)
  const tester = new DialTester({
    switch: c.controller.switch,
    calendar,
    clock: options.clock ?? new ShiftedClock(new Date(options.at ?? WORKING)),
    log: pino({ level: 'silent' }),
    targets,
    isDirectoryNumber: (n) => directory.isDirectoryNumber(n),
    callerIdNumber: '12345',
    settings: { concurrency: options.concurrency ?? 4, ringTimeoutSec: options.ringTimeoutSec ?? 5 },
    failures,
    metrics
  })
  t.teardown(async () => { await tester.close() })
  return { c, tester, failures, metrics, registry, directory, numbers: directory.allNumbers() }
}

/** The gauge's value for one number (undefined: no series). */
export async function failingGauge (registry: Registry, number: string): Promise<number | undefined> {
  const metric = registry.getSingleMetric('hotline_dial_test_failing')
  const values = (await metric?.get())?.values ?? []
  return values.find((v) => v.labels.number === number)?.value
}

export async function testsCounter (registry: Registry, outcome: string): Promise<number> {
  const metric = registry.getSingleMetric('hotline_dial_tests_total')
  const values = (await metric?.get())?.values ?? []
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0
}

/**
 * Watches the switch's outbound legs to the given numbers: how many were up at once at most,
 * and how many are up now (created and not yet hung up).
 */
export function watchDials (c: TestController, numbers: readonly string[]): { max: () => number, live: () => number, dialled: string[] } {
  const wanted = new Set(numbers)
  const live = new Set<string>()
  const dialled: string[] = []
  let max = 0
  c.sim.model.on('event', (e: ModelEvent) => {
    if (!('channel' in e) || e.channel.direction !== 'outbound' || !wanted.has(e.channel.destination)) return
    if (e.type === 'channel-created') {
      live.add(e.channel.id)
      dialled.push(e.channel.destination)
      max = Math.max(max, live.size)
    }
    if (e.type === 'channel-hangup') live.delete(e.channel.id)
  })
  return { max: () => max, live: () => live.size, dialled }
}
