// A call's id is made from its caller's leg id, the same on every controller: two controllers
// that both act on one leg (one claimed it while the other, cut off from the store, refused
// it) write one record, whose first final state stands (ports/store.ts putCall).

import { createHash } from 'node:crypto'

/** A UUID-shaped id from the leg's (which the switch makes unique: a FreeSWITCH uuid, an Asterisk channel id). */
export function callIdOf (legId: string): string {
  const hex = createHash('sha256').update(`call:${legId}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}
