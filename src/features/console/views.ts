// What the agent console (坐席工作台) shows, in one snapshot: the agent, the call they are
// ringing for, talking on or wrapping up, with the caller's IVR choices in words, and the
// call's three-way transfers with every dial of the hunt and the number ringing now. The
// stream (agent-stream.ts) sends it whenever something changed; the page only draws it.
//
// Personal data: the caller's number is masked here (`138****5678`), as in every API answer
// for agents and supervisors; a number the caller keyed in is masked too. Department numbers
// in the hunt are office lines and are shown (the agent hears them ring anyway).

import type { AgentCall } from '../../calls/call-context.js'
import type { LiveCallView } from '../../calls/call-context.js'
import type { Directory, PriorityCode } from '../../domain/directory.js'
import { MASKED_KEYS, maskNumber } from '../../logger.js'
import type { AgentRecord, CallRecord } from '../../domain/call-record.js'
import type { TransferRecord } from '../../domain/transfer-record.js'

/** The caller's first choice as agents say it (the flow stores the code). */
export const PRIORITY_WORDS: Readonly<Record<PriorityCode, string>> = {
  handling: '办事',
  help: '求助',
  'hot-policy': '热点政策',
  second: '其他'
}

/** Where the snapshot's parts come from; all read-only. */
export interface ConsoleSources {
  directory: Directory
  getAgent: (id: string) => Promise<AgentRecord | undefined>
  getCall: (callId: string) => Promise<CallRecord | undefined>
  /** The conversation as this controller runs it (undefined: ended, or on another controller). */
  live: (callId: string) => LiveCallView | undefined
  /** The ACD's call of the agent, with the choices before the call record has them. */
  currentCall: (agentId: string) => AgentCall | undefined
  /** Stored transfer records, for a call not in conversation here. */
  listTransfers: (query: { since: number, until: number }) => Promise<TransferRecord[]>
  /** The ticket raised from the console for a call, if any. */
  ticketOf: (callId: string) => ConsoleTicket | undefined
  now: () => number
}

export interface AgentSnapshotView {
  id: string
  name: string
  extension: string
  groups: string[]
  state: string
  since: string
  reason?: string
  callId?: string
}

export interface ConsoleAttempt {
  index: number
  number: string
  label?: string
  outcome: string
  startedAt: string
  ringMs: number
}

export interface ConsoleTransfer {
  id: string
  matterId: string
  matterName?: string
  departmentId: string
  departmentName?: string
  state: string
  requestedAt: string
  attempts: ConsoleAttempt[]
  ringing?: { index: number, number: string, label?: string, since: string }
  answeredNumber?: string
  connectedAt?: string
  agentLeftAt?: string
  endedAt?: string
  ticketId?: string
}

/** What the agent may read of a ticket raised from the console: never the callback number. */
export interface ConsoleTicket {
  ticketId: string
  kind: string
  matterId?: string
  matterName?: string
  departmentId: string
  departmentName: string
  dueAt: string
  createdAt: string
}

export interface ConsoleCall {
  callId: string
  /**
   * The conversation's state here (with-agent, hunting, connecting-specialist, three-way,
   * with-specialist, telling-caller, closing), `in-progress` when this controller has no
   * conversation for it (ringing, or another controller), or `ended`.
   */
  state: string
  /** Masked. */
  caller?: string
  startedAt?: string
  /** When caller and agent were connected. */
  answeredAt?: string
  endedAt?: string
  agentPresent: boolean
  /** The caller's IVR choices as stored (codes, masked where a number). */
  choices: Record<string, string>
  /** The same in words: 优先级 办事, 类别 税务, 事项 发票领用. */
  priority?: string
  category?: string
  matterId?: string
  matterName?: string
  transfers: ConsoleTransfer[]
  ticket?: ConsoleTicket
}

export interface AgentSnapshot {
  /** The server's clock, so the page times the call against it, not the desk's clock. */
  now: string
  agent: AgentSnapshotView
  call?: ConsoleCall
}

const iso = (ms: number | undefined): string | undefined => ms === undefined ? undefined : new Date(ms).toISOString()

function maskChoices (choices: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(choices).map(([key, value]) =>
    [key, MASKED_KEYS.includes(key) || /^\+?[0-9]{7,}$/.test(value) ? maskNumber(value) : value]))
}

