// Schema and loader for config/agents.yaml: the agent groups (the enterprise seat, the
// ordinary 12345 seats) with their ring, wrap-up and no-answer settings, and the agents with
// the extension their phone answers on. The schema checks each value; `checkAgents` then
// checks what a schema cannot: unique ids and extensions, groups that exist. Every problem
// names the file, the path and the reason, and a bad file is refused as a whole.
//
// Extensions are digit strings and nothing else, for the reason transfer numbers are (see
// directory-schema.ts): they are put into the switch's agent dial template.

import { type Static, Type } from '@sinclair/typebox'
import type { AgentGroupSettings, AgentIdentity } from '../calls/agents.js'
import { type ApiToken, ENV_SOURCE } from './app-config.js'
import { ConfigError, type ConfigProblem, loadYamlFile, parseYaml, validate } from './validate.js'

/** Agent and group ids: kebab-case ASCII (the API checks ids in URLs with it too). */
export const ID_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$'

const Id = Type.String({
  pattern: ID_PATTERN,
  maxLength: 64,
  description: 'kebab-case ASCII id, stable across renames (the API and records refer to it)'
})
const Name = Type.String({ minLength: 1, maxLength: 80 })

export const AgentGroupSchema = Type.Object({
  id: Id,
  name: Name,
  // The caller waits while an agent's phone rings: long enough to pick up, not a minute more.
  ringTimeoutSec: Type.Integer({ minimum: 5, maximum: 120 }),
  wrapUpSec: Type.Integer({ minimum: 0, maximum: 3600 }),
  noAnswerState: Type.Unsafe<AgentGroupSettings['noAnswerState']>(Type.String({
    pattern: '^(not-ready|logged-out)$',
    description: 'where an agent who lets a call ring out goes'
  }))
}, { additionalProperties: false })

export const AgentSchema = Type.Object({
  id: Id,
  name: Name,
  extension: Type.String({ pattern: '^[0-9]{3,20}$', description: 'digits only; quote it in YAML' }),
  groups: Type.Array(Id, { minItems: 1, maxItems: 10 })
}, { additionalProperties: false })

export const AgentsFileSchema = Type.Object({
  groups: Type.Array(AgentGroupSchema, { minItems: 1 }),
  agents: Type.Array(AgentSchema, { minItems: 1 })
}, { additionalProperties: false })

export type AgentsConfig = Static<typeof AgentsFileSchema>

// The schema's types must be what the agents code takes; these stop compiling if they drift.
const _sameGroup: (group: AgentsConfig['groups'][number]) => AgentGroupSettings = (g) => g
const _sameAgent: (agent: AgentsConfig['agents'][number]) => AgentIdentity = (a) => a

const EXTENSION_PATH = /^\/agents\/\d+\/extension$/

/** YAML reads an unquoted 8001 as an integer: say so instead of the bare "Expected string". */
function explain (problem: ConfigProblem, data: unknown): ConfigProblem {
  if (!EXTENSION_PATH.test(problem.path)) return problem
  const value = problem.path.split('/').slice(1).reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), data)
  if (typeof value !== 'number') return problem
  return { ...problem, reason: `${problem.reason}, got the integer ${value}: put the extension in quotes (e.g. '8001')` }
}

/** Cross-checks: ids and extensions unique, every group an agent names exists. */
export function checkAgents (config: AgentsConfig, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const groupAt = new Map<string, number>()
  config.groups.forEach((group, i) => {
    const first = groupAt.get(group.id)
    if (first !== undefined) problems.push({ file, path: `/groups/${i}/id`, reason: `duplicate group id "${group.id}" (first at /groups/${first})` })
    else groupAt.set(group.id, i)
  })
  const idAt = new Map<string, number>()
  const extensionAt = new Map<string, number>()
  config.agents.forEach((agent, i) => {
    const firstId = idAt.get(agent.id)
    if (firstId !== undefined) problems.push({ file, path: `/agents/${i}/id`, reason: `duplicate agent id "${agent.id}" (first at /agents/${firstId})` })
    else idAt.set(agent.id, i)
    const firstExtension = extensionAt.get(agent.extension)
    if (firstExtension !== undefined) {
      problems.push({ file, path: `/agents/${i}/extension`, reason: `extension ${agent.extension} is already agent ${config.agents[firstExtension]?.id ?? '?'}'s (/agents/${firstExtension}): one phone rings for one agent` })
    } else {
      extensionAt.set(agent.extension, i)
    }
    agent.groups.forEach((group, j) => {
      if (!groupAt.has(group)) {
        problems.push({ file, path: `/agents/${i}/groups/${j}`, reason: `unknown group "${group}": not in groups (${[...groupAt.keys()].join(', ')})` })
      } else if (agent.groups.indexOf(group) !== j) {
        problems.push({ file, path: `/agents/${i}/groups/${j}`, reason: `group "${group}" listed twice` })
      }
    })
  })
  return problems
}

/** Schema + cross-checks on parsed YAML; returns the validated config. */
export function validateAgents (data: unknown, file: string): AgentsConfig {
  let valid: AgentsConfig
  try {
    valid = validate(AgentsFileSchema, data, file)
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems.map((p) => explain(p, data)))
    throw err
  }
  const problems = checkAgents(valid, file)
  if (problems.length > 0) throw new ConfigError(problems)
  return valid
}

/** Parses YAML text naming `file` in errors. */
export function parseAgents (text: string, file: string): AgentsConfig {
  return validateAgents(parseYaml(text, file), file)
}

/**
 * Reads and checks config/agents.yaml. The wiring calls this next to loadConfig: the groups go
 * to `new Agents({ groups })`, the agents to `agents.sync(...)`. Throws a ConfigError.
 */
export async function loadAgents (file: string): Promise<AgentsConfig> {
  const data = await loadYamlFile(Type.Unknown(), file)
  return validateAgents(data, file)
}

/**
 * An agent token (API_TOKENS) for an agent agents.yaml does not list could never be used:
 * refuse it at start like any other config mistake. The wiring calls this after loading both.
 */
export function checkTokenAgents (tokens: readonly ApiToken[], config: AgentsConfig): ConfigProblem[] {
  const ids = new Set(config.agents.map((a) => a.id))
  return tokens.flatMap((t, i) => t.agentId === undefined || ids.has(t.agentId)
    ? []
    : [{ file: ENV_SOURCE, path: 'API_TOKENS', reason: `entry ${i + 1}: unknown agent "${t.agentId}": not in agents.yaml` }])
}
