// The whole-call scenarios on a real FreeSWITCH 1.11.1, from the generated configuration (test/real/scenarios.ts).
import t from 'tap'
import { realScenarios } from './scenarios.js'

await realScenarios(t, 'freeswitch')
