// The controller's own settings: config/default.yaml, then environment overrides, both
// checked against one schema. This is the only module that reads environment variables, and
// it does not read `process.env` itself: the entry point passes the environment in, so tests
// pass a plain object and the code under test is the code in production.
//
// Secrets come from the environment only. A password in a YAML file ends up in the
// repository, in backups and in support bundles, so the loader refuses one outright rather
// than quietly preferring the environment.

import { isIP } from 'node:net'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { type AppConfig, AppConfigSchema } from './app-schema.js'
import { ConfigError, type ConfigProblem, loadYamlFile, validate } from './validate.js'

export type Env = Readonly<Record<string, string | undefined>>

/** Where environment problems are reported: `environment: HTTP_PORT: <reason>`. */
export const ENV_SOURCE = 'environment'

export {
  API_ROLES, type ApiRole, type ApiToken, ApiTokenSchema, type AppConfig, AppConfigSchema, LOG_LEVELS
} from './app-schema.js'

interface EnvVariable {
  name: string
  path: readonly string[]
  integer?: boolean
  /** Never echoed in an error message. */
  secret?: boolean
  /** Turns the text into the setting's value (the schema then checks the result). */
  parse?: (text: string) => unknown
}

/**
 * API_TOKENS: `token:role[:agentId|departmentId]` entries separated by commas, e.g.
 * `k3…:agent:agent01,p9…:supervisor,d7…:department:tax`. Checked by ApiTokenSchema after this
 * split.
 */
export function parseApiTokens (text: string): unknown[] {
  return text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '').map((entry) => {
    const [token, role, binding, ...rest] = entry.split(':').map((part) => part.trim())
    const bound = role === 'department' ? 'departmentId' : 'agentId'
    return {
      token,
      ...(role === undefined || role === '' ? {} : { role }),
      ...(binding === undefined || binding === '' ? {} : { [bound]: binding }),
      // Extra fields make the schema refuse the entry ("Unexpected property").
      ...(rest.length > 0 ? { unexpected: rest.length } : {})
    }
  })
}

