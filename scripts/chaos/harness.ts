// The chaos harness (`npm run chaos`): the standalone simulated switch, controllers on Redis
// behind Sentinel, each through its own TCP proxy to the switch, departments' ticket webhooks
// that fail and stall; callers placed at random, agents logged in and asking for transfers;
// and at random moments a fault: a controller killed with SIGKILL (and started again), its
// switch link reset or silently dropped for 5 s or 60 s, the switch restarted, Redis failed
// over. Then traffic stops, everything drains, and the invariants are counted
// (invariants.ts). Every random choice comes from the seed.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createWriteStream, type WriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseDocument } from 'yaml'
import { seededRandom } from '../../src/adapters/sim/traffic.js'
import { RedisStore } from '../../src/adapters/redis/redis-store.js'
import { RedisTicketStore } from '../../src/adapters/redis/redis-tickets.js'
import type { PlacedCallStory } from '../../src/sim-main.js'
import { type ChaosCounts, type Invariant, countInvariants } from './invariants.js'
import { type ControllerProcess, type Entry, type SimProcess, launchController, launchSim } from './processes.js'
import { TcpProxy } from './proxy.js'
import { MASTER, RedisHa } from './redis-ha.js'
import { WebhookReceiver } from './webhook-receiver.js'

const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/dist\/$/, '/')
const PASSWORD = 'chaos-switch-secret-0123'
const SUPERVISOR = 'chaos-supervisor-token-0123'
const WEBHOOK_SECRET = 'chaos-webhook-secret-0123456789'
/** A working Wednesday: the enterprise seat is open and agents take calls. */
const WORKING = '2025-03-12T10:00:00+08:00'
/** Welcome, priority 1 (handling), category 1 (税务), matter 1 (发票领用): to the queue. */
const TO_QUEUE = '9500:1,12500:1,15500:1'

export type Fault = 'kill' | 'reset' | 'drop-5s' | 'drop-60s' | 'switch-restart' | 'redis-failover' | 'redis-primary-kill'

export interface ChaosOptions {
  /** Controller kills before the run ends; the other faults come between them. */
  kills: number
  seed: number
  controllers: number
  protocol: 'esl' | 'ari'
  /** Mean real time between two faults. */
  meanFaultGapMs: number
  /** Mean callers placed per minute. */
  callsPerMinute: number
  /** A caller left this long with nothing to hear counts against the run. */
  silenceLimitMs: number
  /** Chance of each fault besides kills, per fault drawn. */
  weights?: Partial<Record<Fault, number>>
  /**
   * The longest a queued caller stays before hanging up (default 120 s; at least 45 s, so that
   * some wait through announcements). The calls still up when the faults end are drained, so
   * this bounds the run's tail.
   */
  longestCallMs?: number
  /** Faults to run first, in this order (a short run that must see each kind); then random ones. */
  sequence?: readonly Fault[]
  entry?: Entry
  /** Progress lines. */
  log: (line: string) => void
  /** Keeps the work folder (logs, config) even when every invariant holds. */
  keep?: boolean
  /** Aborted (Ctrl-C): no more faults; the calls drain and what happened so far is counted. */
  signal?: AbortSignal
}

export interface ChaosResult {
  counts: ChaosCounts
  invariants: Invariant[]
  faults: Record<Fault, number>
  /** Transfers the agents asked for (accepted), and controllers that stopped by themselves. */
  transfers: number
  selfExits: number
  durationMs: number
  workDir: string
  ok: boolean
}

const DEFAULT_WEIGHTS: Record<Fault, number> = {
  kill: 1, reset: 0.3, 'drop-5s': 0.15, 'drop-60s': 0.03, 'switch-restart': 0.04, 'redis-failover': 0.06, 'redis-primary-kill': 0.03
}

interface Seat {
  id: string
  proxy: TcpProxy
  /** The proxy's port: where this controller reaches the switch. */
  port: number
  /** The process the harness killed last (its exit is no surprise). */
  killed?: ControllerProcess
  /** Until when it is still recovering from a fault (no other controller is hit meanwhile). */
  impairedUntil: number
  process?: ControllerProcess
  starting?: Promise<void>
  log: WriteStream
}

