// The ARI events the adapter reads, as they arrive on the events WebSocket (Asterisk ARI docs,
// "Asterisk REST Data Models": every event has `type`, `application`, `timestamp`). The JSON
// comes from the wire, so nothing is trusted: accessors check the fields they return.

export interface AriChannel {
  id: string
  name?: string
  /** Down, Rsrvd, OffHook, Dialing, Ring, Ringing, Up, Busy, … */
  state?: string
  caller?: { name?: string, number?: string }
  dialplan?: { context?: string, exten?: string, priority?: number }
}

export interface AriEvent {
  type: string
  application?: string
  timestamp?: string
  [field: string]: unknown
}

/** Parses one WebSocket text frame; undefined when it is not an ARI event. */
export function parseEvent (text: string): AriEvent | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { type } = value as { type?: unknown }
  return typeof type === 'string' ? value as AriEvent : undefined
}

function record (value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? value as Record<string, unknown> : undefined
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** The channel an event is about (`channel`, or `peer` for Dial). */
export function channelOf (event: AriEvent, field: 'channel' | 'peer' = 'channel'): AriChannel | undefined {
  const channel = record(event[field])
  const id = text(channel?.id)
  if (channel === undefined || id === undefined) return undefined
  const caller = record(channel.caller)
  const dialplan = record(channel.dialplan)
  return {
    id,
    name: text(channel.name),
    state: text(channel.state),
    caller: caller === undefined ? undefined : { name: text(caller.name), number: text(caller.number) },
    dialplan: dialplan === undefined ? undefined : { context: text(dialplan.context), exten: text(dialplan.exten) }
  }
}

/** StasisStart `args`. */
export function argsOf (event: AriEvent): string[] {
  const args = event.args
  return Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : []
}

/** `cause` of ChannelDestroyed / ChannelHangupRequest: a Q.850 number. */
export function causeOf (event: AriEvent): number | undefined {
  const cause = event.cause
  return typeof cause === 'number' && Number.isInteger(cause) && cause > 0 ? cause : undefined
}

export function stringField (event: AriEvent, field: string): string | undefined {
  return text(event[field])
}

/** PlaybackStarted/Finished `playback`: its id, state and where it plays (`channel:<id>`). */
export function playbackOf (event: AriEvent): { id: string, state: string, channelId?: string } | undefined {
  const playback = record(event.playback)
  const id = text(playback?.id)
  if (playback === undefined || id === undefined) return undefined
  const target = text(playback.target_uri) ?? ''
  return {
    id,
    state: text(playback.state) ?? '',
    channelId: target.startsWith('channel:') ? target.slice('channel:'.length) : undefined
  }
}

/** ChannelEnteredBridge/LeftBridge, BridgeDestroyed `bridge`: its id and the channels in it. */
export function bridgeOf (event: AriEvent): { id: string, channels: string[] } | undefined {
  const bridge = record(event.bridge)
  const id = text(bridge?.id)
  if (bridge === undefined || id === undefined) return undefined
  const channels = Array.isArray(bridge.channels) ? bridge.channels.filter((c): c is string => typeof c === 'string') : []
  return { id, channels }
}
