// Config is data, validated at load: every YAML file is parsed and checked against its
// TypeBox schema, and an error names the file, the path inside it and the reason.

import { readFile } from 'node:fs/promises'
import { type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { parseDocument } from 'yaml'
import { HotlineError } from '../errors.js'

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

/** Parses YAML text; syntax errors become problems with the line and column. */
export function parseYaml (text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => ({
      file,
      path: '/',
      // With prettyErrors the message already ends "at line L, column C:".
      reason: `YAML syntax: ${(e.message.split('\n')[0] ?? e.message).replace(/:$/, '')}`
    })))
  }
  return doc.toJS() as unknown
}

/** Checks `data` against `schema`; throws a ConfigError listing every problem found. */
export function validate<S extends TSchema> (schema: S, data: unknown, file: string): Static<S> {
  if (Value.Check(schema, data)) return data
  const problems: ConfigProblem[] = []
  for (const e of Value.Errors(schema, data)) {
    problems.push({ file, path: e.path === '' ? '/' : e.path, reason: e.message })
    if (problems.length >= 20) break
  }
  throw new ConfigError(problems)
}

/** Reads, parses and validates one YAML file. */
export async function loadYamlFile<S extends TSchema> (schema: S, file: string): Promise<Static<S>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError([{ file, path: '/', reason: `cannot read: ${(err as Error).message}` }], err)
  }
  return validate(schema, parseYaml(text, file), file)
}
