// Enterprise-seat agents: the state machine (every allowed change of an agent's state in one
// table, and the one function that reads it) and `Agents`, which applies its decisions
// through the store's compare-and-set, so two controllers sharing a store never both win.
//
//   logged-out ─login─▶ not-ready ─ready─▶ ready ─offer─▶ ringing ─answer─▶ on-call
//                                    ▲       │               │  ╲ cancel ▶ ready
//                                    │       └─not-ready─▶   │   ╲ no-answer ▶ not-ready
//                                    └──────── wrap-up ◀─end─┘ (on-call ─end─▶ wrap-up)
//                                              └─ wrap-up-done ▶ ready
//
// What ACDs of the switches do, copied here: FreeSWITCH mod_callcenter sets an agent who
// does not answer to "On Break" (`max-no-answer`) and gives a `wrap-up-time` before the next
// call; Asterisk app_queue pauses a member who does not answer (`autopause`) and has
// `wrapuptime`. Both leave an agent in a call alone until the call ends: so does this table.

import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { Clock } from '../ports/clock.js'
import type { AgentStateChange, Store } from '../ports/store.js'
import type { AgentRecord, AgentState } from '../domain/call-record.js'

/** Changes asked for through the REST API. */
export type AgentApiEvent = 'login' | 'ready' | 'not-ready' | 'logout'
/** Changes caused by a call. */
export type AgentCallEvent = 'offer' | 'answer' | 'no-answer' | 'cancel' | 'end' | 'wrap-up-done'
export type AgentEvent = AgentApiEvent | AgentCallEvent

export const AGENT_API_EVENTS: readonly AgentApiEvent[] = ['login', 'ready', 'not-ready', 'logout']
export const AGENT_CALL_EVENTS: readonly AgentCallEvent[] = ['offer', 'answer', 'no-answer', 'cancel', 'end', 'wrap-up-done']

interface Rule {
  /** States the event changes. */
  from: readonly AgentState[]
  /** Where it may lead; the first is the default. */
  to: readonly AgentState[]
  /** States where the event is already satisfied: success, nothing written. */
  already?: readonly AgentState[]
  /** Call events only apply to the agent's current call (compare-and-set on the call id too). */
  call: boolean
  /** The call stays on the agent's record after the change (ringing, talking, wrapping up). */
  keepsCall: boolean
}

/** THE table. Anything not in it is refused. */
export const AGENT_TRANSITIONS: Readonly<Record<AgentEvent, Rule>> = {
  // Logging in lands in not-ready unless the agent asks to take calls at once.
  login: { from: ['logged-out'], to: ['not-ready', 'ready'], call: false, keepsCall: false },
  // From wrap-up: the agent ends the wrap-up early.
  ready: { from: ['not-ready', 'wrap-up'], to: ['ready'], already: ['ready'], call: false, keepsCall: false },
  // From not-ready: a new reason. From wrap-up: no automatic ready after the wrap-up time.
  'not-ready': { from: ['ready', 'not-ready', 'wrap-up'], to: ['not-ready'], call: false, keepsCall: false },
  logout: { from: ['ready', 'not-ready', 'wrap-up'], to: ['logged-out'], already: ['logged-out'], call: false, keepsCall: false },
  // Done atomically by Store.assignAgent with the queue entry; listed so the table is whole.
  offer: { from: ['ready'], to: ['ringing'], call: true, keepsCall: true },
  answer: { from: ['ringing'], to: ['on-call'], call: true, keepsCall: true },
  // The group's noAnswerState decides which.
  'no-answer': { from: ['ringing'], to: ['not-ready', 'logged-out'], call: true, keepsCall: false },
  // The caller hung up (or the switch failed) while the agent's phone rang: not their fault.
  cancel: { from: ['ringing'], to: ['ready'], call: true, keepsCall: false },
  end: { from: ['on-call'], to: ['wrap-up'], call: true, keepsCall: true },
  'wrap-up-done': { from: ['wrap-up'], to: ['ready'], call: true, keepsCall: false }
}

export interface TransitionInput {
  /** Where to go when the event allows several targets (login, no-answer). */
  to?: AgentState
  /** The call the event is about (call events). */
  callId?: string
  reason?: string
  at: number
}

export type Decision =
  /** Write this change (a compare-and-set on the state the decision was made from). */
  | { kind: 'change', change: AgentStateChange }
  /** Nothing to do: the agent is already where the event leads. */
  | { kind: 'already' }
  | { kind: 'refused', reason: string }

