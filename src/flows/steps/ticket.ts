// `ticket`: the caller could not be served now (after hours, nobody reachable), so the
// owning department must call back: a next-urgent ticket (次紧急工单) is due before 10:00
// of the next working day (Shanghai plan 2022-11).
//
// The step records the request in the call's variables (`ticket = next-urgent`), next to
// the caller's choices it keeps, and hands it to `services.tickets` when one is wired; a
// flow file is the same with or without it. Then the optional prompt tells the caller.

import { Type, type Static } from '@sinclair/typebox'
import { FLOW_VARS, type StepKind } from '../step.js'
import { PromptId, StepId, optionalPrompt, ref, references, throwIfAborted } from './fields.js'

export const TicketStepSchema = Type.Object({
  kind: Type.Literal('ticket'),
  ticketKind: Type.Union([Type.Literal('next-urgent'), Type.Literal('transfer-failed')]),
  /** Played once the ticket is asked for (e.g. "a department will call you back by 10:00"). */
  prompt: Type.Optional(PromptId),
  next: StepId
}, { additionalProperties: false })

export type TicketStep = Static<typeof TicketStepSchema>

export const ticketStep: StepKind<TicketStep> = {
  kind: 'ticket',
  references: (step) => references({
    next: [ref('/next', step.next)],
    prompts: optionalPrompt('/prompt', step.prompt),
    variables: [{ path: '/ticketKind', variable: FLOW_VARS.ticket, access: 'write', value: step.ticketKind }]
  }),
  async run (step, ctx, signal) {
    throwIfAborted(signal)
    ctx.set(FLOW_VARS.ticket, step.ticketKind)
    const sink = ctx.services.tickets
    if (sink !== undefined) {
      const { ticketId } = await sink.raise({
        kind: step.ticketKind,
        callId: ctx.callId,
        // The number the caller confirmed for the callback, else the caller ID.
        callerNumber: ctx.callbackNumber() ?? ctx.callerNumber,
        choices: ctx.vars(),
        at: ctx.now()
      }, signal)
      ctx.set(FLOW_VARS.ticketId, ticketId)
    }
    ctx.log.info({ ticketKind: step.ticketKind }, 'ticket asked for')
    throwIfAborted(signal)
    if (step.prompt !== undefined) await ctx.play(step.prompt)
    throwIfAborted(signal)
    return { next: step.next }
  }
}
