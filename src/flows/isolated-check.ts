// Flow files are checked in a worker thread: a 1 MB flow takes seconds of parsing and graph
// checks, which on the main thread would stall every call and the health probe. The worker
// gets a time limit per file; past it the worker is terminated and the file refused. The
// main thread only receives the checked result.

import { Worker } from 'node:worker_threads'
import type { ConfigProblem } from '../config/validate.js'
import { type Directory, type DirectoryData, priorityCode } from '../domain/directory.js'
import { type FlowCheck, type FlowWorld, FLOW_MAX_BYTES, checkFlowFile, deepFreeze } from './loader.js'

export interface FlowCheckLimits {
  /** Larger flow files are refused without being read. */
  maxBytes: number
  /** Longest check of one file; the worker is then terminated and the file refused. */
  timeoutMs: number
}

export const FLOW_CHECK_LIMITS: Readonly<FlowCheckLimits> = Object.freeze({ maxBytes: FLOW_MAX_BYTES, timeoutMs: 20_000 })

/** A world that crosses to the worker (structured clone keeps data, not classes). */
interface WorldData {
  prompts: string[]
  directory: DirectoryData
  groups: string[]
}

export interface CheckRequest {
  file: string
  world: WorldData
  maxBytes: number
}

export type CheckAnswer = { file: string, check: FlowCheck } | { file: string, failed: string }

const HERE = import.meta.url
// From dist/ the worker is the .js beside this file. From source (tests, `npm run bench`) it is
// the .ts, loaded through tsx, registered in the worker itself: the loader the process was
// started with is not reliably passed on to workers, and tap's takes seconds per worker.
const ENTRY = HERE.endsWith('.ts')
  ? new URL('data:text/javascript,' + encodeURIComponent(
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); ` +
    `await import(${JSON.stringify(new URL('./check-worker.ts', HERE).href)})`))
  : new URL('./check-worker.js', HERE)
/** Heap of the worker: a flow file at the size limit parses in far less. */
const WORKER_HEAP_MB = 512

function directoryData (directory: Directory): DirectoryData {
  return {
    categories: [...directory.categories()],
    departments: directory.departments(),
    matters: directory.matters().map((m) => ({
      id: m.id, name: m.name, nameEn: m.nameEn, category: m.category, priority: priorityCode(m.priority), department: m.departmentId, hunt: m.hunt
    }))
  }
}

/** What checks a flow file: the worker, or this thread while nothing else runs. */
export interface FlowChecker {
  check: (file: string, world: FlowWorld) => Promise<FlowCheck>
}

/**
 * Checks on the calling thread, with the same size and link limits: for the first load at
 * start, before the controller takes calls or answers HTTP, when there is nothing to stall
 * and a worker (its start costs a second or more) would only add to the start-up time.
 */
export const checkOnThisThread: FlowChecker = {
  check: async (file, world) => await checkFlowFile(file, world, FLOW_CHECK_LIMITS.maxBytes)
}

const refused = (file: string, reason: string): FlowCheck => ({ errors: [{ file, path: '/', reason } satisfies ConfigProblem], warnings: [] })

/**
 * One worker, started at the first check and kept (idle, not holding the process) for the
 * next reload until `close()`; files are checked one at a time. A worker that timed out or
 * died is replaced at the next check.
 */
export class FlowCheckThread implements FlowChecker {
  readonly #limits: FlowCheckLimits
  #worker: Promise<Worker> | undefined
  #threadId: number | undefined
  /** Checks run one after another: a time limit is for one file's check alone. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor (limits: Partial<FlowCheckLimits> = {}) {
    this.#limits = { ...FLOW_CHECK_LIMITS, ...limits }
  }

  /** Checks one file in the worker; never throws for a problem of the file or of the worker. */
  async check (file: string, world: FlowWorld): Promise<FlowCheck> {
    const run = this.#queue.then(async () => await this.#check(file, world))
    this.#queue = run.catch(() => undefined)
    return await run
  }

  /** The thread id of the worker of the last check (for logs): a new one after a time limit. */
  get threadId (): number | undefined {
    return this.#threadId
  }

  async close (): Promise<void> {
    await this.#queue
    const worker = this.#worker
    this.#worker = undefined
    await worker?.then(async (w) => await w.terminate(), () => undefined)
  }

  #start (): Promise<Worker> {
    this.#worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }, ...(HERE.endsWith('.ts') ? { execArgv: [] } : {}) })
      // Never what keeps the process alive: a shutdown does not wait for a check.
      worker.unref()
      const failed = (err: Error): void => { reject(err) }
      const exited = (code: number): void => { reject(new Error(`exited with code ${code}`)) }
      worker.once('message', () => {
        worker.off('error', failed).off('exit', exited)
        resolve(worker)
      })
      worker.once('error', failed).once('exit', exited)
      // A worker that dies between checks is started again for the next one.
      worker.on('error', () => undefined).on('exit', () => { if (this.#worker === started) this.#worker = undefined })
    })
    const started = this.#worker
    started.catch(() => { if (this.#worker === started) this.#worker = undefined })
    return started
  }

  async #check (file: string, world: FlowWorld): Promise<FlowCheck> {
    let worker: Worker
    try {
      worker = await this.#start()
    } catch (err) {
      return refused(file, `the flow checking thread did not start: ${(err as Error).message}`)
    }
    this.#threadId = worker.threadId
    const { timeoutMs, maxBytes } = this.#limits
    return await new Promise<FlowCheck>((resolve) => {
      const done = (check: FlowCheck, broken: boolean): void => {
        clearTimeout(timer)
        worker.off('message', answered).off('error', failed).off('exit', exited)
        if (broken) {
          this.#worker = undefined
          void worker.terminate()
        }
        resolve(check)
      }
      const timer = setTimeout(() => {
        done(refused(file, `checking took longer than ${timeoutMs} ms: refused (split the flow into smaller ones)`), true)
      }, timeoutMs)
      const answered = (answer: CheckAnswer): void => {
        if ('failed' in answer) done(refused(file, `the check failed: ${answer.failed}`), false)
        // Frozen again: structured clone drops the freeze a call relies on.
        else done({ ...answer.check, ...(answer.check.flow === undefined ? {} : { flow: deepFreeze(answer.check.flow) }) }, false)
      }
      // ERR_WORKER_OUT_OF_MEMORY among others: the worker is gone, the file refused.
      const failed = (err: Error): void => { done(refused(file, `the check failed: ${err.message}`), true) }
      const exited = (code: number): void => { done(refused(file, `the flow checking thread exited (code ${code})`), true) }
      worker.on('message', answered).on('error', failed).on('exit', exited)
      const request: CheckRequest = {
        file,
        world: { prompts: [...world.prompts], directory: directoryData(world.directory), groups: [...world.groups] },
        maxBytes
      }
      worker.postMessage(request)
    })
  }
}
