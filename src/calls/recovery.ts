// After each connect to the switch: the calls this controller left behind when it stopped
// without draining (killed, crashed) and started again under the same id. Their legs carry the
// controller's and the call's ids (LegTag), so the switch still knows them; the store has
// their records. A call whose caller is talking with a person goes on here (planTakeOver: the
// agent reattached, the specialist watched to the end, the hunt carried on from the number it
// was dialling). Any other is ended cleanly: the legs the controller dialled (an agent, a
// specialist) are hung up, the caller is taken out of the room, told the call cannot go on,
// and hung up; its record ends `cut`, `controller-restarted` (completed, `served`, if the
// caller had reached a person), and a transfer left open ends `cancelled`. Records of this
// controller that no call in this process owns and no leg answers to are ended the same way,
// so none stays "in progress" for ever; agents left on those calls are made ready. Legs of
// other controllers are left to them.

import type { Logger } from 'pino'
import { isHotlineError } from '../errors.js'
import { callDay, callIncrements } from '../domain/call-figures.js'
import type { CallRecord } from '../domain/call-record.js'
import { WITH_A_PERSON } from '../domain/call-state.js'
import type { TransferRecord } from '../domain/transfer-record.js'
import { maskNumber } from '../logger.js'
import type { Metrics } from '../metrics.js'
import type { Clock } from '../ports/clock.js'
import type { Store } from '../ports/store.js'
import { SERVICE_INTERRUPTED_PROMPT, type FoundLeg, type SwitchPort } from '../ports/switch.js'
import type { TakeOver } from './call-session.js'

export { SERVICE_INTERRUPTED_PROMPT }
export const RESTARTED_REASON = 'controller-restarted'

/** Bounds on each step: a leg that does not answer a command must not hold the others. */
const LEAVE_ROOM_MS = 3000
const APOLOGY_MS = 20_000
const MAX_REAPED = 1000

export interface RecoveryDeps {
  switch: SwitchPort
  store: Store
  controllerId: string
  clock: Clock
  metrics: Metrics
  log: Logger
  /** A call this process runs now (its session is alive). */
  isRunning: (callId: string) => boolean
  /** Told of each record written. */
  written: (record: CallRecord) => void
  /** Whose calls: this controller's own (the default, after a restart), or a dead peer's. */
  owner?: string
  /** The fencing token the records taken are written with (ports/leases.ts). */
  fence?: number
  /** Goes on with a call that can (absent: none can, e.g. no agents on this line); false if it did not start. */
  takeOver?: (takeOver: TakeOver, caller: FoundLeg) => boolean
}

async function bounded (work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}

export async function recoverCalls (deps: RecoveryDeps): Promise<void> {
  const owner = deps.owner ?? deps.controllerId
  const found = await deps.switch.findLegs()
  const left = new Map<string, FoundLeg[]>()
  for (const leg of found) {
    if (leg.tag.controllerId !== owner || deps.isRunning(leg.tag.callId)) continue
    left.set(leg.tag.callId, [...(left.get(leg.tag.callId) ?? []), leg])
  }
  const takenOver = new Set<string>()
  await Promise.all([...left].map(async ([callId, legs]) => {
    const record = await deps.store.getCall(callId).catch(() => undefined)
    const transfers = record === undefined ? [] : await openTransfers(deps, record)
    const plan = record === undefined ? undefined : planTakeOver(record, legs, transfers.at(-1), deps.clock.now(), deps.fence)
    const caller = legs.find((l) => l.direction === 'inbound')
    if (plan !== undefined && caller !== undefined && deps.takeOver?.(plan, caller) === true) {
      takenOver.add(callId)
      return
    }
    await endLeftCall(deps, callId, legs, transfers)
  }))
  const records = await deps.store.listCalls({ active: true, limit: MAX_REAPED })
  const ended = new Set([...left.keys()].filter((id) => !takenOver.has(id)))
  for (const record of records) {
    if (record.controllerId !== owner || deps.isRunning(record.callId) || left.has(record.callId)) continue
    await finish(deps, record)
    ended.add(record.callId)
  }
  await freeAgents(deps, ended)
}

