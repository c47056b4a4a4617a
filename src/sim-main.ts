// `npm run sim`: the simulated switch as a process of its own, playing FreeSWITCH (ESL) or
// Asterisk (ARI) with its traffic generator, so that controllers connect to it as to a real
// switch — several at once, on any store, and any of them can be killed while the switch and
// its calls live on. Installed as the operator's settings, agents and prompts say (the same
// install the embedded simulator has). A small control API on its own port tells what is on
// the switch and restarts it (the chaos harness uses it): see docs/simulator.md.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AriServer } from './adapters/sim/ari-server.js'
import { CallerWatch } from './adapters/sim/caller-watch.js'
import { EslServer } from './adapters/sim/esl-server.js'
import type { SimCallHandle } from './adapters/sim/model-types.js'
import { SimSwitch } from './adapters/sim/sim-switch.js'
import { type SimTraffic, seededRandom, startSimTraffic } from './adapters/sim/traffic.js'
import { ConfigError, configDirOf, formatProblem, loadConfig } from './config/index.js'
import { createLogger } from './logger.js'
import { SIM_USAGE, type SimOptions, simOptions } from './wiring/sim-options.js'
import { loadSimInstall } from './wiring/switch-factory.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..').replace(/[\\/]dist$/, '')

/** What the control API's GET /status answers: the switch's state and what is left on it. */
export interface SimStatus {
  protocol: 'esl' | 'ari'
  port: number
  channels: number
  conferences: number
  traffic: ReturnType<SimTraffic['stats']> | undefined
}

/** A caller placed on the control API, as GET /calls and GET /calls/{id} tell it. */
export interface PlacedCallStory {
  id: string
  answerState: string
  /** Prompts heard, by name, in order. */
  heard: string[]
  /** The switch answered it (a controller took the call). */
  answered: boolean
  /** The longest time answered with nothing to hear: no prompt, nobody else in the room (real ms). */
  longestSilenceMs: number
  /** Shared a room with another leg (an agent, a specialist): served. */
  talked: boolean
  ended?: { cause: string, side: string }
}

