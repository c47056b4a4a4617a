// The whole-call scenarios on a real Asterisk 22.10.1, from the generated configuration (test/real/scenarios.ts).
import t from 'tap'
import { realScenarios } from './scenarios.js'

await realScenarios(t, 'asterisk')
