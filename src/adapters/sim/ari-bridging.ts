// Bridge membership with the events Asterisk 22 raises for it (capture 07_bridge.txt,
// 09_hangup.txt, 12_cleanup.txt):
// - entering: ChannelEnteredBridge (the bridge as it was, with the new channel list), then the
//   bridge peers' BRIDGEPEER / BRIDGEPVTCALLID variables, then, in a two-party bridge, each
//   party's connected line set to the other's caller (ChannelConnectedLine, only when it changes);
// - leaving: the leaver's BRIDGEPEER / BRIDGEPVTCALLID cleared, ChannelLeftBridge, then the
//   remaining peers' variables if two or more remain;
// - the app that owns a channel subscribes to the bridge the channel enters (control.c
//   control_swap_channel_in_bridge: app_subscribe_bridge) and gets the bridge's events until it
//   is destroyed; no BridgeCreated is sent for POST /bridges.
// Asterisk repeats the same variable values several times per change; one round is sent here.
// Answered members are members of the model conference named by the bridge id. A member still
// ringing joins it when answered: adding a channel to a bridge does not answer it.

import type { SimSwitch } from './sim-switch.js'
import type { AriApps } from './ari-apps.js'
import type { AriBridge, AriBridges } from './ari-bridge.js'
import type { AriChannel, AriChannels } from './ari-channel.js'
import type { AriPlaybacks } from './ari-playbacks.js'

/** How bridging raises its events; the projector routes them to apps. */
export interface BridgeEventSink {
  event (type: string, body: Record<string, unknown>, lead?: Record<string, unknown>): Record<string, unknown>
  toChannel (channel: AriChannel, event: Record<string, unknown>): void
  toBridge (bridge: AriBridge, channel: AriChannel | undefined, event: Record<string, unknown>): void
}

export interface BridgingParts {
  model: SimSwitch
  channels: AriChannels
  bridges: AriBridges
  apps: AriApps
  playbacks: AriPlaybacks
  sink: BridgeEventSink
}

export class AriBridging {
  readonly #parts: BridgingParts

  constructor (parts: BridgingParts) {
    this.#parts = parts
  }

  add (bridge: AriBridge, channel: AriChannel): void {
    if (channel.bridgeId === bridge.id) return
    // A channel is in one bridge at a time: it departs the one it is in first.
    if (channel.bridgeId !== undefined) this.leave(channel)
    const { sink, apps } = this.#parts
    bridge.members.push(channel.id)
    channel.bridgeId = bridge.id
    if (channel.app !== undefined) apps.subscribeBridge(channel.app, bridge.id)
    sink.toBridge(bridge, channel, sink.event('ChannelEnteredBridge', { bridge: bridge.json(), channel: channel.json() }))
    bridge.reconfigure()
    this.joinModel(channel)
    this.#refreshPeers(bridge)
  }

  /** An answered member takes its place in the model conference. */
  joinModel (channel: AriChannel): void {
    const { model } = this.#parts
    const modelChannel = model.channel(channel.id)
    if (channel.bridgeId === undefined || modelChannel?.answerState !== 'answered') return
    try {
      model.joinConference(channel.id, channel.bridgeId)
    } catch {
      // Hung up meanwhile: its hangup takes it out of the bridge.
    }
  }

  leave (channel: AriChannel): void {
    const { sink, model, bridges } = this.#parts
    const bridge = channel.bridgeId === undefined ? undefined : bridges.get(channel.bridgeId)
    channel.bridgeId = undefined
    if (bridge === undefined) return
    channel.leftBridge = true
    const at = bridge.members.indexOf(channel.id)
    if (at >= 0) bridge.members.splice(at, 1)
    for (const name of ['BRIDGEPEER', 'BRIDGEPVTCALLID']) {
      if ((channel.vars.get(name) ?? '') !== '') this.#setVar(channel, name, '')
    }
    sink.toBridge(bridge, channel, sink.event('ChannelLeftBridge', { bridge: bridge.json(), channel: channel.json() }))
    bridge.reconfigure()
    if (model.channel(channel.id)?.conference?.room === bridge.id) model.leaveConference(channel.id)
    this.#refreshPeers(bridge)
  }

  /** DELETE /bridges/{id}: members are put out, then BridgeDestroyed goes to the bridge's apps. */
  destroy (bridge: AriBridge): void {
    const { sink, channels, apps, bridges, playbacks } = this.#parts
    for (const id of [...bridge.members]) {
      const channel = channels.get(id)
      if (channel !== undefined) this.leave(channel)
    }
    playbacks.bridgeGone(bridge.id)
    sink.toBridge(bridge, undefined, sink.event('BridgeDestroyed', { bridge: bridge.json() }))
    apps.forgetBridge(bridge.id)
    bridges.delete(bridge.id)
  }

  /**
   * BRIDGEPEER lists the other members' names, latest first; BRIDGEPVTCALLID is the peer's SIP
   * Call-ID in a two-party bridge and empty otherwise (capture 07: events 3-10, 33-43, 46-57).
   */
  #refreshPeers (bridge: AriBridge): void {
    const { channels, sink } = this.#parts
    const members = bridge.members.map((id) => channels.get(id)).filter((c): c is AriChannel => c !== undefined).reverse()
    if (members.length < 2) return
    for (const member of members) {
      const others = members.filter((other) => other !== member)
      this.#setVar(member, 'BRIDGEPEER', others.map((other) => other.name).join(','))
      const callId = others.length === 1 ? others[0]?.protocolId ?? '' : ''
      if (others.length === 1 || (member.vars.get('BRIDGEPVTCALLID') ?? '') !== callId) this.#setVar(member, 'BRIDGEPVTCALLID', callId)
    }
    if (members.length !== 2) return
    for (const member of members) {
      const other = members.find((candidate) => candidate !== member)
      if (other === undefined) continue
      if (member.connected.name === other.caller.name && member.connected.number === other.caller.number) continue
      member.connected = { ...other.caller }
      sink.toChannel(member, sink.event('ChannelConnectedLine', { channel: member.json() }))
    }
  }

  #setVar (channel: AriChannel, variable: string, value: string): void {
    const { sink } = this.#parts
    channel.vars.set(variable, value)
    sink.toChannel(channel, sink.event('ChannelVarset', { channel: channel.json() }, { variable, value }))
  }
}
