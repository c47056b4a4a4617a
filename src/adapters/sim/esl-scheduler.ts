// FreeSWITCH's core scheduler as mod_commands drives it: `sched_api +<secs> <group> <command>`
// ("+OK Added: <id>"), `sched_del <id>|<group>` ("+OK Deleted: <n>"), `unsched_api <id>`. A
// task's runtime is whole epoch seconds (switch_epoch_time_now + secs) and it runs its API
// command when that second comes; its output is only logged. Tasks die with the switch.

/** Runs an API command as the scheduler thread would (switch_api_execute), output dropped. */
export type RunApi = (command: string, arg: string | undefined) => Promise<unknown>

const SCHED_SYNTAX = '[+@]<time> <group_name> <command_string>[&]'

interface Task {
  group: string
  timer: NodeJS.Timeout
}

export class EslScheduler {
  readonly #run: RunApi
  readonly #tasks = new Map<number, Task>()
  #lastId = 0

  constructor (run: RunApi) {
    this.#run = run
  }

  /** `sched_api` (sched_api_function): `+N` from now, `@N` every N s, or an epoch second. */
  add (arg: string | undefined): string {
    const match = /^(\S+) (\S+) (.+)$/.exec(arg ?? '')
    if (match === null) return `-ERR Invalid syntax. USAGE: ${SCHED_SYNTAX}\n`
    const [, time = '', group = '', rest = ''] = match
    const now = Math.floor(Date.now() / 1000)
    const recur = time.startsWith('@') ? Number.parseInt(time.slice(1), 10) || 0 : 0
    const at = time.startsWith('+') ? now + (Number.parseInt(time.slice(1), 10) || 0) : time.startsWith('@') ? now + recur : Number.parseInt(time, 10) || 0
    const command = rest.endsWith('&') ? rest.slice(0, -1) : rest
    const space = command.indexOf(' ')
    const [name, args] = space < 0 ? [command, undefined] : [command.slice(0, space), command.slice(space + 1)]
    const id = ++this.#lastId
    const schedule = (second: number): void => {
      const timer = setTimeout(() => {
        this.#run(name, args).catch(() => undefined)
        if (recur > 0 && this.#tasks.has(id)) schedule(Math.floor(Date.now() / 1000) + recur)
        else this.#tasks.delete(id)
      }, Math.max(0, second * 1000 - Date.now()))
      this.#tasks.set(id, { group, timer })
    }
    schedule(at)
    return `+OK Added: ${id}\n`
  }

  /** `sched_del`: digits are a task id, anything else a group. */
  del (arg: string | undefined): string {
    const key = arg?.trim() ?? ''
    if (key === '') return '-ERR Invalid syntax\n'
    let count = 0
    for (const [id, task] of this.#tasks) {
      if (/^\d+$/.test(key) ? id === Number(key) : task.group === key) {
        clearTimeout(task.timer)
        this.#tasks.delete(id)
        count++
      }
    }
    return `+OK Deleted: ${count}\n`
  }

  /** `unsched_api <id>`. */
  unsched (arg: string | undefined): string {
    const id = Number.parseInt(arg?.trim() ?? '', 10)
    if (!(id > 0)) return '-ERR Invalid syntax. USAGE: <task_id>\n'
    return this.del(String(id)).startsWith('+OK Deleted: 0') ? '-ERR No such id\n' : '+OK\n'
  }

  /** Task groups pending (tests, diagnostics). */
  groups (): string[] {
    return [...this.#tasks.values()].map((t) => t.group)
  }

  /** The switch went away: its tasks with it. */
  close (): void {
    for (const task of this.#tasks.values()) clearTimeout(task.timer)
    this.#tasks.clear()
  }
}
