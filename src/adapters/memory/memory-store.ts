// The embedded store: everything in this process's memory. It is the default for `npm start`
// and a single controller; it cannot be shared, so several controllers need the Redis store.
//
// Atomicity comes from JavaScript itself: every method does its work in one synchronous block
// and only then hands back a settled promise, so no other store call can run in the middle of
// a claim, a compare-and-set or an assignment (the same guarantee the Redis store gets from
// running each of those as one Lua script). It follows the Redis store's rules to the letter —
// orders, tie-breaks, expiry instants, what a record keeps — so the two pass one contract suite.

import { readRecord, stamped } from '../../domain/record-version.js'
import { checkDay, checkDayCounts } from '../../domain/call-figures.js'
import { HotlineError } from '../../errors.js'
import { type AgentStateChange, type Store, type StoreHealth, fenced } from '../../ports/store.js'
import type { AgentRecord, AgentState, CallRecord } from '../../domain/call-record.js'
import type { TransferRecord } from '../../domain/transfer-record.js'

export interface MemoryStoreOptions {
  /** Call records kept; the oldest by `startedAt` are dropped beyond this. */
  maxCalls?: number
  /** How long a leg stays claimed (a day: far longer than any call). */
  claimTtlMs?: number
  /** Transfer records kept; the oldest by `requestedAt` are dropped beyond this. */
  maxTransfers?: number
}

export const DEFAULT_MAX_CALLS = 10_000
/**
 * Enough for this month's connection-rate window many times over: the Shanghai enterprise
 * seat made 2399 transfer requests in its first month (report 2023-03).
 */
export const DEFAULT_MAX_TRANSFERS = 100_000
export const DEFAULT_CLAIM_TTL_MS = 24 * 60 * 60 * 1000

/** States in which an agent is tied to a call (and keeps its `callId`). */
const CALL_STATES: ReadonlySet<AgentState> = new Set(['ringing', 'on-call', 'wrap-up'])

interface StoredCall {
  /** Records are kept as JSON, as in Redis: what comes back is what JSON round-trips. */
  json: string
  startedAt: number
  active: boolean
  /** The highest fencing token written (ports/leases.ts). */
  fence: number
}

interface StoredTransfer {
  json: string
  requestedAt: number
}

interface QueueEntry {
  at: number
  deadline: number
}

type OrderKey = readonly [number, string]

export class MemoryStore implements Store {
  readonly #since = Date.now()
  readonly #maxCalls: number
  readonly #claimTtlMs: number
  readonly #maxTransfers: number
  /** Insertion order is claim order, so the oldest claims are at the front. */
  readonly #claims = new Map<string, { controllerId: string, expiresAt: number, attempt?: string }>()
  readonly #calls = new Map<string, StoredCall>()
  /** [startedAt, callId] ascending: the order of the Redis `calls` sorted set. */
  readonly #callOrder: OrderKey[] = []
  readonly #transfers = new Map<string, StoredTransfer>()
  /** [requestedAt, id] ascending: the order of the Redis `transfers` sorted set. */
  readonly #transferOrder: OrderKey[] = []
  readonly #agents = new Map<string, AgentRecord>()
  readonly #queues = new Map<string, Map<string, QueueEntry>>()
  /** Call counts by day (`YYYY-MM-DD`), field by field: the Redis `call-counts:<day>` hashes. */
  readonly #callCounts = new Map<string, Map<string, number>>()
  /** The calls counted per day (`once`), for the last few days only, as Redis keeps them two days. */
  readonly #counted = new Map<string, Set<string>>()
  #closed = false

  constructor (options: MemoryStoreOptions = {}) {
    this.#maxCalls = positiveInteger(options.maxCalls ?? DEFAULT_MAX_CALLS, 'maxCalls')
    this.#claimTtlMs = positiveInteger(options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS, 'claimTtlMs')
    this.#maxTransfers = positiveInteger(options.maxTransfers ?? DEFAULT_MAX_TRANSFERS, 'maxTransfers')
  }

