// `survey`: the satisfaction question after the agent conversation (好差评). Key 1 满意,
// 2 基本满意, 3 不满意, stored in `satisfaction` as satisfied / basically-satisfied /
// dissatisfied. Any other key asks again, up to `retries` times (no input likewise); a
// caller who does not answer records nothing — a non-answer is not a rating.

import { Type, type Static } from '@sinclair/typebox'
import { FLOW_VARS, type StepKind } from '../step.js'
import {
  DEFAULT_TIMEOUT_MS, PromptId, StepId, TimeoutMs, optionalPrompt, ref, references, throwIfAborted
} from './fields.js'
import type { Satisfaction } from '../../domain/call-record.js'

export const SURVEY_KEYS: Readonly<Record<string, Satisfaction>> = {
  1: 'satisfied',
  2: 'basically-satisfied',
  3: 'dissatisfied'
}

/** One more try by default: a survey should not keep a caller who has finished. */
const DEFAULT_SURVEY_RETRIES = 1

export const SurveyStepSchema = Type.Object({
  kind: Type.Literal('survey'),
  prompt: PromptId,
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  timeoutMs: TimeoutMs,
  /** Played after a key other than 1–3. */
  invalidPrompt: Type.Optional(PromptId),
  next: StepId
}, { additionalProperties: false })

export type SurveyStep = Static<typeof SurveyStepSchema>

export const surveyStep: StepKind<SurveyStep> = {
  kind: 'survey',
  references: (step) => references({
    next: [ref('/next', step.next)],
    prompts: [ref('/prompt', step.prompt), ...optionalPrompt('/invalidPrompt', step.invalidPrompt)],
    variables: Object.values(SURVEY_KEYS).map((value) => ({ path: '', variable: FLOW_VARS.satisfaction, access: 'write' as const, value }))
  }),
  async run (step, ctx, signal) {
    const retries = step.retries ?? DEFAULT_SURVEY_RETRIES
    for (let tries = 1; tries <= retries + 1; tries++) {
      throwIfAborted(signal)
      const { digits } = await ctx.collect({
        prompt: step.prompt, minDigits: 1, maxDigits: 1, timeoutMs: step.timeoutMs ?? DEFAULT_TIMEOUT_MS
      })
      throwIfAborted(signal)
      const rating = Object.hasOwn(SURVEY_KEYS, digits) ? SURVEY_KEYS[digits] : undefined
      if (rating !== undefined) {
        ctx.set(FLOW_VARS.satisfaction, rating)
        return { next: step.next }
      }
      if (digits !== '' && step.invalidPrompt !== undefined && tries <= retries) await ctx.play(step.invalidPrompt)
    }
    ctx.log.info('survey: no rating given')
    return { next: step.next }
  }
}
