// Config is data, validated at load: every YAML file is parsed and checked against its
// TypeBox schema, and an error names the file, the path inside it and the reason. Files are
// not trusted: size, alias expansion and nesting are bounded, and nothing taken from a file
// that is not ours is echoed back (see read-file.ts).

import { type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { isAlias, isCollection, isPair, parseDocument } from 'yaml'
import { HotlineError } from '../errors.js'
import { CONFIG_MAX_BYTES, type ReadLimits, UnreadableFileError, readTextFile } from './read-file.js'

/** Aliases one file may expand (each may copy a whole subtree: a "billion laughs" needs many). */
export const MAX_ALIASES = 100
/** Collections inside collections; our files need fewer than ten. */
export const MAX_DEPTH = 64

export interface ConfigProblem {
  file: string
  /** JSON-pointer-like path inside the file, `/` for the whole document. */
  path: string
  reason: string
}

export class ConfigError extends HotlineError {
  readonly problems: ConfigProblem[]

  constructor (problems: ConfigProblem[], cause?: unknown) {
    super('HC_CONFIG_INVALID', problems.map(formatProblem).join('\n'), {
      cause,
      details: { problems }
    })
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export function formatProblem (p: ConfigProblem): string {
  return `${p.file}: ${p.path === '' ? '/' : p.path}: ${p.reason}`
}

/** The deepest nesting of maps and lists under `root`; aliases are not followed. */
function depthOf (root: unknown): number {
  let deepest = 0
  const todo: Array<[unknown, number]> = [[root, 0]]
  for (let item = todo.pop(); item !== undefined; item = todo.pop()) {
    const [node, depth] = item
    if (isPair(node)) {
      todo.push([node.key, depth], [node.value, depth])
    } else if (isCollection(node) && !isAlias(node)) {
      deepest = Math.max(deepest, depth + 1)
      if (deepest > MAX_DEPTH) return deepest
      for (const inner of node.items as unknown[]) todo.push([inner, depth + 1])
    }
  }
  return deepest
}

/**
 * Parses YAML text. Syntax errors become problems with the line and column; so do nesting
 * past MAX_DEPTH and aliases past MAX_ALIASES (a file that would expand to gigabytes).
 */
export function parseYaml (text: string, file: string): unknown {
  const refuse = (reason: string, cause?: unknown): ConfigError => new ConfigError([{ file, path: '/', reason }], cause)
  let doc: ReturnType<typeof parseDocument>
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  } catch (err) {
    // The parser recurses: nesting deep enough overflows the stack before any check.
    throw refuse(`YAML cannot be parsed (${(err as Error).name}): nested too deeply?`, err)
  }
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({
      file,
      path: '/',
      // With prettyErrors the message already ends "at line L, column C:".
      reason: `YAML syntax: ${(e.message.split('\n')[0] ?? e.message).replace(/:$/, '')}`
    })))
  }
  if (depthOf(doc.contents) > MAX_DEPTH) throw refuse(`YAML nested more than ${MAX_DEPTH} levels deep`)
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown
  } catch (err) {
    // yaml throws a ReferenceError ("Excessive alias count") for an alias bomb.
    throw refuse(`YAML aliases expand too much (more than ${MAX_ALIASES} copies): refused`, err)
  }
}

/** Checks `data` against `schema`; throws a ConfigError listing every problem found. */
export function validate<S extends TSchema> (schema: S, data: unknown, file: string): Static<S> {
  if (Value.Check(schema, data)) return data
  const problems: ConfigProblem[] = []
  for (const e of Value.Errors(schema, data)) {
    problems.push({ file, path: e.path === '' ? '/' : shownPath(e.path), reason: e.message })
    if (problems.length >= 20) break
  }
  throw new ConfigError(problems)
}

const SHOWN_KEY = /^[\p{L}\p{N}_.@+~-]{0,64}$/u

/**
 * A path inside the file, as shown in errors. A key that is not a short name (a line of some
 * other file, a password) is shown by its length only: the file may not be ours.
 */
export function shownPath (path: string): string {
  return path.split('/').map((segment) => SHOWN_KEY.test(segment) ? segment : `(key of ${segment.length} characters)`).join('/')
}

/** Reads a file within `limits` (default CONFIG_MAX_BYTES); a refusal is a ConfigError of that file. */
export async function readConfigText (file: string, limits: ReadLimits = { maxBytes: CONFIG_MAX_BYTES }): Promise<string> {
  try {
    return await readTextFile(file, limits)
  } catch (err) {
    const reason = err instanceof UnreadableFileError ? err.message : `cannot read: ${(err as Error).message}`
    throw new ConfigError([{ file, path: '/', reason }], err)
  }
}

/** Reads, parses and validates one YAML file. */
export async function loadYamlFile<S extends TSchema> (schema: S, file: string, limits?: ReadLimits): Promise<Static<S>> {
  return validate(schema, parseYaml(await readConfigText(file, limits), file), file)
}
