// The flow-view feature (being built: see features/index.ts).

import type { Feature, FeatureContext } from '../features/context.js'

export function startFlowViewFeature (_ctx: FeatureContext): Promise<Feature> {
  return Promise.resolve({ name: 'flow-view' })
}
