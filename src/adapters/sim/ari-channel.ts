// What only the ARI side knows of a channel: the Asterisk name and id, its Stasis app and
// dialplan location, the state names ARI reports, and the channel JSON as Asterisk 22 writes it
// (the ast_channel_snapshot_to_json keys, in the captured order:
// test/fixtures/captures/asterisk-22.10.1/01_inbound.txt, 04_originate_answered.txt).

import { randomUUID } from 'node:crypto'

/** `state` of the Channel model (ARI Channel data model: Down, Rsrvd, OffHook, Dialing, Ring, Ringing, Up, Busy...). */
export type AriChannelState = 'Down' | 'Ring' | 'Ringing' | 'Up'

/**
 * How a channel came to ARI: a call the dialplan sent to Stasis(), POST /channels (originate),
 * POST /channels/create (dialled later with /dial), or anything else the model holds.
 */
export type AriOrigin = 'dialplan' | 'originate' | 'create' | 'other'

export interface CallerId { name: string, number: string }

export interface DialplanCep {
  context: string
  exten: string
  priority: number
  app_name: string
  app_data: string
}

export interface ChannelJson {
  id: string
  name: string
  state: AriChannelState
  protocol_id: string
  caller: CallerId
  connected: CallerId
  accountcode: string
  dialplan: DialplanCep
  creationtime: string
  language: string
}

/** Asterisk's JSON time: ISO 8601 with milliseconds and a numeric zone (`2026-11-22T10:47:51.123+0000`). */
export function ariTime (ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

/** main/dial.c begin_dial_prerun: what an outgoing leg's dialplan location reads until it enters Stasis. */
export const OUTGOING_LINE = { app_name: 'AppDial2', app_data: '(Outgoing Line)' } as const

export interface AriChannelInit {
  id: string
  name: string
  origin: AriOrigin
  state: AriChannelState
  createdAt: number
  caller: CallerId
  connected?: CallerId
  dialplan: DialplanCep
  protocolId?: string
  number?: string
  /** The endpoint's language (pjsip.conf `language`); sounds are looked up under it. */
  language?: string
  via?: 'trunk' | 'phone'
  dialstring?: string
  app?: string
  args?: string[]
}

export class AriChannel {
  readonly id: string
  readonly name: string
  readonly origin: AriOrigin
  readonly createdAt: number
  readonly protocolId: string
  /** The number the model dials (outgoing legs). */
  readonly number: string
  readonly language: string
  /** Dialled through a trunk or to a registered phone. */
  readonly via: 'trunk' | 'phone'
  /** The endpoint's resource part as dialled: `8101@department`; Dial events carry it. */
  readonly dialstring: string
  state: AriChannelState
  caller: CallerId
  connected: CallerId
  dialplan: DialplanCep
  /** The app that gets this channel's events: its Stasis app, or the app an ARI originate subscribed. */
  app: string | undefined
  /** Stasis() arguments (appArgs), reported in StasisStart. */
  args: string[]
  inStasis = false
  /** A dial (originate or /dial) has started and not ended in an answer. */
  dialing = false
  /** The dial ran into its ring timeout. */
  timedOut = false
  /** Created with /channels/create and not dialled: the model does not know it yet. */
  pending = false
  /** The Asterisk cause a DELETE asked for (hangupcause set before the soft hangup). */
  requestedCause: number | undefined
  /** A DELETE asked for its hangup, which its thread carries out a moment later. */
  hangupRequested = false
  /** It has left a bridge once (a BYE then brings a request with its cause: 15 part D). */
  leftBridge = false
  /** The cause and tech cause of its hangup, once it started. */
  cause: { code: number, tech?: number } | undefined
  bridgeId: string | undefined
  readonly vars = new Map<string, string>()

  constructor (init: AriChannelInit) {
    this.id = init.id
    this.name = init.name
    this.origin = init.origin
    this.state = init.state
    this.createdAt = init.createdAt
    this.caller = init.caller
    this.connected = init.connected ?? { name: '', number: '' }
    this.dialplan = init.dialplan
    this.protocolId = init.protocolId ?? randomUUID()
    this.number = init.number ?? ''
    this.via = init.via ?? 'trunk'
    this.language = init.language ?? 'en'
    this.dialstring = init.dialstring ?? ''
    this.app = init.app
    this.args = init.args ?? []
  }

  /** Made by ARI (originate, create): such channels get ChannelDestroyed after StasisEnd (capture 09). */
  get ariCreated (): boolean {
    return this.origin === 'originate' || this.origin === 'create'
  }

  json (): ChannelJson {
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      protocol_id: this.protocolId,
      caller: { ...this.caller },
      connected: { ...this.connected },
      accountcode: '',
      dialplan: { ...this.dialplan },
      creationtime: ariTime(this.createdAt),
      language: this.language
    }
  }
}

/**
 * The channels ARI shows, with Asterisk's naming: uniqueid `<epoch>.<n>` and name
 * `PJSIP/<endpoint>-<n as 8 hex digits>`, both from one counter (capture: 1795344471.18 is
 * PJSIP/sipp-00000012).
 */
export class AriChannels {
  readonly #channels = new Map<string, AriChannel>()
  #sequence = 0

  /** The next channel number, its uniqueid and the name an endpoint's channel gets. */
  allocate (endpoint: string): { uniqueId: string, name: string } {
    const n = this.#sequence++
    return {
      uniqueId: `${Math.floor(Date.now() / 1000)}.${n}`,
      name: `PJSIP/${endpoint}-${n.toString(16).padStart(8, '0')}`
    }
  }

  add (channel: AriChannel): void {
    this.#channels.set(channel.id, channel)
  }

  get (id: string): AriChannel | undefined {
    return this.#channels.get(id)
  }

  has (id: string): boolean {
    return this.#channels.has(id)
  }

  delete (id: string): void {
    this.#channels.delete(id)
  }

  list (): AriChannel[] {
    return [...this.#channels.values()]
  }

  clear (): void {
    this.#channels.clear()
  }
}
