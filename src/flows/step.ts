// The common step interface: one file per step kind under steps/, looked up in a registry.
// A step runs against a StepContext (the call, its variables, the services it may use) and
// says where the flow goes next. Every step is cancelled through the AbortSignal when the
// caller hangs up.

import type { Logger } from 'pino'
import type { Directory } from '../domain/directory.js'
import type { WorkCalendar } from '../domain/calendar.js'
import type { Acd } from '../ports/acd.js'
import type { CollectOptions, CollectResult } from '../ports/switch.js'

/** Services a flow may use; injected by the wiring, never reached through globals. */
export interface FlowServices {
  calendar: WorkCalendar
  directory: Directory
  acd: Acd
}

export interface StepContext {
  readonly callId: string
  readonly legId: string
  /** The caller's number as the switch gave it: personal data, never log it. */
  readonly callerNumber: string
  readonly log: Logger
  readonly services: FlowServices
  now(): number
  play(prompt: string): Promise<void>
  collect(options: Omit<CollectOptions, 'signal'>): Promise<CollectResult>
  /** Flow variables: the caller's choices (priority, category, matter, …). */
  get(name: string): string | undefined
  set(name: string, value: string): void
  vars(): Record<string, string>
}

/** Where the flow goes after a step: the next step id, or the end of the call. */
export type StepOutcome =
  | { next: string }
  | { end: string }

export interface StepReferences {
  /** Step ids this step can continue to. */
  next: string[]
  prompts: string[]
  matters: string[]
  groups: string[]
}

export interface StepKind<S> {
  readonly kind: string
  /** Whether `value` (already schema-checked) is a step of this kind. */
  references(step: S): StepReferences
  run(step: S, ctx: StepContext, signal: AbortSignal): Promise<StepOutcome>
}
