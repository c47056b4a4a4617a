// What FreeSWITCH reports about a channel that the call model does not hold: its state
// machine state, its call state, its caller profile (with the caller-ID flip of an originated
// leg and the profile a transfer adds), early media. The headers it builds copy
// switch_channel_event_set_basic_data and switch_caller_profile_event_set_data as the captures
// show them (test/fixtures/captures/freeswitch-1.11.1/*.parsed.txt).

import type { SimChannel } from './model-types.js'
import type { Header } from './esl-frame.js'

/** Channel-Call-State numbers (switch_channel_callstate_t). */
export const CALL_STATE_NUMBERS: Readonly<Record<string, number>> = {
  DOWN: 0, DIALING: 1, RINGING: 2, EARLY: 3, ACTIVE: 4, HELD: 5, RING_WAIT: 6, HANGUP: 7, UNHELD: 8
}

/** mod_sofia's default name for a called party that sent none (captures 04, 05: `Outbound Call`). */
const OUTBOUND_CALLEE_NAME = 'Outbound Call'

export function micros (ms: number | undefined): string {
  return ms === undefined ? '0' : String(Math.round(ms * 1000))
}

export class ChannelView {
  readonly id: string
  /** Channel-State: the state name, which lags behind the number in some events (capture 07, 08). */
  stateName = 'CS_INIT'
  stateNumber = 2
  callState = 'DOWN'
  profileIndex = 1
  profileCreatedMs: number
  dialplan: string | undefined
  context: string
  destination: string
  rdnis: string | undefined
  transferSource: string | undefined
  transferMs: number | undefined
  /** An originated leg swaps caller and callee when its app starts (switch_channel_flip_cid). */
  flipped = false
  /** The caller ID name an originate asked for; FreeSWITCH leaves it empty otherwise. */
  originCidName: string | undefined
  hitDialplan: boolean
  /** Pre-answered by an app (playback, play_and_get_digits) while the call still rings. */
  earlyMedia = false
  progressMs: number | undefined
  progressMediaMs: number | undefined
  /** Every DTMF digit the far end sent (`digits_dialed` in the CDR variables). */
  digits = ''
  /** The app an ESL originate asked for; the model's own `channel-parked` is then ignored. */
  originateApp: { name: string, arg: string } | undefined

  constructor (channel: SimChannel) {
    this.id = channel.id
    this.profileCreatedMs = channel.createdAt
    this.destination = channel.destination
    const inbound = channel.direction === 'inbound'
    this.dialplan = inbound ? 'XML' : undefined
    this.context = inbound ? 'public' : 'default'
    this.hitDialplan = inbound
  }

  answerState (channel: SimChannel): string {
    return channel.answerState === 'ringing' && this.earlyMedia ? 'early' : channel.answerState
  }

  /** switch_channel_event_set_basic_data (Hangup-Cause once the channel is down, capture 08). */
  basicHeaders (channel: SimChannel, withHangupCause: boolean): Header[] {
    const headers: Header[] = [
      ['Channel-State', this.stateName],
      ['Channel-Call-State', this.callState],
      ['Channel-State-Number', String(this.stateNumber)],
      ['Channel-Name', channel.name],
      ['Unique-ID', channel.id],
      ['Call-Direction', channel.direction],
      ['Presence-Call-Direction', channel.direction],
      ['Channel-HIT-Dialplan', String(this.hitDialplan)],
      ['Channel-Call-UUID', channel.id],
      ['Answer-State', this.answerState(channel)]
    ]
    if (withHangupCause && channel.answerState === 'hangup' && channel.hangupCause !== undefined) {
      headers.push(['Hangup-Cause', channel.hangupCause])
    }
    // A leg that never had media reports no codecs (capture 05, the busy leg).
    if (channel.direction === 'inbound' || channel.answeredAt !== undefined || this.earlyMedia) {
      for (const side of ['Read', 'Write']) {
        headers.push([`Channel-${side}-Codec-Name`, 'PCMU'], [`Channel-${side}-Codec-Rate`, '8000'],
          [`Channel-${side}-Codec-Bit-Rate`, '64000'])
      }
    }
    return headers
  }

  /** Caller ID as the profile reports it now: [name, number]. */
  callerId (channel: SimChannel): [string, string] {
    if (channel.direction === 'inbound') return [channel.callerIdName, channel.callerIdNumber]
    return this.flipped ? [OUTBOUND_CALLEE_NAME, channel.destination] : [this.#cidName(channel), channel.callerIdNumber]
  }

  #cidName (channel: SimChannel): string {
    return this.originCidName ?? channel.callerIdName
  }

  /** switch_caller_profile_event_set_data with the `Caller` prefix; empty fields are left out. */
  profileHeaders (channel: SimChannel): Header[] {
    const inbound = channel.direction === 'inbound'
    const [name, number] = this.callerId(channel)
    const callee: [string, string] = inbound
      ? ['', '']
      : this.flipped ? [this.#cidName(channel), channel.callerIdNumber] : [OUTBOUND_CALLEE_NAME, channel.destination]
    const fields: Array<[string, string | undefined]> = [
      ['Direction', channel.direction],
      ['Logical-Direction', channel.direction],
      ['Username', inbound ? channel.callerIdNumber : undefined],
      ['Dialplan', this.dialplan],
      ['Caller-ID-Name', name],
      ['Caller-ID-Number', number],
      ['Orig-Caller-ID-Name', inbound ? channel.callerIdName : this.#cidName(channel)],
      ['Orig-Caller-ID-Number', channel.callerIdNumber],
      ['Callee-ID-Name', callee[0]],
      ['Callee-ID-Number', callee[1]],
      ['Network-Addr', networkAddress(channel)],
      ['ANI', channel.callerIdNumber],
      ['Destination-Number', this.destination],
      ['Unique-ID', channel.id],
      ['Source', inbound ? 'mod_sofia' : 'src/switch_ivr_originate.c'],
      ['Transfer-Source', this.transferSource],
      ['Context', this.context],
      ['RDNIS', this.rdnis],
      ['Channel-Name', channel.name],
      ['Profile-Index', String(this.profileIndex)],
      ['Profile-Created-Time', micros(this.profileCreatedMs)],
      ['Channel-Created-Time', micros(channel.createdAt)],
      ['Channel-Answered-Time', micros(channel.answeredAt)],
      ['Channel-Progress-Time', micros(this.progressMs)],
      ['Channel-Progress-Media-Time', micros(this.progressMediaMs)],
      ['Channel-Hangup-Time', micros(channel.hangupAt)],
      ['Channel-Transfer-Time', micros(this.transferMs)],
      ['Channel-Resurrect-Time', '0'],
      ['Channel-Bridged-Time', '0'],
      ['Channel-Last-Hold', '0'],
      ['Channel-Hold-Accum', '0'],
      ['Screen-Bit', 'true'],
      ['Privacy-Hide-Name', 'false'],
      ['Privacy-Hide-Number', 'false']
    ]
    const headers: Header[] = []
    for (const [field, value] of fields) {
      if (value !== undefined && value !== '') headers.push([`Caller-${field}`, value])
    }
    return headers
  }

  variableHeaders (channel: SimChannel): Header[] {
    return [...channel.variables].map(([name, value]): Header => [`variable_${name}`, value])
  }
}

/** The far end's address: `sip_network_ip`, else the host part of the channel name if it is an IP. */
function networkAddress (channel: SimChannel): string | undefined {
  const ip = channel.variables.get('sip_network_ip')
  if (ip !== undefined) return ip
  const host = /@(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(channel.name)
  return host?.[1]
}
