// mod_conference as the Event Socket sees it: `CUSTOM conference::maintenance` events with the
// headers of conference_event_add_data / conference_member_add_event_data, the floor (the first
// member of an empty floor takes it; when its holder leaves the floor goes to nobody, capture 07
// and 08), and the `conference <room> list` lines (capture 07).

import type { ChannelView } from './esl-channel-view.js'
import type { Header } from './esl-frame.js'
import type { SimChannel, SimConference } from './model-types.js'

export const CONFERENCE_SUBCLASS = 'conference::maintenance'
/** Conference-Domain as the captured switch reported it. */
const CONFERENCE_DOMAIN = 'cluecon.com'

interface RoomState {
  profile: string
  /** Member id and channel id of the floor holder. */
  floor: { memberId: number, channelId: string } | undefined
}

export class ConferenceTracker {
  readonly #rooms = new Map<string, RoomState>()

  #room (name: string): RoomState {
    let state = this.#rooms.get(name)
    if (state === undefined) {
      state = { profile: 'default', floor: undefined }
      this.#rooms.set(name, state)
    }
    return state
  }

  /** The profile named in `conference <room>@<profile>` by whoever created the room. */
  noteProfile (room: string, profile: string): void {
    if (!this.#rooms.has(room)) this.#rooms.set(room, { profile, floor: undefined })
  }

  forget (room: string): void {
    this.#rooms.delete(room)
  }

  holdsFloor (room: string, channelId: string): boolean {
    return this.#rooms.get(room)?.floor?.channelId === channelId
  }

  /** Gives the floor to a member if nobody holds it; true if it did. */
  takeFloorIfFree (room: string, memberId: number, channelId: string): boolean {
    const state = this.#room(room)
    if (state.floor !== undefined) return false
    state.floor = { memberId, channelId }
    return true
  }

  /** The holder left: nobody holds the floor. */
  releaseFloor (room: string, channelId: string): boolean {
    const state = this.#rooms.get(room)
    if (state?.floor?.channelId !== channelId) return false
    state.floor = undefined
    return true
  }

  /** conference_event_add_data. */
  conferenceHeaders (conference: SimConference, size: number): Header[] {
    return [
      ['Conference-Name', conference.room],
      ['Conference-Domain', CONFERENCE_DOMAIN],
      ['Conference-Size', String(size)],
      ['Conference-Ghosts', '0'],
      ['Conference-Profile-Name', this.#room(conference.room).profile],
      ['Conference-Unique-ID', conference.id]
    ]
  }

  /** conference_member_add_event_data: basic channel data and profile, no variables. */
  memberHeaders (channel: SimChannel, view: ChannelView, memberId: number, floor: boolean): Header[] {
    return [
      ['Floor', String(floor)],
      ...view.basicHeaders(channel, true),
      ...view.profileHeaders(channel),
      ['Video', 'false'],
      ['Hear', 'true'],
      ['See', 'true'],
      ['Speak', 'true'],
      ['Talking', 'false'],
      ['Mute-Detect', 'false'],
      ['Hold', 'false'],
      ['Member-ID', String(memberId)],
      ['Member-Type', 'member'],
      ['Member-Ghost', 'false'],
      ['Energy-Level', '0'],
      ['Current-Energy', '0']
    ]
  }

  /**
   * `conference <room> list`: newest member first, `id;channel;uuid;cid name;cid number;flags;
   * volume in;volume out;energy` (capture 07).
   */
  listLines (conference: SimConference, describe: (channelId: string) => { name: string, cid: [string, string] } | undefined): string {
    const members = [...conference.members].sort((a, b) => b[1] - a[1])
    let out = ''
    for (const [channelId, memberId] of members) {
      const member = describe(channelId)
      if (member === undefined) continue
      const flags = this.holdsFloor(conference.room, channelId) ? 'hear|speak|floor' : 'hear|speak'
      out += `${memberId};${member.name};${channelId};${member.cid[0]};${member.cid[1]};${flags};0;0;0\n`
    }
    return out
  }
}
