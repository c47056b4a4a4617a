// The prompt catalogue: one file listing every prompt by id with its Chinese text. Flows
// name prompts by id; an id missing from the catalogue is a load error, not a silent call.

import { Type, type Static } from '@sinclair/typebox'
import { ConfigError, loadYamlFile, type ConfigProblem } from '../config/validate.js'
import { parseTune } from '../prompts/tune.js'

export const PromptCatalogueSchema = Type.Object({
  prompts: Type.Record(
    Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
    Type.Object({
      zh: Type.String({ minLength: 1 }),
      en: Type.Optional(Type.String()),
      // What the speech synthesiser is given where `zh` reads wrongly (docs/prompts.md).
      say: Type.Optional(Type.String({ minLength: 1 })),
      // Music instead of speech (the queue's hold music): notes sox plucks (src/prompts/tune.ts).
      tune: Type.Optional(Type.Object({
        bpm: Type.Integer({ minimum: 30, maximum: 240 }),
        notes: Type.String({ minLength: 1, maxLength: 2000 })
      }, { additionalProperties: false }))
    }, { additionalProperties: false })
  )
}, { additionalProperties: false })

export type PromptCatalogue = Static<typeof PromptCatalogueSchema>

export async function loadPromptCatalogue (file: string): Promise<PromptCatalogue> {
  const catalogue = await loadYamlFile(PromptCatalogueSchema, file)
  // A tune that cannot be played is refused with the catalogue, not found at `npm run prompts`.
  const problems: ConfigProblem[] = []
  for (const [id, prompt] of Object.entries(catalogue.prompts)) {
    if (prompt.tune === undefined) continue
    try {
      parseTune(prompt.tune)
    } catch (err) {
      problems.push({ file, path: `/prompts/${id}/tune`, reason: (err as Error).message })
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return catalogue
}
