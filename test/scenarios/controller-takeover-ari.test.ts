// A controller killed mid-conversation and mid-hunt on the standalone simulator (ari), started
// again: the call goes on. The scenarios are in test/helpers/takeover-scenarios.ts.
import t from 'tap'
import { takeoverScenarios } from '../helpers/takeover-scenarios.js'

// Two controller starts, a kill and a hunt that rings out, twice: about a minute, more when loaded.
t.setTimeout(300_000)
takeoverScenarios(t, 'ari')