const STATE_WORDS: Readonly<Record<AgentState, string>> = {
  'logged-out': 'logged out',
  ready: 'ready',
  ringing: 'ringing for a call',
  'on-call': 'on a call',
  'wrap-up': 'wrapping up a call',
  'not-ready': 'not ready'
}

function refusal (agent: AgentRecord, event: AgentEvent): string {
  const now = `agent ${agent.id} is ${STATE_WORDS[agent.state]}`
  if (agent.state === 'ringing' || agent.state === 'on-call') {
    return `${now}: "${event}" is refused until the call ends`
  }
  if (agent.state === 'logged-out') return `${now}: log in first`
  return `${now}: "${event}" does not apply`
}

/** The one transition function: what `event` does to `agent`, decided from the table. */
export function transition (agent: AgentRecord, event: AgentEvent, input: TransitionInput): Decision {
  const rule = AGENT_TRANSITIONS[event]
  if (rule.call && input.callId === undefined) throw new TypeError(`agent event ${event} needs the call id`)
  // A call event for another call than the agent's is stale (e.g. a late timer): refuse it.
  if (rule.call && rule.from.includes(agent.state) && agent.callId !== undefined && agent.callId !== input.callId) {
    return { kind: 'refused', reason: `agent ${agent.id} is on another call` }
  }
  if (rule.already?.includes(agent.state) === true) return { kind: 'already' }
  if (!rule.from.includes(agent.state)) return { kind: 'refused', reason: refusal(agent, event) }
  const to = input.to ?? rule.to[0]
  if (to === undefined || !rule.to.includes(to)) {
    return { kind: 'refused', reason: `"${event}" cannot lead to ${to ?? 'nowhere'}` }
  }
  const change: AgentStateChange = { to, expect: [agent.state], at: input.at }
  if (rule.call) change.expectCallId = input.callId
  if (rule.keepsCall) change.callId = input.callId
  if (to === 'not-ready') change.reason = input.reason ?? DEFAULT_REASON[event] ?? 'not-ready'
  else if (to === 'logged-out' && input.reason !== undefined) change.reason = input.reason
  return { kind: 'change', change }
}

const DEFAULT_REASON: Partial<Record<AgentEvent, string>> = {
  login: 'login',
  'not-ready': 'manual',
  'no-answer': 'no-answer'
}

// --- applying the table through the store -------------------------------------------------

/** Per-group settings (config/agents.yaml `groups:`). */
export interface AgentGroupSettings {
  id: string
  /** How long an agent's phone rings before it counts as not answered. */
  ringTimeoutSec: number
  /** After a call the agent has this long before taking the next one. */
  wrapUpSec: number
  /** Where an agent who lets a call ring out goes. */
  noAnswerState: 'not-ready' | 'logged-out'
}

/** An agent as configured: who they are and which phone rings for them. */
export type AgentIdentity = Pick<AgentRecord, 'id' | 'name' | 'extension' | 'groups'>

export type AgentResult =
  | { ok: true, agent: AgentRecord }
  | { ok: false, error: 'unknown-agent' | 'conflict', reason: string, agent?: AgentRecord }

export interface AgentsEvents {
  /** Every change written. */
  changed: [agent: AgentRecord]
  /** An agent became ready: waiting callers of its groups may be served now. */
  ready: [agent: AgentRecord]
}

export interface AgentsDeps {
  store: Store
  clock: Clock
  groups: readonly AgentGroupSettings[]
  log?: Logger
}

/** A compare-and-set lost to another writer is re-decided from the new state this often. */
const ATTEMPTS = 3

export class Agents extends EventEmitter<AgentsEvents> {
  readonly #store: Store
  readonly #clock: Clock
  readonly #groups: ReadonlyMap<string, AgentGroupSettings>
  readonly #log: Logger | undefined
  /** Wrap-up timers by agent id: ready again after the group's wrapUpSec. */
  readonly #wrapUps = new Map<string, NodeJS.Timeout>()

  constructor (deps: AgentsDeps) {
    super()
    this.#store = deps.store
    this.#clock = deps.clock
    this.#groups = new Map(deps.groups.map((g) => [g.id, g]))
    this.#log = deps.log
  }

  group (id: string): AgentGroupSettings | undefined {
    return this.#groups.get(id)
  }

  /** Puts the configured agents into the store; agents already there keep their state. */
  async sync (agents: readonly AgentIdentity[]): Promise<void> {
    const at = this.#clock.now()
    for (const agent of agents) await this.#store.upsertAgent(agent, at)
  }

