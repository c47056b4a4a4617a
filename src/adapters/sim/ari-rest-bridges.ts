// /bridges routes, with the checks and messages of res/ari/resource_bridges.c: find_bridge
// 404 "Bridge not found"; control_list_create 400 "Missing parameter channel" and, per channel,
// 400 "Channel not found" (not 422, capture 10) or 422 "Channel not in Stasis application";
// removeChannel 422 "Channel not in this bridge". POST /bridges answers 200 with the new bridge
// and raises no BridgeCreated; DELETE raises BridgeDestroyed after the reply (captures 07, 12).

import { randomUUID } from 'node:crypto'
import { AriBridge, type BridgeType } from './ari-bridge.js'
import type { AriChannel } from './ari-channel.js'
import type { AriProjector } from './ari-projector.js'
import {
  failure, listParam, noContent, ok, param,
  type AriReply, type AriRequest, type AriRouter
} from './ari-rest.js'

/** `type` is a comma-separated list of bridge properties; holding wins, mixing is the default. */
function bridgeType (req: AriRequest): BridgeType {
  return listParam(req, 'type').includes('holding') ? 'holding' : 'mixing'
}

function createBridge (projector: AriProjector, req: AriRequest, id: string | undefined): AriReply {
  if (id !== undefined && projector.bridges.get(id) !== undefined) return failure(409, 'Bridge with this ID already exists')
  const bridge = new AriBridge(id ?? randomUUID(), bridgeType(req), param(req, 'name') ?? '')
  projector.bridges.add(bridge)
  return ok(bridge.json())
}

function findBridge (projector: AriProjector, req: AriRequest): AriBridge | AriReply {
  return projector.bridges.get(req.params.bridgeId ?? '') ?? failure(404, 'Bridge not found')
}

/** The channels named by `channel`, each one in Stasis, or the reply refusing them. */
function channelList (projector: AriProjector, req: AriRequest): AriChannel[] | AriReply {
  const ids = listParam(req, 'channel')
  if (ids.length === 0) return failure(400, 'Missing parameter channel')
  const channels: AriChannel[] = []
  for (const id of ids) {
    const channel = projector.channels.get(id)
    if (channel === undefined || channel.cause !== undefined) return failure(400, 'Channel not found')
    if (!channel.inStasis) return failure(422, 'Channel not in Stasis application')
    channels.push(channel)
  }
  return channels
}

function isReply (value: unknown): value is AriReply {
  return typeof value === 'object' && value !== null && 'status' in value
}

function play (projector: AriProjector, req: AriRequest): AriReply {
  const bridge = findBridge(projector, req)
  if (isReply(bridge)) return bridge
  const media = listParam(req, 'media')
  if (media.length === 0) return failure(400, 'Missing parameter media')
  const id = req.params.playbackId ?? param(req, 'playbackId') ?? randomUUID()
  if (projector.playbacks.get(id) !== undefined) return failure(500, 'Failed to queue media for playback')
  const playback = projector.playbacks.create(id, media, param(req, 'lang') ?? projector.model.install.language, { bridgeId: bridge.id })
  return {
    status: 201,
    body: playback.json(),
    headers: { Location: `/ari/playbacks/${encodeURIComponent(id)}` },
    after: () => { projector.playbacks.playOnBridge(playback) }
  }
}

export function addBridgeRoutes (router: AriRouter, projector: AriProjector): void {
  router.add('GET', '/bridges', () => ok(projector.bridges.list().map((bridge) => bridge.json())))
  router.add('POST', '/bridges', (req) => createBridge(projector, req, param(req, 'bridgeId')))
  router.add('GET', '/bridges/{bridgeId}', (req) => {
    const bridge = findBridge(projector, req)
    return isReply(bridge) ? bridge : ok(bridge.json())
  })
  router.add('POST', '/bridges/{bridgeId}', (req) => createBridge(projector, req, req.params.bridgeId))
  router.add('DELETE', '/bridges/{bridgeId}', (req) => {
    const bridge = findBridge(projector, req)
    return isReply(bridge) ? bridge : noContent(() => { projector.bridging.destroy(bridge) })
  })
  router.add('POST', '/bridges/{bridgeId}/addChannel', (req) => {
    const bridge = findBridge(projector, req)
    if (isReply(bridge)) return bridge
    const channels = channelList(projector, req)
    if (isReply(channels)) return channels
    for (const channel of channels) projector.bridging.add(bridge, channel)
    return noContent()
  })
  router.add('POST', '/bridges/{bridgeId}/removeChannel', (req) => {
    const bridge = findBridge(projector, req)
    if (isReply(bridge)) return bridge
    const channels = channelList(projector, req)
    if (isReply(channels)) return channels
    if (channels.some((channel) => channel.bridgeId !== bridge.id)) return failure(422, 'Channel not in this bridge')
    for (const channel of channels) projector.bridging.leave(channel)
    return noContent()
  })
  router.add('POST', '/bridges/{bridgeId}/play', (req) => play(projector, req))
  router.add('POST', '/bridges/{bridgeId}/play/{playbackId}', (req) => play(projector, req))
}
