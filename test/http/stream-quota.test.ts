// The cap on live streams open at once (api.streams): per token, per client address, across
// every stream route; over it a 429 that says why in Chinese and English, and a place is
// given back when a stream closes.
import t from 'tap'
import { listen } from '../helpers/browser.js'
import { startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'
import { openStream } from '../live/sse-client.js'

const SUPERVISOR = 'supervisor-token-quota-01'
const ADMIN = 'admin-token-quota-0000001'
const AGENT = 'agent-token-quota-agent01'
const env = { API_TOKENS: `${SUPERVISOR}:supervisor,${ADMIN}:admin,${AGENT}:agent:agent01` }

const refused = async (url: string, token: string): Promise<{ status: number, body: { code?: string, message?: string } }> => {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } })
  return { status: res.status, body: await res.json() as { code?: string, message?: string } }
}

void t.test('streams per token and per address are capped; a closed stream frees its place', async (t) => {
  const { controller } = await startTestController(t, 'esl', {
    ivr: { at: '2026-03-02T10:00:00+08:00' },
    env,
    config: { api: { streams: { perToken: 2, perAddress: 3 } } }
  })
  const base = await listen(controller.app)
  const live = `${base}/api/live/stream`
  const first = await openStream(t, live, SUPERVISOR)
  const second = await openStream(t, `${base}/api/agents/agent01/stream`, SUPERVISOR)
  t.same([first.status, second.status], [200, 200], 'two streams of one token, on two routes')

  const third = await refused(live, SUPERVISOR)
  t.equal(third.status, 429, 'a third for the same token is refused')
  t.match(third.body, { code: 'HC_RATE_LIMITED', message: /同一令牌.*上限 2 个.*\(too many live streams: at most 2 open at once per token/ })

  const other = await openStream(t, live, ADMIN)
  t.equal(other.status, 200, 'another token still has its own places')
  const overAddress = await refused(`${base}/api/agents/agent01/stream`, AGENT)
  t.equal(overAddress.status, 429, 'but the address holds three already')
  t.match(overAddress.body, { code: 'HC_RATE_LIMITED', message: /同一地址.*上限 3 个.*per client address/ })

  first.close()
  const again = await eventually(async () => {
    const client = await openStream(t, live, SUPERVISOR)
    if (client.status === 200) return client
    client.close()
    return undefined
  }, 'the closed stream gave its place back')
  t.equal(again.status, 200)
  t.equal(controller.app.streamQuota?.size, 3)
})
