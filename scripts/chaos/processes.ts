// The standalone simulator (`src/sim-main.ts`) and controllers (`src/main.ts`) as processes of
// their own: from the sources through tsx (tests), or from the built output (the chaos
// harness, as operators run them). Each handle stops or kills its process.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SimStatus } from '../../src/sim-main.js'

const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/dist\/$/, '/')

/** `source`: the TypeScript through tsx; `built`: `dist/` (npm run build first). */
export type Entry = 'source' | 'built'

function command (entry: Entry, name: 'main' | 'sim-main'): string[] {
  return entry === 'built' ? ['--enable-source-maps', `dist/src/${name}.js`] : ['--import', 'tsx', `src/${name}.ts`]
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopProcess (child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, graceMs)
  await exited
  clearTimeout(timer)
}

/** SIGKILL (a crash, an OOM kill); resolves once it has exited. */
export async function killProcess (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGKILL')
  await exited
}

export interface SimProcess {
  child: ChildProcess
  port: number
  controlPort: number
  status: () => Promise<SimStatus>
  /** The control API (docs/simulator.md): a path and a method. */
  control: <T>(method: string, path: string) => Promise<{ status: number, body: T }>
  stop: () => Promise<void>
}

export async function launchSim (args: string[], entry: Entry = 'source', env: Record<string, string> = {}): Promise<SimProcess> {
  const child = spawn(process.execPath, [...command(entry, 'sim-main'), ...args], {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8192) })
  const ready = await new Promise<{ port: number, controlPort: number }>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.includes('"sim":"listening"'))
      if (line !== undefined) resolve(JSON.parse(line) as { port: number, controlPort: number })
    })
    child.once('exit', (code) => { reject(new Error(`the simulator exited ${String(code)}: ${stderr}`)) })
  })
  const control = async <T>(method: string, path: string): Promise<{ status: number, body: T }> => {
    const res = await fetch(`http://127.0.0.1:${ready.controlPort}${path}`, { method })
    return { status: res.status, body: await res.json() as T }
  }
  return { child, ...ready, status: async () => (await control<SimStatus>('GET', '/status')).body, control, stop: async () => { await stopProcess(child) } }
}

export interface ControllerProcess {
  child: ChildProcess
  /** Its log lines, parsed (the last `keepLines`). */
  lines: Array<Record<string, unknown>>
  /** Resolves with the exit code or signal. */
  exited: Promise<string>
  /** Its HTTP API: a request with a bearer token, the status and the JSON body. */
  api: <T>(method: string, path: string, token: string, body?: unknown) => Promise<{ status: number, body: T }>
  stop: () => Promise<void>
  kill: () => Promise<void>
}

export interface LaunchControllerOptions {
  entry?: Entry
  /** Log lines kept in `lines` (all by default). */
  keepLines?: number
  /** Each log line as it comes (e.g. to a file). */
  onLine?: (line: string) => void
  readyTimeoutMs?: number
}

const CONNECTED = new Set(['ESL connected and subscribed', 'ARI events socket connected and app reclaimed'])

/** `src/main.ts` with `env` over this process's; resolves once its switch connection is up. */
export async function launchController (env: Record<string, string>, options: LaunchControllerOptions = {}): Promise<ControllerProcess> {
  const child = spawn(process.execPath, command(options.entry ?? 'source', 'main'), {
    cwd: ROOT, env: { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: Array<Record<string, unknown>> = []
  let connected = false
  let address: string | undefined
  let rest = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    rest += chunk.toString()
    const parts = rest.split('\n')
    rest = parts.pop() ?? ''
    for (const part of parts) {
      options.onLine?.(part)
      let line: Record<string, unknown>
      try { line = JSON.parse(part) as Record<string, unknown> } catch { continue }
      if (CONNECTED.has(String(line.msg))) connected = true
      if (line.msg === 'controller listening') address = String(line.address)
      lines.push(line)
      if (options.keepLines !== undefined && lines.length > options.keepLines) lines.splice(0, lines.length - options.keepLines)
    }
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8192) })
  const exited = new Promise<string>((resolve) => { child.once('exit', (code, signal) => { resolve(signal ?? String(code)) }) })
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000)
  while (!connected || address === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the controller exited ${child.exitCode ?? child.signalCode}: ${stderr}`)
    if (Date.now() > deadline) {
      await killProcess(child)
      throw new Error(`the controller did not connect to the switch within ${options.readyTimeoutMs ?? 60_000} ms: ${stderr}`)
    }
    await sleep(50)
  }
  const base = address
  const api = async <T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number, body: T }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000)
    })
    return { status: res.status, body: await res.json().catch(() => undefined) as T }
  }
  return { child, lines, exited, api, stop: async () => { await stopProcess(child) }, kill: async () => { await killProcess(child) } }
}
