// One request validator for every API route: TypeBox's compiler, strict (no silent removal of
// unknown fields, unlike Fastify's default), with a message that names the field.

import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

export function typeboxValidator ({ schema, httpPart }: { schema: unknown, httpPart?: string }) {
  const check = TypeCompiler.Compile(schema as TSchema)
  return (data: unknown) => {
    // A POST without a body is an empty body: body fields the routes take are optional or
    // reported missing by name.
    const value = httpPart === 'body' && (data === null || data === undefined) ? {} : data
    if (check.Check(value)) return { value }
    const first = check.Errors(value).First()
    const where = first === undefined || first.path === '' ? httpPart ?? 'input' : `${httpPart ?? ''}${first.path}`
    return { error: new Error(`${where}: ${first?.message ?? 'invalid'}`) }
  }
}
