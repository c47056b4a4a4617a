// The simulated switch's call model, in vendor-neutral words. One model serves every wire
// protocol the simulator speaks: the ESL side (esl-server.ts) projects these model events to
// FreeSWITCH events and turns ESL commands into model operations; the ARI side will do the
// same for Asterisk. Causes are kept as FreeSWITCH cause names plus their Q.850 code, because
// both switches report Q.850 (see the table in causes.ts).

import type { SimInstall } from './sim-install.js'

export type ChannelDirection = 'inbound' | 'outbound'

/** Answer state as FreeSWITCH reports it in `Answer-State`. */
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup'

/** Who ended a channel: the far end (caller/phone sent BYE) or the switch (told to hang up). */
export type HangupSide = 'remote' | 'switch'

/**
 * How a far end sends DTMF: RFC 2833/4733 events in the RTP stream, or SIP INFO
 * (application/dtmf-relay). FreeSWITCH tells them apart in `DTMF-Source` (RTP; ENDPOINT for
 * INFO: captures 03, 12_transfer_hunt_setup); Asterisk reports both as ChannelDtmfReceived.
 */
export type DtmfVia = 'rtp' | 'info'

/**
 * up: working; down: shut down (shutdown() or a restart in progress): no channels, calls and
 * dials refused, the wire servers not listening; closed: close() was called, for good.
 */
export type SwitchState = 'up' | 'down' | 'closed'

export interface SimChannel {
  readonly id: string
  /** e.g. `sofia/internal/13812345678@198.51.100.7:5060` */
  readonly name: string
  readonly direction: ChannelDirection
  readonly callerIdNumber: string
  readonly callerIdName: string
  readonly destination: string
  answerState: AnswerState
  readonly createdAt: number
  answeredAt?: number
  hangupAt?: number
  /** FreeSWITCH cause name once hung up, e.g. `NORMAL_CLEARING`. */
  hangupCause?: string
  hangupSide?: HangupSide
  /** Channel variables (FreeSWITCH `variable_*`, Asterisk channel vars). */
  readonly variables: Map<string, string>
  /** Conference the channel is in, with its member id. */
  conference?: { room: string, memberId: number }
}

export interface SimConference {
  readonly room: string
  readonly id: string
  readonly members: Map<string, number>
}

/**
 * Events the model emits, in the order the real switch raises them (see the model's doc
 * comments for the orders copied from test/fixtures/captures/freeswitch-1.11.1/).
 */
export type ModelEvent =
  | { type: 'channel-created', channel: SimChannel }
  /** An outbound leg reached its far end and it is ringing (180). */
  | { type: 'channel-ringing', channel: SimChannel }
  | { type: 'channel-answered', channel: SimChannel }
  /** The dialplan parked an inbound call for the controller (still ringing, not answered). */
  | { type: 'channel-parked', channel: SimChannel }
  | { type: 'dtmf', channel: SimChannel, digit: string, durationMs: number, via: DtmfVia }
  | { type: 'playback-started', channel: SimChannel, playbackId: string, media: string }
  | {
    type: 'playback-finished'
    channel: SimChannel
    playbackId: string
    media: string
    /** done: played to the end; stopped: cut (DTMF, stop, hangup); failed: media missing. */
    status: 'done' | 'stopped' | 'failed'
    playedMs: number
  }
  /** Hangup requested / started (FreeSWITCH CHANNEL_HANGUP). */
  | { type: 'channel-hangup', channel: SimChannel, cause: string, q850: number }
  /** Hangup finished (FreeSWITCH CHANNEL_HANGUP_COMPLETE, Asterisk ChannelDestroyed). */
  | { type: 'channel-hangup-complete', channel: SimChannel, cause: string, q850: number }
  | { type: 'conference-created', conference: SimConference }
  | { type: 'conference-member-added', conference: SimConference, channel: SimChannel, memberId: number }
  | { type: 'conference-member-removed', conference: SimConference, channel: SimChannel, memberId: number }
  | { type: 'conference-destroyed', conference: SimConference }

