// The flows in force, one per `*.yaml` of ivr-flows/ (prompts.yaml is the prompt catalogue,
// not a flow), with hot reload.
//
// "A bad file is refused and the running config stays in force" (docs/architecture): when a
// file changes it is checked again as a whole (loader.ts); a good version replaces the old
// one, a bad one is logged with file / path / reason and emitted as `rejected`, and the old
// version stays. A removed file is treated the same way: its last good version stays until a
// restart, so deleting a file by mistake does not take a line off the air. A call holds the
// LoadedFlow it started with (an immutable object), so a reload never changes a call in
// progress: `current()` is asked once, when the call arrives.
//
// The prompt catalogue is reloaded with the flows. A catalogue that drops a prompt a flow in
// force still plays is refused too.
//
// Files are checked with size limits; on a reload, while calls run, in a worker thread with a
// time limit too (isolated-check.ts): a big or hostile file is refused and listed like any bad
// one, and never stalls the calls' event loop. The first load, at start, runs on this thread.

import { EventEmitter } from 'node:events'
import { type FSWatcher, watch } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError, type ConfigProblem } from '../config/validate.js'
import type { Directory } from '../domain/directory.js'
import { HotlineError } from '../errors.js'
import { type FlowCheckLimits, type FlowChecker, FlowCheckThread, checkOnThisThread } from './isolated-check.js'
import type { FlowCheck, FlowWorld, LoadedFlow } from './loader.js'
import { loadPromptCatalogue } from './prompts.js'

export const CATALOGUE_FILE = 'prompts.yaml'

/** What flows are checked against besides the catalogue; asked at every (re)load. */
export interface FlowSurroundings {
  directory: Directory
  /** Agent groups a queue step may name. */
  groups: Iterable<string>
}

export interface FlowRegistryOptions {
  /** The ivr-flows folder. */
  dir: string
  /** The directory and agent groups in force now (a config reload may replace them). */
  surroundings: () => FlowSurroundings
  logger: Logger
  /** Quiet time after the last change in the folder before reloading: editors write in bursts. */
  debounceMs?: number
  /** Watch the folder with fs.watch (default true). */
  watch?: boolean
  /** Size and time limits of one flow file's check (default FLOW_CHECK_LIMITS: 1 MB, 20 s). */
  checkLimits?: Partial<FlowCheckLimits>
}

export interface FlowRegistryEvents {
  /** A new version of a flow is in force. */
  changed: [flow: LoadedFlow, previous: LoadedFlow | undefined]
  /** A file (a flow or the catalogue) was refused; what was in force stays. */
  rejected: [error: ConfigError]
  /** A reload ran (the catalogue may have changed even when no flow did). */
  reloaded: [report: ReloadReport]
}

export interface ReloadReport {
  changed: LoadedFlow[]
  rejected: ConfigError[]
}

export interface FlowScan {
  /** Undefined when the catalogue itself is broken (flows are then not checked). */
  prompts?: ReadonlySet<string>
  /** Problems of the catalogue or of the folder. */
  errors: ConfigProblem[]
  files: Array<{ file: string, check: FlowCheck }>
}

const DEFAULT_DEBOUNCE_MS = 200

/** The flow files of a folder, sorted by name, with their full paths. */
export async function listFlowFiles (dir: string): Promise<string[]> {
  const names = await readdir(dir)
  return names.filter((n) => n.endsWith('.yaml') && n !== CATALOGUE_FILE).sort().map((n) => join(dir, n))
}

async function loadPromptIds (file: string): Promise<ReadonlySet<string>> {
  return new Set(Object.keys((await loadPromptCatalogue(file)).prompts))
}

/** Two files with one flow id: the first by file name keeps it. */
function duplicateId (file: string, id: string, owner: string): ConfigProblem {
  return { file, path: '/id', reason: `flow id "${id}" is already used by ${owner}` }
}