  health (): StoreHealth {
    return { up: true, detail: 'in this process', since: this.#since }
  }

  claimCall (legId: string, controllerId: string, at: number, attempt?: string): Promise<boolean> {
    return this.#run(() => {
      // Claims are made in time order, so expired ones sit at the front of the map.
      for (const [leg, claim] of this.#claims) {
        if (claim.expiresAt > at) break
        this.#claims.delete(leg)
      }
      const held = this.#claims.get(legId)
      if (held !== undefined && held.expiresAt > at) return attempt !== undefined && held.controllerId === controllerId && held.attempt === attempt
      this.#claims.delete(legId)
      this.#claims.set(legId, { controllerId, expiresAt: at + this.#claimTtlMs, ...(attempt === undefined ? {} : { attempt }) })
      return true
    })
  }

  putCall (record: CallRecord): Promise<void> {
    return this.#run(() => {
      const previous = this.#calls.get(record.callId)
      if ((previous?.fence ?? 0) > (record.fence ?? 0)) throw fenced(record)
      // The final state is set once and stays: any later write (the call in progress arriving
      // late, a peer's other end of the same leg) is ignored.
      if (previous !== undefined && !previous.active) return
      if (previous !== undefined) removeKey(this.#callOrder, [previous.startedAt, record.callId])
      this.#calls.set(record.callId, {
        fence: Math.max(previous?.fence ?? 0, record.fence ?? 0),
        json: JSON.stringify(stamped(record)),
        startedAt: record.startedAt,
        active: record.finalState === undefined
      })
      insertKey(this.#callOrder, [record.startedAt, record.callId])
      while (this.#callOrder.length > this.#maxCalls) {
        const oldest = this.#callOrder.shift()
        if (oldest !== undefined) this.#calls.delete(oldest[1])
      }
    })
  }

  getCall (callId: string): Promise<CallRecord | undefined> {
    return this.#run(() => {
      const stored = this.#calls.get(callId)
      return stored === undefined ? undefined : readRecord<CallRecord>(stored.json)
    })
  }

  listCalls (query: { active?: boolean, limit?: number }): Promise<CallRecord[]> {
    return this.#run(() => {
      const limit = query.limit === undefined ? Infinity : Math.max(0, Math.floor(query.limit))
      const found: CallRecord[] = []
      for (let i = this.#callOrder.length - 1; i >= 0 && found.length < limit; i--) {
        const stored = this.#calls.get(this.#callOrder[i]?.[1] ?? '')
        if (stored === undefined || (query.active === true && !stored.active)) continue
        found.push(readRecord<CallRecord>(stored.json))
      }
      return found
    })
  }

  addCallCounts (day: string, counts: Readonly<Record<string, number>>, once?: string): Promise<void> {
    return this.#run(() => {
      checkDayCounts(day, counts)
      const entries = Object.entries(counts)
      if (entries.length === 0) return
      if (once !== undefined) {
        const counted = this.#counted.get(day) ?? new Set<string>()
        if (counted.has(once)) return
        counted.add(once)
        this.#counted.set(day, counted)
        for (const old of [...this.#counted.keys()].sort().slice(0, -3)) this.#counted.delete(old)
      }
      let fields = this.#callCounts.get(day)
      if (fields === undefined) {
        fields = new Map()
        this.#callCounts.set(day, fields)
      }
      for (const [field, value] of entries) fields.set(field, (fields.get(field) ?? 0) + value)
    })
  }

  callCounts (days: readonly string[]): Promise<Record<string, number>> {
    return this.#run(() => {
      for (const day of days) checkDay(day)
      const sum = new Map<string, number>()
      for (const day of new Set(days)) {
        for (const [field, value] of this.#callCounts.get(day) ?? []) sum.set(field, (sum.get(field) ?? 0) + value)
      }
      return Object.fromEntries(sum)
    })
  }

  putTransfer (record: TransferRecord): Promise<void> {
    return this.#run(() => {
      const previous = this.#transfers.get(record.id)
      if (previous !== undefined) removeKey(this.#transferOrder, [previous.requestedAt, record.id])
      this.#transfers.set(record.id, { json: JSON.stringify(stamped(record)), requestedAt: record.requestedAt })
      insertKey(this.#transferOrder, [record.requestedAt, record.id])
      while (this.#transferOrder.length > this.#maxTransfers) {
        const oldest = this.#transferOrder.shift()
        if (oldest !== undefined) this.#transfers.delete(oldest[1])
      }
    })
  }

  getTransfer (id: string): Promise<TransferRecord | undefined> {
    return this.#run(() => {
      const stored = this.#transfers.get(id)
      return stored === undefined ? undefined : readRecord<TransferRecord>(stored.json)
    })
  }

  listTransfers (query: { since: number, until: number }): Promise<TransferRecord[]> {
    return this.#run(() => {
      const found: TransferRecord[] = []
      // '' sorts before every id, so the search lands on the first record at `since`.
      for (let i = lowerBound(this.#transferOrder, [query.since, '']); i < this.#transferOrder.length; i++) {
        const key = this.#transferOrder[i]
        if (key === undefined || !(key[0] < query.until)) break
        const stored = this.#transfers.get(key[1])
        if (stored !== undefined) found.push(readRecord<TransferRecord>(stored.json))
      }
      return found
    })
  }

  upsertAgent (agent: Pick<AgentRecord, 'id' | 'name' | 'extension' | 'groups'>, at: number): Promise<AgentRecord> {
    return this.#run(() => {
      const existing = this.#agents.get(agent.id)
      const record: AgentRecord = existing === undefined
        ? { id: agent.id, name: agent.name, extension: agent.extension, groups: [...agent.groups], state: 'logged-out', since: at }
        : { ...existing, name: agent.name, extension: agent.extension, groups: [...agent.groups] }
      this.#agents.set(agent.id, record)
      return copyAgent(record)
    })
  }

  getAgent (agentId: string): Promise<AgentRecord | undefined> {
    return this.#run(() => {
      const agent = this.#agents.get(agentId)
      return agent === undefined ? undefined : copyAgent(agent)
    })
  }

  listAgents (): Promise<AgentRecord[]> {
    return this.#run(() => [...this.#agents.values()]
      .sort((a, b) => compareStrings(a.id, b.id))
      .map(copyAgent))
  }

  setAgentState (agentId: string, change: AgentStateChange): Promise<AgentRecord | undefined> {
    return this.#run(() => {
      const agent = this.#agents.get(agentId)
      if (agent === undefined) return undefined
      if (change.expect !== undefined && !change.expect.includes(agent.state)) return undefined
      if (change.expectCallId !== undefined && agent.callId !== change.expectCallId) return undefined
      const next: AgentRecord = { ...agent, state: change.to }
      // Setting the state an agent is already in changes nothing about when it began: a second
      // "ready" does not send the agent to the back of the line.
      if (change.to !== agent.state) next.since = change.at
      if (change.to === 'ready' && agent.state !== 'ready') next.idleSince = change.at
      // The call stays with the agent through ringing, talking and wrap-up, and goes with any
      // other state.
      if (!CALL_STATES.has(change.to)) delete next.callId
      else if (change.callId !== undefined) next.callId = change.callId
      // A reason explains the state it came with (why not ready), so each change brings its own.
      if (change.reason === undefined) delete next.reason
      else next.reason = change.reason
      this.#agents.set(agentId, next)
      return copyAgent(next)
    })
  }

  enqueue (group: string, callId: string, at: number, ttlMs: number): Promise<void> {
    return this.#run(() => {
      const queue = this.#queue(group, at)
      const entry = queue.get(callId)
      // A caller already waiting keeps their place; only their deadline moves.
      queue.set(callId, { at: entry?.at ?? at, deadline: at + ttlMs })
    })
  }

  touchQueue (group: string, callId: string, at: number, ttlMs: number): Promise<void> {
    return this.#run(() => {
      const entry = this.#queue(group, at).get(callId)
      if (entry !== undefined) entry.deadline = at + ttlMs
    })
  }

  leaveQueue (group: string, callId: string): Promise<void> {
    return this.#run(() => {
      this.#queues.get(group)?.delete(callId)
    })
  }

  queuePosition (group: string, callId: string, at: number): Promise<number | undefined> {
    return this.#run(() => {
      const queue = this.#queue(group, at)
      const entry = queue.get(callId)
      if (entry === undefined) return undefined
      const mine: OrderKey = [entry.at, callId]
      let ahead = 0
      for (const [id, other] of queue) if (compareKeys([other.at, id], mine) < 0) ahead++
      return ahead + 1
    })
  }

  queueLength (group: string, at: number): Promise<number> {
    return this.#run(() => this.#queue(group, at).size)
  }

  assignAgent (group: string, callId: string, at: number): Promise<AgentRecord | undefined> {
    return this.#run(() => {
      const queue = this.#queue(group, at)
      if (headOf(queue) !== callId) return undefined
      let chosen: AgentRecord | undefined
      for (const agent of this.#agents.values()) {
        if (agent.state !== 'ready' || !agent.groups.includes(group)) continue
        if (chosen === undefined || compareKeys(idleKey(agent), idleKey(chosen)) < 0) chosen = agent
      }
      if (chosen === undefined) return undefined
      queue.delete(callId)
      const ringing: AgentRecord = { ...chosen, state: 'ringing', since: at, callId }
      delete ringing.reason
      this.#agents.set(ringing.id, ringing)
      return copyAgent(ringing)
    })
  }

  close (): Promise<void> {
    this.#closed = true
    return Promise.resolve()
  }

  /** The group's queue with entries past their deadline at `at` removed. */
  #queue (group: string, at: number): Map<string, QueueEntry> {
    let queue = this.#queues.get(group)
    if (queue === undefined) {
      queue = new Map()
      this.#queues.set(group, queue)
    }
    for (const [id, entry] of queue) if (entry.deadline <= at) queue.delete(id)
    return queue
  }

  /** Runs one operation in a single synchronous block, as a promise like the Redis store's. */
  #run<T>(operation: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new HotlineError('HC_STORE', 'the memory store is closed'))
    try {
      return Promise.resolve(operation())
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

function positiveInteger (value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  return value
}

function copyAgent (agent: AgentRecord): AgentRecord {
  return { ...agent, groups: [...agent.groups] }
}

/** Longest idle first, then by id: the order of a Redis `ready:<group>` sorted set. */
function idleKey (agent: AgentRecord): OrderKey {
  return [agent.idleSince ?? agent.since, agent.id]
}

/** The oldest entry: by enqueue time, then by call id (a Redis sorted set's order). */
function headOf (queue: Map<string, QueueEntry>): string | undefined {
  let head: OrderKey | undefined
  for (const [id, entry] of queue) {
    const key: OrderKey = [entry.at, id]
    if (head === undefined || compareKeys(key, head) < 0) head = key
  }
  return head?.[1]
}

function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareKeys (a: OrderKey, b: OrderKey): number {
  return a[0] !== b[0] ? a[0] - b[0] : compareStrings(a[1], b[1])
}

/** Index of the first key not below `key` (binary search). */
function lowerBound (keys: readonly OrderKey[], key: OrderKey): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const mid = (low + high) >>> 1
    const probe = keys[mid]
    if (probe !== undefined && compareKeys(probe, key) < 0) low = mid + 1
    else high = mid
  }
  return low
}

function insertKey (keys: OrderKey[], key: OrderKey): void {
  keys.splice(lowerBound(keys, key), 0, key)
}

function removeKey (keys: OrderKey[], key: OrderKey): void {
  const at = lowerBound(keys, key)
  const found = keys[at]
  if (found !== undefined && compareKeys(found, key) === 0) keys.splice(at, 1)
}