/** How a scripted far end behaves when the switch dials its number. */
export type EndpointBehaviour =
  /** Rings, answers after `afterMs`; hangs up by itself after `hangupAfterMs` if given. */
  | { kind: 'answer', afterMs: number, hangupAfterMs?: number }
  /** 486 Busy Here → USER_BUSY (17), after `afterMs` (default 20). */
  | { kind: 'busy', afterMs?: number }
  /** Rings until the originate timeout → NO_ANSWER (19). */
  | { kind: 'no-answer' }
  /** 603 Decline → CALL_REJECTED (21), after `afterMs` (default 20). */
  | { kind: 'reject', afterMs?: number }
  /** No answer to the INVITE at all: 503 → NORMAL_TEMPORARY_FAILURE (41), after `afterMs`. */
  | { kind: 'unreachable', afterMs?: number }

/**
 * A far end whose behaviour is picked afresh at every dial of its number (synthetic traffic:
 * a department line that answers nine dials in ten, a phone whose talk time varies).
 */
export type EndpointChooser = (dial: { number: string, callerIdNumber: string }) => EndpointBehaviour

export interface OriginateRequest {
  /**
   * The number to dial: a registered phone's extension (`phone`), or a number behind the
   * department trunk, which ends UNALLOCATED_NUMBER (1) when no far end is defined for it.
   */
  number: string
  /** Through the trunk (default) or to a phone; the wire side checks the phone is registered. */
  via?: 'trunk' | 'phone'
  /** Channel id to use (FreeSWITCH `origination_uuid`, ARI `channelId`); generated if absent. */
  channelId?: string
  callerIdNumber: string
  callerIdName?: string
  /** Ring timeout (FreeSWITCH `originate_timeout`, ARI `timeout`); default 60 s. */
  timeoutMs?: number
  /** Channel name to report; default `sofia/internal/<number>@sim`. */
  channelName?: string
  variables?: Record<string, string>
}

export type OriginateResult =
  | { ok: true, channel: SimChannel }
  | { ok: false, cause: string, q850: number, channel?: SimChannel }

export interface PlayRequest {
  /** Media as the switch names it: a file path, `tone_stream://…`, `silence_stream://N`. */
  media: string
  /** Stop the playback on the first DTMF digit (play_and_get_digits does). */
  stopOnDtmf?: boolean
  playbackId?: string
}

export interface PlayResult {
  status: 'done' | 'stopped' | 'failed'
  playedMs: number
}

export interface PlaceCallOptions {
  /** Caller ID number, e.g. `13812345678`. */
  from: string
  /** Destination, normally `12345`. */
  to: string
  callerIdName?: string
  /** Digits the caller keys, each at `afterAnswerMs` after the call is answered (RFC 2833 unless `via`). */
  dtmf?: Array<{ afterAnswerMs: number, digits: string, via?: DtmfVia }>
  /** The caller hangs up this long after answer (or after being parked if never answered). */
  hangupAfterMs?: number
}

/** What a test sees of a scripted caller. */
export interface SimCallHandle {
  readonly channel: SimChannel
  /** Media played to this caller, in order. */
  readonly heard: string[]
  /** Keys digits now (each raises a `dtmf` event), as RFC 2833 events unless `via: 'info'`. */
  sendDtmf(digits: string, options?: { via?: DtmfVia }): void
  /** The caller hangs up (remote side, NORMAL_CLEARING). */
  hangup(): void
  /** Resolves when the channel is hung up, with its cause. */
  readonly ended: Promise<{ cause: string, q850: number, side: HangupSide }>
  /** Resolves when the call is answered. */
  readonly answered: Promise<void>
}

export interface SimSwitchOptions {
  /** What is installed on the switch: phones, trunks, sound files (sim-install.ts). */
  install: SimInstall
  /** Multiplies every simulated delay (ring timeouts, playback lengths, answer delays). */
  timeScale?: number
  /** Length of a medium in ms before scaling; default: silence_stream:// N, files 1000. */
  mediaDurationMs?: (media: string) => number
  /** Hostname the switch reports (`FreeSWITCH-Hostname`). */
  hostname?: string
}
