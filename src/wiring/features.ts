// The features started after the line, in order (each may use what the earlier ones
// published through the live signals). See context.ts.

import { startConsoleFeature } from '../features/console/feature.js'
import { startDialTestFeature } from '../features/dialtest/feature.js'
import { startFlowViewFeature } from '../features/flow-view/feature.js'
import { startLiveFeature } from '../features/live/feature.js'
import { startReportFeature } from '../features/report/feature.js'
import type { FeatureFactory } from '../features/context.js'

export const FEATURES: readonly FeatureFactory[] = [
  startLiveFeature,
  startConsoleFeature,
  startReportFeature,
  startFlowViewFeature,
  startDialTestFeature
]
