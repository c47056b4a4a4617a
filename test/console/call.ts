// Shared by the console tests: a controller on the enterprise-seat line in working time with
// agent, supervisor, admin and department tokens, a caller who chose 办事 → 税务 → 发票领用
// and is talking with agent01, and an SSE reader for the agent stream.
import type { Test } from 'tap'
import type { SimCallHandle, SimChannel } from '../../src/adapters/sim/model-types.js'
import type { AgentSnapshot } from '../../src/features/console/views.js'
import { type Protocol, type TestController, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

export const WORKING = '2026-03-04T10:00:00+08:00' // a Wednesday
export const AGENT = 'agent01-console-token-0001'
export const OTHER_AGENT = 'agent02-console-token-0001'
export const SUPERVISOR = 'supervisor-console-token-01'
export const ADMIN = 'admin-console-token-000001'
export const DEPARTMENT = 'tax-department-token-00001'
export const API_TOKENS = [
  `${AGENT}:agent:agent01`, `${OTHER_AGENT}:agent:agent02`, `${SUPERVISOR}:supervisor`, `${ADMIN}:admin`, `${DEPARTMENT}:department:tax`
].join(',')
export const CALLER = '13812345678'
/** tax-invoice's hunt list in config/directory.yaml, in order. */
export const TAX_INVOICE = ['02155010002', '02155010003', '02155010001'] as const

export async function startConsoleController (t: Test, protocol: Protocol = 'esl'): Promise<TestController> {
  return await startTestController(t, protocol, { ivr: { at: WORKING }, env: { API_TOKENS } })
}

export async function api (c: TestController, method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) {
  return await c.controller.app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> })
  })
}

/** Waits until the caller has heard `prompt`, then keys `digits`. */
export async function at (caller: SimCallHandle, prompt: string, digits?: string): Promise<void> {
  await eventually(() => sounds(caller.heard).includes(prompt) ? true : undefined, prompt, 15_000)
  if (digits !== undefined) caller.sendDtmf(digits)
}

export const answeredLeg = (c: TestController, number: string): SimChannel | undefined =>
  c.sim.model.channels().find((ch) => ch.direction === 'outbound' && ch.destination === number && ch.answerState === 'answered')

/** A caller of 发票领用 in conversation with agent01 (logged in and ready first). */
export async function callWithAgent (c: TestController): Promise<{ caller: SimCallHandle, callId: string, agentLeg: SimChannel }> {
  c.sim.model.registerPhone('8001', { kind: 'answer', afterMs: 100 })
  await c.controller.ivr!.agents.login('agent01', { ready: true })
  const caller = c.sim.model.placeCall({ from: CALLER, to: '12345' })
  await at(caller, 'priority-menu', '1') // 办事
  await at(caller, 'category-menu', '1') // 税务
  await at(caller, 'matter-menu-tax', '1') // 发票领用
  const agentLeg = await eventually(() => answeredLeg(c, '8001'), 'agent answered', 15_000)
  const callId = await eventually(async () => (await c.controller.store.getAgent('agent01'))?.callId, 'agent on the call')
  await eventually(() => c.controller.calls.agentOf(callId) === 'agent01' ? true : undefined, 'conversation begun', 15_000)
  return { caller, callId, agentLeg }
}

export interface Followed {
  status: number
  /** The `agent` events received so far, oldest first. */
  events: AgentSnapshot[]
  stop: () => void
}

/** Opens GET /api/agents/:id/stream over HTTP and collects its `agent` events. */
export async function followAgent (t: Test, base: string, agentId: string, token: string): Promise<Followed> {
  const abort = new AbortController()
  t.teardown(() => { abort.abort() })
  const res = await fetch(`${base}/api/agents/${agentId}/stream`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal })
  const events: AgentSnapshot[] = []
  if (res.ok && res.body !== null) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    void (async () => {
      let buffer = ''
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += value
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const name = /^event: (.*)$/m.exec(block)?.[1]
            const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
            if (name === 'agent' && data !== '') events.push(JSON.parse(data) as AgentSnapshot)
          }
        }
      } catch {
        // Aborted at teardown, or the server closed the stream.
      }
    })()
  } else {
    await res.body?.cancel()
  }
  return { status: res.status, events, stop: () => { abort.abort() } }
}