  async get (id: string): Promise<AgentRecord | undefined> {
    return await this.#store.getAgent(id)
  }

  async list (): Promise<AgentRecord[]> {
    return await this.#store.listAgents()
  }

  // API-driven changes.

  async login (id: string, options: { ready?: boolean } = {}): Promise<AgentResult> {
    return await this.#apply(id, 'login', { to: options.ready === true ? 'ready' : 'not-ready' })
  }

  async ready (id: string): Promise<AgentResult> {
    return await this.#apply(id, 'ready', {})
  }

  async notReady (id: string, reason?: string): Promise<AgentResult> {
    return await this.#apply(id, 'not-ready', { reason })
  }

  async logout (id: string): Promise<AgentResult> {
    return await this.#apply(id, 'logout', {})
  }

  // Call-driven changes (the ACD); each applies only to the agent's current call.

  async answered (id: string, callId: string): Promise<AgentResult> {
    return await this.#apply(id, 'answer', { callId })
  }

  /** The agent's phone rang out, was busy or refused: the group decides where they go. */
  async noAnswer (id: string, callId: string, group: string, reason = 'no-answer'): Promise<AgentResult> {
    return await this.#apply(id, 'no-answer', { callId, reason, to: this.#settings(group).noAnswerState })
  }

  /** The call went away while the agent's phone rang: the agent is ready again. */
  async cancelled (id: string, callId: string): Promise<AgentResult> {
    return await this.#apply(id, 'cancel', { callId })
  }

  /** The conversation is over: wrap-up, then ready after the group's wrapUpSec. */
  async ended (id: string, callId: string, group: string): Promise<AgentResult> {
    const result = await this.#apply(id, 'end', { callId })
    if (result.ok && result.agent.state === 'wrap-up') this.#scheduleReady(id, callId, this.#settings(group).wrapUpSec)
    return result
  }

  /** Stops the wrap-up timers (agents stay in wrap-up until they say ready). */
  close (): void {
    for (const timer of this.#wrapUps.values()) clearTimeout(timer)
    this.#wrapUps.clear()
  }

  #settings (group: string): AgentGroupSettings {
    const settings = this.#groups.get(group)
    if (settings === undefined) throw new TypeError(`unknown agent group ${group}`)
    return settings
  }

  #scheduleReady (id: string, callId: string, wrapUpSec: number): void {
    const done = (): void => {
      this.#wrapUps.delete(id)
      // Refused when the agent chose otherwise meanwhile (not ready, logged out, ready).
      this.#apply(id, 'wrap-up-done', { callId }).catch((err: unknown) => {
        this.#log?.error({ err, agentId: id }, 'end of wrap-up not recorded')
      })
    }
    clearTimeout(this.#wrapUps.get(id))
    if (wrapUpSec <= 0) {
      done()
      return
    }
    const timer = setTimeout(done, wrapUpSec * 1000)
    // The timer must not keep a stopping process alive; close() clears it anyway.
    timer.unref()
    this.#wrapUps.set(id, timer)
  }

  async #apply (id: string, event: AgentEvent, input: Omit<TransitionInput, 'at'>): Promise<AgentResult> {
    let reason = `agent ${id} changed meanwhile: try again`
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const agent = await this.#store.getAgent(id)
      if (agent === undefined) return { ok: false, error: 'unknown-agent', reason: `no agent ${id}` }
      const decision = transition(agent, event, { ...input, at: this.#clock.now() })
      if (decision.kind === 'already') return { ok: true, agent }
      if (decision.kind === 'refused') return { ok: false, error: 'conflict', reason: decision.reason, agent }
      const updated = await this.#store.setAgentState(id, decision.change)
      if (updated !== undefined) {
        this.#changed(updated, agent.state)
        return { ok: true, agent: updated }
      }
      // Another writer (a call event, another controller) got there first: decide again.
      reason = `agent ${id} changed meanwhile from ${agent.state}: try again`
    }
    return { ok: false, error: 'conflict', reason }
  }

  #changed (agent: AgentRecord, from: AgentState): void {
    if (from === 'wrap-up' && agent.state !== 'wrap-up') {
      clearTimeout(this.#wrapUps.get(agent.id))
      this.#wrapUps.delete(agent.id)
    }
    // `was`/`state`, not `from`/`to`: the logger masks any `from` as a caller's number.
    this.#log?.info({ agentId: agent.id, was: from, state: agent.state, reason: agent.reason }, 'agent state changed')
    this.emit('changed', agent)
    if (agent.state === 'ready') this.emit('ready', agent)
  }
}
