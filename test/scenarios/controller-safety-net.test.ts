// A controller killed for good with no peer: the switch's own safety net ends the caller in the
// IVR with the apology, and leaves the caller talking with an agent alone. The scenario is in
// test/helpers/takeover-scenarios.ts.
import t from 'tap'
import { PROTOCOLS } from '../helpers/controller.js'
import { safetyNetScenario } from '../helpers/takeover-scenarios.js'

// A call to an agent and one in the IVR, a kill and the net's 3 s, per protocol.
t.setTimeout(300_000)
for (const protocol of PROTOCOLS) safetyNetScenario(t, protocol)
