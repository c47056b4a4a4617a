// SIPp is the reference SIP peer (docs/ARCHITECTURE.md, "Real SIP where SIP is involved";
// Debian package sip-tester, SIPp 3.6). This runs one SIPp process with a scenario and a hard
// time limit and hands back its exit code and output. SIPp's exit codes (SIPp reference,
// "Exit codes"): 0 all calls succeeded, 1 at least one call failed, 97 exit on internal
// command, 99 normal exit without calls processed, 255 (-1) fatal error, 254 (-2) fatal error
// binding a socket.
import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { access, constants } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'

export type SippScenario =
  /** One of SIPp's embedded scenarios (`-sn`): uac, uas, regexp, branchc, ... */
  | { builtin: string }
  /** An XML scenario file (`-sf`). */
  | { file: string }

export interface SippRunOptions {
  scenario: SippScenario
  /** Everything else on SIPp's command line: remote host, -i, -p, -m, -s, ... */
  args?: readonly string[]
  /** SIPp is stopped (SIGTERM, then SIGKILL) when it runs longer than this. */
  timeoutMs: number
  signal?: AbortSignal
  /** Working directory, where SIPp writes any -trace_* files. */
  cwd?: string
  /** The sipp executable; looked up on PATH by default. */
  bin?: string
}

export interface SippResult {
  /** SIPp's exit code; null when it was ended by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  /** True when the helper stopped SIPp because `timeoutMs` passed. */
  timedOut: boolean
  stdout: string
  stderr: string
  /** The full argument list SIPp was started with. */
  args: string[]
}

const INSTALL_HINT = 'run `sh scripts/ensure-deps.sh --test` (Debian package sip-tester)'
const OUTPUT_KEPT = 256 * 1024
const KILL_GRACE_MS = 2000

let found: Promise<string> | undefined

/** The absolute path of the `sipp` executable on PATH (or the usual Debian places). */
export async function findSipp (): Promise<string> {
  found ??= (async () => {
    const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']
    for (const dir of dirs) {
      if (dir === '' || !isAbsolute(dir)) continue
      const candidate = join(dir, 'sipp')
      try {
        await access(candidate, constants.X_OK)
        return candidate
      } catch {
        // not in this directory
      }
    }
    found = undefined
    throw new Error(`sipp is not installed (not found on PATH): ${INSTALL_HINT}`)
  })()
  return await found
}

/**
 * A UDP port the kernel just handed out on 127.0.0.1, closed again for SIPp to bind. With
 * `pairedWith` = 2 the port + 2 is checked free as well (SIPp's -mp binds port and port + 2).
 */
export async function freeUdpPort (pairedWith = 0): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindUdp(0)
    if (pairedWith === 0) return port
    if (port + pairedWith > 65535) continue
    try {
      await bindUdp(port + pairedWith)
      return port
    } catch {
      // the companion port is taken; draw again
    }
  }
  throw new Error('no free UDP port pair on 127.0.0.1')
}

async function bindUdp (port: number): Promise<number> {
  const socket = createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, '127.0.0.1', () => resolve())
    })
    return socket.address().port
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve())
      } catch {
        resolve() // never bound
      }
    })
  }
}

/**
 * Runs SIPp once. Always adds `-nostdin` (no keyboard control), and unless `args` set them,
 * a free RTP echo port (`-mp`, default 6000) and control port (`-cp`, default 8888), so that
 * several SIPp processes (parallel test files) never fight over SIPp's fixed defaults.
 */
export async function runSipp (options: SippRunOptions): Promise<SippResult> {
  const bin = options.bin ?? await findSipp()
  const extra = options.args ?? []
  const args = [
    ...('builtin' in options.scenario ? ['-sn', options.scenario.builtin] : ['-sf', options.scenario.file]),
    ...extra,
    '-nostdin'
  ]
  if (!extra.includes('-mp')) args.push('-mp', String(await freeUdpPort(2)))
  if (!extra.includes('-cp')) args.push('-cp', String(await freeUdpPort()))
  options.signal?.throwIfAborted()

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout = (stdout + chunk.toString()).slice(-OUTPUT_KEPT) })
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-OUTPUT_KEPT) })

  let timedOut = false
  let killTimer: NodeJS.Timeout | undefined
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS)
  }
  const timer = setTimeout(() => { timedOut = true; stop() }, options.timeoutMs)
  options.signal?.addEventListener('abort', stop, { once: true })
  // A crashed test process must not leave SIPp listening.
  process.once('exit', stop)

  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'ENOENT'
          ? new Error(`sipp is not installed (${bin} not found): ${INSTALL_HINT}`, { cause: err })
          : new Error(`cannot start ${bin}: ${err.message}`, { cause: err }))
      })
      child.once('close', (code, signal) => resolve([code, signal]))
    })
    return { code, signal, timedOut, stdout, stderr, args }
  } finally {
    clearTimeout(timer)
    clearTimeout(killTimer)
    options.signal?.removeEventListener('abort', stop)
    process.off('exit', stop)
  }
}
