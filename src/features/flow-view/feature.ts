// The flow view (流程图): each file of ivr-flows/ drawn as a graph on a page, for supervisors.
//
// What it shows comes from the flow registry: the version in force of each flow (a call
// arriving now runs that one), and the files the registry refused on a reload with their
// problems — "a bad file is refused and the version in force stays" (docs/flows.md, Hot
// reload), so a refused edit is shown next to the drawing of what still runs.
//
// The registry tells of refusals by its `rejected` event and keeps no list, so this view
// keeps one per file. Every reload checks every file again: a file still bad is refused again
// (its problems replaced), a file that becomes good and differs from the version in force is
// taken (`changed`, which ends its refusal). Two ways a refusal ends without an event are
// checked when the list is asked for:
//   - the file now reads as the very version in force (saved back to it): the registry sees
//     no new version and says nothing;
//   - a refused file that was never in force is gone.
// A file in force that was deleted stays refused ("file removed"): its version still runs.
// A refused catalogue ends once prompts.yaml reads and lists every prompt the flows in force
// play — what the registry asks of it; a refused folder ends once it can be read.

import { readdir } from 'node:fs/promises'
import { basename, join, sep } from 'node:path'
import { readTextFile } from '../../config/read-file.js'
import type { ConfigError, ConfigProblem } from '../../config/validate.js'
import type { Directory } from '../../domain/directory.js'
import type { Feature, FeatureContext } from '../context.js'
import { isHotlineError } from '../../errors.js'
import { registerFlowRoutes } from './routes.js'
import type { Clock } from '../../ports/clock.js'
import { flowGraph, graphNames } from './graph.js'
import { type Direction, type LaidOutGraph, layoutFlowGraph } from './layout.js'
import { FLOW_MAX_BYTES, type LoadedFlow, flowVersion } from '../../flows/loader.js'
import { type PromptCatalogue, loadPromptCatalogue } from '../../flows/prompts.js'
import { CATALOGUE_FILE, type FlowRegistry } from '../../flows/registry.js'

/** One problem as `flows:check` prints it: file (name inside ivr-flows/), JSON-pointer path, reason. */
export interface Problem { file: string, path: string, reason: string }

/** One flow file as the registry knows it. */
export interface FlowFileView {
  /** The file name inside ivr-flows/. */
  file: string
  /** `loaded`: no refusal stands; `rejected`: the registry refused the file as it stands. */
  status: 'loaded' | 'rejected'
  /** The version in force (also while a later change is refused); absent: never in force. */
  id?: string
  name?: string
  version?: string
  start?: string
  steps?: number
  /** Why the file was refused (empty when loaded). */
  problems: Problem[]
  /** The warnings of the version in force. */
  warnings: Problem[]
  /** When the registry last refused it (ISO). */
  refusedAt?: string
}

export interface FlowFilesView {
  flows: FlowFileView[]
  /** Refusals not of one flow file: the prompt catalogue, the folder itself. */
  problems: Array<Problem & { refusedAt: string }>
}

interface Refusal { problems: ConfigProblem[], at: number }

interface PromptTexts { version: string, prompts: PromptCatalogue['prompts'] }

/** Layouts kept (by flow version, catalogue and direction); a handful of flows is the norm. */
const MAX_CACHED = 32

/** A file's version as the loader computes it: the first 16 hex digits of its SHA-256. */

async function readText (file: string): Promise<string | undefined> {
  try {
    // Within the flow files' limits: a file the registry refused unread is not read here either.
    return await readTextFile(file, { maxBytes: FLOW_MAX_BYTES })
  } catch {
    return undefined
  }
}

export interface FlowViewOptions {
  registry: FlowRegistry
  /** The folder the registry reads (the same string: refusals are keyed by its file paths). */
  flowsDir: string
  directory: Directory
  groups: Iterable<{ id: string, name: string }>
  clock: Clock
}

export class FlowView {
  readonly #registry: FlowRegistry
  readonly #dir: string
  readonly #catalogueFile: string
  readonly #directory: Directory
  readonly #groups: ReadonlyArray<{ id: string, name: string }>
  readonly #clock: Clock
  /** Standing refusals by full path: flow files, the catalogue, the folder. */
  readonly #refused = new Map<string, Refusal>()
  /** Layouts take tens of milliseconds for the enterprise-seat flow: not once per page view. */
  readonly #layouts = new Map<string, LaidOutGraph>()
  /** The catalogue's texts last read, by the version of its file. */
  #texts: PromptTexts | undefined