/** Every variable the controller reads, and the setting it overrides. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'HTTP_HOST', path: ['http', 'host'] },
  { name: 'HTTP_PORT', path: ['http', 'port'], integer: true },
  { name: 'HTTP_TRUSTED_PROXIES', path: ['http', 'trustedProxies'], parse: (text) => text.split(',').map((p) => p.trim()).filter((p) => p !== '') },
  { name: 'LOG_LEVEL', path: ['log', 'level'] },
  { name: 'SWITCH_KIND', path: ['switch', 'kind'] },
  { name: 'ESL_HOST', path: ['switch', 'freeswitch', 'host'] },
  { name: 'ESL_PORT', path: ['switch', 'freeswitch', 'port'], integer: true },
  { name: 'ESL_PASSWORD', path: ['switch', 'freeswitch', 'password'], secret: true },
  { name: 'ARI_URL', path: ['switch', 'asterisk', 'url'] },
  { name: 'ARI_USER', path: ['switch', 'asterisk', 'user'] },
  { name: 'ARI_PASSWORD', path: ['switch', 'asterisk', 'password'], secret: true },
  { name: 'ARI_APP', path: ['switch', 'asterisk', 'app'] },
  { name: 'SIM_PROTOCOL', path: ['switch', 'sim', 'protocol'] },
  { name: 'SIM_CALLS_PER_HOUR', path: ['switch', 'sim', 'traffic', 'callsPerHour'], integer: true },
  { name: 'CONTROLLER_ID', path: ['controller', 'id'] },
  { name: 'LEASE_TTL_MS', path: ['controller', 'leaseTtlMs'], integer: true },
  { name: 'SAFETY_NET_SEC', path: ['controller', 'safetyNetSec'], integer: true },
  { name: 'JOURNAL_DIR', path: ['controller', 'journalDir'] },
  { name: 'DRAIN_DEADLINE_MS', path: ['shutdown', 'drainDeadlineMs'], integer: true },
  { name: 'STORE_KIND', path: ['store', 'kind'] },
  { name: 'REDIS_URL', path: ['store', 'redisUrl'], secret: true },
  { name: 'STORE_TIMEOUT_MS', path: ['store', 'timeoutMs'], integer: true },
  { name: 'REDIS_SENTINELS', path: ['store', 'sentinels'], parse: (text) => text.split(',').map((s) => s.trim()).filter((s) => s !== '') },
  { name: 'REDIS_SENTINEL_MASTER', path: ['store', 'sentinelMaster'] },
  { name: 'REDIS_SENTINEL_PASSWORD', path: ['store', 'sentinelPassword'], secret: true },
  { name: 'REDIS_WAIT_REPLICAS', path: ['store', 'waitReplicas'], integer: true },
  { name: 'REDIS_WAIT_TIMEOUT_MS', path: ['store', 'waitTimeoutMs'], integer: true },
  { name: 'API_TOKENS', path: ['api', 'tokens'], secret: true, parse: parseApiTokens },
  { name: 'TICKET_WEBHOOK_SECRET', path: ['tickets', 'webhookSecret'], secret: true },
  { name: 'PRIVACY_FULL_NUMBER_DAYS', path: ['privacy', 'fullNumberDays'], integer: true },
  { name: 'SHED_MAX_EVENT_LOOP_DELAY_MS', path: ['api', 'shedding', 'maxEventLoopDelayMs'], integer: true }
]

// The password FreeSWITCH ships in event_socket.conf.xml. It is public, and a switch still
// using it can be taken over by anyone who reaches port 8021 (CVE-2019-19492), so it is
// accepted for the embedded simulator only.
const FREESWITCH_DEFAULT_PASSWORD = 'ClueCon'

type Tree = Record<string, unknown>

const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v)

function get (tree: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), tree)
}

function set (tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (!isTree(next)) throw new TypeError(`no section ${key} on the way to ${path.join('.')}`)
    node = next
  }
  node[path[path.length - 1] as string] = value
}

const pointer = (path: readonly string[]) => '/' + path.join('/')

/** Passwords and credentials written in the file: refused, with where to put them instead. */
function secretsInFile (raw: unknown, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  if (get(raw, ['switch', 'freeswitch', 'password']) !== undefined) {
    problems.push({
      file,
      path: '/switch/freeswitch/password',
      reason: 'a password may not be written in a config file: remove it and set ESL_PASSWORD in the environment'
    })
  }
  if (get(raw, ['switch', 'asterisk', 'password']) !== undefined) {
    problems.push({
      file,
      path: '/switch/asterisk/password',
      reason: 'a password may not be written in a config file: remove it and set ARI_PASSWORD in the environment'
    })
  }
  if (get(raw, ['store', 'sentinelPassword']) !== undefined) {
    problems.push({
      file,
      path: '/store/sentinelPassword',
      reason: 'a password may not be written in a config file: remove it and set REDIS_SENTINEL_PASSWORD in the environment'
    })
  }
  if (get(raw, ['api', 'tokens']) !== undefined) {
    problems.push({
      file,
      path: '/api/tokens',
      reason: 'API tokens may not be written in a config file: remove them and set API_TOKENS in the environment'
    })
  }
  if (get(raw, ['tickets', 'webhookSecret']) !== undefined) {
    problems.push({
      file,
      path: '/tickets/webhookSecret',
      reason: 'a secret may not be written in a config file: remove it and set TICKET_WEBHOOK_SECRET in the environment'
    })
  }
  const redisUrl = get(raw, ['store', 'redisUrl'])
  if (typeof redisUrl === 'string' && /^rediss?:\/\/[^/@]*@/.test(redisUrl)) {
    problems.push({
      file,
      path: '/store/redisUrl',
      reason: 'credentials may not be written in a config file: remove them and set REDIS_URL in the environment'
    })
  }
  return problems
}

