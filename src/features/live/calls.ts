// Calls in progress by phase, from what every controller writes to the shared store: the
// call records (active ones), the agents, and the transfer records. Pure: the records and
// the instant are handed in.
//
// The phase of a call is read from its owner's state (record.state, domain/call-state.ts):
//   offered, answering, in-ivr → ivr; queued, ringing-agent → waiting (an agent's phone ringing
//   still counts as waiting: the caller hears the queue); with-agent → agent; transferring →
//   agent, `transfer: hunting`; three-way → three-way; with-specialist → three-way, flagged
//   `agentLeft` (for the hotline still a transferred call in progress, counted apart).
// A record without a state (written by an older controller during an upgrade) is placed by
// what it holds: a connected transfer not ended, an agent on the call, a queue visit open.

import type { CallState } from '../../domain/call-state.js'
import type { Directory } from '../../domain/directory.js'
import { maskNumber } from '../../logger.js'
import type { AgentRecord, CallRecord } from '../../domain/call-record.js'
import type { TransferRecord } from '../../domain/transfer-record.js'
import type { CallPhase, CallsSectionT, LiveCallT } from './schema.js'

/** Calls listed in a snapshot; the counts cover every call. */
export const LIST_LIMIT = 200

export interface PhaseOf {
  phase: CallPhase
  /** The owner's state, when the record has it. */
  state?: CallState
  /** When the call entered the phase, when known. */
  since: number
  agentId?: string
  transfer?: 'hunting' | 'connected'
  agentLeft?: boolean
}

/** The call's latest transfer (by request time), if any. */
export function latestTransfers (transfers: readonly TransferRecord[]): Map<string, TransferRecord> {
  const latest = new Map<string, TransferRecord>()
  for (const t of transfers) {
    const seen = latest.get(t.callId)
    if (seen === undefined || t.requestedAt >= seen.requestedAt) latest.set(t.callId, t)
  }
  return latest
}

export function callPhase (record: CallRecord, agents: ReadonlyMap<string, AgentRecord>, transfer: TransferRecord | undefined): PhaseOf {
  if (record.state !== undefined) return phaseOfState(record, record.state, transfer)
  return phaseFromRecords(record, agents, transfer)
}

function phaseOfState (record: CallRecord, state: CallState, transfer: TransferRecord | undefined): PhaseOf {
  const since = record.stateSince ?? record.startedAt
  const agentId = record.queue?.agentId
  const withAgent = agentId === undefined ? {} : { agentId }
  switch (state) {
    case 'queued':
    case 'ringing-agent':
      return { phase: 'waiting', since: record.queue?.enqueuedAt ?? since, state }
    case 'with-agent':
      return { phase: 'agent', since: record.queue?.servedAt ?? since, state, ...withAgent }
    case 'transferring':
      return { phase: 'agent', since: record.queue?.servedAt ?? since, state, transfer: 'hunting', ...withAgent }
    case 'three-way':
    case 'with-specialist':
      return {
        phase: 'three-way',
        since: transfer?.connectedAt ?? since,
        state,
        transfer: 'connected',
        agentLeft: state === 'with-specialist',
        ...withAgent
      }
    default:
      return { phase: 'ivr', since: record.startedAt, state }
  }
}

function phaseFromRecords (record: CallRecord, agents: ReadonlyMap<string, AgentRecord>, transfer: TransferRecord | undefined): PhaseOf {
  const queue = record.queue
  const agentId = queue?.agentId
  if (transfer !== undefined && transfer.state === 'connected' && transfer.endedAt === undefined) {
    return {
      phase: 'three-way',
      since: transfer.connectedAt ?? transfer.requestedAt,
      transfer: 'connected',
      agentLeft: transfer.agentLeftAt !== undefined,
      ...(agentId === undefined ? {} : { agentId })
    }
  }
  if (queue?.servedAt !== undefined) {
    const agent = agentId === undefined ? undefined : agents.get(agentId)
    // The record says served; the agent's state says whether the conversation still goes on.
    // An agent the store does not list is taken at the record's word.
    const talking = agent === undefined || (agent.state === 'on-call' && agent.callId === record.callId)
    if (talking) {
      const hunting = transfer?.state === 'hunting' && transfer.endedAt === undefined
      return {
        phase: 'agent',
        since: queue.servedAt,
        ...(agentId === undefined ? {} : { agentId }),
        ...(hunting ? { transfer: 'hunting' as const } : {})
      }
    }
    return { phase: 'ivr', since: record.startedAt }
  }
  if (queue !== undefined && queue.abandonedAt === undefined && queue.overflowAt === undefined) {
    return { phase: 'waiting', since: queue.enqueuedAt }
  }
  return { phase: 'ivr', since: record.startedAt }
}

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The calls section: counts by phase and the list (oldest first). Records that carry a final
 * state are left out even if an index still lists them as active.
 */
export function callsSection (
  records: readonly CallRecord[],
  agentList: readonly AgentRecord[],
  transfers: readonly TransferRecord[],
  directory: Pick<Directory, 'matter' | 'department'>
): CallsSectionT {
  const agents = new Map(agentList.map((a) => [a.id, a]))
  const latest = latestTransfers(transfers)
  const counts = { ivr: 0, waiting: 0, agent: 0, 'three-way': 0 }
  let agentLeft = 0
  let longestWait: number | undefined
  const list: LiveCallT[] = []
  const active = records.filter((r) => r.finalState === undefined).sort((a, b) => a.startedAt - b.startedAt)
  for (const record of active) {
    const phase = callPhase(record, agents, latest.get(record.callId))
    counts[phase.phase]++
    if (phase.agentLeft === true) agentLeft++
    if (phase.phase === 'waiting' && (longestWait === undefined || phase.since < longestWait)) longestWait = phase.since
    if (list.length >= LIST_LIMIT) continue
    const matterId = record.choices.matter
    const matter = matterId === undefined ? undefined : directory.matter(matterId)
    const department = matter === undefined ? undefined : directory.department(matter.departmentId)
    const category = record.choices.category
    list.push({
      callId: record.callId,
      // Records hold the masked number already; masking again is idempotent and sure.
      caller: maskNumber(record.caller),
      phase: phase.phase,
      ...(phase.state === undefined ? {} : { state: phase.state }),
      since: iso(phase.since),
      startedAt: iso(record.startedAt),
      controllerId: record.controllerId,
      ...(matterId === undefined ? {} : { matterId }),
      ...(matter === undefined ? {} : { matterName: matter.name }),
      ...(department === undefined ? {} : { departmentName: department.name }),
      ...(category === undefined ? {} : { category }),
      ...(phase.agentId === undefined ? {} : { agentId: phase.agentId }),
      ...(phase.transfer === undefined ? {} : { transfer: phase.transfer }),
      ...(phase.agentLeft === undefined ? {} : { agentLeft: phase.agentLeft })
    })
  }
  return {
    total: active.length,
    ivr: counts.ivr,
    waiting: counts.waiting,
    agent: counts.agent,
    threeWay: counts['three-way'],
    agentLeft,
    ...(longestWait === undefined ? {} : { longestWaitSince: iso(longestWait) }),
    list
  }
}