/** The operator's configuration, with every department's webhook pointing at the receiver and retries quick enough to drain within the run. */
async function writeConfig (dir: string, webhookUrl: string): Promise<string[]> {
  await cp(join(ROOT, 'config'), dir, { recursive: true })
  const directoryFile = join(dir, 'directory.yaml')
  const directory = parseDocument(await readFile(directoryFile, 'utf8'))
  const departments = directory.get('departments') as { items: Array<{ set: (k: string, v: string) => void }> }
  for (const department of departments.items) department.set('ticketWebhookUrl', webhookUrl)
  await writeFile(directoryFile, directory.toString())
  const matters = (directory.toJS() as { matters: Array<{ id: string }> }).matters.map((m) => m.id)
  const defaultsFile = join(dir, 'default.yaml')
  const defaults = parseDocument(await readFile(defaultsFile, 'utf8'))
  defaults.setIn(['tickets', 'maxAttempts'], 100)
  defaults.setIn(['tickets', 'initialBackoffMs'], 500)
  defaults.setIn(['tickets', 'maxBackoffMs'], 5000)
  defaults.setIn(['tickets', 'requestTimeoutMs'], 2000)
  await writeFile(defaultsFile, defaults.toString())
  return matters
}

export async function runChaos (options: ChaosOptions): Promise<ChaosResult> {
  const began = Date.now()
  const random = seededRandom(options.seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const between = (low: number, high: number): number => low + random() * (high - low)
  const exponential = (mean: number): number => -Math.log(1 - random()) * mean
  const workDir = await mkdtemp(join(tmpdir(), 'hotline-chaos-'))
  const journal = createWriteStream(join(workDir, 'chaos.log'))
  const log = (line: string): void => {
    journal.write(`${new Date().toISOString()} ${line}\n`)
    options.log(line)
  }
  const cleanups: Array<() => Promise<void>> = []
  const faults: Record<Fault, number> = { kill: 0, reset: 0, 'drop-5s': 0, 'drop-60s': 0, 'switch-restart': 0, 'redis-failover': 0, 'redis-primary-kill': 0 }
  let ok = false
  try {
    const receiver = new WebhookReceiver({ secret: WEBHOOK_SECRET, failRate: 0.2, stallRate: 0.1, stallMs: 3000, random: seededRandom(options.seed + 1) })
    const webhookUrl = await receiver.listen()
    cleanups.push(async () => { await receiver.close() })
    const configDir = join(workDir, 'config')
    const matters = await writeConfig(configDir, webhookUrl)
    log(`work folder ${workDir}`)

    const redis = await RedisHa.start()
    cleanups.push(async () => { await redis.stop() })
    log(`Redis: primary ${await redis.primaryPort()}, a replica, sentinels ${redis.sentinels}`)

    const ids = Array.from({ length: options.controllers }, (_, i) => `chaos-c${i + 1}`)
    const apps = ids.map((id) => `hotline-${id}`)
    const sim: SimProcess = await launchSim([
      '--protocol', options.protocol, '--port', '0', '--password', PASSWORD, '--calls-per-hour', '0',
      '--answer', 'default=0.6', '--seed', String(options.seed),
      ...(options.protocol === 'ari' ? ['--apps', apps.join(',')] : [])
    ], options.entry, { HOTLINE_CONFIG_DIR: configDir })
    cleanups.push(sim.stop)
    log(`simulated ${options.protocol === 'esl' ? 'FreeSWITCH' : 'Asterisk'} on ${sim.port} (control ${sim.controlPort})`)

    const seats: Seat[] = await Promise.all(ids.map(async (id) => {
      const proxy = new TcpProxy({ host: '127.0.0.1', port: sim.port })
      const port = await proxy.listen()
      cleanups.push(async () => { await proxy.close() })
      const out = createWriteStream(join(workDir, `${id}.log`), { flags: 'a' })
      cleanups.push(async () => { await new Promise<void>((resolve) => { out.end(resolve) }) })
      return { id, proxy, port, log: out, impairedUntil: 0 }
    }))
    const background: Array<Promise<unknown>> = []
    let shuttingDown = false
    /** The faults are over: no more callers, and the calls drain. */
    let stopping = false
    let selfExits = 0
    const start = async (seat: Seat): Promise<void> => {
      const { port } = seat
      const ctl = await launchController({
        ...(options.protocol === 'esl'
          ? { SWITCH_KIND: 'freeswitch', ESL_HOST: '127.0.0.1', ESL_PORT: String(port), ESL_PASSWORD: PASSWORD }
          : { SWITCH_KIND: 'asterisk', ARI_URL: `http://127.0.0.1:${port}`, ARI_PASSWORD: PASSWORD, ARI_APP: `hotline-${seat.id}` }),
        STORE_KIND: 'redis', REDIS_SENTINELS: redis.sentinels, REDIS_SENTINEL_MASTER: MASTER, REDIS_WAIT_REPLICAS: '1',
        API_TOKENS: `${SUPERVISOR}:supervisor`, TICKET_WEBHOOK_SECRET: WEBHOOK_SECRET,
        CONTROLLER_ID: seat.id, HOTLINE_CONFIG_DIR: configDir,
        // Every controller lives on the same working Wednesday, from where the run is.
        CLOCK_START: new Date(Date.parse(WORKING) + Date.now() - began).toISOString()
      }, { entry: options.entry, keepLines: 200, onLine: (line) => { seat.log.write(`${line}\n`) }, readyTimeoutMs: 120_000 })
      seat.process = ctl
      // As a service manager does (systemd Restart=always): a controller that stops by itself
      // (its lease taken while it was cut off) is started again.
      void ctl.exited.then((how) => {
        if (seat.process !== ctl || seat.killed === ctl || shuttingDown || stopping) return
        selfExits += 1
        log(`${seat.id} stopped by itself (${how}); starting it again`)
        seat.starting = restart(seat, 1000)
        background.push(seat.starting.catch((err: unknown) => { log(`${seat.id} could not be started again: ${String(err)}`) }))
      })
    }
    const restart = async (seat: Seat, afterMs: number): Promise<void> => {
      await sleep(afterMs)
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await start(seat)
            seat.impairedUntil = Date.now() + 1000
            return
          } catch (err) {
            if (attempt >= 3) throw err
          }
        }
      } finally {
        seat.starting = undefined
      }
    }
    await Promise.all(seats.map(start))
    cleanups.push(async () => { await Promise.all(seats.map(async (s) => { await s.process?.stop() })) })
    cleanups.push(async () => { shuttingDown = true })
    log(`${seats.length} controllers up: ${ids.join(', ')}`)
    const live = (): ControllerProcess[] => seats.flatMap((s) => s.process === undefined || s.starting !== undefined ? [] : [s.process])

    // --- traffic: callers, and agents who take calls and sometimes transfer them -----------------
    const placed: string[] = []
    let seq = 0
    const placing = (async () => {
      while (!stopping) {
        await sleep(exponential(60_000 / options.callsPerMinute))
        if (stopping) break
        const roll = random()
        // Most go to the queue and stay a while; some give up in the IVR or while waiting.
        const [keys, hangupAfterMs] = roll < 0.65
          ? [TO_QUEUE, Math.round(between(40_000, Math.max(45_000, options.longestCallMs ?? 120_000)))]
          : roll < 0.8 ? ['', Math.round(between(2000, 12_000))] : [TO_QUEUE, Math.round(between(16_000, 30_000))]
        const from = `139${String(++seq).padStart(8, '0')}`
        const res = await sim.control<{ id?: string }>('POST', `/calls?from=${from}&hangupAfterMs=${hangupAfterMs}${keys === '' ? '' : `&keys=${keys}`}`).catch(() => undefined)
        if (res?.status === 201 && res.body.id !== undefined) placed.push(res.body.id)
      }
    })()
    const asked = new Map<string, { decided: boolean }>()
    let transfers = 0
    /** What the controllers answered the transfers asked, for the log. */
    const replies = new Map<string, number>()
    const agentsWork = (async () => {
      while (!stopping) {
        await sleep(1000)
        const ctl = live()[0]
        if (ctl === undefined) continue
        const agents = await ctl.api<{ agents?: Array<{ id: string, state: string, callId?: string }> }>('GET', '/api/agents', SUPERVISOR).catch(() => undefined)
        for (const agent of agents?.body.agents ?? []) {
          if (agent.state === 'logged-out') await ctl.api('POST', `/api/agents/${agent.id}/login`, SUPERVISOR, { ready: true }).catch(() => undefined)
          else if (agent.state === 'not-ready') await ctl.api('POST', `/api/agents/${agent.id}/ready`, SUPERVISOR, {}).catch(() => undefined)
          else if (agent.state === 'on-call' && agent.callId !== undefined && !asked.has(agent.callId)) {
            const callId = agent.callId
            const transfer = random() < 0.35
            asked.set(callId, { decided: transfer })
            if (!transfer) continue
            const matterId = pick(matters)
            void (async () => {
              await sleep(between(2000, 6000))
              for (const owner of live()) {
                const res = await owner.api<{ message?: string }>('POST', `/api/calls/${callId}/transfer`, SUPERVISOR, { matterId }).catch(() => undefined)
                const reply = `${res?.status ?? 'no answer'}${res?.status === 202 ? '' : ` ${(res?.body?.message ?? '').replace(/[0-9a-f-]{36}/g, '<id>')}`}`
                replies.set(reply, (replies.get(reply) ?? 0) + 1)
                if (res?.status !== 202) continue
                transfers += 1
                // The agent leaves once the specialist is in (or tries to: 409 if not yet, or gone).
                await sleep(between(10_000, 20_000))
                await owner.api('POST', `/api/calls/${callId}/leave`, SUPERVISOR, {}).catch(() => undefined)
                return
              }
            })()
          }
        }
      }
    })()

    // --- faults ----------------------------------------------------------------------------------
    const weights = { ...DEFAULT_WEIGHTS, ...options.weights }
    const total = Object.values(weights).reduce((a, b) => a + b, 0)
    const planned = [...(options.sequence ?? [])]
    const drawFault = (): Fault => {
      const next = planned[0]
      if (next !== undefined) return next
      let roll = random() * total
      for (const [fault, weight] of Object.entries(weights) as Array<[Fault, number]>) {
        roll -= weight
        if (roll < 0) return fault
      }
      return 'kill'
    }
    let redisBusy = false
    while (faults.kill < options.kills && options.signal?.aborted !== true) {
      await sleep(exponential(options.meanFaultGapMs))
      const fault = drawFault()
      // One controller impaired at a time: with every controller cut off at once nobody can
      // help a caller but the switch's own safety net, which is another test's subject.
      const healthy = seats.filter((s) => s.process !== undefined && s.starting === undefined && !s.proxy.dropping && Date.now() >= s.impairedUntil)
      const aimed = fault === 'kill' || fault === 'reset' || fault === 'drop-5s' || fault === 'drop-60s'
      if (aimed && healthy.length < seats.length) continue
      const seat = pick(healthy.length > 0 ? healthy : seats)
      let what: string
      if (fault === 'kill') {
        if (seat.process === undefined || seat.starting !== undefined) continue
        seat.killed = seat.process
        await seat.process.kill()
        const downMs = between(500, 4000)
        seat.starting = restart(seat, downMs)
        background.push(seat.starting.catch((err: unknown) => { log(`${seat.id} could not be started again: ${String(err)}`) }))
        what = `${seat.id} killed, started again after ${(downMs / 1000).toFixed(1)} s`
      } else if (fault === 'reset') {
        seat.proxy.reset()
        seat.impairedUntil = Date.now() + 3000
        what = `${seat.id}'s switch link reset`
      } else if (fault === 'drop-5s' || fault === 'drop-60s') {
        seat.proxy.drop(fault === 'drop-5s' ? 5000 : 60_000)
        // Then a reconnect, and perhaps a restart of its own (its calls taken by a peer).
        seat.impairedUntil = Date.now() + (fault === 'drop-5s' ? 8000 : 70_000)
        what = `${seat.id}'s switch link silent for ${fault === 'drop-5s' ? 5 : 60} s`
      } else if (fault === 'switch-restart') {
        const res = await sim.control('POST', '/restart?downMs=2000')
        what = `switch restarted (${res.status})`
      } else {
        if (redisBusy) continue
        redisBusy = true
        const work = fault === 'redis-failover' ? redis.failover() : redis.killPrimary()
        background.push(work.catch((err: unknown) => { log(`Redis fault failed: ${String(err)}`) }).finally(() => { redisBusy = false }))
        what = fault === 'redis-failover' ? 'Redis failover asked' : 'Redis primary killed'
      }
      faults[fault] += 1
      if (planned[0] === fault) planned.shift()
      log(`[${String(faults.kill).padStart(String(options.kills).length)}/${options.kills}] ${what} · ${placed.length} calls placed`)
    }

    // --- drain and count -------------------------------------------------------------------------
    stopping = true
    await Promise.all([placing, agentsWork])
    await Promise.all(background)
    log(`transfer replies: ${[...replies].map(([r, n]) => `${n}× ${r}`).join('; ')}`)
    log(`faults over after ${((Date.now() - began) / 1000).toFixed(0)} s; waiting for the ${placed.length} calls to end`)
    const quiet = await until(async () => {
      const status = await sim.status()
      return status.channels === 0 && status.conferences === 0 ? status : undefined
    }, 240_000)
    receiver.calm()
    const store = new RedisStore({ redis: { sentinels: redis.sentinelList(), name: MASTER }, onError: () => {} })
    const tickets = new RedisTicketStore({ redis: { sentinels: redis.sentinelList(), name: MASTER }, onError: () => {} })
    cleanups.push(async () => { await Promise.all([store.close(), tickets.close()]) })
    // The records still in progress are ended by their controllers, and the tickets delivered.
    await until(async () => (await store.listCalls({ active: true })).length === 0 ? true : undefined, 60_000)
    await until(async () => {
      const raised = await tickets.list({ limit: 100_000 })
      return raised.every((t) => receiver.taken.has(t.id)) ? true : undefined
    }, 120_000)
    const stories = (await sim.control<PlacedCallStory[]>('GET', '/calls')).body
    const status = quiet ?? await sim.status()
    const counts = await countInvariants({ placed, stories, status, store, tickets, receiver })
    // For a look afterwards: each caller's story, with its records' final states.
    const records = await store.listCalls({})
    await writeFile(join(workDir, 'calls.json'), JSON.stringify(stories.map((s) => ({
      ...s, records: records.filter((r) => r.legId === s.id).map((r) => ({ callId: r.callId, controllerId: r.controllerId, finalState: r.finalState, reason: r.reason }))
    })), null, 1))
    const invariants = invariantsOf(counts, options.silenceLimitMs)
    ok = invariants.every((i) => i.ok)
    return { counts, invariants, faults, transfers, selfExits, durationMs: Date.now() - began, workDir, ok }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
    await new Promise<void>((resolve) => { journal.end(resolve) })
    if (ok && options.keep !== true) await rm(workDir, { recursive: true, force: true })
  }
}

