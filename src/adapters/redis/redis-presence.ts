// Which controllers are running, and how their switch is: every controller writes a beat
// (its id, switch state, calls in progress) every few seconds with a time to live, and the
// dashboard on any controller lists them all and raises "switch disconnected on ctl-x" or
// "ctl-x stopped beating".
//
// In memory (one controller) the beats are a map; on Redis each beat is a key that expires
// on the server's clock (so a controller that dies without a word disappears by itself,
// whatever the other controllers' clocks say), plus a sorted set of the ids seen and a hash
// of each one's last beat, so a controller whose beat expired is shown as lost for a while
// rather than vanishing silently.

import type { Redis } from 'ioredis'
import type { ControllerBeat, ControllerPresence, Presence } from '../../ports/live-signals.js'
import { LOST_KEPT_MS, byControllerId } from '../../ports/live-signals.js'

/** The Redis commands RedisPresence needs, run so that failures are the caller's to handle. */
export interface PresenceClient {
  readonly redis: Redis
  key(kind: string, id?: string): string
  do<T>(operation: string, run: () => Promise<T>): Promise<T>
}

/**
 * Keys (after the store's prefix): `live:controller:<id>` the beat, expiring; `live:controllers`
 * a sorted set of ids by the time of their last beat; `live:controllers:last` a hash of
 * each id's last beat, kept after the key expired so a lost controller can be named.
 */
export class RedisPresence implements Presence {
  readonly #client: PresenceClient

  constructor (client: PresenceClient) {
    this.#client = client
  }

  async beat (beat: ControllerBeat, ttlMs: number): Promise<void> {
    const json = JSON.stringify(beat)
    const { redis } = this.#client
    await this.#client.do('presence beat', async () => {
      await redis.multi()
        .set(this.#client.key('live:controller:', beat.controllerId), json, 'PX', Math.max(1, Math.round(ttlMs)))
        .zadd(this.#client.key('live:controllers'), beat.at, beat.controllerId)
        .hset(this.#client.key('live:controllers:last'), beat.controllerId, json)
        .exec()
    })
  }

  async leave (controllerId: string): Promise<void> {
    const { redis } = this.#client
    await this.#client.do('presence leave', async () => {
      await redis.multi()
        .del(this.#client.key('live:controller:', controllerId))
        .zrem(this.#client.key('live:controllers'), controllerId)
        .hdel(this.#client.key('live:controllers:last'), controllerId)
        .exec()
    })
  }

  async list (now: number): Promise<ControllerPresence[]> {
    const { redis } = this.#client
    const flat = await this.#client.do('presence list', () => redis.zrange(this.#client.key('live:controllers'), '0', '-1', 'WITHSCORES'))
    const ids: Array<{ id: string, lastAt: number }> = []
    for (let i = 0; i + 1 < flat.length; i += 2) ids.push({ id: flat[i] as string, lastAt: Number(flat[i + 1]) })
    if (ids.length === 0) return []
    const [current, last] = await this.#client.do('presence list', async () => await Promise.all([
      redis.mget(ids.map(({ id }) => this.#client.key('live:controller:', id))),
      redis.hmget(this.#client.key('live:controllers:last'), ...ids.map(({ id }) => id))
    ]))
    const found: ControllerPresence[] = []
    const forget: string[] = []
    ids.forEach(({ id, lastAt }, i) => {
      const live = parseBeat(current[i])
      if (live !== undefined) {
        found.push({ ...live, alive: true })
        return
      }
      const previous = parseBeat(last[i])
      if (now - lastAt > LOST_KEPT_MS || previous === undefined) {
        forget.push(id)
        return
      }
      found.push({ ...previous, alive: false })
    })
    if (forget.length > 0) {
      await this.#client.do('presence forget', async () => {
        await redis.multi()
          .zrem(this.#client.key('live:controllers'), ...forget)
          .hdel(this.#client.key('live:controllers:last'), ...forget)
          .exec()
      })
    }
    return found.sort(byControllerId)
  }
}

function parseBeat (json: string | null | undefined): ControllerBeat | undefined {
  if (typeof json !== 'string') return undefined
  try {
    const beat = JSON.parse(json) as Partial<ControllerBeat>
    if (typeof beat.controllerId !== 'string' || typeof beat.switchState !== 'string' || typeof beat.at !== 'number') return undefined
    return {
      controllerId: beat.controllerId,
      vendor: typeof beat.vendor === 'string' ? beat.vendor : '',
      switchState: beat.switchState,
      switchDetail: typeof beat.switchDetail === 'string' ? beat.switchDetail : '',
      switchSince: typeof beat.switchSince === 'number' ? beat.switchSince : beat.at,
      callsInProgress: typeof beat.callsInProgress === 'number' ? beat.callsInProgress : 0,
      promptsMissing: Array.isArray(beat.promptsMissing) ? beat.promptsMissing.filter((p) => typeof p === 'string') : [],
      draining: beat.draining === true,
      at: beat.at
    }
  } catch {
    return undefined
  }
}
