// The step registry: kind → implementation. Its type lists every kind of the flow schema, so
// a kind added to the schema without an implementation (or the reverse) does not compile.

import type { Step, StepKindName } from '../schema.js'
import type { StepKind } from '../step.js'
import { branchStep } from './branch.js'
import { callbackStep } from './callback.js'
import { collectStep } from './collect.js'
import { hangupStep } from './hangup.js'
import { menuStep } from './menu.js'
import { playStep } from './play.js'
import { queueStep } from './queue.js'
import { surveyStep } from './survey.js'
import { ticketStep } from './ticket.js'

export const STEP_KINDS: { readonly [K in StepKindName]: StepKind<Extract<Step, { kind: K }>> } = {
  play: playStep,
  menu: menuStep,
  collect: collectStep,
  branch: branchStep,
  queue: queueStep,
  ticket: ticketStep,
  survey: surveyStep,
  hangup: hangupStep,
  callback: callbackStep
}

/** The implementation of a step's kind. */
export function stepKindOf (step: Step): StepKind<Step> {
  // STEP_KINDS maps each kind to the implementation of exactly that kind's steps, so the
  // implementation found by `step.kind` accepts `step`.
  return STEP_KINDS[step.kind]
}
