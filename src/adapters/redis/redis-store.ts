// The store several controllers share (docs/ARCHITECTURE.md, "Scale-out"): call records,
// agent state and the queues to agents, in one Redis through ioredis. Every operation two
// controllers could race on is one Lua script (scripts.ts) or one atomic command; the data
// model and the reasons are in docs/store.md.
//
// The store follows the memory store's rules exactly (both pass test/adapters/store-contract.ts).
// Failures of Redis (unreachable, timed out, a reply error) reject with HC_STORE (HTTP 503):
// the caller decides what a call does without its store; the client reconnects by itself.

import type { Redis, RedisOptions } from 'ioredis'
import { checkDay, checkDayCounts } from '../../domain/call-figures.js'
import { type Versioned, readRecord, stamped } from '../../domain/record-version.js'
import { HotlineError } from '../../errors.js'
import { type AgentStateChange, type Store, type StoreHealth, fenced } from '../../ports/store.js'
import { AGENT_STATES, type AgentRecord, type AgentState, type CallRecord } from '../../domain/call-record.js'
import type { TransferRecord } from '../../domain/transfer-record.js'
import { type Durability, RedisConnection } from './redis-connection.js'
import { SCRIPTS, type ScriptName } from './scripts.js'

export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]`; without it, ioredis's default 127.0.0.1:6379. */
  url?: string
  /** Put before every key, so deployments and tests can share a server. */
  keyPrefix?: string
  /** Call records kept; the oldest by `startedAt` are dropped beyond this. */
  maxCalls?: number
  /** How long a leg stays claimed (a day: far longer than any call). */
  claimTtlMs?: number
  /** Transfer records kept; the oldest by `requestedAt` are dropped beyond this. */
  maxTransfers?: number
  /** More ioredis options (TLS, Sentinel, timeouts); they override the defaults (redis-connection.ts). */
  redis?: RedisOptions
  /** Connection errors between operations (the client keeps reconnecting meanwhile). */
  onError?: (err: Error) => void
  /** A call's final record is acknowledged once this many replicas have it (WAIT). */
  durability?: Durability
}

export const DEFAULT_KEY_PREFIX = 'hotline:'
export const DEFAULT_MAX_CALLS = 10_000
export const DEFAULT_CLAIM_TTL_MS = 24 * 60 * 60 * 1000
/** As the memory store: this month's connection-rate window many times over. */
export const DEFAULT_MAX_TRANSFERS = 100_000
/** A day's call counts live this long after its last call ended: a year's reports and some. */
export const CALL_COUNTS_TTL_S = 400 * 24 * 60 * 60
/** How long a day remembers which calls it counted: longer than any retry of a final write. */
const COUNTED_TTL_S = 2 * 24 * 60 * 60

export class RedisStore implements Store {
  readonly #connection: RedisConnection<ScriptName>
  readonly #prefix: string
  readonly #maxCalls: number
  readonly #claimTtlMs: number
  readonly #maxTransfers: number

  constructor (options: RedisStoreOptions = {}) {
    this.#prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX
    this.#maxCalls = positiveInteger(options.maxCalls ?? DEFAULT_MAX_CALLS, 'maxCalls')
    this.#claimTtlMs = positiveInteger(options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS, 'claimTtlMs')
    this.#maxTransfers = positiveInteger(options.maxTransfers ?? DEFAULT_MAX_TRANSFERS, 'maxTransfers')
    this.#connection = new RedisConnection<ScriptName>({
      url: options.url,
      redis: options.redis,
      onError: options.onError,
      durability: options.durability,
      keyPrefix: this.#prefix,
      connectionName: 'hotline-store',
      label: 'redis store',
      commandPrefix: 'hotlineStore_',
      scripts: SCRIPTS
    })
  }

  /** The prefix every key of this store starts with. */
  health (): StoreHealth {
    return this.#connection.health()
  }

  get keyPrefix (): string {
    return this.#prefix
  }

  async claimCall (legId: string, controllerId: string, at: number, attempt?: string): Promise<boolean> {
    // SET NX is atomic on its own: the first claimant creates the key, later ones find it (GET
    // hands back what they found). The expiry runs on the server's clock, so a controller with
    // a test clock cannot shorten it.
    const found = await this.#do('claimCall', () => this.#redis.set(
      this.#key('claim:', legId), JSON.stringify({ controllerId, at, ...(attempt === undefined ? {} : { attempt }) }), 'PX', this.#claimTtlMs, 'NX', 'GET'))
    const mine = found === null || (attempt !== undefined && sameAttempt(found, controllerId, attempt))
    // A claim the primary took but no replica has could vanish in a failover, and a peer then
    // run the call too: it counts only once a replica has it (and is retried otherwise).
    if (mine) await this.#connection.replicated('the call\'s claim')
    return mine
  }

  async putCall (record: CallRecord): Promise<void> {
    const written = await this.#script('putCall',
      [this.#key('call:', record.callId), this.#key('calls'), this.#key('calls:active'), this.#key('call-fence:', record.callId)],
      [this.#prefix, record.callId, JSON.stringify(stamped(record)), record.startedAt,
        record.finalState === undefined ? '1' : '0', this.#maxCalls, record.fence ?? 0])
    if (written === -1) throw fenced(record)
    // A record, once written, must outlive the primary's loss (docs/store.md): a call whose
    // record vanished in a failover, its controller killed, could end with no record at all.
    await this.#connection.replicated(record.finalState === undefined ? 'the call\'s record' : 'the call\'s final record')
  }

  async getCall (callId: string): Promise<CallRecord | undefined> {
    const json = await this.#do('getCall', () => this.#redis.get(this.#key('call:', callId)))
    return json === null ? undefined : parseCall(json)
  }

  async listCalls (query: { active?: boolean, limit?: number }): Promise<CallRecord[]> {
    const count = query.limit === undefined ? Infinity : Math.floor(query.limit)
    if (!(count > 0)) return []
    const index = this.#key(query.active === true ? 'calls:active' : 'calls')
    const found = await this.#script('listCalls', [index], [this.#prefix, Number.isFinite(count) ? count - 1 : -1])
    return stringArray(found, 'listCalls').map(parseCall)
  }

  async addCallCounts (day: string, counts: Readonly<Record<string, number>>, once?: string): Promise<void> {
    checkDayCounts(day, counts)
    const entries = Object.entries(counts)
    if (entries.length === 0) return
    // One script: every increment of one call and the expiry, or none of them seen by anyone.
    await this.#script('addCallCounts', [this.#key('call-counts:', day), this.#key('call-counted:', day)],
      [CALL_COUNTS_TTL_S, COUNTED_TTL_S, once ?? '', ...entries.flat()])
  }

  async callCounts (days: readonly string[]): Promise<Record<string, number>> {
    for (const day of days) checkDay(day)
    const unique = [...new Set(days)]
    if (unique.length === 0) return {}
    const hashes = await this.#do('callCounts', async () => {
      const pipeline = this.#redis.pipeline()
      for (const day of unique) pipeline.hgetall(this.#key('call-counts:', day))
      return ((await pipeline.exec()) ?? []).map(([err, fields]) => {
        if (err !== null) throw err
        return fields as Record<string, string>
      })
    })
    const sum = new Map<string, number>()
    for (const fields of hashes) {
      for (const [field, text] of Object.entries(fields)) {
        const value = Number(text)
        if (!Number.isSafeInteger(value)) throw corrupt('call count', `${field}=${text}`)
        sum.set(field, (sum.get(field) ?? 0) + value)
      }
    }
    return Object.fromEntries(sum)
  }

  async putTransfer (record: TransferRecord): Promise<void> {
    await this.#script('putTransfer', [this.#key('transfer:', record.id), this.#key('transfers')],
      [this.#prefix, record.id, JSON.stringify(stamped(record)), record.requestedAt, this.#maxTransfers])
  }

  async getTransfer (id: string): Promise<TransferRecord | undefined> {
    const json = await this.#do('getTransfer', () => this.#redis.get(this.#key('transfer:', id)))
    return json === null ? undefined : parseJson<TransferRecord>(json, 'a transfer record')
  }

  async listTransfers (query: { since: number, until: number }): Promise<TransferRecord[]> {
    if (!(query.since < query.until)) return []
    const found = await this.#script('listTransfers', [this.#key('transfers')],
      [this.#prefix, query.since, `(${query.until}`])
    return stringArray(found, 'listTransfers').map((json) => parseJson<TransferRecord>(json, 'a transfer record'))
  }

  async upsertAgent (agent: Pick<AgentRecord, 'id' | 'name' | 'extension' | 'groups'>, at: number): Promise<AgentRecord> {
    const fields = await this.#script('upsertAgent', [this.#key('agent:', agent.id), this.#key('agents')],
      [this.#prefix, agent.id, agent.name, agent.extension, JSON.stringify(agent.groups), at])
    return parseAgent(fields)
  }

  async getAgent (agentId: string): Promise<AgentRecord | undefined> {
    const fields = await this.#do('getAgent', () => this.#redis.hgetall(this.#key('agent:', agentId)))
    return Object.keys(fields).length === 0 ? undefined : agentFromFields(fields)
  }

  async listAgents (): Promise<AgentRecord[]> {
    const agents = await this.#do('listAgents', async () => {
      const ids = (await this.#redis.smembers(this.#key('agents'))).sort()
      const pipeline = this.#redis.pipeline()
      for (const id of ids) pipeline.hgetall(this.#key('agent:', id))
      const replies = (await pipeline.exec()) ?? []
      return replies.map(([err, fields]) => {
        if (err !== null) throw err
        return fields as Record<string, string>
      })
    })
    return agents.filter((fields) => Object.keys(fields).length > 0).map(agentFromFields)
  }

  async setAgentState (agentId: string, change: AgentStateChange): Promise<AgentRecord | undefined> {
    const fields = await this.#script('setAgentState', [this.#key('agent:', agentId)], [
      this.#prefix, agentId, change.to, change.at,
      change.expect === undefined ? '' : JSON.stringify(change.expect),
      ...optional(change.expectCallId), ...optional(change.callId), ...optional(change.reason)
    ])
    return fields === null ? undefined : parseAgent(fields)
  }

  async enqueue (group: string, callId: string, at: number, ttlMs: number): Promise<void> {
    await this.#script('enqueue', this.#queueKeys(group), [callId, at, at + ttlMs])
  }

  async touchQueue (group: string, callId: string, at: number, ttlMs: number): Promise<void> {
    await this.#script('touchQueue', this.#queueKeys(group), [callId, at, at + ttlMs])
  }

  async leaveQueue (group: string, callId: string): Promise<void> {
    const [queue, deadlines] = this.#queueKeys(group)
    await this.#do('leaveQueue', () => this.#redis.multi().zrem(queue, callId).zrem(deadlines, callId).exec())
  }

  async queuePosition (group: string, callId: string, at: number): Promise<number | undefined> {
    const position = await this.#script('queuePosition', this.#queueKeys(group), [callId, at])
    return position === null ? undefined : integer(position, 'queuePosition')
  }

  async queueLength (group: string, at: number): Promise<number> {
    return integer(await this.#script('queueLength', this.#queueKeys(group), [at]), 'queueLength')
  }

  async assignAgent (group: string, callId: string, at: number): Promise<AgentRecord | undefined> {
    const fields = await this.#script('assignAgent', [...this.#queueKeys(group), this.#key('ready:', group)],
      [this.#prefix, callId, at])
    return fields === null ? undefined : parseAgent(fields)
  }

  /**
   * Quits the connection after the replies still due; safe to call twice. Operations started
   * afterwards fail with HC_STORE.
   */
  close (): Promise<void> {
    return this.#connection.close()
  }

  #key (kind: string, id = ''): string {
    return this.#connection.key(kind, id)
  }

  #queueKeys (group: string): [string, string] {
    return [this.#key('queue:', group), this.#key('queue-deadline:', group)]
  }

  #script (name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.#connection.script(name, keys, args)
  }

  #do<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return this.#connection.do(operation, run)
  }

  get #redis (): Redis {
    return this.#connection.redis
  }
}

/** A presence flag and the value, so an absent option stays absent (not an empty string). */
function optional (value: string | undefined): [string, string] {
  return value === undefined ? ['0', ''] : ['1', value]
}

function positiveInteger (value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  return value
}

function corrupt (what: string, detail: string): HotlineError {
  return new HotlineError('HC_STORE', `redis store: unexpected ${what}: ${detail}`)
}

function integer (reply: unknown, what: string): number {
  if (typeof reply !== 'number' || !Number.isSafeInteger(reply)) throw corrupt(`${what} reply`, String(reply))
  return reply
}

function stringArray (reply: unknown, what: string): string[] {
  if (!Array.isArray(reply) || !reply.every((item): item is string => typeof item === 'string')) throw corrupt(`${what} reply`, typeof reply)
  return reply
}

function parseCall (json: string): CallRecord {
  try {
    return readRecord<CallRecord>(json)
  } catch (err) {
    throw new HotlineError('HC_STORE', 'redis store: a call record is not valid JSON', { cause: err })
  }
}

function parseJson<T extends Versioned> (json: string, what: string): T {
  try {
    return readRecord<T>(json)
  } catch (err) {
    throw new HotlineError('HC_STORE', `redis store: ${what} is not valid JSON`, { cause: err })
  }
}

/** An agent from a script's HGETALL reply (field, value, field, value, …). */
function parseAgent (reply: unknown): AgentRecord {
  const flat = stringArray(reply, 'agent reply')
  const fields: Record<string, string> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string
  return agentFromFields(fields)
}

function agentFromFields (fields: Record<string, string>): AgentRecord {
  const { id, name, extension, groups, state, since, idleSince, callId, reason } = fields
  if (id === undefined || name === undefined || extension === undefined || groups === undefined ||
    since === undefined || !isAgentState(state)) {
    throw corrupt('agent hash', Object.keys(fields).join(','))
  }
  let groupList: unknown
  try {
    groupList = JSON.parse(groups)
  } catch (err) {
    throw new HotlineError('HC_STORE', `redis store: agent ${id} has unreadable groups`, { cause: err })
  }
  if (!Array.isArray(groupList) || !groupList.every((g): g is string => typeof g === 'string')) throw corrupt('agent groups', groups)
  const agent: AgentRecord = { id, name, extension, groups: groupList, state, since: Number(since) }
  if (idleSince !== undefined) agent.idleSince = Number(idleSince)
  if (callId !== undefined) agent.callId = callId
  if (reason !== undefined) agent.reason = reason
  return agent
}

function isAgentState (value: string | undefined): value is AgentState {
  return (AGENT_STATES as readonly (string | undefined)[]).includes(value)
}

/** The claim found on a leg is this controller's own attempt (its reply was lost). */
function sameAttempt (found: string, controllerId: string, attempt: string): boolean {
  try {
    const held = JSON.parse(found) as { controllerId?: unknown, attempt?: unknown }
    return held.controllerId === controllerId && held.attempt === attempt
  } catch {
    return false
  }
}
