// The call model's conferences: rooms created on first join, member ids counted from 1 per
// room, and a room destroyed when its last member leaves (mod_conference; FS 08_uuid_kill:
// del-member, then conference-destroy). The switch decides when a channel may join or leave;
// this keeps the rooms and raises their events.

import { randomUUID } from 'node:crypto'
import type { ModelEvent, SimChannel, SimConference } from './model-types.js'

interface Room { readonly conference: SimConference, nextMemberId: number }

export class SimConferences {
  readonly #rooms = new Map<string, Room>()
  readonly #emit: (event: ModelEvent) => void

  constructor (emit: (event: ModelEvent) => void) {
    this.#emit = emit
  }

  get (room: string): SimConference | undefined {
    return this.#rooms.get(room)?.conference
  }

  all (): SimConference[] {
    return [...this.#rooms.values()].map((r) => r.conference)
  }

  /** Adds a channel that is in no conference to `room`, creating it first; returns the member id. */
  add (channel: SimChannel, room: string): number {
    let entry = this.#rooms.get(room)
    if (entry === undefined) {
      entry = { conference: { room, id: randomUUID(), members: new Map() }, nextMemberId: 1 }
      this.#rooms.set(room, entry)
      this.#emit({ type: 'conference-created', conference: entry.conference })
    }
    const memberId = entry.nextMemberId++
    entry.conference.members.set(channel.id, memberId)
    channel.conference = { room, memberId }
    this.#emit({ type: 'conference-member-added', conference: entry.conference, channel, memberId })
    return memberId
  }

  /** Takes a channel out of its conference (destroying it when it empties); false if not in one. */
  leave (channel: SimChannel): boolean {
    const room = this.removeMember(channel)
    if (room === undefined) return false
    this.destroyIfEmpty(room)
    return true
  }

  /**
   * Takes a channel out of its conference and returns the room it left, which stays until
   * destroyIfEmpty: a hanging-up channel completes its hangup before the room goes.
   */
  removeMember (channel: SimChannel): string | undefined {
    const membership = channel.conference
    if (membership === undefined) return undefined
    channel.conference = undefined
    const entry = this.#rooms.get(membership.room)
    if (entry !== undefined) {
      entry.conference.members.delete(channel.id)
      this.#emit({
        type: 'conference-member-removed', conference: entry.conference, channel, memberId: membership.memberId
      })
    }
    return membership.room
  }

  destroyIfEmpty (room: string): void {
    const entry = this.#rooms.get(room)
    if (entry === undefined || entry.conference.members.size > 0) return
    this.#rooms.delete(room)
    this.#emit({ type: 'conference-destroyed', conference: entry.conference })
  }
}
