// `collect`: several digits (an enterprise's code, a matter's code, …) into a variable,
// checked before they are accepted. A rule is either a regular expression the whole input
// must match, or `matterCode`: the digits must be the id of a matter in the directory.
//
// No input and invalid input share one count here (one `retries`); after the last failure
// the caller goes to `onFail`. Collected digits are stored as a choice and shown to the
// agent; they never reach a dial string (directory.ts: only directory numbers are dialled).

import { Type, type Static } from '@sinclair/typebox'
import { FLOW_VARS, type StepContext, type StepFinding, type StepKind } from '../step.js'
import {
  DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, PromptId, Retries, StepId, TimeoutMs, VariableName,
  optionalPrompt, ref, references, throwIfAborted
} from './fields.js'

export const CollectValidateSchema = Type.Object({
  /** A JavaScript regular expression the whole input must match (it is anchored). */
  pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The digits must be a matter id of the directory. */
  matterCode: Type.Optional(Type.Literal(true))
}, { additionalProperties: false, minProperties: 1, maxProperties: 1 })

export const CollectStepSchema = Type.Object({
  kind: Type.Literal('collect'),
  prompt: PromptId,
  minDigits: Type.Integer({ minimum: 1, maximum: 32 }),
  maxDigits: Type.Integer({ minimum: 1, maximum: 32 }),
  timeoutMs: TimeoutMs,
  /** How long to wait between digits (the switch's default when absent). */
  interDigitTimeoutMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 30000 })),
  /** Keys that end the input early, e.g. `#`. */
  terminators: Type.Optional(Type.String({ pattern: '^[0-9*#]{1,4}$' })),
  retries: Retries,
  into: VariableName,
  validate: Type.Optional(CollectValidateSchema),
  invalidPrompt: Type.Optional(PromptId),
  /** Played after no input; the invalid prompt when absent. */
  noInputPrompt: Type.Optional(PromptId),
  next: StepId,
  onFail: StepId
}, { additionalProperties: false })

export type CollectStep = Static<typeof CollectStepSchema>

/** The rule anchored, so `\d{8}` cannot pass on nine digits. */
function compile (pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`)
}

function accepts (step: CollectStep, digits: string, ctx: StepContext): boolean {
  if (digits.length < step.minDigits || digits.length > step.maxDigits) return false
  const rule = step.validate
  if (rule?.pattern !== undefined) return compile(rule.pattern).test(digits)
  if (rule?.matterCode === true) return ctx.services.directory.matter(digits) !== undefined
  return true
}

export const collectStep: StepKind<CollectStep> = {
  kind: 'collect',
  references: (step) => references({
    next: [ref('/next', step.next), ref('/onFail', step.onFail)],
    prompts: [
      ref('/prompt', step.prompt),
      ...optionalPrompt('/invalidPrompt', step.invalidPrompt),
      ...optionalPrompt('/noInputPrompt', step.noInputPrompt)
    ],
    variables: [{ path: '/into', variable: step.into, access: 'write' }]
  }),
  check (step) {
    const findings: StepFinding[] = []
    if (step.minDigits > step.maxDigits) {
      findings.push({ path: '/minDigits', reason: `minDigits ${step.minDigits} is more than maxDigits ${step.maxDigits}`, severity: 'error' })
    }
    const pattern = step.validate?.pattern
    if (pattern !== undefined) {
      try {
        compile(pattern)
      } catch (err) {
        findings.push({ path: '/validate/pattern', reason: `not a valid regular expression: ${(err as Error).message}`, severity: 'error' })
      }
    }
    if (step.into === FLOW_VARS.matter && step.validate?.matterCode !== true) {
      findings.push({ path: '/validate', reason: `digits collected into "${FLOW_VARS.matter}" without "matterCode: true" may name no matter of the directory`, severity: 'warning' })
    }
    return findings
  },
  async run (step, ctx, signal) {
    const retries = step.retries ?? DEFAULT_RETRIES
    for (let failures = 1; ; failures++) {
      throwIfAborted(signal)
      const { digits } = await ctx.collect({
        prompt: step.prompt,
        minDigits: step.minDigits,
        maxDigits: step.maxDigits,
        timeoutMs: step.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        ...(step.interDigitTimeoutMs === undefined ? {} : { interDigitTimeoutMs: step.interDigitTimeoutMs }),
        ...(step.terminators === undefined ? {} : { terminators: step.terminators })
      })
      throwIfAborted(signal)
      if (digits !== '' && accepts(step, digits, ctx)) {
        ctx.set(step.into, digits)
        return { next: step.next }
      }
      ctx.log.info({ failures, retries, entered: digits.length }, digits === '' ? 'collect: no input' : 'collect: input refused')
      const prompt = digits === '' ? step.noInputPrompt ?? step.invalidPrompt : step.invalidPrompt
      if (prompt !== undefined) await ctx.play(prompt)
      if (failures > retries) return { next: step.onFail }
    }
  }
}