function collect (fn: () => void): ConfigProblem[] {
  try {
    fn()
    return []
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
}

/** Applies the environment onto a copy of the file's settings; problems name the variable. */
function applyEnv (fromFile: AppConfig, env: Env): { config: AppConfig, problems: ConfigProblem[] } {
  const merged = Value.Clone(fromFile) as unknown as Tree
  const used: EnvVariable[] = []
  for (const v of ENV_VARIABLES) {
    const text = env[v.name]
    // An empty variable counts as unset: `FOO=` in a unit file or compose file means "no value".
    if (text === undefined || text === '') continue
    // Digits become a number; anything else stays text so the schema rejects it by name.
    const value = v.parse?.(text) ?? (v.integer === true && /^[0-9]{1,15}$/.test(text.trim()) ? Number(text.trim()) : text)
    set(merged, v.path, value)
    used.push(v)
  }
  const problems: ConfigProblem[] = []
  for (const e of Value.Errors(AppConfigSchema, merged)) {
    const v = used.find((u) => e.path === pointer(u.path) || e.path.startsWith(pointer(u.path) + '/'))
    // Only variables can be wrong here: the file alone already passed the same schema.
    const got = v === undefined || v.secret === true ? '' : ` (got "${env[v.name] ?? ''}")`
    // Inside a list (API_TOKENS): which entry, counted from 1, and which field.
    const inner = v === undefined ? null : /^\/(\d+)(?:\/(.*))?$/.exec(e.path.slice(pointer(v.path).length))
    const where = inner === null ? '' : ` (entry ${Number(inner[1]) + 1}${inner[2] === undefined ? '' : `, ${inner[2]}`})`
    problems.push({ file: ENV_SOURCE, path: v?.name ?? e.path, reason: `${e.message}${where}${got}` })
  }
  return { config: merged as unknown as AppConfig, problems }
}

/** Rules between settings, checked once file and environment are merged. */
function crossCheck (config: AppConfig, env: Env, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const fromEnv = (name: string) => env[name] !== undefined && env[name] !== ''
  const sw = config.switch
  if (sw.kind === 'freeswitch') {
    const source = fromEnv('SWITCH_KIND') ? 'SWITCH_KIND' : 'switch.kind in ' + file
    if (sw.freeswitch.password === undefined) {
      problems.push({ file: ENV_SOURCE, path: 'ESL_PASSWORD', reason: `required when the switch is freeswitch (set by ${source}): the event socket password` })
    } else if (sw.freeswitch.password === FREESWITCH_DEFAULT_PASSWORD) {
      problems.push({ file: ENV_SOURCE, path: 'ESL_PASSWORD', reason: 'is FreeSWITCH\'s shipped default: change the event socket password on the switch first (CVE-2019-19492)' })
    }
  }
  if (sw.kind === 'asterisk' && sw.asterisk.password === undefined) {
    const source = fromEnv('SWITCH_KIND') ? 'SWITCH_KIND' : 'switch.kind in ' + file
    problems.push({ file: ENV_SOURCE, path: 'ARI_PASSWORD', reason: `required when the switch is asterisk (set by ${source}): the ARI user's password` })
  }
  if (sw.reconnect.maxDelayMs < sw.reconnect.initialDelayMs) {
    problems.push({ file, path: '/switch/reconnect/maxDelayMs', reason: `must be at least initialDelayMs (${sw.reconnect.initialDelayMs})` })
  }
  // What Fastify's trustProxy accepts (proxy-addr): an IPv4 or IPv6 address, with an optional
  // prefix length no longer than the address. The schema's pattern only keeps out the rest.
  config.http.trustedProxies.forEach((entry, i) => {
    const [address = '', prefix] = entry.split('/')
    const family = isIP(address)
    const bits = family === 4 ? 32 : 128
    if (family === 0 || (prefix !== undefined && !(/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= bits))) {
      const [where, path] = fromEnv('HTTP_TRUSTED_PROXIES') ? [ENV_SOURCE, 'HTTP_TRUSTED_PROXIES'] : [file, `/http/trustedProxies/${i}`]
      problems.push({ file: where, path, reason: `"${entry}" is not an IP address or a CIDR range (e.g. 10.0.0.2, 10.0.0.0/24, fd00::/8)` })
    }
  })
  const seen = new Set<string>()
  config.api.tokens.forEach((t, i) => {
    const entry = `entry ${i + 1}`
    if (t.role === 'agent' && t.agentId === undefined) {
      problems.push({ file: ENV_SOURCE, path: 'API_TOKENS', reason: `${entry}: an agent token names its agent (token:agent:<agent id>)` })
    }
    if (t.role !== 'agent' && t.agentId !== undefined) {
      problems.push({ file: ENV_SOURCE, path: 'API_TOKENS', reason: `${entry}: only an agent token names an agent, not a ${t.role} token` })
    }
    if (t.role === 'department' && t.departmentId === undefined) {
      problems.push({ file: ENV_SOURCE, path: 'API_TOKENS', reason: `${entry}: a department token names its department (token:department:<department id>)` })
    }
    if (t.role !== 'department' && t.departmentId !== undefined) {
      problems.push({ file: ENV_SOURCE, path: 'API_TOKENS', reason: `${entry}: only a department token names a department, not a ${t.role} token` })
    }
    if (seen.has(t.token)) problems.push({ file: ENV_SOURCE, path: 'API_TOKENS', reason: `${entry}: the same token twice` })
    seen.add(t.token)
  })
  if (config.tickets.maxBackoffMs < config.tickets.initialBackoffMs) {
    problems.push({ file, path: '/tickets/maxBackoffMs', reason: `must be at least initialBackoffMs (${config.tickets.initialBackoffMs})` })
  }
  if (config.store.kind === 'redis' && config.store.redisUrl === undefined && config.store.sentinels === undefined) {
    problems.push({ file: ENV_SOURCE, path: 'REDIS_URL', reason: 'required when the store is redis (redis://host:port/db), unless REDIS_SENTINELS names the sentinels' })
  }
  if (config.store.waitReplicas > 0 && config.store.waitTimeoutMs >= config.store.timeoutMs) {
    problems.push({ file, path: '/store/waitTimeoutMs', reason: `must be below store.timeoutMs (${config.store.timeoutMs}): a WAIT longer than a command may take would always be cut` })
  }
  return problems
}

function deepFreeze<T> (value: T): T {
  if (isTree(value)) for (const v of Object.values(value)) deepFreeze(v)
  return Object.freeze(value)
}

export interface LoadAppConfigOptions {
  /** Folder holding default.yaml. */
  configDir: string
  /** The environment; the entry point passes `process.env`. */
  env: Env
}

/**
 * Loads `<configDir>/default.yaml`, fills defaults, applies the environment (see
 * ENV_VARIABLES) and returns frozen settings. Throws a ConfigError listing every problem: a
 * file problem names the file and path, an environment problem names the variable.
 */
export async function loadAppConfig ({ configDir, env }: LoadAppConfigOptions): Promise<AppConfig> {
  const file = join(configDir, 'default.yaml')
  // An empty file parses to null: every setting then takes its default.
  const raw = (await loadYamlFile(Type.Unknown(), file)) ?? {}
  return resolveAppConfig(raw, file, env)
}

/** The same as loadAppConfig for settings already parsed (`file` names them in errors). */
export function resolveAppConfig (raw: unknown, file: string, env: Env): AppConfig {
  const filled: unknown = isTree(raw) ? Value.Default(AppConfigSchema, Value.Clone(raw)) : raw
  let fromFile: AppConfig | undefined
  const problems = [
    ...secretsInFile(raw, file),
    ...collect(() => { fromFile = validate(AppConfigSchema, filled, file) })
  ]
  if (problems.length > 0 || fromFile === undefined) throw new ConfigError(problems)
  const { config, problems: envProblems } = applyEnv(fromFile, env)
  if (envProblems.length > 0) throw new ConfigError(envProblems)
  const crossProblems = crossCheck(config, env, file)
  if (crossProblems.length > 0) throw new ConfigError(crossProblems)
  return deepFreeze(config)
}

