// The traffic generator and the synthetic agents on a whole controller, on both switches:
// callers go through the IVR to an agent, the agent transfers to the caller's department,
// the department line answers and joins the room, the agent leaves, and callers finish with
// the survey — the line `npm start` shows when traffic is on.
import t from 'tap'
import type { SimCallHandle } from '../../src/adapters/sim/model-types.js'
import { startSyntheticAgents } from '../../src/adapters/sim/synthetic-agents.js'
import { seededRandom, startSimTraffic } from '../../src/adapters/sim/traffic.js'
import { loadConfig } from '../../src/config/index.js'
import { createLogger } from '../../src/logger.js'
import type { TransferRecord } from '../../src/domain/transfer-record.js'
import { CONFIG_DIR, PROTOCOLS, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const WORKING = '2025-03-12T10:00:00+08:00' // a Wednesday
const logger = createLogger({ level: 'silent' })

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: synthetic callers and agents: IVR → agent → transfer → department`, async (t) => {
    const c = await startTestController(t, protocol, { ivr: { at: WORKING } })
    const { directory, agents: agentsConfig } = await loadConfig(CONFIG_DIR, {})
    const ivr = c.controller.ivr!
    const connected: TransferRecord[] = []
    ivr.transfers.on('transfer.connected', (record) => { connected.push(record) })
    const requested: Array<{ callId: string, matterId: string }> = []
    const synthetic = await startSyntheticAgents({
      agents: ivr.agents,
      calls: c.controller.calls,
      transfers: ivr.transfers,
      directory,
      agentIds: agentsConfig.agents.map((a) => a.id),
      scaled: (ms) => c.sim.model.scaled(ms),
      logger,
      random: seededRandom(1),
      leaveProbability: 1,
      wrapUpMs: 3000,
      onTransferRequest: (callId, matter) => { requested.push({ callId, matterId: matter.id }) }
    })
    const calls: SimCallHandle[] = []
    const traffic = startSimTraffic(c.sim.model, {
      callsPerHour: 1200,
      answer: { default: 0.9 },
      to: '12345',
      directory,
      agentExtensions: agentsConfig.agents.map((a) => a.extension),
      logger,
      random: seededRandom(2),
      onPlaced: (call) => { calls.push(call) }
    })
    t.teardown(() => {
      traffic.stop()
      synthetic.stop()
    })
    t.equal(synthetic.stats().loggedIn, agentsConfig.agents.length, 'every agent logged in ready')

    await eventually(() => connected.length >= 3 ? true : undefined, 'three transfers connected', 60_000)
    const first = connected[0]!
    t.ok(requested.some((r) => r.callId === first.callId && r.matterId === first.matterId), 'the synthetic agent asked for it')
    t.ok(synthetic.stats().transfersRequested >= connected.length, 'accepted requests are counted')
    t.equal(directory.matter(first.matterId)?.departmentId, first.departmentId, 'to the matter\'s department')
    t.ok(directory.huntList(first.matterId).some((h) => h.number === first.answeredNumber), 'a number of its hunt list answered')
    t.ok(first.agentId !== undefined, 'asked by the agent on the call')

    // That caller went through the menus and the queue to the agent.
    const record = await c.controller.store.getCall(first.callId)
    const caller = calls.find((call) => call.channel.id === record?.legId)
    t.ok(caller !== undefined, 'a generated caller')
    t.match(sounds(caller?.heard ?? []), ['welcome', 'priority-menu'], 'greeted, then the priority menu')
    t.ok(sounds(caller?.heard ?? []).includes('connecting'), 'and put through to the enterprise seat')
    t.ok(record?.path.includes('enterprise-queue'), `through the queue (${record?.path.join(' → ')})`)

    await eventually(() => synthetic.stats().left >= 1 ? true : undefined, 'an agent left the three-way call', 60_000)
    await eventually(() => calls.some((call) => sounds(call.heard).includes('survey') && call.channel.answerState === 'hangup')
      ? true
      : undefined, 'a caller finished with the survey', 60_000)

    const stats = traffic.stats()
    t.ok(stats.placed >= 3 && stats.keyed > 0, `callers placed (${stats.placed}) and keyed (${stats.keyed})`)
    const answered = Object.values(stats.answeredByDepartment).reduce((a, b) => a + b, 0)
    t.ok(answered >= 3, `department lines answered ${answered} dials`)
    t.ok(stats.agentDials >= 3, `agents' phones rang ${stats.agentDials} times`)
    const agents = await ivr.agents.list()
    t.ok(agents.every((a) => a.state !== 'logged-out'), 'synthetic agents stay logged in')
  })
}
