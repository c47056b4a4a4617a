// Loads and checks one flow file. Flows are validated when loaded, never mid-call: a file
// that passes here can run without meeting an unknown step, prompt, matter or group.
//
// Every problem names the file, the path inside it and the reason, and all of them are
// reported at once. Two levels:
//
//   errors (the file is refused; on a reload the version in force stays):
//     the schema; `start` or any next / onFail / overflow / case target naming no step;
//     a step that cannot be reached from `start` (usually a mistyped target elsewhere);
//     steps from which no call can end (a loop with no way out: no step without a
//     successor — a hangup — is reachable from them); a prompt not in the catalogue;
//     a matter, category, priority or department the directory does not know; an agent
//     group that does not exist; a pattern that is no regular expression; minDigits over
//     maxDigits.
//   warnings (the file loads; they are logged and printed by flows:check):
//     the flow's id differs from its file name; a branch reads a variable no step of the
//     flow writes (its default is always taken); a queue announces no more often than its
//     maximum wait; digits collected into `matter` without the matterCode rule; a matterCode
//     rule while no matter id of the directory is made of digits (no input can pass).

import { createHash } from 'node:crypto'
import { basename, extname } from 'node:path'
import { PRIORITY_CODES, type Directory } from '../domain/directory.js'
import { ConfigError, type ConfigProblem, parseYaml, readConfigText } from '../config/validate.js'
import { type FlowDocument, type Step, checkFlowSchema } from './schema.js'
import { FLOW_VARS, type StepReferences, type VariableUse } from './step.js'
import { stepKindOf } from './steps/index.js'
import { seg } from './steps/fields.js'
import { SURVEY_KEYS } from './steps/survey.js'

/** Largest flow file read (docs/flows.md): far above any real line, small enough to check in seconds. */
export const FLOW_MAX_BYTES = 1024 * 1024

/** A flow file's version: the first 16 hex digits of the SHA-256 of its text. */
export function flowVersion (text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

/** What a flow is checked against. */
export interface FlowWorld {
  /** Prompt ids of the catalogue (ivr-flows/prompts.yaml). */
  prompts: ReadonlySet<string>
  directory: Directory
  /** Agent groups a queue step may name. */
  groups: ReadonlySet<string>
}

/** A flow that passed every check: immutable, so a call can hold it while a reload replaces it. */
export interface LoadedFlow {
  readonly id: string
  readonly name: string
  readonly description?: string
  readonly start: string
  readonly steps: Readonly<Record<string, Readonly<Step>>>
  /** Content hash of the file: which version a call ran. */
  readonly version: string
  readonly file: string
  /** The prompts it plays, for a catalogue change to check against. */
  readonly prompts: readonly string[]
  readonly warnings: readonly ConfigProblem[]
}

export interface FlowCheck {
  /** Set when there is no error. */
  flow?: LoadedFlow
  errors: ConfigProblem[]
  warnings: ConfigProblem[]
}

/** Values the controller gives meaning to, by variable (see FLOW_VARS). */
function knownValues (world: FlowWorld): ReadonlyMap<string, { what: string, names: () => Iterable<string> }> {
  return new Map([
    [FLOW_VARS.priority, { what: `priority (one of ${PRIORITY_CODES.join(', ')})`, names: () => PRIORITY_CODES }],
    [FLOW_VARS.category, { what: 'category of the directory', names: () => world.directory.categories() }],
    [FLOW_VARS.matter, { what: 'matter of the directory', names: () => world.directory.matters().map((m) => m.id) }],
    [FLOW_VARS.satisfaction, { what: `satisfaction (one of ${Object.values(SURVEY_KEYS).join(', ')})`, names: () => Object.values(SURVEY_KEYS) }],
    [FLOW_VARS.ticket, { what: 'ticket kind (next-urgent, transfer-failed)', names: () => ['next-urgent', 'transfer-failed'] }]
  ])
}

/** The step ids from which some step without successors (a call's end) can be reached. */
function canEnd (edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const incoming = new Map<string, string[]>()
  for (const [from, targets] of edges) {
    for (const to of targets) incoming.set(to, [...(incoming.get(to) ?? []), from])
  }
  const done = new Set([...edges].filter(([, targets]) => targets.length === 0).map(([id]) => id))
  const todo = [...done]
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const from of incoming.get(id) ?? []) {
      if (!done.has(from)) { done.add(from); todo.push(from) }
    }
  }
  return done
}

function reachableFrom (start: string, edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>([start])
  const todo = [start]
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const to of edges.get(id) ?? []) {
      if (!seen.has(to)) { seen.add(to); todo.push(to) }
    }
  }
  return seen
}

