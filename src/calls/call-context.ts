// What a call's script (the flow) and the people on the call see of it: the context a script
// runs with and how it ends, the queue's answer, the conversation as the agent's console shows
// it, and the line's shared services every call's owner (call-session.ts) is given.

import type { Logger } from 'pino'
import type { TransferRecord } from '../domain/transfer-record.js'
import type { Acd } from '../ports/acd.js'
import type { CollectOptions, CollectResult } from '../ports/switch.js'
import type { ConversationDeps } from './conversation.js'
import type { DialStart } from './hunt.js'

/** A call as the agent on it sees it, from its owner. */
export interface AgentCall {
  agentId: string
  callId: string
  group: string
  choices: Record<string, string>
  enqueuedAt?: number
  /** When the agent's phone began to ring for this caller. */
  offeredAt: number
  /** When the agent answered; absent while the phone still rings. */
  answeredAt?: number
}

/** What the flow asks of the queue; the owner does the rest. */
export interface QueueAsk {
  group: string
  maxWaitMs: number
  announceEveryMs: number
}

/** How the queue ended for the flow: a person served the caller (and is gone), or no agent in time. */
export type QueueResult =
  | { kind: 'served', agentId: string, waitedMs: number, talkedMs: number }
  | { kind: 'overflow', waitedMs: number }

/**
 * `quiet`: the prompt is not logged (nor its being missing on the switch). For digits read back
 * to the caller: one line per digit would spell their number out, so the step logs one masked
 * summary instead.
 */
export interface PromptLogging {
  quiet?: boolean
}

export interface CallContext {
  readonly callId: string
  /** The caller's leg on the switch. */
  readonly legId: string
  /** The caller's number, masked: what logs and screens may show. */
  readonly caller: string
  /** The caller's full number: personal data, only for callbacks (tickets). Never log it. */
  readonly callerNumber: string
  readonly log: Logger
  play(prompt: string, options?: PromptLogging): Promise<void>
  collect(options: Omit<CollectOptions, 'signal'>): Promise<CollectResult>
  /** Remembers what the caller chose (shown to the agent, stored with the call). */
  choose(key: string, value: string): void
  /** Records that the call entered a flow step (the call's path). */
  recordStep(stepId: string): void
  /** Waits for an agent of the group and holds the conversation; resolves when the caller goes on. */
  queue(ask: QueueAsk): Promise<QueueResult>
}

/** What a script reports when it ends normally. */
export interface ScriptEnd {
  reason: string
}

export type CallScript = (ctx: CallContext, signal: AbortSignal) => Promise<ScriptEnd>

/** The script a call runs, with the flow and version it comes from (kept for the record). */
export interface ScriptChoice {
  script: CallScript
  flowId?: string
  flowVersion?: string
}

/** The enterprise-seat line's services a call uses once it queues (absent without the IVR). */
export interface LineServices extends Omit<ConversationDeps, 'switch' | 'clock' | 'metrics'> {
  acd: Acd
}

/** What the conversation is doing, as the agent's screen shows it. */
export type ConversationState =
  | 'with-agent' | 'hunting' | 'connecting-specialist' | 'three-way' | 'with-specialist' | 'telling-caller' | 'closing'

export interface LiveCallView {
  callId: string
  agentId: string
  group: string
  choices: Record<string, string>
  connectedAt: number
  agentPresent: boolean
  agentLeftAt?: number
  state: ConversationState
  /** The number ringing now, during a hunt. */
  ringing?: DialStart
  /** This call's transfer requests, oldest first, as they are now. */
  transfers: TransferRecord[]
}

/** Who asks: an agent token's agent, or nobody in particular (supervisor, admin). */
export interface Requester {
  agentId?: string
}
