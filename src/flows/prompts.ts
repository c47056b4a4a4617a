// The prompt catalogue: one file listing every prompt by id with its Chinese text. Flows
// name prompts by id; an id missing from the catalogue is a load error, not a silent call.

import { Type, type Static } from '@sinclair/typebox'
import { loadYamlFile } from '../config/validate.js'

export const PromptCatalogueSchema = Type.Object({
  prompts: Type.Record(
    Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }),
    Type.Object({
      zh: Type.String({ minLength: 1 }),
      en: Type.Optional(Type.String()),
      // What the speech synthesiser is given where `zh` reads wrongly (docs/prompts.md).
      say: Type.Optional(Type.String({ minLength: 1 }))
    }, { additionalProperties: false })
  )
}, { additionalProperties: false })

export type PromptCatalogue = Static<typeof PromptCatalogueSchema>

export async function loadPromptCatalogue (file: string): Promise<PromptCatalogue> {
  return await loadYamlFile(PromptCatalogueSchema, file)
}
