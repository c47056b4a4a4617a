// The common step interface: one file per step kind under steps/, looked up in a registry.
// A step runs against a StepContext (the call, its variables, the services it may use) and
// says where the flow goes next. Every step is cancelled through the AbortSignal when the
// caller hangs up.

import type { Logger } from 'pino'
import type { Directory } from '../domain/directory.js'
import type { WorkCalendar } from '../domain/calendar.js'
import type { PromptLogging, QueueAsk, QueueResult } from '../calls/call-context.js'
import type { Clock } from '../ports/clock.js'
import type { CollectOptions, CollectResult } from '../ports/switch.js'

/** The kinds of ticket a flow can ask for (the `ticket` step's `ticketKind`). */
export type FlowTicketKind = 'next-urgent' | 'transfer-failed'

/** What the `ticket` step hands to a ticket service: the kind, who to call back, the choices. */
export interface FlowTicketRequest {
  kind: FlowTicketKind
  callId: string
  /** The caller's full number: the department calls the business back on it. */
  callerNumber: string
  /** The caller's IVR choices (priority, category, matter, …) when the ticket was asked for. */
  choices: Record<string, string>
  /** When it was asked for (epoch ms). */
  at: number
}

/**
 * A service that raises tickets for flows. Optional: until one is wired the `ticket` step
 * only records the request in the call's variables, so flow files never change when it
 * arrives.
 */
export interface FlowTicketSink {
  raise(request: FlowTicketRequest, signal: AbortSignal): Promise<{ ticketId: string }>
}

/** Services a flow may use; injected by the wiring, never reached through globals. */
export interface FlowServices {
  calendar: WorkCalendar
  directory: Directory
  /** "Now" for working-time branches: tests hand in a ManualClock. */
  clock: Clock
  tickets?: FlowTicketSink
}

export interface StepContext {
  readonly callId: string
  readonly legId: string
  /** The caller's number as the switch gave it: personal data, never log it. */
  readonly callerNumber: string
  readonly log: Logger
  readonly services: FlowServices
  now(): number
  play(prompt: string, options?: PromptLogging): Promise<void>
  collect(options: Omit<CollectOptions, 'signal'>): Promise<CollectResult>
  /** Flow variables: the caller's choices (priority, category, matter, …). */
  get(name: string): string | undefined
  set(name: string, value: string): void
  vars(): Record<string, string>
  /**
   * The number a department should call back, once the caller confirmed it (caller ID or keyed
   * in). Kept out of the variables: variables are stored with the call and shown to agents,
   * a full number only goes into the ticket.
   */
  callbackNumber(): string | undefined
  setCallbackNumber(number: string): void
  /**
   * Waits for an agent of the group and holds the conversation (the call's owner does both);
   * resolves when the caller goes on in the flow: served, or no agent in time.
   */
  queue(ask: QueueAsk): Promise<QueueResult>
}

/** Where the flow goes after a step: the next step id, or the end of the call. */
export type StepOutcome =
  | { next: string }
  | { end: string }

/** A name a step uses, and where inside the step it is written (a JSON pointer such as `/options/1/next`). */
export interface StepReference {
  readonly path: string
  readonly id: string
}

/** A variable a step writes (menu `set`, collect `into`, …) or reads (a branch), with the value where there is one. */
export interface VariableUse {
  readonly path: string
  readonly variable: string
  readonly access: 'write' | 'read'
  readonly value?: string
}

/** Everything a step names, for the loader's checks against the flow and the world. */
export interface StepReferences {
  /** Step ids this step can continue to; none means the step ends the call. */
  next: StepReference[]
  prompts: StepReference[]
  /**
   * Prompts the step plays by itself without the flow naming them (the queue's waiting prompts).
   * A catalogue without them is warned about, not refused: an older catalogue still loads, and
   * the caller hears silence where they would be.
   */
  heard: StepReference[]
  matters: StepReference[]
  groups: StepReference[]
  departments: StepReference[]
  variables: VariableUse[]
}

/** A rule of one step the schema cannot express (a regex that does not compile, min > max). */
export interface StepFinding {
  /** JSON pointer inside the step. */
  path: string
  reason: string
  severity: 'error' | 'warning'
}

export interface StepKind<S> {
  readonly kind: string
  references(step: S): StepReferences
  check?(step: S): StepFinding[]
  run(step: S, ctx: StepContext, signal: AbortSignal): Promise<StepOutcome>
}

/**
 * Variables whose values mean something to the controller. Values written into them by a
 * flow file are checked at load (a matter must be in the directory, a priority one of the
 * plan's codes); the agent sees them with the call.
 */
export const FLOW_VARS = {
  /** `handling` | `help` | `hot-policy` | `second` (directory.ts PriorityCode). */
  priority: 'priority',
  /** A category of the directory. */
  category: 'category',
  /** A matter id of the directory. */
  matter: 'matter',
  /** Written by the survey step. */
  satisfaction: 'satisfaction',
  /** Written by the ticket step: the kind of ticket asked for. */
  ticket: 'ticket',
  /** Written by the ticket step when a ticket service raised the ticket. */
  ticketId: 'ticketId'
} as const
