// `menu`: a prompt, one key, a branch per key. Invalid keys and no input are counted
// separately, each with its own prompt, as FreeSWITCH's IVR menus do (`max-failures` for
// entries that match no option, `max-timeouts` for no key at all; "when either counter
// reaches its maximum, the menu exits" — FreeSWITCH docs, IVR Menus). Here the exit is the
// step's `onFail`.
//
// An option may set variables (the caller's choices), which the engine stores with the call.

import { Type, type Static } from '@sinclair/typebox'
import type { StepKind } from '../step.js'
import {
  DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, DTMF_KEY_PATTERN, PromptId, Retries, StepId, TimeoutMs,
  VariableName, optionalPrompt, ref, references, seg, throwIfAborted
} from './fields.js'

export const MenuOptionSchema = Type.Object({
  next: StepId,
  /** Variables to set when this key is chosen, e.g. `{ priority: handling }`. */
  set: Type.Optional(Type.Record(VariableName, Type.String({ minLength: 1, maxLength: 64 }), { additionalProperties: false }))
}, { additionalProperties: false })

export const MenuStepSchema = Type.Object({
  kind: Type.Literal('menu'),
  prompt: PromptId,
  /** Key (`0`–`9`, `*`, `#`) → where it leads. A key not listed is invalid input. */
  options: Type.Record(Type.String({ pattern: DTMF_KEY_PATTERN }), MenuOptionSchema, { minProperties: 1, additionalProperties: false }),
  timeoutMs: TimeoutMs,
  /** How many times the menu is offered again after an invalid key (and, counted apart, after no key). */
  retries: Retries,
  invalidPrompt: Type.Optional(PromptId),
  noInputPrompt: Type.Optional(PromptId),
  /** Where the caller goes after too many invalid keys or too many silences. */
  onFail: StepId
}, { additionalProperties: false })

export type MenuStep = Static<typeof MenuStepSchema>

export const menuStep: StepKind<MenuStep> = {
  kind: 'menu',
  references (step) {
    const options = Object.entries(step.options)
    return references({
      next: [
        ...options.map(([key, o]) => ref(`/options/${seg(key)}/next`, o.next)),
        ref('/onFail', step.onFail)
      ],
      prompts: [
        ref('/prompt', step.prompt),
        ...optionalPrompt('/invalidPrompt', step.invalidPrompt),
        ...optionalPrompt('/noInputPrompt', step.noInputPrompt)
      ],
      variables: options.flatMap(([key, o]) => Object.entries(o.set ?? {}).map(([variable, value]) => ({
        path: `/options/${seg(key)}/set/${seg(variable)}`, variable, access: 'write' as const, value
      })))
    })
  },
  async run (step, ctx, signal) {
    const retries = step.retries ?? DEFAULT_RETRIES
    let invalid = 0
    let silent = 0
    for (;;) {
      throwIfAborted(signal)
      const { digits } = await ctx.collect({
        prompt: step.prompt, minDigits: 1, maxDigits: 1, timeoutMs: step.timeoutMs ?? DEFAULT_TIMEOUT_MS
      })
      throwIfAborted(signal)
      if (digits === '') {
        silent++
        ctx.log.info({ silent, retries }, 'menu: no key')
        if (step.noInputPrompt !== undefined) await ctx.play(step.noInputPrompt)
        if (silent > retries) return { next: step.onFail }
        continue
      }
      const option = Object.hasOwn(step.options, digits) ? step.options[digits] : undefined
      if (option === undefined) {
        invalid++
        ctx.log.info({ invalid, retries }, 'menu: key not among the options')
        if (step.invalidPrompt !== undefined) await ctx.play(step.invalidPrompt)
        if (invalid > retries) return { next: step.onFail }
        continue
      }
      for (const [name, value] of Object.entries(option.set ?? {})) ctx.set(name, value)
      return { next: option.next }
    }
  }
}
