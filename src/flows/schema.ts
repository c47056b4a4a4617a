// The schema of a flow file (ivr-flows/<flow>.yaml), composed from the step kinds' schemas
// (one per file under steps/):
//
//   id: enterprise-seat          the flow's id (what the wiring asks the registry for)
//   name: 企业专席
//   description: …               optional
//   start: welcome               the first step
//   steps:                       step id → step, each with `kind` and that kind's fields
//     welcome: { kind: play, prompt: welcome, next: priority-menu }
//
// Checked in two passes so an error names the step and field the file got wrong: first the
// flow's own fields with each step only required to have a `kind`, then every step against
// its kind's schema (a branch against the variant its `on` names). A union over all kinds
// would only say "expected union value".

import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value'
import { BRANCH_VARIANTS, BranchStepSchema } from './steps/branch.js'
import { CollectStepSchema } from './steps/collect.js'
import { STEP_ID_PATTERN, StepId, seg } from './steps/fields.js'
import { CallbackStepSchema } from './steps/callback.js'
import { HangupStepSchema } from './steps/hangup.js'
import { MenuStepSchema } from './steps/menu.js'
import { PlayStepSchema } from './steps/play.js'
import { QueueStepSchema } from './steps/queue.js'
import { SurveyStepSchema } from './steps/survey.js'
import { TicketStepSchema } from './steps/ticket.js'

export const StepSchema = Type.Union([
  PlayStepSchema, MenuStepSchema, CollectStepSchema, BranchStepSchema, QueueStepSchema,
  TicketStepSchema, SurveyStepSchema, HangupStepSchema, CallbackStepSchema
])

export type Step = Static<typeof StepSchema>
export type StepKindName = Step['kind']

export const FLOW_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$'

