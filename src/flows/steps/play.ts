// `play`: one prompt, then the next step.

import { Type, type Static } from '@sinclair/typebox'
import type { StepKind } from '../step.js'
import { PromptId, StepId, ref, references, throwIfAborted } from './fields.js'

export const PlayStepSchema = Type.Object({
  kind: Type.Literal('play'),
  prompt: PromptId,
  next: StepId
}, { additionalProperties: false })

export type PlayStep = Static<typeof PlayStepSchema>

export const playStep: StepKind<PlayStep> = {
  kind: 'play',
  references: (step) => references({
    next: [ref('/next', step.next)],
    prompts: [ref('/prompt', step.prompt)]
  }),
  async run (step, ctx, signal) {
    throwIfAborted(signal)
    await ctx.play(step.prompt)
    throwIfAborted(signal)
    return { next: step.next }
  }
}
