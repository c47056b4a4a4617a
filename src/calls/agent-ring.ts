// Rings one agent's phone for a queued call (the agent is already `ringing` for it, set by the
// store when it assigned them). The agent's state follows the answer: on-call when they pick
// up, not ready when they let it ring out (or their phone is not there), ready again when the
// caller hangs up meanwhile. The answered leg goes back to the call's owner; no leg is left
// behind otherwise.

import type { Logger } from 'pino'
import { abortError } from '../errors.js'
import type { AgentRecord } from '../domain/call-record.js'
import type { SwitchPort } from '../ports/switch.js'
import type { DialOutcomeKind } from '../domain/transfer-record.js'
import type { AgentGroupSettings, Agents } from './agents.js'

export type RingResult =
  | { kind: 'answered', legId: string }
  /** The agent did not take the call: the caller goes back to the head of the queue. */
  | { kind: 'not-answered', why: string }

export interface RingDeps {
  switch: SwitchPort
  agents: Agents
  /** Caller ID agents' phones show: the hotline's number, never the caller's. */
  callerIdNumber: string
  /** Written on the agent's leg with the call's id, so it can be found again (LegTag). */
  controllerId?: string
}

/** Outcomes that say the agent let the call go (the agent's doing, not the line's). */
const REFUSED: ReadonlySet<DialOutcomeKind> = new Set(['no-answer', 'busy', 'rejected'])

/** Rings `agent`; throws the caller's abort error when the caller hangs up meanwhile. */
export async function ringAgent (
  deps: RingDeps, agent: AgentRecord, group: AgentGroupSettings, callId: string, signal: AbortSignal, log: Logger
): Promise<RingResult> {
  const { switch: sw, agents } = deps
  log.info({ group: group.id }, 'ringing agent')
  let outcome
  try {
    outcome = await sw.dial({
      target: { number: agent.extension, trunk: 'agent' },
      callerIdNumber: deps.callerIdNumber,
      ringTimeoutMs: group.ringTimeoutSec * 1000,
      signal,
      ...(deps.controllerId === undefined ? {} : { tag: { controllerId: deps.controllerId, callId, role: 'agent' } })
    })
  } catch (err) {
    // The switch failed, not the agent: they may take the next call.
    await agents.cancelled(agent.id, callId)
    throw err
  }
  if (outcome.kind === 'answered' && signal.aborted) {
    // Answered in the same moment the caller hung up: nobody to talk to.
    await sw.hangup(outcome.legId, 'normal').catch((err: unknown) => { log.warn({ err }, 'agent leg hangup failed') })
  }
  if (outcome.kind === 'cancelled' || signal.aborted) {
    log.info('caller hung up while the agent rang: dial cancelled')
    await agents.cancelled(agent.id, callId)
    throw abortError(signal)
  }
  if (outcome.kind === 'lost') {
    // The switch went away under the dial: not the agent's doing.
    await agents.cancelled(agent.id, callId)
    return { kind: 'not-answered', why: 'lost' }
  }
  if (outcome.kind !== 'answered') {
    // Unreachable or failed means the agent's phone is not there (unregistered): not ready
    // too, so callers are not offered to it again, with the reason saying so.
    const reason = REFUSED.has(outcome.kind) ? 'no-answer' : outcome.kind
    log.info({ outcome: outcome.kind, switchCause: outcome.cause.text, reason }, 'agent did not answer')
    await agents.noAnswer(agent.id, callId, group.id, reason)
    return { kind: 'not-answered', why: outcome.kind }
  }
  const on = await agents.answered(agent.id, callId)
  // The agent did pick up: connect them even if their record moved meanwhile.
  if (!on.ok) log.warn({ reason: on.reason }, 'agent answered but the state change was refused')
  return { kind: 'answered', legId: outcome.legId }
}