async function main (): Promise<void> {
  let options: SimOptions
  try {
    options = simOptions(process.argv.slice(2), process.env)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${SIM_USAGE}\n`)
    process.exit(64)
  }
  const config = await loadConfig(configDirOf(process.env, root), process.env).catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration refused:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`)
      process.exit(78)
    }
    throw err
  })
  const logger = createLogger({ level: config.app.log.level }).child({ component: 'sim' })
  const install = await loadSimInstall(config.app, config.agents, join(root, 'ivr-flows'))
  const model = new SimSwitch({ timeScale: options.timeScale, install })
  const server = options.protocol === 'ari'
    ? new AriServer(model, { user: config.app.switch.asterisk.user, password: options.password, host: options.host, port: options.port, apps: options.apps })
    : new EslServer(model, { password: options.password, host: options.host, port: options.port })
  const { port } = await server.listen()
  const traffic = startSimTraffic(model, {
    callsPerHour: options.callsPerHour,
    answer: options.answer,
    to: config.app.switch.hotlineNumber,
    directory: config.directory,
    agentExtensions: config.agents.agents.map((a) => a.extension),
    logger,
    ...(options.seed === undefined ? {} : { random: seededRandom(options.seed) })
  })
  const status = (): SimStatus => ({
    protocol: options.protocol,
    port,
    channels: model.channels().length,
    conferences: model.conferences().length,
    traffic: traffic.stats()
  })
  // Callers placed on the control API, by channel id: what they heard and how they ended.
  const placed = new Map<string, { call: SimCallHandle, ended?: { cause: string, side: string } }>()
  const watch = new CallerWatch()
  model.on('event', (event) => { watch.observe(event) })
  const story = (entry: { call: SimCallHandle, ended?: { cause: string, side: string } }): PlacedCallStory => {
    const { call } = entry
    const seen = watch.report(call.channel.id)
    return {
      id: call.channel.id,
      answerState: call.channel.answerState,
      heard: call.heard.map((h) => h.replace(/^.*[/:]/, '').replace(/\.wav$/, '')),
      answered: seen?.answered ?? false,
      longestSilenceMs: seen?.longestSilenceMs ?? 0,
      talked: seen?.talked ?? false,
      ...(entry.ended === undefined ? {} : { ended: entry.ended })
    }
  }
  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    const reply = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    const url = new URL(req.url ?? '/', 'http://sim')
    const callId = /^\/calls\/([^/]+)$/.exec(url.pathname)?.[1]
    const hangupId = /^\/calls\/([^/]+)\/hangup$/.exec(url.pathname)?.[1]
    if (req.method === 'GET' && url.pathname === '/status') {
      reply(200, status())
    } else if (req.method === 'POST' && url.pathname === '/calls') {
      const from = url.searchParams.get('from') ?? ''
      if (!/^\d{3,20}$/.test(from)) {
        reply(400, { error: 'from: the caller\'s number, digits only' })
        return
      }
      const keys = (url.searchParams.get('keys') ?? '').split(',').filter((k) => k !== '').map((k) => /^(\d{1,7}):([0-9*#]{1,20})$/.exec(k))
      const hangupAfter = url.searchParams.get('hangupAfterMs')
      if (keys.some((k) => k === null) || (hangupAfter !== null && !/^\d{1,8}$/.test(hangupAfter))) {
        reply(400, { error: 'keys: MS:DIGITS,… (after the answer); hangupAfterMs: a whole number' })
        return
      }
      try {
        const call = model.placeCall({
          from,
          to: url.searchParams.get('to') ?? config.app.switch.hotlineNumber,
          dtmf: keys.map((k) => ({ afterAnswerMs: Number(k?.[1]), digits: k?.[2] ?? '' })),
          ...(hangupAfter === null ? {} : { hangupAfterMs: Number(hangupAfter) })
        })
        const entry: { call: SimCallHandle, ended?: { cause: string, side: string } } = { call }
        placed.set(call.channel.id, entry)
        watch.watch(call.channel.id)
        void call.ended.then((end) => { entry.ended = { cause: end.cause, side: end.side } })
        reply(201, { id: call.channel.id })
      } catch (err) {
        reply(503, { error: (err as Error).message })
      }
    } else if (req.method === 'GET' && callId !== undefined) {
      const entry = placed.get(decodeURIComponent(callId))
      if (entry === undefined) {
        reply(404, { error: 'no call placed with that id' })
        return
      }
      reply(200, story(entry))
    } else if (req.method === 'GET' && url.pathname === '/calls') {
      reply(200, [...placed.values()].map(story))
    } else if (req.method === 'POST' && hangupId !== undefined) {
      const entry = placed.get(decodeURIComponent(hangupId))
      if (entry === undefined) {
        reply(404, { error: 'no call placed with that id' })
        return
      }
      entry.call.hangup()
      reply(200, { id: entry.call.channel.id })
    } else if (req.method === 'POST' && url.pathname === '/restart') {
      const downMs = Number(url.searchParams.get('downMs') ?? '1000')
      logger.warn({ downMs }, 'restarting the simulated switch (asked on the control API)')
      model.restart({ downMs: Number.isFinite(downMs) ? downMs : 1000 })
        .then((up) => { reply(200, { up }) }, (err: unknown) => { reply(500, { error: String(err) }) })
    } else {
      reply(404, { error: 'GET /status, POST /restart?downMs=N, POST /calls?from=N[&keys=MS:DIGITS,…][&hangupAfterMs=N], GET /calls, GET /calls/{id}, POST /calls/{id}/hangup' })
    }
  })
  await new Promise<void>((resolve) => control.listen(options.controlPort, '127.0.0.1', resolve))
  const address = control.address()
  const controlPort = typeof address === 'object' && address !== null ? address.port : options.controlPort
  logger.info({ protocol: options.protocol, host: options.host, port, controlPort, callsPerHour: options.callsPerHour, timeScale: options.timeScale },
    `simulated ${options.protocol === 'ari' ? 'Asterisk (ARI)' : 'FreeSWITCH (ESL)'} listening`)
  // One line for scripts that start it: where to connect.
  process.stdout.write(`${JSON.stringify({ sim: 'listening', protocol: options.protocol, port, controlPort })}\n`)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal, ...status() }, 'simulated switch stopping')
    traffic.stop()
    control.close()
    void server.close().then(() => { model.close(); process.exit(0) })
  }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
