// Controller leases on Redis (ports/leases.ts). Keys after the store's prefix: `lease:<id>`
// (expires on the server's clock), `leases` (a hash of every controller known, with what it
// said of itself), `lease-taken:<id>` (a peer claimed its calls: by whom; held a while, so a
// controller that only paused learns it at its next renewal) and `lease-epoch` (the fencing
// tokens, one counter for all). Each operation is one script: a claim checks the lapse and
// marks it in one step, so two peers never take one dead controller's calls.

import type { RedisOptions } from 'ioredis'
import type { LapsedLease, LeaseInfo, Leases } from '../../ports/leases.js'
import { RedisConnection } from './redis-connection.js'
import { DEFAULT_KEY_PREFIX } from './redis-store.js'

const SCRIPTS = {
  /** KEYS: lease, leases, taken, epoch. ARGV: id, ttlMs, info. */
  acquire: {
    numberOfKeys: 4,
    lua: `
local taken = redis.call('GET', KEYS[3])
if taken and string.sub(taken, 1, 9) == 'claiming:' then return false end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return redis.call('INCR', KEYS[4])
`
  },
  /** KEYS: lease, leases, taken. ARGV: id, ttlMs. */
  renew: {
    numberOfKeys: 3,
    lua: `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'taken' end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then redis.call('HSET', KEYS[2], ARGV[1], '{}') end
return 'held'
`
  },
  /** KEYS: leases. ARGV: prefix, forId ('' for none). Returns id, info, id, info, … */
  lapsed: {
    numberOfKeys: 1,
    lua: `
local out = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local id = all[i]
  local taken = redis.call('GET', ARGV[1] .. 'lease-taken:' .. id)
  if redis.call('EXISTS', ARGV[1] .. 'lease:' .. id) == 0 and (not taken or (ARGV[2] ~= '' and taken == 'claiming:' .. ARGV[2])) then
    out[#out + 1] = id
    out[#out + 1] = all[i + 1]
  end
end
return out
`
  },
  /** KEYS: lease, taken, epoch, leases. ARGV: deadId, byId, holdMs. */
  claim: {
    numberOfKeys: 4,
    lua: `
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 0 then return false end
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local taken = redis.call('GET', KEYS[2])
if taken and taken ~= 'claiming:' .. ARGV[2] then return false end
redis.call('SET', KEYS[2], 'claiming:' .. ARGV[2], 'PX', ARGV[3])
return redis.call('INCR', KEYS[3])
`
  },
  /** KEYS: lease, leases, taken. ARGV: id, rememberMs. */
  release: {
    numberOfKeys: 3,
    lua: `
local taken = redis.call('GET', KEYS[3])
if taken and string.sub(taken, 1, 9) == 'claiming:' then
  redis.call('SET', KEYS[3], 'taken:' .. string.sub(taken, 10), 'PX', ARGV[2])
end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HDEL', KEYS[2], ARGV[1]) end
return 1
`
  }
} as const

type LeaseScript = keyof typeof SCRIPTS

export interface RedisLeasesOptions {
  url?: string
  keyPrefix?: string
  redis?: RedisOptions
  onError?: (err: Error) => void
}

export class RedisLeases implements Leases {
  readonly #connection: RedisConnection<LeaseScript>

  constructor (options: RedisLeasesOptions = {}) {
    this.#connection = new RedisConnection<LeaseScript>({
      url: options.url,
      redis: options.redis,
      onError: options.onError,
      keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
      connectionName: 'hotline-leases',
      label: 'leases',
      commandPrefix: 'hotlineLeases_',
      scripts: SCRIPTS
    })
  }

  async acquire (controllerId: string, ttlMs: number, info: LeaseInfo = {}): Promise<number | undefined> {
    const c = this.#connection
    const token = await c.script('acquire', [c.key('lease:', controllerId), c.key('leases'), c.key('lease-taken:', controllerId), c.key('lease-epoch')],
      [controllerId, whole(ttlMs), JSON.stringify(info)])
    return token === null ? undefined : Number(token)
  }

  async renew (controllerId: string, ttlMs: number): Promise<'held' | 'taken'> {
    const c = this.#connection
    const answer = await c.script('renew', [c.key('lease:', controllerId), c.key('leases'), c.key('lease-taken:', controllerId)], [controllerId, whole(ttlMs)])
    return answer === 'taken' ? 'taken' : 'held'
  }

  async lapsed (forId?: string): Promise<LapsedLease[]> {
    const c = this.#connection
    const flat = await c.script('lapsed', [c.key('leases')], [c.keyPrefix, forId ?? '']) as string[]
    const out: LapsedLease[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ controllerId: String(flat[i]), info: parseInfo(String(flat[i + 1])) })
    return out
  }

  async claim (deadId: string, byId: string, holdMs: number): Promise<number | undefined> {
    const c = this.#connection
    const token = await c.script('claim', [c.key('lease:', deadId), c.key('lease-taken:', deadId), c.key('lease-epoch'), c.key('leases')], [deadId, byId, whole(holdMs)])
    return token === null ? undefined : Number(token)
  }

  async release (deadId: string, rememberMs: number): Promise<void> {
    const c = this.#connection
    await c.script('release', [c.key('lease:', deadId), c.key('leases'), c.key('lease-taken:', deadId)], [deadId, whole(rememberMs)])
  }

  async abandon (deadId: string): Promise<void> {
    const c = this.#connection
    await c.do('abandon', async () => { await c.redis.del(c.key('lease-taken:', deadId)) })
  }

  async leave (controllerId: string): Promise<void> {
    const c = this.#connection
    await c.do('leave', async () => { await c.redis.multi().del(c.key('lease:', controllerId)).hdel(c.key('leases'), controllerId).exec() })
  }

  async close (): Promise<void> {
    await this.#connection.close()
  }
}

function whole (ms: number): number {
  return Math.max(1, Math.round(ms))
}

function parseInfo (json: string): LeaseInfo {
  try {
    const value = JSON.parse(json) as unknown
    if (typeof value !== 'object' || value === null) return {}
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
  } catch {
    return {}
  }
}
