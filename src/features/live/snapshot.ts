// Computes the dashboard's snapshot (schema.ts) from the shared store. Everything is read
// from where every controller writes — call records, today's call counts, agents, transfer
// records, tickets, the controllers' beats — so the figures of several controllers add up by
// construction; nothing is summed from messages.
//
// Each part is read on its own: when one cannot be read (the store away), that part is left
// out and named in the alarms, and the rest is still shown.

import type { WorkCalendar } from '../../domain/calendar.js'
import { callDay, callFigures } from '../../domain/call-figures.js'
import { UNCONTACTED } from '../../domain/tickets.js'
import type { Clock } from '../../ports/clock.js'
import { type Store } from '../../ports/store.js'
import { AGENT_STATES, type AgentRecord } from '../../domain/call-record.js'
import type { TicketStore } from '../../ports/ticket-store.js'
import type { ConnectionRateService } from '../../stats/connection-rate-service.js'
import { alarmsOf } from './alarms.js'
import { callsSection } from './calls.js'
import type { ControllerPresence } from '../../ports/live-signals.js'
import { type RateDirectory, rateWindow } from './rates.js'
import type {
  AgentsSectionT, CallsTodaySectionT, ConnectionRateSectionT, LiveControllerT, LiveSnapshot, TicketsSectionT
} from './schema.js'

/** Tickets not contacted and due within this are "due soon". */
export const DUE_SOON_MS = 2 * 60 * 60 * 1000

export interface SnapshotSources {
  controllerId: string
  clock: Clock
  store: Pick<Store, 'listCalls' | 'listAgents' | 'listTransfers' | 'callCounts'>
  tickets: Pick<TicketStore, 'counts'>
  stats: Pick<ConnectionRateService, 'figures' | 'settings'>
  directory: RateDirectory
  calendar: Pick<WorkCalendar, 'missingYears'>
  /** Every controller's beat (this one's included). */
  controllers: () => Promise<ControllerPresence[]>
  /** Transfer numbers failing their dial tests (none when dial-testing does not run). */
  dialTestFailing: () => Promise<Array<{ number: string, departmentId: string }>>
  dueSoonMs?: number
  /** A part could not be read (for the log and a counter). */
  onSectionError?: (section: string, err: unknown) => void
}

const iso = (ms: number): string => new Date(ms).toISOString()

export async function buildSnapshot (sources: SnapshotSources): Promise<LiveSnapshot> {
  const now = sources.clock.now()
  const unreadable: string[] = []
  const attempt = async <T>(section: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read()
    } catch (err) {
      unreadable.push(section)
      sources.onSectionError?.(section, err)
      return undefined
    }
  }
  const [agentList, calls, callsToday, tickets, connectionRate, controllers, dialTest] = await Promise.all([
    attempt('agents', () => sources.store.listAgents()),
    attempt('calls', () => readCalls(sources)),
    attempt('callsToday', () => readCallsToday(sources, now)),
    attempt('tickets', () => readTickets(sources, now)),
    attempt('connectionRate', () => readRates(sources)),
    attempt('controllers', () => sources.controllers()),
    // The dial-test gauge is another feature's; failing to read it is no data problem of ours.
    sources.dialTestFailing().catch(() => [])
  ])
  const agents = agentList === undefined ? undefined : agentsSection(agentList)
  const callsPart = calls === undefined || agentList === undefined
    ? undefined
    : callsSection(calls.records, agentList, calls.transfers, sources.directory)
  if (calls !== undefined && agentList === undefined) unreadable.push('calls')
  const alarms = alarmsOf({
    controllers: controllers ?? [],
    departmentsToday: connectionRate?.today.byDepartment,
    target: sources.stats.settings.target,
    tickets,
    missingYears: sources.calendar.missingYears(now),
    dialTestFailing: dialTest.map((f) => ({ number: f.number, departmentName: sources.directory.department(f.departmentId)?.name ?? f.departmentId })),
    unreadable: [...new Set(unreadable)]
  })
  return {
    at: iso(now),
    controllerId: sources.controllerId,
    ...(callsPart === undefined ? {} : { calls: callsPart }),
    ...(callsToday === undefined ? {} : { callsToday }),
    ...(agents === undefined ? {} : { agents }),
    ...(tickets === undefined ? {} : { tickets }),
    ...(connectionRate === undefined ? {} : { connectionRate }),
    controllers: (controllers ?? []).map(controllerView),
    alarms
  }
}

