// The dial-test feature (拨测): test calls to every transfer number of the directory, on
// demand (API, page, CLI) and daily at `dialTest.scheduleAt` outside working time, with the
// alarm `hotline_dial_test_failing` for numbers that fail twice in a row. See
// docs/dial-test.md.

import type { Feature, FeatureContext } from '../context.js'
import { DialTester } from './dial-tester.js'
import { FailureTracker, registerDialTestMetrics } from './failures.js'
import { registerDialTestRoutes } from './routes.js'
import { DialTestSchedule, anyoneAtWork } from './schedule.js'
import { dialTestTargets } from './targets.js'

export function startDialTestFeature (ctx: FeatureContext): Promise<Feature> {
  const log = ctx.logger.child({ component: 'dial-test' })
  const { directory, calendar, clock } = ctx
  const targets = dialTestTargets(directory)
  const metrics = registerDialTestMetrics(ctx.metrics.registry)
  const failures = new FailureTracker(metrics, targets)
  const tester = new DialTester({
    switch: ctx.switch,
    calendar,
    clock,
    log,
    targets,
    isDirectoryNumber: (number) => directory.isDirectoryNumber(number),
    callerIdNumber: ctx.config.switch.hotlineNumber,
    settings: { concurrency: ctx.config.dialTest.concurrency, ringTimeoutSec: ctx.config.dialTest.ringTimeoutSec },
    failures,
    metrics
  })
  tester.on('progress', () => { ctx.live.publish('dial-test') })
  tester.on('alarms', () => { ctx.live.publish('alarms') })

  let schedule: DialTestSchedule | undefined
  const at = ctx.config.dialTest.scheduleAt
  if (at !== '') {
    schedule = new DialTestSchedule({
      at,
      clock,
      log,
      inWorkingTime: anyoneAtWork(calendar, directory.departments().map((d) => d.id)),
      switchReady: () => ctx.switch.status().state === 'ready',
      claim: async (key, now) => await ctx.store.claimCall(key, ctx.controllerId, now),
      start: () => tester.start({ trigger: 'schedule' })
    })
    schedule.start()
  }

  return Promise.resolve({
    name: 'dial-test',
    routes: async (app) => { await registerDialTestRoutes(app, { tester, failures, schedule }) },
    close: async () => {
      schedule?.stop()
      await tester.close()
    }
  })
}
