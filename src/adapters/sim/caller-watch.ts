// What a placed caller lived through, seen from the switch: how long they were left with
// nothing to hear (answered, no prompt playing, nobody else in their room), and whether they
// ever shared a room with a person (an agent or a specialist: the call was served). The chaos
// harness reads it to count callers left in silence and served calls recorded as abandoned.
// Times are real milliseconds, as the caller would feel them.

import type { ModelEvent } from './model-types.js'

export interface CallerReport {
  /** The longest stretch in silence so far, counting one still going on. */
  longestSilenceMs: number
  /** Shared a conference with another leg at some point. */
  talked: boolean
  answered: boolean
  ended: boolean
}

interface Watched {
  playing: Set<string>
  room?: string
  answered: boolean
  ended: boolean
  talked: boolean
  silentSince?: number
  longestSilenceMs: number
}

export class CallerWatch {
  readonly #watched = new Map<string, Watched>()
  /** Every leg in each conference, watched or not (an agent's, a specialist's). */
  readonly #rooms = new Map<string, Set<string>>()
  readonly #now: () => number

  constructor (now: () => number = Date.now) {
    this.#now = now
  }

  /** Starts watching the caller on channel `id` (before it is answered). */
  watch (id: string): void {
    this.#watched.set(id, { playing: new Set(), answered: false, ended: false, talked: false, longestSilenceMs: 0 })
  }

  report (id: string): CallerReport | undefined {
    const w = this.#watched.get(id)
    if (w === undefined) return undefined
    const ongoing = w.silentSince === undefined ? 0 : this.#now() - w.silentSince
    return { longestSilenceMs: Math.max(w.longestSilenceMs, ongoing), talked: w.talked, answered: w.answered, ended: w.ended }
  }

  /** Feed of the model's events (`SimSwitch` 'event'). */
  observe (event: ModelEvent): void {
    switch (event.type) {
      case 'channel-answered':
        this.#update(event.channel.id, (w) => { w.answered = true })
        break
      case 'playback-started':
        this.#update(event.channel.id, (w) => { w.playing.add(event.playbackId) })
        break
      case 'playback-finished':
        this.#update(event.channel.id, (w) => { w.playing.delete(event.playbackId) })
        break
      case 'conference-member-added':
      case 'conference-member-removed': {
        const { room } = event.conference
        const members = this.#rooms.get(room) ?? new Set<string>()
        if (event.type === 'conference-member-added') members.add(event.channel.id)
        else members.delete(event.channel.id)
        if (members.size === 0) this.#rooms.delete(room)
        else this.#rooms.set(room, members)
        this.#update(event.channel.id, (w) => { w.room = event.type === 'conference-member-added' ? room : undefined })
        // Everyone else in that room gained or lost company.
        for (const id of members) this.#update(id, () => {})
        break
      }
      case 'channel-hangup':
        this.#update(event.channel.id, (w) => { w.ended = true })
        break
      default:
        break
    }
  }

  /** Applies `change`, then closes or opens a stretch of silence. */
  #update (id: string, change: (w: Watched) => void): void {
    const w = this.#watched.get(id)
    if (w === undefined) return
    change(w)
    const company = w.room !== undefined && this.#othersIn(w.room, id)
    if (company) w.talked = true
    const silent = w.answered && !w.ended && w.playing.size === 0 && !company
    const now = this.#now()
    if (silent && w.silentSince === undefined) w.silentSince = now
    if (!silent && w.silentSince !== undefined) {
      w.longestSilenceMs = Math.max(w.longestSilenceMs, now - w.silentSince)
      w.silentSince = undefined
    }
  }

  #othersIn (room: string, id: string): boolean {
    for (const member of this.#rooms.get(room) ?? []) {
      if (member !== id) return true
    }
    return false
  }
}
