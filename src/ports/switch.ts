// The switch port: everything the core asks of a media switch, in vendor-neutral words.
// FreeSWITCH (ESL) and Asterisk (ARI) adapters implement it; vendor vocabulary (UUIDs,
// channel variables, Stasis, Q.850 numbers, dialstatus) stops inside the adapter.

import type { DialOutcomeKind } from '../domain/transfer-record.js'

/** What the switch said, kept for logs and records (never for decisions). */
export interface VendorCause {
  /** Vendor text, e.g. FreeSWITCH `USER_BUSY` or Asterisk `User busy`. */
  text: string
  /** Q.850 cause code where known. */
  q850?: number
}

export type DialOutcome =
  | { kind: 'answered', legId: string, ringMs: number }
  | { kind: Exclude<DialOutcomeKind, 'answered'>, ringMs: number, cause: VendorCause }

/** A number from the directory. Only these are ever dialled. */
export interface DialTarget {
  /** Digits only; checked by the directory schema and again by the adapter. */
  number: string
  /** Which template of the switch config to dial through: department trunk (default) or agent phones. */
  trunk?: 'department' | 'agent'
}

export interface DialRequest {
  target: DialTarget
  /** Caller ID shown to the far end (the hotline's number, never caller input). */
  callerIdNumber: string
  /** Ring timeout: after this the dial ends `no-answer`. */
  ringTimeoutMs: number
  /** Aborting cancels the dial in progress; it then ends `cancelled`. */
  signal?: AbortSignal
  /** Written on the new leg as it is created, so it can be found again (LegTag). */
  tag?: LegTag
}

/**
 * Whose a leg is, kept on the switch with the leg (FreeSWITCH channel variables `hc_controller`
 * and `hc_call`; Asterisk `HC_CONTROLLER` and `HC_CALL`), so a controller that restarts, or a
 * peer taking over, finds the call's legs again.
 */
export interface LegTag {
  controllerId: string
  callId: string
  /** What a dialled leg is to the call (FreeSWITCH `hc_role`, Asterisk `HC_ROLE`); none on the caller's. */
  role?: LegRole
}

/** A leg the controller dialled: an agent's phone, or a department's number in a hunt. */
export type LegRole = 'agent' | 'specialist'
export const LEG_ROLES: readonly LegRole[] = ['agent', 'specialist']

/** A leg on the switch with a tag, that the port did not follow until findLegs() found it. */
export interface FoundLeg {
  legId: string
  tag: LegTag
  /** `inbound`: a caller's leg; `outbound`: one a controller dialled (an agent, a specialist). */
  direction: 'inbound' | 'outbound'
  answered: boolean
  /** The caller's number as the switch reports it (inbound legs; personal data: mask before logging). */
  from?: string
  /** The conference room (Asterisk: mixing bridge) it is in, if any. */
  room?: string
}

/** Why the controller hangs a leg up; adapters map it to a vendor cause. */
export type HangupReason = 'normal' | 'busy' | 'no-answer' | 'rejected' | 'shutdown' | 'error'

/** Normalised cause of a leg's end, from the switch's report. */
export type HangupCause =
  | 'normal'
  | 'remote-hangup'
  | 'busy'
  | 'no-answer'
  | 'rejected'
  | 'unreachable'
  | 'cancelled'
  | 'failed'
  /** The switch hung it up going away (shutdown, restart). */
  | 'lost'

export type LegEvent =
  | { type: 'answered', at: number }
  | { type: 'dtmf', digit: string, at: number }
  | { type: 'conference-joined', room: string, at: number }
  | { type: 'conference-left', room: string, at: number }
  | { type: 'hangup', cause: HangupCause, vendor: VendorCause, at: number }

export type LegListener = (event: LegEvent) => void

/** An inbound call offered to the controller (parked, not yet answered). */
export interface InboundCall {
  /** The switch's id of the caller's leg (FreeSWITCH Unique-ID, Asterisk channel id). */
  legId: string
  /** Caller ID number as the switch reports it (personal data: mask before logging). */
  from: string
  /** The number dialled (12345). */
  to: string
  /** When the switch offered the call (ms since epoch). */
  at: number
}

export interface PlayOptions {
  signal?: AbortSignal
}

