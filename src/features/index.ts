// The features started after the line, in order (each may use what the earlier ones
// published through the live signals). See context.ts.

import { startConsoleFeature } from '../console/feature.js'
import { startDialTestFeature } from '../dialtest/feature.js'
import { startFlowViewFeature } from '../flows/view-feature.js'
import { startLiveFeature } from '../live/feature.js'
import { startReportFeature } from '../report/feature.js'
import type { FeatureFactory } from './context.js'

export const FEATURES: readonly FeatureFactory[] = [
  startLiveFeature,
  startConsoleFeature,
  startReportFeature,
  startFlowViewFeature,
  startDialTestFeature
]
