// A real redis-server for tests (docs/ARCHITECTURE.md, "Real Redis in tests"): each call
// starts a private, throw-away server on a free loopback port with persistence off, so test
// files can run in parallel and leave nothing behind.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, ready for `new Redis(url)`. */
  readonly url: string
  readonly port: number
  /** The server's working directory; removed by `stop()`. */
  readonly dir: string
  /** Shuts the server down, waits for it to exit, removes its directory. Safe to call twice. */
  stop: () => Promise<void>
  /** Kills it with SIGKILL (a host lost) and waits for the exit; its directory stays until stop(). */
  kill: () => Promise<void>
}

export interface StartRedisOptions {
  /** The redis-server executable; `redis-server` from PATH by default. */
  bin?: string
  /** How long the server may take to answer PING. */
  readyTimeoutMs?: number
  /** More arguments, e.g. `['--replicaof', '127.0.0.1', '6379']`. */
  args?: string[]
  /** A configuration file written into the server's folder and given first (Sentinel needs one it can rewrite). */
  configFile?: (port: number) => string
}

/** The part of a tap `Test` the helper needs. */
export interface Teardownable {
  teardown: (fn: () => unknown) => void
}

const INSTALL_HINT = 'run `sh scripts/ensure-deps.sh --test` (Debian package redis-server)'
const PORT_ATTEMPTS = 5
const OUTPUT_KEPT = 4096

// Servers still running when the test process exits without its teardowns (a crash, an
// uncaught error): kill them so no redis-server outlives the test file.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/** Starts a redis-server on 127.0.0.1 and resolves once it answers PING. */
export async function startRedis (options: StartRedisOptions = {}): Promise<RedisServer> {
  const bin = options.bin ?? 'redis-server'
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000
  const dir = await mkdtemp(join(tmpdir(), 'hotline-redis-'))
  try {
    // A port found free can be taken by someone else before redis binds it; try again then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const started = await launch(bin, port, dir, readyTimeoutMs, options)
      if (started.ok) return serverHandle(started.child, port, dir)
      if (!started.portTaken || attempt >= PORT_ATTEMPTS) throw started.error
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** Starts a redis-server for one test and stops it in that test's teardown. */
export async function withRedis (t: Teardownable, options?: StartRedisOptions): Promise<RedisServer> {
  const server = await startRedis(options)
  t.teardown(() => server.stop())
  return server
}

/** A port the kernel just handed out on 127.0.0.1, closed again for the caller to bind. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no TCP port from listen(0)')
  return address.port
}

type Launch =
  | { ok: true, child: ChildProcess }
  | { ok: false, portTaken: boolean, error: Error }

async function launch (bin: string, port: number, dir: string, readyTimeoutMs: number, options: StartRedisOptions): Promise<Launch> {
  const config = options.configFile === undefined ? undefined : join(dir, `redis-${port}.conf`)
  if (config !== undefined) await writeFile(config, options.configFile?.(port) ?? '')
  const child = spawn(bin, [
    ...(config === undefined ? [] : [config]),
    '--port', String(port),
    '--bind', '127.0.0.1',
    ...(config === undefined ? ['--save', '', '--appendonly', 'no'] : []),
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.args ?? [])
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)

  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-OUTPUT_KEPT) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  let exited: Error | undefined
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    live.delete(child)
    exited ??= new Error(`redis-server exited before it was ready (code ${code}, signal ${signal}):\n${output}`)
  }
  child.once('exit', onExit)
  child.on('error', (err: NodeJS.ErrnoException) => {
    live.delete(child)
    exited = err.code === 'ENOENT'
      ? new Error(`redis-server is not installed (${bin} not found on PATH): ${INSTALL_HINT}`, { cause: err })
      : new Error(`cannot start ${bin}: ${err.message}`, { cause: err })
  })

  const deadline = Date.now() + readyTimeoutMs
  while (exited === undefined) {
    if (await answersPing(port, child.pid)) {
      child.off('exit', onExit)
      child.once('exit', () => live.delete(child))
      return { ok: true, child }
    }
    if (Date.now() > deadline) {
      await terminate(child)
      return { ok: false, portTaken: false, error: new Error(`redis-server on port ${port} did not answer PING within ${readyTimeoutMs} ms:\n${output}`) }
    }
    await sleep(20)
  }
  return { ok: false, portTaken: /address already in use/i.test(output), error: exited }
}

/**
 * True once the server on `port` answers PING and is our child: a port found free can be taken
 * by another process before ours binds it, and that one must not be mistaken for ours.
 */
async function answersPing (port: number, pid: number | undefined): Promise<boolean> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 1000
  })
  // Refused connections are expected while the server starts; the result says enough.
  client.on('error', () => {})
  try {
    await client.connect()
    if ((await client.ping()) !== 'PONG') return false
    return (await client.info('server')).includes(`process_id:${pid}\r\n`)
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

function serverHandle (child: ChildProcess, port: number, dir: string): RedisServer {
  let stopping: Promise<void> | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => {
      stopping ??= (async () => {
        await terminate(child)
        await rm(dir, { recursive: true, force: true })
      })()
      return stopping
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGKILL')
      await exited
    }
  }
}

/** SIGTERM is redis-server's orderly shutdown; SIGKILL if it has not exited after 5 s. */
async function terminate (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/**
 * A Redis Sentinel (`redis-server <conf> --sentinel`) watching the primary on `primaryPort`
 * under `master`, deciding with `quorum` sentinels and calling it down after 1 s of silence.
 */
export async function startSentinel (primaryPort: number, master: string, quorum: number): Promise<RedisServer> {
  return await startRedis({
    args: ['--sentinel'],
    configFile: () => [
      `sentinel monitor ${master} 127.0.0.1 ${primaryPort} ${quorum}`,
      `sentinel down-after-milliseconds ${master} 1000`,
      `sentinel failover-timeout ${master} 10000`,
      `sentinel parallel-syncs ${master} 1`,
      ''
    ].join('\n')
  })
}
