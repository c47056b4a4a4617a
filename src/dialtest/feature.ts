// The dial-test feature (being built: see features/index.ts).

import type { Feature, FeatureContext } from '../features/context.js'

export function startDialTestFeature (_ctx: FeatureContext): Promise<Feature> {
  return Promise.resolve({ name: 'dial-test' })
}
