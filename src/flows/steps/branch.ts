// `branch`: no sound, just a decision.
//
//   on: working-time  cases open / closed. Whose hours: `department` when given, else the
//                     department of the matter the caller chose (variable `matter`), else
//                     the default hours — calendar.yaml may give a department its own hours.
//                     Days follow the State Council notice (make-up Saturdays work, holiday
//                     weekdays do not): WorkCalendar.isWorkingTime.
//   on: priority      cases first / second, from the variable `priority`: handling, help and
//                     hot-policy are first; second is second (Shanghai plan 2022-11). With
//                     no priority chosen, the chosen matter's class from the directory; with
//                     neither, second — "all other enquiries" keep the ordinary process.
//   on: variable      the value of `variable` picks a case; no case (or no value): `default`.

import { Type, type Static } from '@sinclair/typebox'
import { PRIORITY_CODES, type PriorityCode } from '../../domain/directory.js'
import { FLOW_VARS, type StepContext, type StepKind, type StepOutcome } from '../step.js'
import { StepId, VariableName, ref, references, seg, throwIfAborted } from './fields.js'

export const WorkingTimeBranchSchema = Type.Object({
  kind: Type.Literal('branch'),
  on: Type.Literal('working-time'),
  /** A department id of the directory whose hours apply. */
  department: Type.Optional(Type.String({ minLength: 1 })),
  cases: Type.Object({ open: StepId, closed: StepId }, { additionalProperties: false })
}, { additionalProperties: false })

export const PriorityBranchSchema = Type.Object({
  kind: Type.Literal('branch'),
  on: Type.Literal('priority'),
  cases: Type.Object({ first: StepId, second: StepId }, { additionalProperties: false })
}, { additionalProperties: false })

export const VariableBranchSchema = Type.Object({
  kind: Type.Literal('branch'),
  on: Type.Literal('variable'),
  variable: VariableName,
  cases: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), StepId),
  default: StepId
}, { additionalProperties: false })

/** The variants by their `on`, so a schema error names the variant the file meant. */
export const BRANCH_VARIANTS = {
  'working-time': WorkingTimeBranchSchema,
  priority: PriorityBranchSchema,
  variable: VariableBranchSchema
} as const

export const BranchStepSchema = Type.Union([WorkingTimeBranchSchema, PriorityBranchSchema, VariableBranchSchema])

export type BranchStep = Static<typeof BranchStepSchema>

function isPriorityCode (value: string): value is PriorityCode {
  return (PRIORITY_CODES as readonly string[]).includes(value)
}

/** The caller's priority class (see the header). */
export function priorityClass (ctx: StepContext): 'first' | 'second' {
  const code = ctx.get(FLOW_VARS.priority)
  if (code !== undefined) {
    if (isPriorityCode(code)) return code === 'second' ? 'second' : 'first'
    ctx.log.warn({ priority: code }, 'branch: priority variable holds no priority code; taking second')
    return 'second'
  }
  const matterId = ctx.get(FLOW_VARS.matter)
  const matter = matterId === undefined ? undefined : ctx.services.directory.matter(matterId)
  return matter?.priority.class ?? 'second'
}

/** The department whose hours apply (see the header); undefined: the default hours. */
function departmentFor (step: Static<typeof WorkingTimeBranchSchema>, ctx: StepContext): string | undefined {
  if (step.department !== undefined) return step.department
  const matterId = ctx.get(FLOW_VARS.matter)
  return matterId === undefined ? undefined : ctx.services.directory.matter(matterId)?.departmentId
}

/** Which case applies now (see the header). */
function decide (step: BranchStep, ctx: StepContext, signal: AbortSignal): StepOutcome {
  throwIfAborted(signal)
  switch (step.on) {
    case 'working-time': {
      const department = departmentFor(step, ctx)
      const open = ctx.services.calendar.isWorkingTime(ctx.now(), department)
      ctx.log.info({ department, open }, 'branch: working time')
      return { next: open ? step.cases.open : step.cases.closed }
    }
    case 'priority': {
      const cls = priorityClass(ctx)
      ctx.log.info({ priorityClass: cls }, 'branch: priority')
      return { next: step.cases[cls] }
    }
    case 'variable': {
      const value = ctx.get(step.variable)
      const next = value !== undefined && Object.hasOwn(step.cases, value) ? step.cases[value] : undefined
      return { next: next ?? step.default }
    }
  }
}

export const branchStep: StepKind<BranchStep> = {
  kind: 'branch',
  references (step) {
    switch (step.on) {
      case 'working-time':
        return references({
          next: [ref('/cases/open', step.cases.open), ref('/cases/closed', step.cases.closed)],
          departments: step.department === undefined ? [] : [ref('/department', step.department)],
          variables: step.department === undefined ? [{ path: '', variable: FLOW_VARS.matter, access: 'read' }] : []
        })
      case 'priority':
        return references({
          next: [ref('/cases/first', step.cases.first), ref('/cases/second', step.cases.second)],
          variables: [{ path: '', variable: FLOW_VARS.priority, access: 'read' }]
        })
      case 'variable': {
        const cases = Object.entries(step.cases)
        return references({
          next: [...cases.map(([value, id]) => ref(`/cases/${seg(value)}`, id)), ref('/default', step.default)],
          variables: [
            { path: '/variable', variable: step.variable, access: 'read' },
            ...cases.map(([value]) => ({ path: `/cases/${seg(value)}`, variable: step.variable, access: 'read' as const, value }))
          ]
        })
      }
    }
  },
  run: async (step, ctx, signal) => await Promise.resolve().then(() => decide(step, ctx, signal))
}
