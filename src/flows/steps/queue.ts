// `queue`: wait for an agent of a group, talk, and come back when the agent's conversation
// ends (`next`) — or leave after `maxWaitSec` without an agent (`overflow`, after the
// optional `overflowPrompt`). The queue plays the waiting prompts (queue-hold,
// queue-position-N, queue-music) through the call's owner; the agent who answers sees the caller's choices.
// The visit is stored with the call.

import { Type, type Static } from '@sinclair/typebox'
import type { StepKind } from '../step.js'
import { QUEUE_PROMPTS } from '../../calls/queue-announcer.js'
import { PromptId, StepId, optionalPrompt, ref, references, throwIfAborted } from './fields.js'

export const DEFAULT_ANNOUNCE_EVERY_SEC = 30

export const QueueStepSchema = Type.Object({
  kind: Type.Literal('queue'),
  /** An agent group (config/agents.yaml). */
  group: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
  maxWaitSec: Type.Integer({ minimum: 10, maximum: 3600 }),
  /** How often a waiting caller hears their position. Optional: 30 s. */
  announceEverySec: Type.Optional(Type.Integer({ minimum: 5, maximum: 600 })),
  /** After the conversation with the agent. */
  next: StepId,
  /** After maxWaitSec without an agent. */
  overflow: StepId,
  /** Played when the caller leaves by `overflow` (e.g. "no agent can take your call now"). */
  overflowPrompt: Type.Optional(PromptId)
}, { additionalProperties: false })

export type QueueStep = Static<typeof QueueStepSchema>

export const queueStep: StepKind<QueueStep> = {
  kind: 'queue',
  references: (step) => references({
    next: [ref('/next', step.next), ref('/overflow', step.overflow)],
    prompts: optionalPrompt('/overflowPrompt', step.overflowPrompt),
    heard: QUEUE_PROMPTS.map((id) => ref('', id)),
    groups: [ref('/group', step.group)]
  }),
  check (step) {
    const every = step.announceEverySec ?? DEFAULT_ANNOUNCE_EVERY_SEC
    return every >= step.maxWaitSec
      ? [{ path: '/announceEverySec', reason: `announceEverySec ${every} is not less than maxWaitSec ${step.maxWaitSec}: a waiting caller never hears their position`, severity: 'warning' }]
      : []
  },
  async run (step, ctx, signal) {
    throwIfAborted(signal)
    // The call's owner waits for the agent, holds the conversation and records the visit; the
    // flow goes on once the caller is alone again.
    const outcome = await ctx.queue({
      group: step.group,
      maxWaitMs: step.maxWaitSec * 1000,
      announceEveryMs: (step.announceEverySec ?? DEFAULT_ANNOUNCE_EVERY_SEC) * 1000
    })
    throwIfAborted(signal)
    if (outcome.kind === 'served') return { next: step.next }
    if (step.overflowPrompt !== undefined) await ctx.play(step.overflowPrompt)
    return { next: step.overflow }
  }
}
