// Real FreeSWITCH 1.11.1 and Asterisk 22.10.1 (../shared/switches, installed to
// /opt/hotline-switches by scripts/ensure-deps.sh), started for a test from exactly what an
// operator installs: the output of `npm run switch-config` for the test's settings (free
// loopback ports, a folder of its own) and the prompts it builds. Only what belongs to the
// installation and not to the line is the test's own: Asterisk's asterisk.conf (its folders)
// and the data folder's links to the install's rest-api/ and documentation/.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { access, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { AgentsConfig } from '../../src/config/agents-schema.js'
import type { AppConfig } from '../../src/config/app-schema.js'
import type { PromptCatalogue } from '../../src/flows/prompts.js'
import { renderPrompts } from '../../src/prompts/render.js'
import { promptFolder, switchConfigFiles, writeGenerated } from '../../src/switch-config/index.js'
import type { SwitchVendor } from '../../src/ports/switch.js'

const run = promisify(execFile)

export const INSTALL = '/opt/hotline-switches'
const FS = join(INSTALL, 'freeswitch')
const AST = join(INSTALL, 'asterisk')
const BINARIES: Record<SwitchVendor, string> = {
  freeswitch: join(FS, 'bin', 'freeswitch'),
  asterisk: join(AST, 'sbin', 'asterisk')
}

/** Why the real-switch tests of this switch cannot run here, or undefined when they can. */
export async function absent (vendor: SwitchVendor): Promise<string | undefined> {
  try {
    await access(BINARIES[vendor])
  } catch {
    return `no real ${vendor} in ${INSTALL} (../shared/switches is not beside the project, or ` +
      '`sh scripts/ensure-deps.sh --test` has not installed it)'
  }
  try {
    await run('sipp', ['-v']).catch((err: { stdout?: string }) => { if (err.stdout?.includes('SIPp') !== true) throw err })
  } catch {
    return 'sipp is not installed (Debian package sip-tester)'
  }
  return undefined
}

export interface RunningSwitch {
  vendor: SwitchVendor
  dir: string
  /** Files to look at when a test fails. */
  logs: string[]
  /** Sends SIGTERM and waits; SIGKILL after 15 s. */
  stop(): Promise<void>
  /** Ends the process at once (a crash). */
  kill(): Promise<void>
  /** Starts it again from the same folder (after stop or kill). */
  restart(): Promise<void>
  /** Asterisk CLI / FreeSWITCH API command (asterisk -rx, ESL api via fs_cli). */
  cli(command: string): Promise<string>
}

export interface SwitchSetup {
  app: AppConfig
  agents: AgentsConfig
  catalogue: PromptCatalogue
  /** Secrets as the switch host's environment has them (ESL_PASSWORD / ARI_PASSWORD, PHONE_PASSWORD_<ext>). */
  env: Record<string, string>
  /** The test's folder; `sounds/` is where switch.soundPrefix points for FreeSWITCH. */
  dir: string
}

/** A folder for one switch run, removed at the end unless the test failed (kept for its logs). */
export async function switchDir (vendor: SwitchVendor): Promise<string> {
  return await mkdtemp(join(tmpdir(), `hotline-real-${vendor}-`))
}

async function buildPrompts (vendor: SwitchVendor, setup: SwitchSetup, into: string): Promise<void> {
  await renderPrompts({ switch: vendor, outDir: into, prompts: setup.catalogue.prompts })
}

async function waitFor (what: string, check: () => Promise<boolean>, process: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (process.exitCode !== null || process.signalCode !== null) throw new Error(`${what}: the switch exited (${process.exitCode ?? process.signalCode ?? ''})`)
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

function supervise (start: () => ChildProcess, ready: (p: ChildProcess) => Promise<void>): Pick<RunningSwitch, 'stop' | 'kill' | 'restart'> & { first: () => Promise<void> } {
  let child: ChildProcess | undefined
  const ended = (p: ChildProcess): Promise<void> => new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve()
    else p.once('exit', () => { resolve() })
  })
  const launch = async (): Promise<void> => {
    child = start()
    // A test process that dies must not leave a switch running.
    const p = child
    const reap = (): void => { p.kill('SIGKILL') }
    process.once('exit', reap)
    p.once('exit', () => { process.off('exit', reap) })
    await ready(p)
  }
  return {
    first: launch,
    restart: launch,
    stop: async () => {
      const p = child
      if (p === undefined) return
      p.kill('SIGTERM')
      const timer = setTimeout(() => { p.kill('SIGKILL') }, 15_000)
      await ended(p)
      clearTimeout(timer)
    },
    kill: async () => {
      const p = child
      if (p === undefined) return
      p.kill('SIGKILL')
      await ended(p)
    }
  }
}

/**
 * FreeSWITCH from the generated tree (`-conf`), at normal scheduling priority (`-np`: its
 * real-time threads would starve Node on two cores), prompts in `<dir>/sounds/`.
 */
