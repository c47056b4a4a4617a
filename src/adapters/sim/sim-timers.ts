// The call model's timers: every delay and deferred step it schedules is tracked, so closing
// the switch cancels them all and a channel's hangup cancels its own; what a step throws goes
// to the switch's error handler rather than out of the timer.

/** setTimeout's ceiling; longer script delays are clamped to it. */
const MAX_DELAY_MS = 2 ** 31 - 1

export interface Task { cancel: () => void }

export class SimTimers {
  readonly #tasks = new Set<Task>()
  readonly #onError: (err: unknown) => void

  constructor (onError: (err: unknown) => void) {
    this.#onError = onError
  }

  /** Timers and deferred steps still pending. */
  get size (): number {
    return this.#tasks.size
  }

  /**
   * Runs `fn` after `ms`, or on the next turn when `ms` is undefined. The task is also kept in
   * `group` (a channel's tasks) until it runs or is cancelled.
   */
  schedule (group: Set<Task> | undefined, ms: number | undefined, fn: () => void): Task {
    const forget = (): void => {
      this.#tasks.delete(task)
      group?.delete(task)
    }
    const run = (): void => {
      forget()
      try {
        fn()
      } catch (err) {
        this.#onError(err)
      }
    }
    let task: Task
    if (ms === undefined) {
      const handle = setImmediate(run)
      task = { cancel: () => { clearImmediate(handle); forget() } }
    } else {
      const handle = setTimeout(run, Math.min(ms, MAX_DELAY_MS))
      task = { cancel: () => { clearTimeout(handle); forget() } }
    }
    this.#tasks.add(task)
    group?.add(task)
    return task
  }

  cancelAll (): void {
    for (const task of [...this.#tasks]) task.cancel()
  }
}
