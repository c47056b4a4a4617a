// Conferences over ARI: a room is a mixing bridge whose `bridgeId` is the room name
// (`POST /bridges?type=mixing&bridgeId=<room>`, Asterisk ARI docs "Bridges REST API"). Joining
// is `POST /bridges/{room}/addChannel`, confirmed by ChannelEnteredBridge; leaving is
// `removeChannel`, confirmed by ChannelLeftBridge (captures 07: 204, and the event carries the
// bridge with its channel list). Asterisk sends no BridgeCreated and keeps an empty bridge until
// it is deleted (captures 07, 12), so the adapter deletes a room's bridge when the last channel
// has left it and no join is on its way.

import type { Logger } from 'pino'
import { HotlineError } from '../../errors.js'
import type { AriRest } from './ari-rest.js'
import type { LegTracker } from './leg-tracker.js'

interface Room {
  /** Settles when the bridge exists. */
  ready: Promise<void> | undefined
  members: Set<string>
  /** Joins in progress. */
  joining: number
}

export interface BridgeDeps {
  tracker: LegTracker
  connected: () => AriRest
  /** The REST client whether or not the events socket is up (REST does not need it). */
  rest: () => AriRest | undefined
  requestTimeoutMs: number
  log: Logger
}

export class AriBridges {
  readonly #deps: BridgeDeps
  readonly #rooms = new Map<string, Room>()
  readonly #destroying = new Map<string, Promise<void>>()

  constructor (deps: BridgeDeps) {
    this.#deps = deps
  }

  /** Rooms whose bridge this adapter created or joined and has not seen go. */
  rooms (): string[] {
    return [...this.#rooms.keys()]
  }

  async join (legId: string, room: string): Promise<void> {
    const rest = this.#deps.connected()
    let state = this.#rooms.get(room)
    if (state === undefined) {
      state = { ready: undefined, members: new Set(), joining: 0 }
      this.#rooms.set(room, state)
    }
    state.joining++
    try {
      await this.#ensure(rest, room, state)
      await this.#move(legId, room, 'entered', async () => { await rest.addChannel(room, legId) })
    } finally {
      state.joining--
      this.#destroyIfEmpty(room)
    }
  }

  async leave (legId: string, room: string): Promise<void> {
    const rest = this.#deps.connected()
    await this.#move(legId, room, 'left', async () => { await rest.removeChannel(room, legId) })
  }

  // --- what the events say --------------------------------------------------------------------

  /** ChannelEnteredBridge / ChannelLeftBridge: the bridge with the channels now in it. */
  membership (bridgeId: string, channels: string[]): void {
    const state = this.#rooms.get(bridgeId)
    if (state === undefined) return
    state.members = new Set(channels)
    this.#destroyIfEmpty(bridgeId)
  }

  /** BridgeDestroyed. */
  destroyed (bridgeId: string): void {
    this.#rooms.delete(bridgeId)
  }

  /** After a reconnect: membership may have changed unheard; ask Asterisk for each room. */
  async reclaim (rest: AriRest): Promise<void> {
    for (const room of this.rooms()) {
      const channels = await rest.bridgeChannels(room)
      if (channels === undefined) this.#rooms.delete(room)
      else this.membership(room, channels)
    }
  }

  async #ensure (rest: AriRest, room: string, state: Room): Promise<void> {
    await this.#destroying.get(room)
    state.ready ??= (async () => {
      try {
        await rest.createBridge(room)
      } catch (err) {
        // The bridge may exist already (made before a restart, or a create that raced ours):
        // use it if Asterisk has it.
        if (await rest.bridgeChannels(room) === undefined) throw err
      }
    })()
    try {
      await state.ready
    } catch (err) {
      state.ready = undefined
      throw err
    }
  }

  async #move (legId: string, room: string, change: 'entered' | 'left', request: () => Promise<void>): Promise<void> {
    const { tracker, requestTimeoutMs } = this.#deps
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const finish = (err?: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        unwatch()
        if (err === undefined) resolve()
        else reject(err)
      }
      const unwatch = tracker.watch(legId, {
        bridge: (seen, bridgeId) => { if (seen === change && bridgeId === room) finish() },
        ended: (end) => { finish(new HotlineError('HC_CALL_GONE', `leg ${legId} ended: ${end.vendor.text}`)) },
        lost: (err) => { finish(err) }
      })
      // The event may come before the 204; the wait covers both, from the request on.
      const timer = setTimeout(() => {
        finish(new HotlineError('HC_SWITCH_TIMEOUT', `no ChannelLeftBridge/EnteredBridge (${change}) for ${legId} in ${room}`))
      }, requestTimeoutMs * 2)
      request().catch((err: unknown) => { finish(err as Error) })
    })
  }

  #destroyIfEmpty (room: string): void {
    const state = this.#rooms.get(room)
    if (state === undefined || state.members.size > 0 || state.joining > 0 || state.ready === undefined) return
    this.#rooms.delete(room)
    const rest = this.#deps.rest()
    if (rest === undefined) return
    const destroying = rest.destroyBridge(room)
      .catch((err: unknown) => { this.#deps.log.warn({ err, room }, 'deleting an empty conference bridge failed') })
      .finally(() => { this.#destroying.delete(room) })
    this.#destroying.set(room, destroying)
  }
}