export interface CollectOptions {
  /** Prompt played while waiting for the first digit; a digit stops it. */
  prompt: string
  minDigits: number
  maxDigits: number
  /** How long to wait for the first digit after the prompt ends. */
  timeoutMs: number
  /** How long to wait between digits. */
  interDigitTimeoutMs?: number
  /** Keys that end input early (not included in the result), e.g. `#`. */
  terminators?: string
  signal?: AbortSignal
}

export interface CollectResult {
  /** The digits entered, terminator excluded; empty when nothing was entered in time. */
  digits: string
  /** `timeout`: nothing or too little entered; `complete`: max digits or terminator. */
  reason: 'complete' | 'timeout'
  /** The prompt is not on the switch: the keys were waited for without it. */
  promptMissing?: true
}

/**
 * How a prompt ended: played (to its end, or cut as asked), or `missing` — the switch has no
 * such sound, and the call goes on as if it had been played.
 */
export type PlayOutcome = 'played' | 'missing'

export type SwitchState = 'connecting' | 'ready' | 'disconnected' | 'closed'

export interface SwitchStatus {
  state: SwitchState
  /** Human text for /ready and logs. */
  detail: string
  since: number
}

/**
 * What a caller hears before a call that cannot go on is hung up: by a controller ending a call
 * it found after a restart, and by the switch's own safety net when no controller is left.
 */
export const SERVICE_INTERRUPTED_PROMPT = 'service-interrupted'

/** The switches the controller drives. */
export type SwitchVendor = 'freeswitch' | 'asterisk'
export const SWITCH_VENDORS: readonly SwitchVendor[] = ['freeswitch', 'asterisk']

export interface SwitchPort {
  readonly vendor: SwitchVendor

  /** Connect and keep connected (reconnecting with capped backoff) until close(). */
  start(): Promise<void>
  status(): SwitchStatus
  onStatus(listener: (status: SwitchStatus) => void): () => void

  /** Called for every call offered to the controller. */
  onInboundCall(listener: (call: InboundCall) => void): () => void
  /** The event stream of one leg; returns the unsubscribe function. */
  onLegEvent(legId: string, listener: LegListener): () => void

  answer(legId: string): Promise<void>
  /** Plays a prompt from the catalogue to the end (or until aborted); a missing one is skipped. */
  play(legId: string, prompt: string, options?: PlayOptions): Promise<PlayOutcome>
  collectDigits(legId: string, options: CollectOptions): Promise<CollectResult>
  dial(request: DialRequest): Promise<DialOutcome>
  joinConference(legId: string, room: string): Promise<void>
  leaveConference(legId: string, room: string): Promise<void>
  /**
   * Asks the switch which of these prompts it cannot play (FreeSWITCH: no such file; Asterisk:
   * no such sound in the prompts' language). The adapter remembers the answer: a prompt known
   * missing is skipped without asking the switch to play it.
   */
  missingPrompts(prompts: readonly string[]): Promise<string[]>
  /** Hangs a leg up; a leg already gone is not an error. */
  hangup(legId: string, reason?: HangupReason): Promise<void>
  /** Writes the tag on a leg (the caller's, once the call is claimed). */
  tagLeg(legId: string, tag: LegTag): Promise<void>
  /** The tag on a leg, read from the leg now (not from a list that may lag); undefined when it has none or is gone. */
  legTag(legId: string): Promise<LegTag | undefined>
  /**
   * What is on the switch that this port does not follow, asked after each (re)connect: the
   * legs carrying a tag (left by a controller that died or restarted), followed from now on
   * and returned; and callers parked with no controller to hear them, offered now through
   * onInboundCall as if they had just come in.
   */
  findLegs(): Promise<FoundLeg[]>
  /**
   * What a peer needs to hear this controller's legs should it die (ports/leases.ts): the
   * Asterisk adapter's Stasis application; nothing on FreeSWITCH, whose event socket carries
   * every channel's events to every controller.
   */
  peerInfo(): Readonly<Record<string, string>>
  /**
   * Starts hearing the legs of a dead peer, from what it said of itself (peerInfo), before its
   * calls are taken over (Asterisk: its channels are moved into this controller's Stasis
   * application). Absent: this adapter cannot, so its controller takes no peer's calls over.
   */
  adopt?(peer: Readonly<Record<string, string>>): Promise<void>

  /** Graceful: stop reconnecting, close the connection after requests in flight settle. */
  close(): Promise<void>
  /** Forced: drop the connection now, failing requests in flight. */
  destroy(): void
}
