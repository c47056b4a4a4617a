// What is on FreeSWITCH that the adapter does not follow, asked after each (re)connect.
// Events raised while no controller listened are gone (nothing is replayed), so the switch is
// asked: `show channels as json` (mod_commands; one row per channel, `{"row_count": 0}` when
// none), then each unknown channel's tag (`uuid_getvar <uuid> hc_call`, `_undef_` when unset).
//
//  - a channel with a tag was a call's leg under some controller (this one before a restart,
//    or a dead peer): followed from now on and returned, for the call's new owner to decide;
//  - an inbound channel to a line number, parked and without a tag, is a caller who came in
//    while no controller listened (or whose controller died before taking the call): offered.

import { HotlineError } from '../../errors.js'
import type { FoundLeg, InboundCall, LegTag } from '../../ports/switch.js'
import { checkedTag, readTag } from '../dial-target.js'
import type { EslClient } from './esl-client.js'
import type { LegRegistry } from './leg-registry.js'

export const TAG_VARIABLES = { controllerId: 'hc_controller', callId: 'hc_call', role: 'hc_role' } as const

/** The tag's channel variables, checked: [name, value] pairs. */
function tagPairs (tag: LegTag): Array<[string, string]> {
  const { controllerId, callId, role } = checkedTag(tag)
  return [
    [TAG_VARIABLES.controllerId, controllerId],
    [TAG_VARIABLES.callId, callId],
    ...(role === undefined ? [] : [[TAG_VARIABLES.role, role] as [string, string]])
  ]
}

/** The tag as originate variables (`{…}` of a dial string). */
export function tagVariables (tag: LegTag): string[] {
  return tagPairs(tag).map(([name, value]) => `${name}=${value}`)
}

/** `uuid_setvar` of each tag variable; a leg gone is HC_CALL_GONE. */
export async function writeTag (client: EslClient, legId: string, tag: LegTag): Promise<void> {
  for (const [name, value] of tagPairs(tag)) {
    const reply = (await client.api(`uuid_setvar ${legId} ${name} ${value}`)).trim()
    if (!reply.startsWith('+OK')) throw new HotlineError('HC_CALL_GONE', `tagging leg ${legId}: ${reply}`, { switchCause: reply })
  }
}

interface ChannelRow {
  uuid?: string
  direction?: string
  dest?: string
  cid_num?: string
  application?: string
  application_data?: string
  callstate?: string
}

export interface InventoryDeps {
  legs: LegRegistry
  /** Legs a dial in flight follows itself. */
  dialling: (legId: string) => boolean
  lineNumbers: readonly string[]
  offer: (call: InboundCall) => void
  now: () => number
}

/** mod_commands uuid_getvar: the value, or undefined for `_undef_` and errors. */
async function variable (client: EslClient, legId: string, name: string): Promise<string | undefined> {
  const value = (await client.api(`uuid_getvar ${legId} ${name}`)).trim()
  return value === '' || value === '_undef_' || value.startsWith('-ERR') ? undefined : value
}

/** The leg's tag now (`uuid_getvar`, no SQL store between): undefined when untagged or gone. */
export async function tagOf (client: EslClient, legId: string): Promise<LegTag | undefined> {
  const callId = await variable(client, legId, TAG_VARIABLES.callId)
  const controllerId = callId === undefined ? undefined : await variable(client, legId, TAG_VARIABLES.controllerId)
  return readTag(controllerId, callId, undefined)
}

export async function findLegs (client: EslClient, deps: InventoryDeps): Promise<FoundLeg[]> {
  const text = (await client.api('show channels as json')).trim()
  if (!text.startsWith('{')) throw new HotlineError('HC_SWITCH_COMMAND', `show channels answered: ${text.slice(0, 80)}`, { switchCause: text })
  const rows = (JSON.parse(text) as { rows?: ChannelRow[] }).rows ?? []
  const found: FoundLeg[] = []
  for (const row of rows) {
    const legId = row.uuid
    // A leg a dial in flight follows is that dial's until it ends; any other tagged leg is
    // returned each time, also one an earlier look found (a peer's then, perhaps a dead one's now).
    if (legId === undefined || deps.dialling(legId)) continue
    const callId = await variable(client, legId, TAG_VARIABLES.callId)
    const controllerId = callId === undefined ? undefined : await variable(client, legId, TAG_VARIABLES.controllerId)
    const inbound = row.direction === 'inbound'
    const role = controllerId === undefined || inbound ? undefined : await variable(client, legId, TAG_VARIABLES.role)
    const tag = readTag(controllerId, callId, role)
    if (tag !== undefined) {
      deps.legs.track(legId)
      const room = row.application === 'conference' ? row.application_data?.split('@')[0] : undefined
      found.push({
        legId,
        tag,
        direction: inbound ? 'inbound' : 'outbound',
        answered: row.callstate === 'ACTIVE' || row.callstate === 'HELD',
        ...(inbound ? { from: row.cid_num ?? '' } : {}),
        ...(room === undefined || room === '' ? {} : { room })
      })
      continue
    }
    const to = row.dest ?? ''
    if (row.direction === 'inbound' && row.application === 'park' && deps.lineNumbers.includes(to) && !deps.legs.has(legId)) {
      deps.legs.track(legId)
      deps.offer({ legId, from: row.cid_num ?? '', to, at: deps.now() })
    }
  }
  return found
}