export function invariantsOf (counts: ChaosCounts, silenceLimitMs: number): Invariant[] {
  return [
    { name: 'calls placed', value: counts.placed, target: 'any', ok: counts.placed > 0 },
    { name: 'calls that reached a controller, with exactly one final state', value: `${counts.oneFinalState}/${counts.reached}`, target: 'all', ok: counts.oneFinalState === counts.reached },
    { name: 'calls counted twice in the day figures', value: counts.countedTwice, target: 0, ok: counts.countedTwice === 0 },
    { name: 'legs left on the switch', value: counts.legsLeft, target: 0, ok: counts.legsLeft === 0 },
    { name: 'conferences / bridges left on the switch', value: counts.roomsLeft, target: 0, ok: counts.roomsLeft === 0 },
    { name: `callers left in silence over ${silenceLimitMs / 1000} s`, value: counts.silences.filter((ms) => ms > silenceLimitMs).length, target: 0, ok: counts.silences.every((ms) => ms <= silenceLimitMs) },
    { name: 'tickets raised', value: counts.ticketsRaised, target: 'any', ok: true },
    { name: 'tickets delivered', value: `${counts.ticketsDelivered}/${counts.ticketsRaised}`, target: 'all', ok: counts.ticketsDelivered === counts.ticketsRaised },
    { name: 'tickets duplicated (two ids for one call)', value: counts.ticketsDuplicated, target: 0, ok: counts.ticketsDuplicated === 0 },
    { name: 'tickets lost', value: counts.ticketsLost, target: 0, ok: counts.ticketsLost === 0 },
    { name: 'served calls recorded as abandoned', value: counts.servedAsAbandoned, target: 0, ok: counts.servedAsAbandoned === 0 }
  ]
}

async function until<T> (check: () => Promise<T | undefined>, withinMs: number): Promise<T | undefined> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined || Date.now() > deadline) return value
    await sleep(250)
  }
}
