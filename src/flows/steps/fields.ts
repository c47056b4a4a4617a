// Field schemas and small helpers shared by the step kinds: ids, prompts, timeouts, and the
// way a step names what it refers to.

import { Type } from '@sinclair/typebox'
import { abortError } from '../../errors.js'
import type { StepReference, StepReferences } from '../step.js'

export const STEP_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'

export const StepId = Type.String({ pattern: STEP_ID_PATTERN, description: 'a step id of this flow' })

/** Same form as the catalogue's keys (prompts.ts): the switch plays `<id>.wav`. */
export const PromptId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'a prompt of ivr-flows/prompts.yaml' })

export const VariableName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' })

/** How long to wait for the first key after the prompt. Optional: DEFAULT_TIMEOUT_MS. */
export const TimeoutMs = Type.Optional(Type.Integer({ minimum: 1000, maximum: 60000 }))

/** How often a step offers itself again after a failure. Optional: DEFAULT_RETRIES. */
export const Retries = Type.Optional(Type.Integer({ minimum: 0, maximum: 9 }))

export const DEFAULT_TIMEOUT_MS = 5000
export const DEFAULT_RETRIES = 2

/** One DTMF key. */
export const DTMF_KEY_PATTERN = '^[0-9*#]$'

export function references (partial: Partial<StepReferences>): StepReferences {
  return { next: [], prompts: [], heard: [], matters: [], groups: [], departments: [], variables: [], ...partial }
}

export function ref (path: string, id: string): StepReference {
  return { path, id }
}

/** A prompt reference when the step has one. */
export function optionalPrompt (path: string, id: string | undefined): StepReference[] {
  return id === undefined ? [] : [ref(path, id)]
}

/** Escapes one JSON pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function seg (text: string): string {
  return text.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** Throws the abort's reason as a HotlineError: a step never goes on after the caller left. */
export function throwIfAborted (signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal)
}
