// `callback`: confirms the number the department should call back (outside working hours,
// before a next-urgent ticket). The caller ID is offered first, read back by its last four
// digits; the caller confirms with 1 or keys another number with 2, which is read back in
// full and confirmed in turn. A caller ID that is withheld or not a phone number goes straight
// to keying one in. The confirmed number is kept apart from the variables (they are stored
// with the call and shown to agents): only the ticket gets it in full. The variable
// `callback` records how it was confirmed: `caller-id` or `keyed`.

import { Type, type Static } from '@sinclair/typebox'
import { maskNumber } from '../../logger.js'
import type { StepContext, StepKind } from '../step.js'
import {
  DEFAULT_TIMEOUT_MS, PromptId, Retries, StepId, TimeoutMs, optionalPrompt, ref, references, throwIfAborted
} from './fields.js'

/** Phone numbers a department can call back: 7 to 12 digits (landline with area code, mobile). */
const PHONE = /^[0-9]{7,12}$/

export const CallbackStepSchema = Type.Object({
  kind: Type.Literal('callback'),
  /** "We will call you back on the number ending in" (followed by its last four digits). */
  callerIdPrompt: PromptId,
  /** "You keyed" (followed by the digits keyed). */
  keyedPrompt: PromptId,
  /** "Press 1 to confirm, 2 to use another number". */
  confirmPrompt: PromptId,
  /** "Please key the number to call back, then #". */
  enterPrompt: PromptId,
  invalidPrompt: Type.Optional(PromptId),
  /** Digit prompts are `<digitPrefix>0` … `<digitPrefix>9`. */
  digitPrefix: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,60}$' })),
  timeoutMs: TimeoutMs,
  retries: Retries,
  next: StepId,
  /** Where the caller goes when no number could be confirmed. */
  onFail: StepId
}, { additionalProperties: false })

export type CallbackStep = Static<typeof CallbackStepSchema>

const DEFAULT_DIGIT_PREFIX = 'digit-'

/** One masked line for the whole read-back: a line per digit prompt would spell the number out. */
async function readBack (ctx: StepContext, step: CallbackStep, digits: string): Promise<void> {
  ctx.log.info({ readBack: maskNumber(digits) }, 'reading the number back')
  for (const digit of digits) await ctx.play(`${step.digitPrefix ?? DEFAULT_DIGIT_PREFIX}${digit}`, { quiet: true })
}

async function confirmed (ctx: StepContext, step: CallbackStep): Promise<'yes' | 'other' | 'unclear'> {
  const { digits } = await ctx.collect({
    prompt: step.confirmPrompt, minDigits: 1, maxDigits: 1, timeoutMs: step.timeoutMs ?? DEFAULT_TIMEOUT_MS
  })
  if (digits === '1') return 'yes'
  if (digits === '2') return 'other'
  return 'unclear'
}

export const callbackStep: StepKind<CallbackStep> = {
  kind: 'callback',
  references: (step) => {
    const prefix = step.digitPrefix ?? DEFAULT_DIGIT_PREFIX
    return references({
      next: [ref('/next', step.next), ref('/onFail', step.onFail)],
      prompts: [
        ref('/callerIdPrompt', step.callerIdPrompt), ref('/keyedPrompt', step.keyedPrompt),
        ref('/confirmPrompt', step.confirmPrompt), ref('/enterPrompt', step.enterPrompt),
        ...optionalPrompt('/invalidPrompt', step.invalidPrompt),
        ...[...'0123456789'].map((d) => ref('/digitPrefix', `${prefix}${d}`))
      ],
      variables: [
        { path: '', variable: 'callback', access: 'write', value: 'caller-id' },
        { path: '', variable: 'callback', access: 'write', value: 'keyed' }
      ]
    })
  },
  async run (step, ctx, signal) {
    // Retries count failures (no or wrong key, a number too short); choosing another number
    // with 2 is not a failure.
    const retries = step.retries ?? 2
    let failures = 0
    let offerCallerId = PHONE.test(ctx.callerNumber)
    const failed = async (): Promise<boolean> => {
      failures++
      if (failures <= retries && step.invalidPrompt !== undefined) await ctx.play(step.invalidPrompt)
      return failures > retries
    }
    for (;;) {
      throwIfAborted(signal)
      if (offerCallerId) {
        await ctx.play(step.callerIdPrompt)
        await readBack(ctx, step, ctx.callerNumber.slice(-4))
        const answer = await confirmed(ctx, step)
        if (answer === 'yes') {
          ctx.setCallbackNumber(ctx.callerNumber)
          ctx.set('callback', 'caller-id')
          return { next: step.next }
        }
        if (answer === 'other') offerCallerId = false
        else if (await failed()) break
        continue
      }
      const keyed = await ctx.collect({
        prompt: step.enterPrompt, minDigits: 7, maxDigits: 12, terminators: '#',
        timeoutMs: step.timeoutMs ?? DEFAULT_TIMEOUT_MS, interDigitTimeoutMs: 5000
      })
      if (!PHONE.test(keyed.digits)) {
        if (await failed()) break
        continue
      }
      await ctx.play(step.keyedPrompt)
      await readBack(ctx, step, keyed.digits)
      if (await confirmed(ctx, step) === 'yes') {
        ctx.setCallbackNumber(keyed.digits)
        ctx.set('callback', 'keyed')
        return { next: step.next }
      }
      if (await failed()) break
    }
    ctx.log.info('no callback number confirmed')
    return { next: step.onFail }
  }
}
