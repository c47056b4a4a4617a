// The enterprise-seat line on a real switch: the switch started from the generated
// configuration (switches.ts), SIPp as the agent's registered phone, the department trunk and
// the callers, and the controller driving the switch in this process with its log captured.
// Everything the test sets is an operator's setting (addresses, ports, the prompts' folder,
// secrets in the environment, ring timeouts in directory.yaml); no endpoint, sound or
// setting exists here that the shipped configuration lacks.
import { type ChildProcess, spawn } from 'node:child_process'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import { type AppConfig, resolveAppConfig } from '../../src/config/app-config.js'
import { loadConfig } from '../../src/config/index.js'
import { parseDirectory } from '../../src/config/directory-schema.js'
import { type Controller, startController } from '../../src/wiring/controller.js'
import { loadPromptCatalogue } from '../../src/flows/prompts.js'
import { createLogger } from '../../src/logger.js'
import { ShiftedClock } from '../../src/ports/clock.js'
import type { SwitchVendor } from '../../src/ports/switch.js'
import type { LogLine } from '../helpers/controller.js'
import { freePort } from '../helpers/redis.js'
import { eventually } from '../helpers/sim.js'
import { freeUdpPort, runSipp, type SippResult } from '../helpers/sipp.js'
import { type CallerScript, type LineBehaviour, callerScenario, departmentScenario, phoneScenario, registerScenario } from './sipp-scenarios.js'
import { type RunningSwitch, logTail, removeDir, startAsterisk, startFreeswitch, switchDir } from './switches.js'

const ROOT = new URL('../../', import.meta.url).pathname
const LOOPBACK = '127.0.0.1'

export const AGENT_TOKEN = 'real-agent01-token-0123456789'
/** The Stasis application of a second controller on the real Asterisk (ARI_APP). */
export const PEER_APP = 'hotline-peer'
export const SUPERVISOR_TOKEN = 'real-supervisor-token-0123456789'

export interface RealSwitch {
  sw: RunningSwitch
  app: AppConfig
  env: Record<string, string>
  /** control: the switch's ESL / ARI port. */
  ports: { sip: number, control: number, department: number, phone: number }
  /**
   * Starts a controller (one at a time), living on `at`; stopped with the test. `via`: the
   * loopback port of a proxy in front of the switch's ESL / ARI port, to reach it through.
   */
  controller(t: Test, at: string, options?: { via?: number }): Promise<RealController>
  /** A caller on its own SIPp, run to its end. */
  call(from: string, script: CallerScript, timeoutMs: number): Promise<SippResult>
  /**
   * What a controller process (`src/main.ts`) needs to drive this switch: the environment, and
   * a copy of config/ whose sound prefix is this switch's sounds folder (HOTLINE_CONFIG_DIR).
   */
  processEnv(): Promise<Record<string, string>>
}

/** A JSON body off the wire, read field by field by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

export interface RealController {
  controller: Controller
  lines: LogLine[]
  api(method: 'GET' | 'POST', url: string, token: string, payload?: unknown): Promise<{ status: number, body: Json }>
}

interface Options {
  /** The department lines behind the trunk, by number. */
  departments: Record<string, LineBehaviour>
  /** Ring timeouts of these numbers, shortened in a copy of directory.yaml (an operator's setting). */
  ringTimeoutSec?: Record<string, number>
  /** Phones registered (agents.yaml extensions), with the answer delay. */
  phones: string[]
}

function daemon (args: string[], cwd: string): ChildProcess {
  const child = spawn('sipp', [...args, '-nostdin', '-trace_err'], { cwd, stdio: 'ignore' })
  const reap = (): void => { child.kill('SIGKILL') }
  process.once('exit', reap)
  child.once('exit', () => { process.off('exit', reap) })
  return child
}