  readonly #onRejected = (error: ConfigError): void => {
    const byFile = new Map<string, ConfigProblem[]>()
    for (const p of error.problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p])
    for (const [file, problems] of byFile) this.#refused.set(file, { problems, at: this.#clock.now() })
  }

  readonly #onChanged = (flow: LoadedFlow): void => { this.#refused.delete(flow.file) }

  constructor (options: FlowViewOptions) {
    this.#registry = options.registry
    this.#dir = options.flowsDir
    this.#catalogueFile = join(options.flowsDir, CATALOGUE_FILE)
    this.#directory = options.directory
    this.#groups = [...options.groups]
    this.#clock = options.clock
    this.#registry.on('rejected', this.#onRejected)
    this.#registry.on('changed', this.#onChanged)
  }

  close (): void {
    this.#registry.off('rejected', this.#onRejected)
    this.#registry.off('changed', this.#onChanged)
  }

  /** Every flow file the registry knows — in force, refused, or both — and other refusals. */
  async files (): Promise<FlowFilesView> {
    await this.#settle()
    const inForce = new Map(this.#registry.list().map((f) => [f.file, f]))
    const isFlowFile = (file: string): boolean => file !== this.#catalogueFile && file !== this.#dir
    const files = new Set([...inForce.keys(), ...[...this.#refused.keys()].filter(isFlowFile)])
    const flows = [...files].sort().map((file): FlowFileView => {
      const flow = inForce.get(file)
      const refusal = this.#refused.get(file)
      return {
        file: basename(file),
        status: refusal === undefined ? 'loaded' : 'rejected',
        ...(flow === undefined
          ? {}
          : { id: flow.id, name: flow.name, version: flow.version, start: flow.start, steps: Object.keys(flow.steps).length }),
        problems: (refusal?.problems ?? []).map((p) => this.#problem(p)),
        warnings: (flow?.warnings ?? []).map((p) => this.#problem(p)),
        ...(refusal === undefined ? {} : { refusedAt: new Date(refusal.at).toISOString() })
      }
    })
    const problems = [this.#catalogueFile, this.#dir].flatMap((file) => {
      const refusal = this.#refused.get(file)
      if (refusal === undefined) return []
      const refusedAt = new Date(refusal.at).toISOString()
      return refusal.problems.map((p) => ({ ...this.#problem(p), refusedAt }))
    })
    return { flows, problems }
  }

  /** The laid-out graph of the version in force of a flow; undefined for an unknown id. */
  async graph (flowId: string, direction: Direction): Promise<LaidOutGraph | undefined> {
    let flow: LoadedFlow
    try {
      flow = this.#registry.current(flowId)
    } catch (err) {
      if (isHotlineError(err, 'HC_NOT_FOUND')) return undefined
      throw err
    }
    const texts = await this.#promptTexts()
    const key = `${flow.file} ${flow.version} ${texts?.version ?? '-'} ${direction}`
    const cached = this.#layouts.get(key)
    if (cached !== undefined) return cached
    const names = graphNames({ prompts: texts?.prompts ?? {}, directory: this.#directory, groups: this.#groups })
    const laid = layoutFlowGraph(flowGraph(flow, names), { file: flow.file, direction })
    if (this.#layouts.size >= MAX_CACHED) this.#layouts.clear()
    this.#layouts.set(key, laid)
    return laid
  }

  /** A problem for the page: the file by its name, and no server path in the reason. */
  #problem (p: ConfigProblem): Problem {
    return { file: basename(p.file), path: p.path, reason: p.reason.replaceAll(join(this.#dir, sep), '') }
  }

  /**
   * What the prompts say, from prompts.yaml as it stands (the registry keeps only their ids);
   * while it does not read, the texts last read.
   */
  async #promptTexts (): Promise<PromptTexts | undefined> {
    const text = await readText(this.#catalogueFile)
    if (text === undefined) return this.#texts
    const version = flowVersion(text)
    if (this.#texts?.version === version) return this.#texts
    try {
      this.#texts = { version, prompts: (await loadPromptCatalogue(this.#catalogueFile)).prompts }
    } catch {
      // A catalogue that does not read is a refusal the registry reports; the last texts stay.
    }
    return this.#texts
  }

  /** Ends the refusals that ended without an event (see the header). */
  async #settle (): Promise<void> {
    const inForce = new Map(this.#registry.list().map((f) => [f.file, f]))
    for (const file of [...this.#refused.keys()]) {
      let over: boolean
      if (file === this.#dir) {
        over = await readdir(file).then(() => true, () => false)
      } else if (file === this.#catalogueFile) {
        over = await this.#catalogueHolds([...inForce.values()])
      } else {
        const text = await readText(file)
        const flow = inForce.get(file)
        over = text === undefined ? flow === undefined : flow?.version === flowVersion(text)
      }
      if (over) this.#refused.delete(file)
    }
  }

  async #catalogueHolds (flows: readonly LoadedFlow[]): Promise<boolean> {
    try {
      const { prompts } = await loadPromptCatalogue(this.#catalogueFile)
      return flows.every((flow) => flow.prompts.every((p) => Object.hasOwn(prompts, p)))
    } catch {
      return false
    }
  }
}

export function startFlowViewFeature (ctx: FeatureContext): Promise<Feature> {
  const view = new FlowView({
    registry: ctx.ivr.flows,
    flowsDir: ctx.flowsDir,
    directory: ctx.directory,
    groups: ctx.agents.groups,
    clock: ctx.clock
  })
  return Promise.resolve({
    name: 'flow-view',
    routes: async (app) => { await registerFlowRoutes(app, { view }) },
    close: () => { view.close(); return Promise.resolve() }
  })
}
