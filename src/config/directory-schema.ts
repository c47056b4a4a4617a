// Schema and loader for config/directory.yaml: departments, matters and their hunt lists.
// The schema checks each value; `checkDirectoryData` (domain/directory.ts) then checks what a
// schema cannot: cross-references, unique ids, no number twice in a hunt list. Every problem
// names the file, the path and the reason, and a bad file is refused as a whole.
//
// Transfer numbers are digit strings and nothing else: they end up in a dial string sent to
// the switch, so letters, `@`, `;` or `/` (which would change what a FreeSWITCH dial string or
// an Asterisk endpoint means) can never get in through the directory.

import { type Static, Type } from '@sinclair/typebox'
import { checkDirectoryData, Directory, type DirectoryData, PRIORITY_CODES, type PriorityCode } from '../domain/directory.js'
import { ConfigError, type ConfigProblem, loadYamlFile, parseYaml, validate } from './validate.js'

const Id = Type.String({
  pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$',
  maxLength: 64,
  description: 'kebab-case ASCII id, stable across renames (tickets and statistics refer to it)'
})
const Name = Type.String({ minLength: 1, maxLength: 80 })

// A pattern rather than a union of literals: TypeBox then reports the allowed values
// ("Expected string to match '^(handling|help|...)$'") instead of "Expected union value".
const Priority = Type.Unsafe<PriorityCode>(Type.String({
  pattern: `^(${PRIORITY_CODES.join('|')})$`,
  description: 'handling (办事), help (求助), hot-policy (热点政策享受): first priority; second: other enquiries'
}))

export const HuntEntrySchema = Type.Object({
  number: Type.String({ pattern: '^[0-9]{3,20}$', description: 'digits only; quote it in YAML to keep leading zeros' }),
  ringTimeoutSec: Type.Integer({ minimum: 5, maximum: 120 }),
  label: Type.Optional(Name)
}, { additionalProperties: false })

export const DepartmentSchema = Type.Object({
  id: Id,
  name: Name,
  nameEn: Name,
  ticketWebhookUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s/?#]+[^\\s]*$', maxLength: 500 }))
}, { additionalProperties: false })

export const MatterSchema = Type.Object({
  id: Id,
  name: Name,
  nameEn: Name,
  category: Name,
  priority: Priority,
  department: Id,
  hunt: Type.Array(HuntEntrySchema, { minItems: 1, maxItems: 20 })
}, { additionalProperties: false })

export const DirectorySchema = Type.Object({
  categories: Type.Array(Name, { minItems: 1 }),
  departments: Type.Array(DepartmentSchema, { minItems: 1 }),
  matters: Type.Array(MatterSchema, { minItems: 1 })
}, { additionalProperties: false })

export type DirectoryFile = Static<typeof DirectorySchema>

// The schema's type must be what the domain takes; this line stops compiling if they drift.
const _sameShape: (file: DirectoryFile) => DirectoryData = (file) => file

const HUNT_NUMBER_PATH = /^\/matters\/\d+\/hunt\/\d+\/number$/

/**
 * YAML reads an unquoted 02155010001 as the integer 2155010001, silently dropping the
 * leading zero; say so instead of the bare "Expected string".
 */
function explain (problem: ConfigProblem, data: unknown): ConfigProblem {
  if (!HUNT_NUMBER_PATH.test(problem.path)) return problem
  const value = problem.path.split('/').slice(1).reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), data)
  if (typeof value !== 'number') return problem
  return { ...problem, reason: `${problem.reason}, got the integer ${value}: put the number in quotes (e.g. '02155010001'); unquoted digits are read as an integer, which drops leading zeros` }
}

/** Schema + cross-reference checks on parsed YAML; returns the validated data. */
export function validateDirectory (data: unknown, file: string): DirectoryFile {
  let valid: DirectoryFile
  try {
    valid = validate(DirectorySchema, data, file)
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems.map((p) => explain(p, data)))
    throw err
  }
  const issues = checkDirectoryData(valid)
  if (issues.length > 0) throw new ConfigError(issues.map((i) => ({ file, path: i.path, reason: i.reason })))
  return valid
}

/** Parses YAML text and builds the Directory; throws a ConfigError naming `file`. */
export function parseDirectory (text: string, file: string): Directory {
  return new Directory(validateDirectory(parseYaml(text, file), file))
}

/** Reads, validates and builds the directory from `file` (normally config/directory.yaml). */
export async function loadDirectory (file: string): Promise<Directory> {
  // loadYamlFile with the permissive schema gives read and YAML-syntax errors their usual
  // form; the real checks follow in validateDirectory.
  const data = await loadYamlFile(Type.Unknown(), file)
  return new Directory(validateDirectory(data, file))
}