/** Starts `vendor` for the whole test file, with its department lines and phones. */
export async function realSwitch (t: Test, vendor: SwitchVendor, options: Options): Promise<RealSwitch> {
  const dir = await switchDir(vendor)
  const shipped = await loadConfig(join(ROOT, 'config'), {})
  const env: Record<string, string> = { ESL_PASSWORD: 'real-esl-secret-0123', ARI_PASSWORD: 'real-ari-secret-0123' }
  for (const agent of shipped.agents.agents) env[`PHONE_PASSWORD_${agent.extension}`] = `pw-${agent.extension}-x`
  const ports = { sip: await freeUdpPort(), control: await freePort(), department: await freeUdpPort(), phone: await freeUdpPort() }
  const rtp = 30_000 + Math.floor(Math.random() * 200) * 40
  const app = resolveAppConfig({
    http: { host: LOOPBACK, port: 0 },
    log: { level: 'debug' },
    switch: {
      kind: vendor,
      soundPrefix: join(dir, 'sounds') + '/',
      requestTimeoutMs: 5000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
      freeswitch: { host: LOOPBACK, port: ports.control },
      asterisk: { url: `http://${LOOPBACK}:${ports.control}` },
      site: {
        sipAddress: LOOPBACK, sipPort: ports.sip, rtpPortStart: rtp, rtpPortEnd: rtp + 39,
        callers: [LOOPBACK], controllers: [LOOPBACK], departmentTrunk: `${LOOPBACK}:${ports.department}`,
        // Two controllers' applications (PEER_APP only while a scenario runs a second one): a call
        // whose turn starts at one with nobody connected passes to the next.
        asteriskApps: ['hotline', PEER_APP]
      }
    },
    shutdown: { drainDeadlineMs: 2000 }
  }, 'real-switch test', { ...env, API_TOKENS: `${AGENT_TOKEN}:agent:agent01,${SUPERVISOR_TOKEN}:supervisor` })
  const catalogue = await loadPromptCatalogue(join(ROOT, 'ivr-flows', 'prompts.yaml'))
  const start = vendor === 'freeswitch' ? startFreeswitch : startAsterisk
  const sw = await start({ app, agents: shipped.agents, catalogue, env, dir })
  let failed = false
  t.teardown(async () => {
    failed = !t.passing()
    await sw.stop()
    if (failed) t.comment(`kept ${dir} for its logs`)
    else await removeDir(dir)
  })

  // The department trunk and the phones: SIPp for the whole file.
  await writeFile(join(dir, 'department.xml'), departmentScenario(options.departments))
  const department = daemon(['-sf', join(dir, 'department.xml'), '-i', LOOPBACK, '-p', String(ports.department), '-mp', String(await freeUdpPort(2))], dir)
  t.teardown(() => { department.kill() })
  await writeFile(join(dir, 'phone.xml'), phoneScenario(300))
  const phone = daemon(['-sf', join(dir, 'phone.xml'), '-i', LOOPBACK, '-p', String(ports.phone), '-mp', String(await freeUdpPort(2))], dir)
  t.teardown(() => { phone.kill() })
  for (const extension of options.phones) {
    const file = join(dir, `register-${extension}.xml`)
    await writeFile(file, registerScenario(extension, env[`PHONE_PASSWORD_${extension}`] ?? '', ports.phone))
    const registered = await runSipp({ scenario: { file }, args: [`${LOOPBACK}:${ports.sip}`, '-i', LOOPBACK, '-p', String(await freeUdpPort()), '-m', '1'], timeoutMs: 15_000, cwd: dir })
    if (registered.code !== 0) throw new Error(`phone ${extension} did not register (sipp ${registered.code}):\n${registered.stdout.slice(-2000)}\n${await logTail(sw)}`)
  }

  const directoryText = (await readFile(join(ROOT, 'config', 'directory.yaml'), 'utf8'))
    .replace(/\{ number: '(\d+)', ringTimeoutSec: (\d+)/g, (all, number: string) => {
      const sec = options.ringTimeoutSec?.[number]
      return sec === undefined ? all : `{ number: '${number}', ringTimeoutSec: ${sec}`
    })
  const directory = parseDirectory(directoryText, 'directory.yaml (ring timeouts shortened)')

  const controller = async (ct: Test, at: string, options: { via?: number } = {}): Promise<RealController> => {
    const via = options.via
    const config: AppConfig = via === undefined
      ? app
      : {
          ...app,
          switch: {
            ...app.switch,
            freeswitch: { ...app.switch.freeswitch, port: via },
            asterisk: { ...app.switch.asterisk, url: `http://${LOOPBACK}:${via}` }
          }
        }
    const lines: LogLine[] = []
    const destination = new Writable({
      write (chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as LogLine)
        done()
      }
    })
    const c = await startController({
      config,
      logger: createLogger({ level: 'debug', destination }),
      clock: new ShiftedClock(new Date(at)),
      calendar: shipped.calendar,
      ivr: { flowsDir: join(ROOT, 'ivr-flows'), flowId: 'enterprise-seat', directory, agents: shipped.agents }
    })
    ct.teardown(async () => {
      await c.shutdown(2000)
      if (!ct.passing()) ct.comment(`${lines.slice(-80).map((l) => JSON.stringify(l)).join('\n')}\n${await logTail(sw)}`)
    })
    await eventually(() => c.switch.status().state === 'ready' ? true : undefined, `${vendor} connected`, 20_000)
    return {
      controller: c,
      lines,
      api: async (method, url, token, payload) => {
        const res = await c.app.inject({
          method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> })
        })
        return { status: res.statusCode, body: res.body === '' ? undefined : res.json() }
      }
    }
  }

  const processEnv = async (): Promise<Record<string, string>> => {
    const configDir = join(dir, 'controller-config')
    await cp(join(ROOT, 'config'), configDir, { recursive: true })
    const settings = join(configDir, 'default.yaml')
    await writeFile(settings, (await readFile(settings, 'utf8'))
      .replace(/^ {2}soundPrefix: \/usr\/share\/freeswitch\/sounds\/hotline12345\/$/m, `  soundPrefix: ${join(dir, 'sounds')}/`))
    return {
      ...env,
      HOTLINE_CONFIG_DIR: configDir,
      SWITCH_KIND: vendor,
      ESL_HOST: LOOPBACK,
      ESL_PORT: String(ports.control),
      ARI_URL: `http://${LOOPBACK}:${ports.control}`,
      API_TOKENS: `${AGENT_TOKEN}:agent:agent01,${SUPERVISOR_TOKEN}:supervisor`
    }
  }

  const call = async (from: string, script: CallerScript, timeoutMs: number): Promise<SippResult> => {
    const file = join(dir, `caller-${from}.xml`)
    await writeFile(file, callerScenario(from, app.switch.hotlineNumber, script))
    return await runSipp({
      scenario: { file },
      args: [`${LOOPBACK}:${ports.sip}`, '-i', LOOPBACK, '-p', String(await freeUdpPort()), '-m', '1', '-trace_msg', '-trace_err'],
      timeoutMs,
      cwd: dir
    })
  }

  return { sw, app, env, ports, controller, call, processEnv }
}