const header = {
  id: Type.String({ pattern: FLOW_ID_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  start: StepId
}

const StepIdKey = Type.String({ pattern: STEP_ID_PATTERN })
const stepMap = { minProperties: 1, additionalProperties: false } as const

/** The whole file: what a flow that passed both passes is. */
export const FlowSchema = Type.Object({ ...header, steps: Type.Record(StepIdKey, StepSchema, stepMap) }, { additionalProperties: false })

export type FlowDocument = Static<typeof FlowSchema>

/** Pass one: the flow's fields, each step only needing a kind. */
const FlowShapeSchema = Type.Object({ ...header, steps: Type.Record(StepIdKey, Type.Object({ kind: Type.String() }), stepMap) }, { additionalProperties: false })

type Variants = Readonly<Record<string, TSchema>>

/** Each kind's schema, or its variants under the field that chooses one. */
type KindEntry = { schema: TSchema } | { on: string, variants: Variants }

const KIND_SCHEMAS: Readonly<Record<StepKindName, KindEntry>> = {
  play: { schema: PlayStepSchema },
  menu: { schema: MenuStepSchema },
  collect: { schema: CollectStepSchema },
  branch: { on: 'on', variants: BRANCH_VARIANTS },
  queue: { schema: QueueStepSchema },
  ticket: { schema: TicketStepSchema },
  survey: { schema: SurveyStepSchema },
  hangup: { schema: HangupStepSchema },
  callback: { schema: CallbackStepSchema }
}

export const STEP_KIND_NAMES = Object.keys(KIND_SCHEMAS) as StepKindName[]

/** A schema problem: a JSON pointer into the file and what is wrong there. */
export interface SchemaProblem {
  path: string
  reason: string
}

export interface SchemaResult {
  /** Set when the whole file passed. */
  flow?: FlowDocument
  problems: SchemaProblem[]
  /** Ids of steps that passed their kind's schema (their fields can be trusted). */
  validSteps: ReadonlySet<string>
  /** Every step id the file declares, valid or not (targets may name them). */
  stepIds: ReadonlySet<string>
}

/** At most this many problems per step or for the flow's own fields: one typo is enough to see. */
const MAX_PER_PART = 10

function lastSegment (path: string): string {
  return (path.split('/').pop() ?? '').replaceAll('~1', '/').replaceAll('~0', '~')
}

/** TypeBox's messages say what was expected; these name the field too where they can. */
function describe (e: ValueError): string {
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `missing required field "${lastSegment(e.path)}"`
    case ValueErrorType.ObjectAdditionalProperties: {
      // A map (steps, options, set) whose keys have a form: the key is wrong, not a field.
      const keys = Object.keys((e.schema as { patternProperties?: object }).patternProperties ?? {})
      return keys.length === 0
        ? `unknown field "${lastSegment(e.path)}"`
        : `key "${lastSegment(e.path)}" does not match ${keys.join(' or ')}`
    }
    case ValueErrorType.StringPattern: {
      const pattern = (e.schema as { pattern?: string }).pattern ?? ''
      return `${JSON.stringify(e.value)} does not match ${pattern}`
    }
    default:
      return e.message
  }
}

function errorsOf (schema: TSchema, value: unknown, prefix: string): SchemaProblem[] {
  const problems: SchemaProblem[] = []
  for (const e of Value.Errors(schema, value)) {
    // A missing field is reported twice (required, then its type): keep the first.
    const path = prefix + e.path
    if (problems.some((p) => p.path === path)) continue
    problems.push({ path: path === '' ? '/' : path, reason: describe(e) })
    if (problems.length >= MAX_PER_PART) break
  }
  return problems
}

function stepProblems (id: string, step: { kind: string }): SchemaProblem[] {
  const at = `/steps/${seg(id)}`
  const entry = Object.hasOwn(KIND_SCHEMAS, step.kind) ? KIND_SCHEMAS[step.kind as StepKindName] : undefined
  if (entry === undefined) {
    return [{ path: `${at}/kind`, reason: `unknown step kind "${step.kind}": one of ${STEP_KIND_NAMES.join(', ')}` }]
  }
  if ('schema' in entry) return errorsOf(entry.schema, step, at)
  const choice = (step as Record<string, unknown>)[entry.on]
  const names = Object.keys(entry.variants)
  const variant = typeof choice === 'string' && Object.hasOwn(entry.variants, choice) ? entry.variants[choice] : undefined
  if (variant === undefined) {
    return [{
      path: `${at}/${entry.on}`,
      reason: choice === undefined
        ? `missing required field "${entry.on}": one of ${names.join(', ')}`
        : `unknown ${step.kind} ${entry.on} ${JSON.stringify(choice)}: one of ${names.join(', ')}`
    }]
  }
  return errorsOf(variant, step, at)
}

/** Checks a parsed flow file; problems are relative to the file (`/steps/menu/options/1/next`). */
export function checkFlowSchema (data: unknown): SchemaResult {
  const shape = errorsOf(FlowShapeSchema, data, '')
  const steps = typeof data === 'object' && data !== null && 'steps' in data &&
    typeof data.steps === 'object' && data.steps !== null && !Array.isArray(data.steps)
    ? data.steps as Record<string, unknown>
    : {}
  const problems = [...shape]
  const validSteps = new Set<string>()
  for (const [id, step] of Object.entries(steps)) {
    // Shape problems (a bad id, a step that is no object or has no kind) are already listed.
    if (shape.some((p) => p.path === `/steps/${seg(id)}` || p.path.startsWith(`/steps/${seg(id)}/`))) continue
    const found = stepProblems(id, step as { kind: string })
    if (found.length === 0) validSteps.add(id)
    problems.push(...found)
  }
  const stepIds = new Set(Object.keys(steps))
  if (problems.length > 0) return { problems, validSteps, stepIds }
  // Both passes agree with the full schema; checking it keeps the FlowDocument type honest.
  if (!Value.Check(FlowSchema, data)) return { problems: errorsOf(FlowSchema, data, ''), validSteps, stepIds }
  return { flow: data, problems, validSteps, stepIds }
}
