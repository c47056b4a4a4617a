// The console feature (being built: see features/index.ts).

import type { Feature, FeatureContext } from '../features/context.js'

export function startConsoleFeature (_ctx: FeatureContext): Promise<Feature> {
  return Promise.resolve({ name: 'console' })
}
