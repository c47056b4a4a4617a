// New channels as the simulated switch names and labels them: a scripted caller's inbound leg
// and an originated outbound leg, with the channel variables FreeSWITCH sets on each
// (test/fixtures/captures/freeswitch-1.11.1/ 01_inbound_park, 04).

import { randomUUID } from 'node:crypto'
import type { OriginateRequest, PlaceCallOptions, SimChannel } from './model-types.js'

/** Where scripted callers call from (TEST-NET-2, never a real caller). */
const CALLER_IP = '198.51.100.7'

type ChannelFields = Pick<SimChannel, 'id' | 'name' | 'direction' | 'callerIdNumber' | 'callerIdName' | 'destination'>

function newChannel (fields: ChannelFields, variables: Record<string, string>): SimChannel {
  return {
    ...fields,
    answerState: 'ringing',
    createdAt: Date.now(),
    variables: new Map(Object.entries({
      ...variables,
      uuid: fields.id,
      call_uuid: fields.id,
      direction: fields.direction,
      channel_name: fields.name
    }))
  }
}

/** The inbound leg of a scripted caller's SIP call. */
export function callerChannel (options: PlaceCallOptions): SimChannel {
  return newChannel({
    id: randomUUID(),
    name: `sofia/internal/${options.from}@${CALLER_IP}:5060`,
    direction: 'inbound',
    callerIdNumber: options.from,
    callerIdName: options.callerIdName ?? options.from,
    destination: options.to
  }, {
    sip_from_user: options.from,
    sip_to_user: options.to,
    sip_req_user: options.to,
    sip_network_ip: CALLER_IP,
    sip_network_port: '5060'
  })
}

/** The outbound leg an originate creates, with the request's own variables under the switch's. */
export function dialledChannel (id: string, req: OriginateRequest): SimChannel {
  return newChannel({
    id,
    name: req.channelName ?? `sofia/internal/${req.number}@sim`,
    direction: 'outbound',
    callerIdNumber: req.callerIdNumber,
    callerIdName: req.callerIdName ?? req.callerIdNumber,
    destination: req.number
  }, {
    ...req.variables,
    is_outbound: 'true',
    origination_caller_id_number: req.callerIdNumber,
    sip_to_user: req.number
  })
}