export async function startFreeswitch (setup: SwitchSetup): Promise<RunningSwitch> {
  const { dir, app } = setup
  const conf = join(dir, 'conf')
  await writeGenerated(conf, switchConfigFiles('freeswitch', app, setup.agents))
  await buildPrompts('freeswitch', setup, join(dir, promptFolder('freeswitch', app)))
  for (const sub of ['log', 'db', 'run']) await mkdir(join(dir, sub), { recursive: true })
  const { host, port } = app.switch.freeswitch
  const password = setup.env.ESL_PASSWORD ?? ''
  const fsCli = async (command: string): Promise<string> =>
    (await run(join(FS, 'bin', 'fs_cli'), ['-H', host, '-P', String(port), '-p', password, '-x', command], { timeout: 10_000 })).stdout
  const life = supervise(
    () => spawn(BINARIES.freeswitch, [
      '-nc', '-nf', '-nonat', '-np', '-base', dir, '-conf', conf, '-mod', join(FS, 'lib', 'freeswitch', 'mod'),
      '-log', join(dir, 'log'), '-db', join(dir, 'db'), '-run', join(dir, 'run')
    ], { env: { ...process.env, ...setup.env }, stdio: ['ignore', 'ignore', 'ignore'] }),
    async (p) => {
      await waitFor('FreeSWITCH SIP profile running', async () => /hotline\s+profile\s.*RUNNING/.test(await fsCli('sofia status')), p, 60_000)
    })
  await life.first()
  return { vendor: 'freeswitch', dir, logs: [join(dir, 'log', 'freeswitch.log')], cli: fsCli, ...life }
}

/**
 * Asterisk from the generated files in `<dir>/etc`, its own asterisk.conf naming folders in
 * `<dir>`; the data folder holds the prompts (sounds/) and links to the install's rest-api/
 * (the ARI declarations) and documentation/ (without it Stasis does not start).
 */
export async function startAsterisk (setup: SwitchSetup): Promise<RunningSwitch> {
  const { dir, app } = setup
  const etc = join(dir, 'etc')
  const data = join(dir, 'data')
  await writeGenerated(etc, switchConfigFiles('asterisk', app, setup.agents))
  for (const sub of ['lib', 'log', 'run', 'spool', 'cache', 'data']) await mkdir(join(dir, sub), { recursive: true })
  for (const shared of ['rest-api', 'documentation']) {
    await symlink(join(AST, 'var', 'lib', 'asterisk', shared), join(data, shared))
  }
  await buildPrompts('asterisk', setup, join(data, promptFolder('asterisk', app)))
  await writeFile(join(etc, 'asterisk.conf'), [
    '[directories]',
    `astetcdir => ${etc}`,
    `astmoddir => ${join(AST, 'lib', 'asterisk', 'modules')}`,
    `astvarlibdir => ${join(dir, 'lib')}`,
    `astdbdir => ${join(dir, 'lib')}`,
    `astkeydir => ${join(dir, 'lib')}`,
    `astdatadir => ${data}`,
    `astagidir => ${join(data, 'agi-bin')}`,
    `astspooldir => ${join(dir, 'spool')}`,
    `astrundir => ${join(dir, 'run')}`,
    `astlogdir => ${join(dir, 'log')}`,
    `astcachedir => ${join(dir, 'cache')}`,
    `astsbindir => ${join(AST, 'sbin')}`,
    '[options]',
    'verbose = 3',
    'nocolor = yes',
    ''
  ].join('\n'))
  // The deploy-time step of config/asterisk/README.md: the secrets from the environment.
  await run(join(etc, 'hotline-asterisk-secrets'), [], { env: { ...process.env, ...setup.env }, timeout: 30_000 })
  const ari = new URL(app.switch.asterisk.url)
  const auth = `Basic ${Buffer.from(`${app.switch.asterisk.user}:${setup.env.ARI_PASSWORD ?? ''}`).toString('base64')}`
  const cli = async (command: string): Promise<string> =>
    (await run(BINARIES.asterisk, ['-C', join(etc, 'asterisk.conf'), '-rx', command], { timeout: 10_000 })).stdout
  const life = supervise(
    () => spawn(BINARIES.asterisk, ['-C', join(etc, 'asterisk.conf'), '-f', '-n'], { stdio: ['ignore', 'ignore', 'ignore'] }),
    async (p) => {
      await waitFor('Asterisk ARI answering', async () => {
        const res = await fetch(new URL('/ari/asterisk/info', ari), { headers: { Authorization: auth }, signal: AbortSignal.timeout(2000) })
        await res.arrayBuffer()
        return res.ok
      }, p, 60_000)
    })
  await life.first()
  return { vendor: 'asterisk', dir, logs: [join(dir, 'log', 'messages.log')], cli, ...life }
}

/** The last lines of the switch's log, for a failed test's diagnosis. */
export async function logTail (sw: RunningSwitch, lines = 60): Promise<string> {
  const parts: string[] = []
  for (const file of sw.logs) {
    const text = await readFile(file, 'utf8').catch(() => '')
    parts.push(`--- ${file}\n${text.split('\n').slice(-lines).join('\n')}`)
  }
  return parts.join('\n')
}

export async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
