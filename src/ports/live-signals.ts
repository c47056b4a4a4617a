// The live pages' change signals and the controllers' presence, as the core and the features
// see them. A signal carries no data: pages re-read the shared store, so figures from several
// controllers add up by construction. Implementations: adapters/memory/memory-signals.ts (one
// process), adapters/redis/redis-signals.ts and redis-presence.ts (every controller on a Redis).

export const LIVE_TOPICS = ['calls', 'agents', 'transfers', 'tickets', 'stats', 'dial-test', 'alarms'] as const
export type LiveTopic = typeof LIVE_TOPICS[number]

export type LiveListener = (topic: LiveTopic) => void

export interface LiveSignals {
  /** Tells every listener (here and on the other controllers) that `topic` changed. */
  publish(topic: LiveTopic): void
  /** Returns the unsubscribe function. */
  subscribe(listener: LiveListener): () => void
  close(): Promise<void>
  /** Which controllers share the signals, and how their switch is (ports/live-signals.ts). */
  readonly presence?: Presence
}

export function isLiveTopic (value: unknown): value is LiveTopic {
  return (LIVE_TOPICS as readonly unknown[]).includes(value)
}

export interface ControllerBeat {
  controllerId: string
  /** `freeswitch` | `asterisk`. */
  vendor: string
  /** The switch connection: connecting | ready | disconnected | closed (ports/switch.ts). */
  switchState: string
  switchDetail: string
  /** When the switch connection entered its state. */
  switchSince: number
  callsInProgress: number
  /** Prompts its switch has no sound for (calls skip them). */
  promptsMissing: string[]
  /** Stopping: taking no new calls. */
  draining: boolean
  /** When the beat was sent, by the sender's clock. */
  at: number
}

export interface ControllerPresence extends ControllerBeat {
  /** False once no beat came within the time to live: the controller stopped or lost Redis. */
  alive: boolean
}

export interface Presence {
  /** This controller is alive (for `ttlMs`), as the beat says. */
  beat(beat: ControllerBeat, ttlMs: number): Promise<void>
  /** This controller stopped on purpose: forget it at once (no "lost" alarm). */
  leave(controllerId: string): Promise<void>
  /** Every controller alive, and those lost within `LOST_KEPT_MS`, sorted by id. */
  list(now: number): Promise<ControllerPresence[]>
}

/** How long a controller whose beats stopped stays listed (as lost) before it is forgotten. */
export const LOST_KEPT_MS = 10 * 60 * 1000

export const byControllerId = (a: ControllerPresence, b: ControllerPresence): number =>
  a.controllerId < b.controllerId ? -1 : a.controllerId > b.controllerId ? 1 : 0
