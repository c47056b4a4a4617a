// What a call is doing, from the caller's side, in one state machine: one table of allowed
// moves, one transition function; an impossible move is an error, never ignored. The states
// are the ones a supervisor watches and a report counts.

import { HotlineError } from '../errors.js'

export type CallState =
  | 'offered'
  | 'answering'
  | 'in-ivr'
  | 'queued'
  | 'ringing-agent'
  | 'with-agent'
  | 'transferring'
  | 'three-way'
  | 'with-specialist'
  | 'ending'
  | 'ended'

export const CALL_STATES: readonly CallState[] = [
  'offered', 'answering', 'in-ivr', 'queued', 'ringing-agent', 'with-agent', 'transferring', 'three-way',
  'with-specialist', 'ending', 'ended'
]

const ALLOWED: Readonly<Record<CallState, readonly CallState[]>> = {
  offered: ['answering', 'ending'],
  answering: ['in-ivr', 'ending'],
  'in-ivr': ['queued', 'ending'],
  // Out of the queue: an agent's phone rings, or the wait is over (back to the flow).
  queued: ['ringing-agent', 'in-ivr', 'ending'],
  // The agent answers, or does not (back to the head of the queue).
  'ringing-agent': ['with-agent', 'queued', 'ending'],
  // The agent hunts a department's numbers, or the conversation is over (the survey).
  'with-agent': ['transferring', 'in-ivr', 'ending'],
  // A specialist answers (with the agent, or after the agent left), or nobody did.
  transferring: ['three-way', 'with-specialist', 'with-agent', 'in-ivr', 'ending'],
  'three-way': ['with-specialist', 'with-agent', 'ending'],
  'with-specialist': ['in-ivr', 'ending'],
  ending: ['ended'],
  ended: []
}

/** The states in which the caller is talking with a person (an agent or a specialist). */
export const WITH_A_PERSON: ReadonlySet<CallState> = new Set(['with-agent', 'transferring', 'three-way', 'with-specialist'])

export function transition (from: CallState, to: CallState): CallState {
  if (!ALLOWED[from].includes(to)) {
    throw new HotlineError('HC_CALL_STATE', `impossible call transition ${from} → ${to}`, { details: { from, to } })
  }
  return to
}

export function canMove (from: CallState, to: CallState): boolean {
  return ALLOWED[from].includes(to)
}
