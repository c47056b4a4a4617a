// The dashboard's API on a whole controller: the snapshot for supervisors only, the stream
// pushing a new snapshot after an agent logs in and after a call arrives (caller masked),
// the stream ended when the controller stops, and the routes in OpenAPI.
import t from 'tap'
import type { LiveSnapshot } from '../../src/features/live/schema.js'
import { listen } from '../helpers/browser.js'
import { startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'
import { type SseClient, openStream } from './sse-client.js'

const SUPERVISOR = 'supervisor-token-live-0001'
const ADMIN = 'admin-token-live-00000001'
const AGENT = 'agent-token-live-agent01'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${ADMIN}:admin,${AGENT}:agent:agent01` }
const at = '2026-03-02T10:00:00+08:00'

const snapshots = (client: SseClient): LiveSnapshot[] =>
  client.events.filter((e) => e.event === 'snapshot').map((e) => e.data as LiveSnapshot)

const last = (client: SseClient): LiveSnapshot | undefined => snapshots(client).at(-1)

void t.test('GET /api/live/snapshot: supervisors and admins only, every part present', async (t) => {
  const { controller } = await startTestController(t, 'esl', { ivr: { at }, env })
  const app = controller.app
  t.equal((await app.inject({ url: '/api/live/snapshot' })).statusCode, 401)
  const agent = await app.inject({ url: '/api/live/snapshot', headers: { authorization: `Bearer ${AGENT}` } })
  t.equal(agent.statusCode, 403, 'agents do not see the dashboard')
  t.equal((await app.inject({ url: '/api/live/snapshot?x=1', headers: { authorization: `Bearer ${SUPERVISOR}` } })).statusCode, 400, 'an unknown parameter is refused')
  const res = await app.inject({ url: '/api/live/snapshot', headers: { authorization: `Bearer ${ADMIN}` } })
  t.equal(res.statusCode, 200)
  const snap = res.json<LiveSnapshot>()
  t.equal(snap.at, new Date(Date.parse(snap.at)).toISOString())
  t.match(snap, {
    calls: { total: 0, ivr: 0, waiting: 0, agent: 0, threeWay: 0 },
    tickets: { awaitingContact: 0, dueSoon: 0, overdue: 0 },
    connectionRate: { target: 0.9, nationalStandard: 0.95, lastHour: { byDepartment: Array }, today: { byDepartment: Array } }
  })
  t.ok(snap.agents !== undefined && snap.agents.total > 0 && snap.agents.byState['logged-out'] === snap.agents.total, 'every agent logged out')
  t.same(snap.controllers.map((c) => [c.controllerId, c.alive, c.switchState]), [[snap.controllerId, true, 'ready']])
  t.same(snap.alarms, [])
  const doc = (await app.inject({ url: '/docs/json' })).json<{ paths: Record<string, { get?: { tags?: string[] } }> }>()
  t.same(doc.paths['/api/live/snapshot']?.get?.tags, ['live'])
  t.same(doc.paths['/api/live/stream']?.get?.tags, ['live'])
})

void t.test('the stream sends a snapshot at once, then after an agent logs in and a call arrives; it ends with the controller', async (t) => {
  const { controller, sim } = await startTestController(t, 'esl', { ivr: { at }, env })
  const base = await listen(controller.app)
  const refused = await openStream(t, `${base}/api/live/stream`, AGENT)
  t.equal(refused.status, 403)
  const client = await openStream(t, `${base}/api/live/stream`, SUPERVISOR)
  t.equal(client.status, 200)
  const first = await eventually(() => last(client), 'the first snapshot')
  t.equal(first.agents?.byState.ready, 0)

  const login = await controller.app.inject({
    method: 'POST', url: '/api/agents/agent01/login', headers: { authorization: `Bearer ${AGENT}` }, payload: { ready: true }
  })
  t.equal(login.statusCode, 200)
  const ready = await eventually(() => {
    const s = last(client)
    return s?.agents?.byState.ready === 1 ? s : undefined
  }, 'agent01 ready on the stream')
  t.match(ready.agents?.list.find((a) => a.id === 'agent01'), { state: 'ready' })

  const caller = sim.model.placeCall({ from: '13912345678', to: '12345' })
  const ringing = await eventually(() => {
    const s = last(client)
    return s?.calls?.ivr === 1 ? s : undefined
  }, 'the call in the IVR on the stream')
  t.match(ringing.calls?.list[0], { caller: '139****5678', phase: 'ivr', controllerId: ringing.controllerId })
  t.notOk(client.events.some((e) => JSON.stringify(e.data).includes('13912345678')), 'never the full number')
  caller.hangup()
  await eventually(() => last(client)?.calls?.total === 0 ? true : undefined, 'the call gone from the stream')

  const before = client.events.length
  await controller.shutdown(100)
  t.ok(client.events.length >= before, 'the stream ended with the server, which did not wait for it')
})
