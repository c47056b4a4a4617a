// Stasis applications as res_stasis keeps them: an app is registered by the events WebSocket
// that names it (`/ari/events?app=…`), is active while that socket lives, and stays in the
// registry while it still owns channels or bridges (capture 11: with the socket closed,
// GET /applications/hotline still lists them). Events for an inactive app are dropped, not
// queued ("Inactive Stasis app 'hotline' missed message"), and nothing is replayed when a
// socket registers it again. A newer socket for the same app takes it over and the older one
// gets ApplicationReplaced (ARI Events docs, ApplicationReplaced).

import { ariTime } from './ari-channel.js'

/** Where an app's events go: one events WebSocket. */
export interface AppSink {
  send (text: string): void
}

interface AppEntry {
  readonly name: string
  sink: AppSink | undefined
  readonly channels: Set<string>
  readonly bridges: Set<string>
}

export interface ApplicationJson {
  name: string
  channel_ids: string[]
  bridge_ids: string[]
  endpoint_ids: string[]
  device_names: string[]
  events_allowed: unknown[]
  events_disallowed: unknown[]
}

export class AriApps {
  readonly #apps = new Map<string, AppEntry>()
  readonly #asteriskId: string

  constructor (asteriskId: string) {
    this.#asteriskId = asteriskId
  }

  /** A socket names the app: it becomes active there; a socket that had it gets ApplicationReplaced. */
  register (name: string, sink: AppSink): void {
    const entry = this.#entry(name)
    const previous = entry.sink
    entry.sink = sink
    if (previous !== undefined && previous !== sink) {
      this.#write(previous, { type: 'ApplicationReplaced', timestamp: ariTime(Date.now()) }, name)
    }
  }

  /** The socket closed: its apps go inactive, and those owning nothing leave the registry. */
  unregister (sink: AppSink): void {
    for (const entry of [...this.#apps.values()]) {
      if (entry.sink !== sink) continue
      entry.sink = undefined
      this.#forgetIfIdle(entry)
    }
  }

  isActive (name: string): boolean {
    return this.#apps.get(name)?.sink !== undefined
  }

  subscribeChannel (app: string, channelId: string): void {
    this.#entry(app).channels.add(channelId)
  }

  unsubscribeChannel (app: string, channelId: string): void {
    const entry = this.#apps.get(app)
    if (entry === undefined) return
    entry.channels.delete(channelId)
    this.#forgetIfIdle(entry)
  }

  subscribeBridge (app: string, bridgeId: string): void {
    this.#entry(app).bridges.add(bridgeId)
  }

  /** A bridge is gone: no app owns it any more. */
  forgetBridge (bridgeId: string): void {
    for (const entry of [...this.#apps.values()]) {
      if (!entry.bridges.delete(bridgeId)) continue
      this.#forgetIfIdle(entry)
    }
  }

  /** Apps subscribed to a bridge. */
  bridgeApps (bridgeId: string): string[] {
    return [...this.#apps.values()].filter((entry) => entry.bridges.has(bridgeId)).map((entry) => entry.name)
  }

  /** Delivers an event to an app's socket, adding `asterisk_id` and `application`; dropped if inactive. */
  send (app: string, event: Record<string, unknown>): void {
    const sink = this.#apps.get(app)?.sink
    if (sink !== undefined) this.#write(sink, event, app)
  }

  json (name: string): ApplicationJson | undefined {
    const entry = this.#apps.get(name)
    if (entry === undefined) return undefined
    return {
      name: entry.name,
      channel_ids: [...entry.channels],
      bridge_ids: [...entry.bridges],
      endpoint_ids: [],
      device_names: [],
      events_allowed: [],
      events_disallowed: []
    }
  }

  list (): ApplicationJson[] {
    return [...this.#apps.keys()].flatMap((name) => this.json(name) ?? [])
  }

  clear (): void {
    this.#apps.clear()
  }

  #entry (name: string): AppEntry {
    let entry = this.#apps.get(name)
    if (entry === undefined) {
      entry = { name, sink: undefined, channels: new Set(), bridges: new Set() }
      this.#apps.set(name, entry)
    }
    return entry
  }

  #forgetIfIdle (entry: AppEntry): void {
    if (entry.sink === undefined && entry.channels.size === 0 && entry.bridges.size === 0) this.#apps.delete(entry.name)
  }

  #write (sink: AppSink, event: Record<string, unknown>, app: string): void {
    try {
      sink.send(JSON.stringify({ ...event, asterisk_id: this.#asteriskId, application: app }))
    } catch {
      // A socket failing to take an event must not break the switch; it is closing anyway.
    }
  }
}