/**
 * Agents left ringing, on the call or in wrap-up for a call ended here: their timers died with
 * the process, so nothing would ever move them. They are made ready (only from the state they
 * were left in, for that call: an agent who changed state meanwhile keeps it).
 */
async function freeAgents (deps: RecoveryDeps, callIds: ReadonlySet<string>): Promise<void> {
  if (callIds.size === 0) return
  for (const agent of await deps.store.listAgents()) {
    if (agent.callId === undefined || !callIds.has(agent.callId)) continue
    const freed = await deps.store.setAgentState(agent.id, {
      to: 'ready', expect: ['ringing', 'on-call', 'wrap-up'], expectCallId: agent.callId, at: deps.clock.now()
    }).catch(() => undefined)
    if (freed !== undefined) deps.log.info({ agentId: agent.id, was: agent.state, callId: agent.callId }, 'agent freed from a call ended after a restart')
  }
}

/** The call's transfers still open (hunting, or connected and not ended), oldest first. */
async function openTransfers (deps: RecoveryDeps, record: CallRecord): Promise<TransferRecord[]> {
  const all = await deps.store.listTransfers({ since: record.startedAt, until: deps.clock.now() + 1 }).catch(() => [])
  return all.filter((t) => t.callId === record.callId && (t.state === 'hunting' || (t.state === 'connected' && t.endedAt === undefined)))
}

/**
 * Whether a call left behind can go on, and how: the caller's leg answered and the record
 * with a person (an agent, a specialist, or a hunt the agent asked for), and somebody still
 * there to talk with. Undefined: it cannot, and is ended with the apology.
 */
export function planTakeOver (record: CallRecord, legs: readonly FoundLeg[], transfer: TransferRecord | undefined, now: number, fence?: number): TakeOver | undefined {
  const caller = legs.find((l) => l.direction === 'inbound')
  const visit = record.queue
  if (record.finalState !== undefined || caller?.answered !== true || record.state === undefined || !WITH_A_PERSON.has(record.state)) return undefined
  if (visit?.agentId === undefined) return undefined
  const agentLeg = legs.find((l) => l.tag.role === 'agent' && l.answered)
  const specialists = legs.filter((l) => l.tag.role === 'specialist')
  const answered = specialists.find((l) => l.answered)
  const agentLeftBefore = record.state === 'with-specialist' ? (transfer?.agentLeftAt ?? now) : undefined
  const agentUp = agentLeftBefore === undefined && agentLeg !== undefined
  const hunting = transfer?.state === 'hunting'
  if (!agentUp && (transfer === undefined || (answered === undefined && !hunting))) return undefined
  const kept = new Set([caller.legId, ...(agentUp && agentLeg !== undefined ? [agentLeg.legId] : []), ...(transfer === undefined ? [] : specialists.map((l) => l.legId))])
  return {
    record,
    ...(fence === undefined ? {} : { fence }),
    stray: legs.filter((l) => !kept.has(l.legId)).map((l) => l.legId),
    agent: { agentId: visit.agentId, legId: agentLeg?.legId ?? '', group: visit.group },
    found: {
      connectedAt: record.servedAt ?? now,
      callerInRoom: caller.room !== undefined,
      agentUp,
      ...(agentLeftBefore === undefined ? {} : { agentLeftBefore }),
      ...(transfer === undefined
        ? {}
        : {
            transfer: {
              record: transfer,
              ...(answered === undefined ? {} : { specialist: { legId: answered.legId, inRoom: answered.room !== undefined } }),
              ringing: specialists.filter((l) => !l.answered).map((l) => l.legId)
            }
          })
    }
  }
}

