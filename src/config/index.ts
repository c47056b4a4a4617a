// Loading every config file at once, and holding the running config across reloads.
//
// "A bad file is refused and the running config stays in force" (docs/architecture): a
// reload builds a complete new config first, and only a config that loaded without a single
// problem replaces the running one. Half-applied configs cannot happen because nothing is
// swapped until everything has been read and checked.

import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { type CalendarData, WorkCalendar } from '../domain/calendar.js'
import type { Directory } from '../domain/directory.js'
import { type AppConfig, type Env, loadAppConfig } from './app-config.js'
import { type AgentsConfig, checkTokenAgents, loadAgents } from './agents-schema.js'
import { loadCalendar } from './calendar-schema.js'
import { loadDirectory } from './directory-schema.js'
import { ConfigError, type ConfigProblem } from './validate.js'

export { type AppConfig, type Env, loadAppConfig } from './app-config.js'
export { loadDirectory } from './directory-schema.js'
export { ConfigError, type ConfigProblem, formatProblem } from './validate.js'

export interface LoadedConfig {
  app: AppConfig
  directory: Directory
  calendar: WorkCalendar
  agents: AgentsConfig
}

/** The file names inside the config folder. */
export const CONFIG_FILES = {
  app: 'default.yaml',
  directory: 'directory.yaml',
  calendar: 'calendar.yaml',
  agents: 'agents.yaml'
} as const

/** Runs every loader, so one run reports the problems of every file, not just the first. */
async function settleAll<T extends readonly unknown[]> (
  loaders: { [K in keyof T]: () => Promise<T[K]> }
): Promise<T> {
  const results = await Promise.allSettled(loaders.map((load) => load()))
  const problems: ConfigProblem[] = []
  for (const r of results) {
    if (r.status === 'fulfilled') continue
    if (r.reason instanceof ConfigError) problems.push(...r.reason.problems)
    else throw r.reason
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T
}

/** Calendar hours for a department the directory does not know would silently never apply. */
function checkCalendarDepartments (calendar: CalendarData, directory: Directory, file: string): ConfigProblem[] {
  return Object.keys(calendar.workingHours.departments ?? {})
    .filter((id) => directory.department(id) === undefined)
    .map((id) => ({
      file,
      path: `/workingHours/departments/${id.replaceAll('~', '~0').replaceAll('/', '~1')}`,
      reason: `unknown department "${id}": not in ${CONFIG_FILES.directory}`
    }))
}

/** Answer chances for a department the directory does not know would silently never apply. */
function checkTrafficDepartments (app: AppConfig, directory: Directory, file: string): ConfigProblem[] {
  return Object.keys(app.switch.sim.traffic.answer)
    .filter((id) => id !== 'default' && directory.department(id) === undefined)
    .map((id) => ({
      file,
      path: `/switch/sim/traffic/answer/${id}`,
      reason: `unknown department "${id}": not in ${CONFIG_FILES.directory} (or "default" for every other department)`
    }))
}

/**
 * Loads default.yaml (+ environment), directory.yaml, agents.yaml and the calendar (calendar.yaml and
 * calendar/<year>.yaml) from `configDir`. Throws one ConfigError listing the problems of all
 * files.
 */
export async function loadConfig (configDir: string, env: Env): Promise<LoadedConfig> {
  const [app, directory, calendarData, agents] = await settleAll<[AppConfig, Directory, CalendarData, AgentsConfig]>([
    () => loadAppConfig({ configDir, env }),
    () => loadDirectory(join(configDir, CONFIG_FILES.directory)),
    () => loadCalendar(configDir),
    () => loadAgents(join(configDir, CONFIG_FILES.agents))
  ])
  const problems = [
    ...checkCalendarDepartments(calendarData, directory, join(configDir, CONFIG_FILES.calendar)),
    ...checkTrafficDepartments(app, directory, join(configDir, CONFIG_FILES.app)),
    ...checkTokenAgents(app.api.tokens, agents)
  ]
  if (problems.length > 0) throw new ConfigError(problems)
  return { app, directory, calendar: new WorkCalendar(calendarData), agents }
}

export interface ConfigHolderEvents<T> {
  /** A reload succeeded: the new value is in force. */
  changed: [value: T, previous: T]
  /** A reload failed: the previous value stays in force. */
  rejected: [error: ConfigError]
}

/**
 * Holds the config in force. Readers call `value` each time they need it (never keep a copy
 * across calls), so a reload takes effect for the next call while calls in progress finish
 * on the value they started with.
 */
export class ConfigHolder<T> extends EventEmitter<ConfigHolderEvents<T>> {
  #value: T
  /** Reloads run one after another, so the last one asked for is the one that stays. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor (initial: T) {
    super()
    this.#value = initial
  }

  get value (): T {
    return this.#value
  }

  /**
   * Runs `loader`; on success the result replaces the value and 'changed' is emitted. On
   * failure the value is kept, 'rejected' is emitted and the promise rejects with a
   * ConfigError (an error that is not one is wrapped, with the original as its cause).
   */
  reload (loader: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      let next: T
      try {
        next = await loader()
      } catch (err) {
        const error = err instanceof ConfigError
          ? err
          : new ConfigError([{ file: '(reload)', path: '/', reason: err instanceof Error ? err.message : String(err) }], err)
        this.emit('rejected', error)
        throw error
      }
      const previous = this.#value
      this.#value = next
      this.emit('changed', next, previous)
      return next
    })
    this.#queue = run.catch(() => undefined)
    return run
  }
}

/** The config folder: `HOTLINE_CONFIG_DIR` when set, else `config/` under the install root. */
export function configDirOf (env: Env, root: string): string {
  const fromEnv = env.HOTLINE_CONFIG_DIR
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(root, 'config')
}
