// `hangup`: an optional last prompt, then the end of the call with a reason (stored with the
// call record and counted in the calls-ended metric, so keep it a short word).

import { Type, type Static } from '@sinclair/typebox'
import type { StepKind } from '../step.js'
import { PromptId, optionalPrompt, references, throwIfAborted } from './fields.js'

export const DEFAULT_HANGUP_REASON = 'hangup'

export const HangupStepSchema = Type.Object({
  kind: Type.Literal('hangup'),
  prompt: Type.Optional(PromptId),
  /** Why the call ended, e.g. `served`, `ticket`: lower-case words, no numbers or ids. */
  reason: Type.Optional(Type.String({ pattern: '^[a-z][a-z -]{0,39}$' }))
}, { additionalProperties: false })

export type HangupStep = Static<typeof HangupStepSchema>

export const hangupStep: StepKind<HangupStep> = {
  kind: 'hangup',
  references: (step) => references({ prompts: optionalPrompt('/prompt', step.prompt) }),
  async run (step, ctx, signal) {
    throwIfAborted(signal)
    if (step.prompt !== undefined) await ctx.play(step.prompt)
    throwIfAborted(signal)
    return { end: step.reason ?? DEFAULT_HANGUP_REASON }
  }
}