async function readCalls (sources: SnapshotSources): Promise<{ records: Awaited<ReturnType<Store['listCalls']>>, transfers: Awaited<ReturnType<Store['listTransfers']>> }> {
  const records = (await sources.store.listCalls({ active: true })).filter((r) => r.finalState === undefined)
  if (records.length === 0) return { records, transfers: [] }
  // A call's transfers were requested after it started: one read from the oldest call on.
  const since = Math.min(...records.map((r) => r.startedAt))
  const transfers = await sources.store.listTransfers({ since, until: sources.clock.now() + 1 })
  const ids = new Set(records.map((r) => r.callId))
  return { records, transfers: transfers.filter((t) => ids.has(t.callId)) }
}

/** Today's (Asia/Shanghai) call figures from the day's counts, summed by every controller. */
async function readCallsToday (sources: SnapshotSources, now: number): Promise<CallsTodaySectionT> {
  const day = callDay(now)
  return { day, ...callFigures(await sources.store.callCounts([day])) }
}

export function agentsSection (agents: readonly AgentRecord[]): AgentsSectionT {
  const byState = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<string, number>
  for (const a of agents) byState[a.state] = (byState[a.state] ?? 0) + 1
  const list = [...agents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((a) => ({
    id: a.id,
    name: a.name,
    state: a.state,
    since: iso(a.since),
    groups: [...a.groups],
    ...(a.reason === undefined ? {} : { reason: a.reason }),
    ...(a.callId === undefined ? {} : { callId: a.callId })
  }))
  return { total: agents.length, byState, list }
}

async function readTickets (sources: SnapshotSources, now: number): Promise<TicketsSectionT> {
  const dueSoonMs = sources.dueSoonMs ?? DUE_SOON_MS
  // "Overdue at t" counts the uncontacted tickets due before t: the difference between now
  // and now + the horizon is the tickets falling due in between (two cheap counts).
  const [current, ahead] = await Promise.all([sources.tickets.counts(now), sources.tickets.counts(now + dueSoonMs)])
  const awaitingContact = UNCONTACTED.reduce((sum, s) => sum + (current.byStatus[s] ?? 0), 0)
  return {
    awaitingContact,
    dueSoon: Math.max(0, ahead.overdue - current.overdue),
    dueSoonMinutes: Math.round(dueSoonMs / 60_000),
    overdue: current.overdue,
    byStatus: { ...current.byStatus },
    queued: current.queued,
    dead: current.dead
  }
}

async function readRates (sources: SnapshotSources): Promise<ConnectionRateSectionT> {
  const [lastHour, today] = await Promise.all([sources.stats.figures('last-hour'), sources.stats.figures('today')])
  return {
    target: today.target,
    nationalStandard: today.nationalStandard,
    minAttemptsForAlarm: today.minAttemptsForAlarm,
    lastHour: rateWindow(lastHour, sources.directory),
    today: rateWindow(today, sources.directory)
  }
}

function controllerView (c: ControllerPresence): LiveControllerT {
  return {
    controllerId: c.controllerId,
    alive: c.alive,
    vendor: c.vendor,
    switchState: c.switchState,
    switchDetail: c.switchDetail,
    switchSince: iso(c.switchSince),
    callsInProgress: c.callsInProgress,
    promptsMissing: c.promptsMissing,
    draining: c.draining,
    lastSeen: iso(c.at)
  }
}