export function agentView (a: AgentRecord): AgentSnapshotView {
  return {
    id: a.id,
    name: a.name,
    extension: a.extension,
    groups: [...a.groups],
    state: a.state,
    since: new Date(a.since).toISOString(),
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    ...(a.callId === undefined ? {} : { callId: a.callId })
  }
}

export function transferView (directory: Directory, t: TransferRecord, ringing?: LiveCallView['ringing']): ConsoleTransfer {
  const matter = directory.matter(t.matterId)
  const labels = new Map(matter?.hunt.map((h) => [h.number, h.label]) ?? [])
  const view: ConsoleTransfer = {
    id: t.id,
    matterId: t.matterId,
    matterName: matter?.name,
    departmentId: t.departmentId,
    departmentName: directory.department(t.departmentId)?.name,
    state: t.state,
    requestedAt: new Date(t.requestedAt).toISOString(),
    attempts: t.attempts.map((a) => ({
      index: a.index,
      number: a.number,
      label: labels.get(a.number),
      outcome: a.outcome,
      startedAt: new Date(a.startedAt).toISOString(),
      ringMs: a.ringMs
    })),
    answeredNumber: t.answeredNumber,
    connectedAt: iso(t.connectedAt),
    agentLeftAt: iso(t.agentLeftAt),
    endedAt: iso(t.endedAt),
    ticketId: t.ticketId
  }
  if (ringing !== undefined && t.state === 'hunting') {
    view.ringing = { index: ringing.index, number: ringing.number, label: ringing.label, since: new Date(ringing.startedAt).toISOString() }
  }
  return view
}

async function storedTransfers (sources: ConsoleSources, callId: string, record: CallRecord | undefined): Promise<TransferRecord[]> {
  if (record === undefined) return []
  // Requests are made while the call lasts; the margin covers clocks of other controllers.
  const since = record.startedAt - 60_000
  const until = (record.endedAt ?? sources.now()) + 60_000
  return (await sources.listTransfers({ since, until })).filter((t) => t.callId === callId)
}

async function callView (sources: ConsoleSources, agent: AgentRecord, callId: string): Promise<ConsoleCall> {
  const { directory } = sources
  const record = await sources.getCall(callId)
  const live = sources.live(callId)
  const acd = sources.currentCall(agent.id)
  const mine = acd?.callId === callId ? acd : undefined
  const raw = { ...mine?.choices, ...live?.choices, ...record?.choices }
  const transfers = live?.transfers ?? await storedTransfers(sources, callId, record)
  const matter = raw.matter === undefined ? undefined : directory.matter(raw.matter)
  const priority = raw.priority === undefined ? undefined : (PRIORITY_WORDS as Readonly<Record<string, string>>)[raw.priority] ?? raw.priority
  const answeredAt = live?.connectedAt ?? mine?.answeredAt ?? record?.queue?.servedAt
  const view: ConsoleCall = {
    callId,
    state: record?.endedAt !== undefined ? 'ended' : live?.state ?? 'in-progress',
    // Records hold the masked number already; masking again costs nothing and is sure.
    caller: record === undefined ? undefined : maskNumber(record.caller),
    startedAt: iso(record?.startedAt),
    answeredAt: iso(answeredAt),
    endedAt: iso(record?.endedAt),
    agentPresent: live === undefined ? agent.state === 'on-call' : live.agentPresent,
    choices: maskChoices(raw),
    priority,
    category: raw.category,
    matterId: matter?.id,
    matterName: matter?.name,
    transfers: transfers.map((t) => transferView(directory, t, live?.ringing)),
    ticket: sources.ticketOf(callId)
  }
  return view
}

/** The agent and their call now; undefined for an unknown agent. */
export async function agentSnapshot (sources: ConsoleSources, agentId: string): Promise<AgentSnapshot | undefined> {
  const agent = await sources.getAgent(agentId)
  if (agent === undefined) return undefined
  const snapshot: AgentSnapshot = { now: new Date(sources.now()).toISOString(), agent: agentView(agent) }
  if (agent.callId !== undefined) snapshot.call = await callView(sources, agent, agent.callId)
  return snapshot
}
