// The standalone simulator (`src/sim-main.ts`) and controllers (`src/main.ts`) as processes of
// their own, for tests that kill one of them; each is stopped when the test ends.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Test } from 'tap'
import type { SimStatus } from '../../src/sim-main.js'
import { eventually } from './sim.js'

const ROOT = new URL('../../', import.meta.url).pathname

export interface SimProcess {
  child: ChildProcess
  port: number
  controlPort: number
  status: () => Promise<SimStatus>
  /** The control API (docs/simulator.md): a path and a method. */
  control: <T>(method: string, path: string) => Promise<{ status: number, body: T }>
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
  await once(child, 'exit')
  clearTimeout(timer)
}

export async function startSimProcess (t: Test, args: string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim-main.ts', ...args], {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  t.teardown(async () => { await stop(child) })
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
  return { child, ...ready, status: async () => (await control<SimStatus>('GET', '/status')).body, control }
}

export interface ControllerProcess {
  child: ChildProcess
  /** Its log lines, parsed. */
  lines: Array<Record<string, unknown>>
  /** Resolves with the exit code or signal. */
  exited: Promise<string>
  /** Its HTTP API: a request with a bearer token, the status and the JSON body. */
  api: <T>(method: string, path: string, token: string, body?: unknown) => Promise<{ status: number, body: T }>
}

/** `src/main.ts` with `env` over this process's; resolves once its switch connection is up. */
export async function startControllerProcess (t: Test, env: Record<string, string>): Promise<ControllerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT, env: { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: Array<Record<string, unknown>> = []
  let rest = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    rest += chunk.toString()
    const parts = rest.split('\n')
    rest = parts.pop() ?? ''
    for (const part of parts) {
      try { lines.push(JSON.parse(part) as Record<string, unknown>) } catch { /* not a log line */ }
    }
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<string>((resolve) => { child.once('exit', (code, signal) => { resolve(signal ?? String(code)) }) })
  t.teardown(async () => { await stop(child) })
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`the controller exited ${child.exitCode}: ${stderr}`)
    return lines.some((l) => l.msg === 'ESL connected and subscribed' || l.msg === 'ARI events socket connected and app reclaimed') &&
      lines.some((l) => l.msg === 'controller listening')
      ? true
      : undefined
  }, 'the controller connected to the switch', 60_000)
  const address = String(lines.find((l) => l.msg === 'controller listening')?.address)
  const api = async <T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number, body: T }> => {
    const res = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: res.status, body: await res.json().catch(() => undefined) as T }
  }
  return { child, lines, exited, api }
}