/** Checks every file of a flow folder as the registry would load it (flows:check uses it too). */
export async function scanFlowDirectory (dir: string, surroundings: FlowSurroundings, checker?: FlowChecker): Promise<FlowScan> {
  let prompts: ReadonlySet<string>
  let files: string[]
  try {
    prompts = await loadPromptIds(join(dir, CATALOGUE_FILE))
    files = await listFlowFiles(dir)
  } catch (err) {
    if (err instanceof ConfigError) return { errors: err.problems, files: [] }
    return { errors: [{ file: dir, path: '/', reason: `cannot read the flow folder: ${(err as Error).message}` }], files: [] }
  }
  const world: FlowWorld = { prompts, directory: surroundings.directory, groups: new Set(surroundings.groups) }
  const owners = new Map<string, string>()
  const results: FlowScan['files'] = []
  const own = checker === undefined ? new FlowCheckThread() : undefined
  const thread = checker ?? own
  if (thread === undefined) throw new TypeError('no flow checker')
  try {
    for (const file of files) {
      const check = await thread.check(file, world)
      if (check.flow !== undefined) {
        const owner = owners.get(check.flow.id)
        if (owner === undefined) {
          owners.set(check.flow.id, file)
        } else {
          results.push({ file, check: { errors: [duplicateId(file, check.flow.id, owner)], warnings: check.warnings } })
          continue
        }
      }
      results.push({ file, check })
    }
  } finally {
    await own?.close()
  }
  return { prompts, errors: [], files: results }
}

export class FlowRegistry extends EventEmitter<FlowRegistryEvents> {
  readonly #dir: string
  readonly #surroundings: () => FlowSurroundings
  readonly #log: Logger
  readonly #debounceMs: number
  /** Flow files are checked in a worker thread (isolated-check.ts). */
  readonly #checker: FlowCheckThread
  /** The version in force of each file. */
  readonly #byFile = new Map<string, LoadedFlow>()
  #prompts: ReadonlySet<string> = new Set()
  #watcher: FSWatcher | undefined
  #timer: NodeJS.Timeout | undefined
  /** Reloads run one after another. */
  #queue: Promise<unknown> = Promise.resolve()

  private constructor (options: FlowRegistryOptions) {
    super()
    this.#dir = options.dir
    this.#surroundings = options.surroundings
    this.#log = options.logger.child({ component: 'flows' })
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS
    this.#checker = new FlowCheckThread(options.checkLimits)
  }

  /**
   * Loads every flow of the folder and starts watching it. At start there is nothing to keep,
   * so any problem refuses the whole folder: a ConfigError listing all of them.
   */
  static async open (options: FlowRegistryOptions): Promise<FlowRegistry> {
    const registry = new FlowRegistry(options)
    // At start nothing runs yet (no call, no HTTP): checked here; reloads use the worker.
    const scan = await scanFlowDirectory(options.dir, options.surroundings(), checkOnThisThread)
    const errors = [...scan.errors, ...scan.files.flatMap((f) => f.check.errors)]
    if (errors.length > 0 || scan.prompts === undefined) throw new ConfigError(errors)
    registry.#prompts = scan.prompts
    for (const { file, check } of scan.files) {
      if (check.flow === undefined) continue
      registry.#byFile.set(file, check.flow)
      registry.#loaded(check.flow)
    }
    if (options.watch ?? true) registry.#watch()
    return registry
  }

  /** The version in force of a flow. Throws HC_NOT_FOUND for an unknown id. */
  current (flowId: string): LoadedFlow {
    for (const flow of this.#byFile.values()) {
      if (flow.id === flowId) return flow
    }
    throw new HotlineError('HC_NOT_FOUND', `no flow "${flowId}" in ${this.#dir}`, { details: { flowId } })
  }

  /** The prompt ids of the catalogue in force: every prompt a call can hear. */
  prompts (): string[] {
    return [...this.#prompts]
  }

  /** Every flow in force, by file name. */
  list (): LoadedFlow[] {
    return [...this.#byFile.values()]
  }

  /** Reads the folder again now (SIGHUP, tests); resolves with what changed and what was refused. */
  async reload (): Promise<ReloadReport> {
    const run = this.#queue.then(async () => await this.#reloadNow())
    this.#queue = run.catch(() => undefined)
    return await run
  }

  /** Stops watching; a reload already running is finished. */
  async close (): Promise<void> {
    this.#watcher?.close()
    this.#watcher = undefined
    clearTimeout(this.#timer)
    await this.#queue
    await this.#checker.close()
  }

  #watch (): void {
    // Editors save by writing a temporary file and renaming it over the old one, in several
    // events: any event about a .yaml file (or an unnamed one) restarts the quiet period.
    this.#watcher = watch(this.#dir, { persistent: false }, (_event, name) => {
      if (name === null || name.endsWith('.yaml')) this.#schedule()
    })
    this.#watcher.on('error', (err) => { this.#log.error({ err, dir: this.#dir }, 'watching the flow folder failed') })
  }

