// Two controllers on the standalone simulator (ari: one Stasis application each) and one Redis:
// the one running a call is killed and stays dead; its peer takes the call over
// (test/helpers/takeover-scenarios.ts).
import t from 'tap'
import { peerTakeoverScenario } from '../helpers/takeover-scenarios.js'

t.setTimeout(300_000)
peerTakeoverScenario(t, 'ari')
