// ARI bridges over the model's conferences: a bridge's id is the model's conference room, and
// its answered members are that conference's members, so the model stays the one truth for who
// hears whom. The bridge itself outlives its members (it exists from POST /bridges until
// DELETE, capture 12), which a model conference does not, so the bridge record lives here.
// The Bridge JSON keys and values copy capture 07_bridge.txt.

import { ariTime } from './ari-channel.js'

export type BridgeType = 'mixing' | 'holding'

export interface BridgeJson {
  id: string
  technology: string
  bridge_type: BridgeType
  bridge_class: string
  creator: string
  name: string
  channels: string[]
  creationtime: string
  video_mode: string
}

/**
 * The bridge technology Asterisk's smart bridging picks for a mixing bridge of two PJSIP legs
 * or more (capture 07: simple_bridge with 0 or 1 member, native_rtp with 2, softmix with 3).
 */
export function technologyFor (type: BridgeType, members: number): string {
  if (type === 'holding') return 'holding_bridge'
  if (members <= 1) return 'simple_bridge'
  return members === 2 ? 'native_rtp' : 'softmix'
}

export class AriBridge {
  readonly id: string
  readonly name: string
  readonly type: BridgeType
  readonly createdAt = Date.now()
  /** Channel ids in the order they entered. */
  readonly members: string[] = []
  /**
   * What the last snapshot reported. Asterisk re-evaluates the technology after a member
   * enters or leaves, so the Entered/LeftBridge event still shows the previous one (capture 07:
   * the second ChannelEnteredBridge reads simple_bridge with two channels).
   */
  technology: string

  constructor (id: string, type: BridgeType, name: string) {
    this.id = id
    this.type = type
    this.name = name
    this.technology = technologyFor(type, 0)
  }

  /** Picks the technology for the current membership (after the event that changed it). */
  reconfigure (): void {
    this.technology = technologyFor(this.type, this.members.length)
  }

  json (): BridgeJson {
    return {
      id: this.id,
      technology: this.technology,
      bridge_type: this.type,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: this.name,
      channels: [...this.members],
      creationtime: ariTime(this.createdAt),
      video_mode: 'talker'
    }
  }
}

export class AriBridges {
  readonly #bridges = new Map<string, AriBridge>()

  add (bridge: AriBridge): void {
    this.#bridges.set(bridge.id, bridge)
  }

  get (id: string): AriBridge | undefined {
    return this.#bridges.get(id)
  }

  delete (id: string): void {
    this.#bridges.delete(id)
  }

  list (): AriBridge[] {
    return [...this.#bridges.values()]
  }

  clear (): void {
    this.#bridges.clear()
  }
}
