// A call owns its state: one explicit state enum and one transition function. Impossible
// transitions are errors, not silently ignored.

import { HotlineError } from '../errors.js'

export type CallState = 'offered' | 'answering' | 'in-ivr' | 'ending' | 'ended'


const ALLOWED: Readonly<Record<CallState, readonly CallState[]>> = {
  offered: ['answering', 'ending'],
  answering: ['in-ivr', 'ending'],
  'in-ivr': ['ending'],
  ending: ['ended'],
  ended: []
}

export function transition (from: CallState, to: CallState): CallState {
  if (!ALLOWED[from].includes(to)) {
    throw new HotlineError('HC_BAD_REQUEST', `impossible call transition ${from} → ${to}`)
  }
  return to
}
