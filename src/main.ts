// Process entry: config → controller → listen → drain on SIGTERM/SIGINT.

import { hostname, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import closeWithGrace from 'close-with-grace'
import { ConfigError, configDirOf, formatProblem, loadConfig } from './config/index.js'
import { startController } from './wiring/controller.js'
import { demoTokenBanner, makeDemoTokens } from './wiring/demo-tokens.js'
import { createLogger } from './logger.js'
import { installProcessPolicy } from './wiring/process-policy.js'
import { loadSimInstall } from './wiring/switch-factory.js'
import { ShiftedClock } from './ports/clock.js'

// src/main.ts sits one level below the repository root, dist/src/main.js two.
const root = join(dirname(fileURLToPath(import.meta.url)), '..').replace(/[\\/]dist$/, '')
const configDir = configDirOf(process.env, root)

/** A bad config or flow file at start: file, path and reason, then exit 78 (EX_CONFIG). */
function refuse (err: ConfigError): never {
  process.stderr.write(`configuration refused:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`)
  process.exit(78)
}

/**
 * CLOCK_START (an ISO 8601 instant with its offset): the controller lives from that instant on,
 * at real speed — a drill of the after-hours line at noon, a holiday rehearsed on a weekday,
 * tests and the chaos harness on a working Wednesday. Never set in production.
 */
function clockStart (): ShiftedClock | undefined {
  const text = process.env.CLOCK_START
  if (text === undefined || text === '') return undefined
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(at)) {
    process.stderr.write(`configuration refused:\n  CLOCK_START: ${JSON.stringify(text)} is not an ISO 8601 instant with its offset (e.g. 2025-03-12T10:00:00+08:00)\n`)
    process.exit(78)
  }
  return new ShiftedClock(at)
}

async function main (): Promise<void> {
  const clock = clockStart()
  const config = await loadConfig(configDir, process.env).catch((err: unknown) => {
    if (err instanceof ConfigError) refuse(err)
    throw err
  })
  const logger = createLogger({ level: config.app.log.level })
  if (clock !== undefined) logger.warn({ now: new Date(clock.now()).toISOString() }, 'CLOCK_START: the controller\'s clock is not the system\'s (a drill or a test)')
  const demo = config.app.switch.kind === 'sim' && config.app.api.tokens.length === 0
  // The loaded config is frozen: a copy carries the demo tokens.
  const app = demo ? { ...config.app, api: { ...config.app.api, tokens: makeDemoTokens(config.agents) } } : config.app
  const flowsDir = join(root, 'ivr-flows')
  const simInstall = await loadSimInstall(config.app, config.agents, flowsDir).catch((err: unknown) => {
    if (err instanceof ConfigError) refuse(err)
    throw err
  })
  const controllerId = config.app.controller.id ?? hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64)
  const controller = await startController({
    config: app,
    controllerId,
    // A memory store starts empty: an end kept from before the restart has no record to end there.
    ...(config.app.store.kind === 'redis' ? { journalDir: config.app.controller.journalDir ?? join(tmpdir(), 'hotline12345', controllerId, 'call-ends') } : {}),
    simInstall,
    ...(clock === undefined ? {} : { clock }),
    calendar: config.calendar,
    ivr: { flowsDir, flowId: config.app.ivr.flow, directory: config.directory, agents: config.agents },
    logger,
    // A peer runs this controller's calls now: acting on them would fight it. Exit at once, not
    // drain (the calls are not ours); the supervisor starts a fresh controller (EX_TEMPFAIL).
    onLeaseTaken: (why) => {
      logger.fatal({ why }, 'stopping: a peer took this controller\'s calls over')
      process.exit(75)
    }
  }).catch((err: unknown) => {
    if (err instanceof ConfigError) refuse(err)
    throw err
  })
  // SIGHUP: check the flows again (they are also watched, this is for operators' scripts).
  process.on('SIGHUP', () => {
    controller.ivr?.flows.reload().then((report) => {
      logger.info({ changed: report.changed.map((f) => `${f.id}@${f.version}`), refused: report.rejected.length }, 'flows reloaded')
    })
      .catch((err: unknown) => { logger.error({ err }, 'flow reload failed') })
  })
  const { host, port } = config.app.http
  const address = await controller.app.listen({ host, port })
  logger.info({ address, switch: config.app.switch.kind }, 'controller listening')
  if (demo) {
    const pages = new URL('/ui/', address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost')).href
    process.stderr.write(demoTokenBanner(app.api.tokens, pages) + '\n')
    logger.info({ tokens: app.api.tokens.length }, 'demo API tokens made for this run (printed on stderr)')
  }
  if (config.app.switch.kind === 'sim') {
    logger.info('running on the embedded simulated switch; to drive a real one set ' +
      'SWITCH_KIND=freeswitch ESL_HOST=<host> ESL_PORT=8021 ESL_PASSWORD=<password>, or ' +
      'SWITCH_KIND=asterisk ARI_URL=http://<host>:8088 ARI_USER=hotline ARI_PASSWORD=<password> (see README)')
  }

  // The drain deadline plus a margin for closing sockets; close-with-grace forces exit after it.
  const drainMs = config.app.shutdown.drainDeadlineMs
  installProcessPolicy(process, logger, controller.metrics)
  // Unhandled rejections are the policy's (src/wiring/process-policy.ts), not a reason to stop.
  closeWithGrace({ delay: drainMs + 10_000, skip: ['unhandledRejection'] }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'fatal error; shutting down')
    logger.info({ signal, drainMs }, 'shutting down: no new calls, draining calls in progress')
    await controller.shutdown(drainMs)
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`controller failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
