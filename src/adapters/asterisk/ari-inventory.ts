// What is in the Stasis application that the adapter does not follow, asked after each
// (re)connect. Channels stay in Stasis when the application's WebSocket dies (Stasis() does not
// return), and a controller that connects again under the same application name hears their
// events again; what happened meanwhile is asked: `GET /applications/{app}` (the channels the
// application holds), `GET /channels` and `GET /bridges` (state, extension, room), and each
// unknown channel's tag (`GET /channels/{id}/variable?variable=HC_CALL`, 404 when never set).
//
//  - a channel with a tag was a call's leg under some controller: followed from now on and
//    returned, for the call's new owner to decide;
//  - an untagged channel to a line number is a caller whose controller died before taking the
//    call: offered.

import { checkedTag, readTag } from '../dial-target.js'
import type { FoundLeg, InboundCall, LegTag } from '../../ports/switch.js'
import type { Logger } from 'pino'
import { type AriRest, isGone } from './ari-rest.js'
import type { LegTracker } from './leg-tracker.js'

export const TAG_VARIABLES = { controllerId: 'HC_CONTROLLER', callId: 'HC_CALL', role: 'HC_ROLE' } as const

export function tagVariables (tag: LegTag): Record<string, string> {
  const { controllerId, callId, role } = checkedTag(tag)
  return {
    [TAG_VARIABLES.controllerId]: controllerId,
    [TAG_VARIABLES.callId]: callId,
    ...(role === undefined ? {} : { [TAG_VARIABLES.role]: role })
  }
}

export interface InventoryDeps {
  app: string
  tracker: LegTracker
  /** Legs a dial in flight follows itself. */
  dialling: (legId: string) => boolean
  lineNumbers: readonly string[]
  offer: (call: InboundCall) => void
  now: () => number
}

/** The channel's tag now: undefined when untagged or gone. */
export async function tagOf (rest: AriRest, channelId: string): Promise<LegTag | undefined> {
  const callId = await rest.getVariable(channelId, TAG_VARIABLES.callId).catch(() => undefined)
  const controllerId = callId === undefined ? undefined : await rest.getVariable(channelId, TAG_VARIABLES.controllerId).catch(() => undefined)
  return readTag(controllerId, callId, undefined)
}

export async function findLegs (rest: AriRest, deps: InventoryDeps): Promise<FoundLeg[]> {
  const held = new Set((await rest.application(deps.app)).channelIds)
  // Every tagged leg is returned each time, also one an earlier look found (a peer's then,
  // perhaps a dead one's now); a leg a dial in flight follows is that dial's.
  const channels = (await rest.listChannels()).filter((c) => held.has(c.id) && !deps.dialling(c.id))
  if (channels.length === 0) return []
  const rooms = await rest.channelBridges()
  const found: FoundLeg[] = []
  for (const channel of channels) {
    const callId = await rest.getVariable(channel.id, TAG_VARIABLES.callId)
    const controllerId = callId === undefined ? undefined : await rest.getVariable(channel.id, TAG_VARIABLES.controllerId)
    const inbound = deps.lineNumbers.includes(channel.exten)
    const role = controllerId === undefined || inbound ? undefined : await rest.getVariable(channel.id, TAG_VARIABLES.role)
    const tag = readTag(controllerId, callId, role)
    if (tag !== undefined) {
      if (!deps.tracker.has(channel.id)) {
        deps.tracker.track(channel.id, inbound ? 'inbound' : 'dialed')
        deps.tracker.stasisStarted(channel.id)
      }
      const room = rooms.get(channel.id)
      found.push({
        legId: channel.id,
        tag,
        direction: inbound ? 'inbound' : 'outbound',
        answered: channel.state === 'Up',
        ...(inbound ? { from: channel.callerNumber } : {}),
        ...(room === undefined ? {} : { room })
      })
    } else if (inbound && !deps.tracker.has(channel.id)) {
      deps.tracker.track(channel.id, 'inbound')
      deps.offer({ legId: channel.id, from: channel.callerNumber, to: channel.exten, at: deps.now() })
    }
  }
  return found
}

/** The StasisStart argument of a channel moved here from a dead peer's application (adoptApp). */
export const MOVED_ARG = 'hc-moved'

/**
 * A dead peer's channels into this controller's application (`POST /channels/{id}/move`: the
 * channel's Stasis loop switches applications and the channel stays in its bridge), and this
 * application subscribed to the peer's bridges, so their events come here. Resolves once no
 * moved channel is left in the peer's application (moved, or gone), or after `waitMs`.
 */
export async function adoptApp (rest: AriRest, from: string, to: string, log: Logger, waitMs = 5000): Promise<number> {
  const held = await rest.application(from).catch((err: unknown) => {
    if (isGone(err)) return { channelIds: [], bridgeIds: [] }
    throw err
  })
  const moving = new Set<string>()
  for (const channelId of held.channelIds) {
    try {
      await rest.move(channelId, to, MOVED_ARG)
      moving.add(channelId)
    } catch (err) {
      if (!isGone(err)) log.warn({ err, legId: channelId, from }, 'moving a dead peer\'s channel failed')
    }
  }
  for (const bridgeId of held.bridgeIds) {
    await rest.subscribe(to, `bridge:${bridgeId}`).catch((err: unknown) => { log.warn({ err, bridgeId }, 'subscribing to a dead peer\'s bridge failed') })
  }
  const deadline = Date.now() + waitMs
  for (;;) {
    const left = await rest.application(from).then((a) => a.channelIds.filter((id) => moving.has(id)), (err: unknown) => {
      if (isGone(err)) return []
      throw err
    })
    if (left.length === 0) break
    if (Date.now() > deadline) {
      log.warn({ left: left.length, from }, 'channels of a dead peer still in its application')
      break
    }
    // Each move runs in its channel's own Stasis loop, within a few milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  log.info({ from, moved: moving.size, bridges: held.bridgeIds.length }, 'a dead peer\'s channels moved into this application')
  return moving.size
}