  #schedule (): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.reload().catch((err: unknown) => { this.#log.error({ err }, 'reloading the flows failed') })
    }, this.#debounceMs)
    this.#timer.unref()
  }

  #loaded (flow: LoadedFlow): void {
    this.#log.info({ flow: flow.id, version: flow.version, file: flow.file }, 'flow in force')
    for (const w of flow.warnings) this.#log.warn({ file: w.file, path: w.path, reason: w.reason }, 'flow warning')
  }

  #reject (report: ReloadReport, error: ConfigError): void {
    for (const p of error.problems) {
      this.#log.warn({ file: p.file, path: p.path, reason: p.reason }, 'flow file refused; the version in force stays')
    }
    report.rejected.push(error)
    this.emit('rejected', error)
  }

  /** The new catalogue, or undefined (refused) when it is broken. */
  async #candidatePrompts (report: ReloadReport): Promise<ReadonlySet<string> | undefined> {
    try {
      return await loadPromptIds(join(this.#dir, CATALOGUE_FILE))
    } catch (err) {
      if (err instanceof ConfigError) { this.#reject(report, err); return undefined }
      throw err
    }
  }

  async #checkAll (files: readonly string[], prompts: ReadonlySet<string>): Promise<Map<string, FlowCheck>> {
    const { directory, groups } = this.#surroundings()
    const world: FlowWorld = { prompts, directory, groups: new Set(groups) }
    const checks = new Map<string, FlowCheck>()
    for (const file of files) checks.set(file, await this.#checker.check(file, world))
    return checks
  }

  /** Prompts that flows would play after this reload but `prompts` lacks. */
  #dropped (checks: ReadonlyMap<string, FlowCheck>, prompts: ReadonlySet<string>): ConfigProblem[] {
    const file = join(this.#dir, CATALOGUE_FILE)
    const after = new Map(this.#byFile)
    for (const [f, check] of checks) if (check.flow !== undefined) after.set(f, check.flow)
    return [...after.values()].flatMap((flow) => flow.prompts.filter((p) => !prompts.has(p)).map((p) => ({
      file, path: '/prompts', reason: `prompt "${p}" is played by flow "${flow.id}" (${flow.file}): it cannot be removed`
    })))
  }

  async #reloadNow (): Promise<ReloadReport> {
    const report: ReloadReport = { changed: [], rejected: [] }
    let files: string[]
    try {
      files = await listFlowFiles(this.#dir)
    } catch (err) {
      this.#reject(report, new ConfigError([{ file: this.#dir, path: '/', reason: `cannot read the flow folder: ${(err as Error).message}` }], err))
      return report
    }
    // The flows are checked against the new catalogue; it is taken only if every flow in
    // force afterwards finds its prompts in it, else the flows are checked again against
    // the catalogue in force.
    const candidate = await this.#candidatePrompts(report)
    let checks = await this.#checkAll(files, candidate ?? this.#prompts)
    if (candidate !== undefined) {
      const dropped = this.#dropped(checks, candidate)
      if (dropped.length === 0) {
        this.#prompts = candidate
      } else {
        this.#reject(report, new ConfigError(dropped))
        checks = await this.#checkAll(files, this.#prompts)
      }
    }
    for (const [file, check] of checks) {
      const flow = check.flow
      if (flow === undefined) { this.#reject(report, new ConfigError(check.errors)); continue }
      const owner = [...this.#byFile].find(([f, other]) => f !== file && other.id === flow.id)?.[0]
      if (owner !== undefined) { this.#reject(report, new ConfigError([duplicateId(file, flow.id, owner)])); continue }
      const previous = this.#byFile.get(file)
      if (previous?.version === flow.version) continue
      this.#byFile.set(file, flow)
      this.#loaded(flow)
      report.changed.push(flow)
      this.emit('changed', flow, previous)
    }
    for (const file of this.#byFile.keys()) {
      if (!files.includes(file)) {
        this.#reject(report, new ConfigError([{ file, path: '/', reason: 'file removed: its last version stays in force until a restart' }]))
      }
    }
    this.emit('reloaded', report)
    return report
  }
}