/** Levenshtein distance, for "did you mean" on a mistyped name. */
function distance (a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    row = next
  }
  return row[b.length] ?? 0
}

/** ` (did you mean "x"?)` when a known name is within two edits of `name` (and fewer than its length). */
function suggest (name: string, known: Iterable<string>): string {
  let best: string | undefined
  let bestDistance = Math.min(3, name.length)
  for (const candidate of known) {
    const d = distance(name, candidate)
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`
}

/** Not a possible step id (ids have no spaces): the node unknown targets lead to. */
const WAY_OUT = ' way out'

export function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** The checks that need the whole graph and the world, on a file whose steps passed the schema. */
class FlowChecker {
  readonly errors: ConfigProblem[] = []
  readonly warnings: ConfigProblem[] = []
  readonly #file: string
  readonly #world: FlowWorld

  constructor (file: string, world: FlowWorld) {
    this.#file = file
    this.#world = world
  }

  error (path: string, reason: string): void {
    this.errors.push({ file: this.#file, path, reason })
  }

  warn (path: string, reason: string): void {
    this.warnings.push({ file: this.#file, path, reason })
  }

  /** Names one step uses, checked against the flow's steps and the world. */
  references (at: string, refs: StepReferences, stepIds: ReadonlySet<string>): void {
    const { prompts, directory, groups } = this.#world
    for (const r of refs.next) {
      if (!stepIds.has(r.id)) this.error(at + r.path, `unknown step "${r.id}": not among /steps${suggest(r.id, stepIds)}`)
    }
    for (const r of refs.prompts) {
      if (!prompts.has(r.id)) this.error(at + r.path, `unknown prompt "${r.id}": not in the prompt catalogue${suggest(r.id, prompts)}`)
    }
    const lacking = refs.heard.filter((r) => !prompts.has(r.id)).map((r) => r.id)
    if (lacking.length > 0) {
      this.warn(at, `the prompt catalogue lacks ${lacking.join(', ')}, which this step plays by itself: callers hear silence there`)
    }
    for (const r of refs.matters) {
      if (directory.matter(r.id) === undefined) this.error(at + r.path, `unknown matter "${r.id}": not in the directory${suggest(r.id, directory.matters().map((m) => m.id))}`)
    }
    for (const r of refs.departments) {
      if (directory.department(r.id) === undefined) this.error(at + r.path, `unknown department "${r.id}": not in the directory${suggest(r.id, directory.departments().map((d) => d.id))}`)
    }
    for (const r of refs.groups) {
      if (!groups.has(r.id)) this.error(at + r.path, `unknown agent group "${r.id}": known groups are ${[...groups].join(', ') || '(none)'}`)
    }
  }

  /** Values written to or compared with a variable the controller gives meaning to. */
  values (uses: ReadonlyArray<VariableUse & { at: string }>): void {
    const known = knownValues(this.#world)
    for (const use of uses) {
      if (use.value === undefined) continue
      const domain = known.get(use.variable)
      if (domain !== undefined && ![...domain.names()].includes(use.value)) {
        this.error(use.at + use.path, `unknown ${use.variable} "${use.value}": not a ${domain.what}${suggest(use.value, domain.names())}`)
      }
    }
    const written = new Set(uses.filter((u) => u.access === 'write').map((u) => u.variable))
    for (const use of uses) {
      // Only a variable branch depends on its variable alone; the working-time and priority
      // branches have fallbacks of their own (default hours, the matter's class).
      if (use.access !== 'read' || use.path !== '/variable' || written.has(use.variable)) continue
      this.warn(use.at + use.path, `no step of this flow sets "${use.variable}": the branch always takes its default`)
    }
  }

  /** Unreachable steps and steps from which the call can never end. */
  graph (start: string, edges: ReadonlyMap<string, readonly string[]>, unreachable: boolean): void {
    const reachable = reachableFrom(start, edges)
    reachable.delete(WAY_OUT)
    for (const id of unreachable ? edges.keys() : []) {
      if (id !== WAY_OUT && !reachable.has(id)) this.error(`/steps/${seg(id)}`, `unreachable step: no path from start "${start}" leads here`)
    }
    const ending = canEnd(edges)
    const trapped = [...reachable].filter((id) => !ending.has(id))
    for (const id of trapped) {
      this.error(`/steps/${seg(id)}`, `loop with no way out: no hangup can be reached from here (trapped steps: ${trapped.join(', ')})`)
    }
  }

  matterCodes (at: string, step: Step): void {
    if (step.kind !== 'collect' || step.validate?.matterCode !== true) return
    const codes = this.#world.directory.matters().map((m) => m.id)
      .filter((id) => /^[0-9]+$/.test(id) && id.length >= step.minDigits && id.length <= step.maxDigits)
    if (codes.length === 0) {
      this.warn(`${at}/validate/matterCode`, `no matter id of the directory is ${step.minDigits}–${step.maxDigits} digits: no input can pass`)
    }
  }
}

/** Checks a flow file's text; never throws for a problem of the file. */
export function checkFlowText (text: string, file: string, world: FlowWorld): FlowCheck {
  let data: unknown
  try {
    data = parseYaml(text, file)
  } catch (err) {
    if (err instanceof ConfigError) return { errors: err.problems, warnings: [] }
    throw err
  }
  const checker = new FlowChecker(file, world)
  const schema = checkFlowSchema(data)
  for (const p of schema.problems) checker.error(p.path, p.reason)
  const doc = data as Partial<FlowDocument>
  const steps = (schema.flow?.steps ?? doc.steps ?? {}) as Record<string, Step>

  const startChecked = schema.problems.some((p) => p.path === '/start')
  if (!startChecked && typeof doc.start === 'string' && schema.stepIds.size > 0 && !schema.stepIds.has(doc.start)) {
    checker.error('/start', `unknown step "${doc.start}": not among /steps${suggest(doc.start, schema.stepIds)}`)
  }
  // Edges of the graph; a target naming no step is reported once above and treated as a way
  // out here, so one typo is not reported again as a trap.
  const edges = new Map<string, string[]>([[WAY_OUT, []]])
  const uses: Array<VariableUse & { at: string }> = []
  const prompts = new Set<string>()
  for (const id of schema.validSteps) {
    const step = steps[id]
    if (step === undefined) continue
    const at = `/steps/${seg(id)}`
    const kind = stepKindOf(step)
    const refs = kind.references(step)
    checker.references(at, refs, schema.stepIds)
    for (const f of kind.check?.(step) ?? []) {
      if (f.severity === 'error') checker.error(at + f.path, f.reason)
      else checker.warn(at + f.path, f.reason)
    }
    checker.matterCodes(at, step)
    for (const use of refs.variables) uses.push({ ...use, at })
    for (const p of refs.prompts) prompts.add(p.id)
    edges.set(id, refs.next.map((r) => schema.stepIds.has(r.id) ? r.id : WAY_OUT))
  }
  checker.values(uses)

  // The graph is only meaningful when every step could be read. A target naming no step
  // hides where it should lead, so whether the rest is reachable is judged once it is fixed.
  const unknownTarget = [...edges.values()].some((targets) => targets.includes(WAY_OUT))
  if (schema.flow !== undefined && schema.stepIds.has(schema.flow.start)) checker.graph(schema.flow.start, edges, !unknownTarget)

  if (schema.flow !== undefined) {
    const expected = basename(file, extname(file))
    if (schema.flow.id !== expected) checker.warn('/id', `flow id "${schema.flow.id}" differs from the file name "${expected}"`)
  }
  if (schema.flow === undefined || checker.errors.length > 0) return { errors: checker.errors, warnings: checker.warnings }

  const { id, name, description, start } = schema.flow
  const flow: LoadedFlow = deepFreeze({
    id,
    name,
    ...(description === undefined ? {} : { description }),
    start,
    steps: structuredClone(schema.flow.steps),
    version: flowVersion(text),
    file,
    prompts: [...prompts].sort(),
    warnings: [...checker.warnings]
  })
  return { flow, errors: [], warnings: checker.warnings }
}

/**
 * Reads and checks one flow file; a file that cannot be read, is over `maxBytes` or is a link
 * out of its folder is an error of that file. This runs on the calling thread: the registry
 * calls it in a worker (check-worker.ts).
 */
export async function checkFlowFile (file: string, world: FlowWorld, maxBytes = FLOW_MAX_BYTES): Promise<FlowCheck> {
  let text: string
  try {
    text = await readConfigText(file, { maxBytes })
  } catch (err) {
    if (err instanceof ConfigError) return { errors: err.problems, warnings: [] }
    throw err
  }
  return checkFlowText(text, file, world)
}

/** Reads and checks one flow file; throws a ConfigError listing every error. */
export async function loadFlowFile (file: string, world: FlowWorld): Promise<LoadedFlow> {
  const result = await checkFlowFile(file, world)
  if (result.flow === undefined) throw new ConfigError(result.errors)
  return result.flow
}
