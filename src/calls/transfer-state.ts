// One transfer's life (its phases, the one transition function) and the conversation it
// belongs to, as the controller keeps it and as the API shows it (transfer.ts runs them).

import type { Logger } from 'pino'
import { HotlineError } from '../errors.js'
import type { TransferRecord } from '../ports/transfers.js'
import type { LiveConversation } from './agent-leg.js'
import type { DialStart } from './hunt.js'

/** Where a transfer is in its life; the record's `state` says what it came to. */
export type TransferPhase = 'hunting' | 'joining' | 'talking' | 'telling-caller' | 'over'

const PHASES: Readonly<Record<TransferPhase, readonly TransferPhase[]>> = {
  hunting: ['joining', 'telling-caller', 'over'],
  joining: ['talking', 'over'],
  talking: ['over'],
  'telling-caller': ['over'],
  over: []
}

/** What the conversation is doing, as the API shows it. */
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

/** One transfer request while it runs: its record, its phase and what the hunt left behind. */
export class Transfer {
  phase: TransferPhase = 'hunting'
  ringing: DialStart | undefined
  specialistLeg: string | undefined
  stopWatch: () => void = () => undefined
  readonly abort = new AbortController()
  readonly done: Promise<void>
  #over: () => void = () => undefined

  constructor (readonly record: TransferRecord, readonly log: Logger) {
    this.done = new Promise((resolve) => { this.#over = resolve })
  }

  /** The one transition function: impossible moves are errors. */
  move (to: TransferPhase): void {
    if (!PHASES[this.phase].includes(to)) {
      throw new HotlineError('HC_BAD_REQUEST', `impossible transfer transition ${this.phase} → ${to}`)
    }
    this.phase = to
    if (to === 'over') {
      this.stopWatch()
      this.#over()
    }
  }

  finish (): void {
    if (this.phase !== 'over') this.move('over')
  }
}

export interface LiveCall {
  conversation: LiveConversation
  agentLeftAt?: number
  transfers: Transfer[]
}

export const activeOf = (call: LiveCall): Transfer | undefined => {
  const last = call.transfers.at(-1)
  return last?.phase === 'over' ? undefined : last
}

/** The call as the API shows it; the records are copies, so the API cannot change them. */
export function viewOf (call: LiveCall): LiveCallView {
  const { conversation: c } = call
  const active = activeOf(call)
  return {
    callId: c.callId,
    agentId: c.agentId,
    group: c.group,
    choices: { ...c.choices },
    connectedAt: c.connectedAt,
    agentPresent: call.agentLeftAt === undefined,
    agentLeftAt: call.agentLeftAt,
    state: conversationState(call, active),
    ringing: active?.ringing,
    transfers: call.transfers.map((t) => structuredClone(t.record))
  }
}

function conversationState (call: LiveCall, active: Transfer | undefined): ConversationState {
  const agentPresent = call.agentLeftAt === undefined
  switch (active?.phase) {
    case 'hunting': return 'hunting'
    case 'joining': return 'connecting-specialist'
    case 'talking': return agentPresent ? 'three-way' : 'with-specialist'
    case 'telling-caller': return 'telling-caller'
    default: return agentPresent ? 'with-agent' : 'closing'
  }
}