async function endLeftCall (deps: RecoveryDeps, callId: string, legs: FoundLeg[], transfers: readonly TransferRecord[]): Promise<void> {
  const { switch: sw } = deps
  const log = deps.log.child({ callId })
  log.warn({ legs: legs.length }, 'a call this controller left when it stopped: ending it with an apology')
  const caller = legs.find((l) => l.direction === 'inbound')
  // The record is ended first: a controller killed during the apology leaves it ended (the
  // next one finds the leg again and tells and hangs up the caller; the record stays as it
  // is). A record the store lost (written to a primary that failed over before a replica had
  // it) is rebuilt from the leg.
  const at = deps.clock.now()
  for (const transfer of transfers) {
    const ended: TransferRecord = transfer.state === 'hunting' ? { ...transfer, state: 'cancelled', endedAt: at } : { ...transfer, endedAt: at }
    await deps.store.putTransfer(ended).catch((err: unknown) => { log.warn({ err, transferId: transfer.id }, 'ending a transfer left behind failed') })
  }
  let stored: CallRecord | undefined | 'unknown'
  try {
    stored = await deps.store.getCall(callId)
  } catch {
    // The store away: ended at a later look, from its record then (listCalls), not rebuilt over it.
    stored = 'unknown'
  }
  const record = stored !== undefined ? stored : caller === undefined ? undefined : rebuilt(callId, caller, deps.owner ?? deps.controllerId, at)
  if (record !== undefined && record !== 'unknown') await finish(deps, record)
  await Promise.all(legs.filter((l) => l.direction === 'outbound').map(async (leg) => {
    await sw.hangup(leg.legId, 'normal').catch((err: unknown) => { log.warn({ err, legId: leg.legId }, 'hanging up a leg left behind failed') })
  }))
  if (caller !== undefined) {
    if (caller.answered) {
      if (caller.room !== undefined) await bounded(sw.leaveConference(caller.legId, caller.room), LEAVE_ROOM_MS)
      await bounded(sw.play(caller.legId, SERVICE_INTERRUPTED_PROMPT), APOLOGY_MS)
    }
    await sw.hangup(caller.legId, 'normal').catch((err: unknown) => { log.warn({ err }, 'hanging up the caller left behind failed') })
  }
}

/** A record for a caller's leg whose record the store no longer has: what the leg tells. */
function rebuilt (callId: string, caller: FoundLeg, owner: string, at: number): CallRecord {
  return { callId, legId: caller.legId, controllerId: owner, caller: maskNumber(caller.from ?? ''), startedAt: at, choices: {}, path: [] }
}

/**
 * The record's one final state, unless it has one: cut by the controller's restart — or, for
 * a caller who had reached a person, completed and served (call-end.ts: whoever ends it).
 */
async function finish (deps: RecoveryDeps, record: CallRecord): Promise<void> {
  if (record.finalState !== undefined) return
  const at = deps.clock.now()
  const served = record.servedAt !== undefined
  const finalState = served ? 'completed' : 'cut'
  const reason = served ? 'served' : RESTARTED_REASON
  const ended: CallRecord = {
    ...record,
    ...(deps.fence === undefined ? {} : { controllerId: deps.controllerId, fence: deps.fence }),
    finalState,
    reason,
    endedBy: 'controller',
    endedAt: at,
    state: 'ended',
    stateSince: at,
    states: [...(record.states ?? []), { state: 'ended', at }]
  }
  try {
    await deps.store.addCallCounts(callDay(ended.startedAt), callIncrements({ ...ended, finalState }), ended.callId)
    await deps.store.putCall(ended)
    deps.metrics.callsEnded.inc({ final_state: finalState, reason, ended_by: 'controller' })
    deps.log.info({ callId: record.callId, finalState, reason }, 'call ended')
    deps.written(ended)
  } catch (err) {
    if (isHotlineError(err, 'HC_FENCED')) {
      deps.log.info({ callId: record.callId }, 'a call left behind is another controller\'s now')
      return
    }
    // Asked again after the next connect.
    deps.log.warn({ err, callId: record.callId }, 'ending a call left behind failed; tried again at the next connect')
  }
}
