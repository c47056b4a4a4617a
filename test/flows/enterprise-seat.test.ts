import t from 'tap'
import { runFlow } from '../../src/flows/engine.js'
import type { LoadedFlow } from '../../src/flows/loader.js'
import { scanFlowDirectory } from '../../src/flows/registry.js'
import type { QueueResult } from '../../src/calls/call-context.js'
import { type CallerAction, FLOWS_DIR, FakeQueue, type QueueAskSeen, at, fakeCall, overflow, served, services, shippedDirectory } from './fake-call.js'

const scan = await scanFlowDirectory(FLOWS_DIR, { directory: shippedDirectory, groups: ['enterprise-seat', 'ordinary'] })
const shipped = scan.files.find((f) => f.check.flow?.id === 'enterprise-seat')

void t.test('the shipped flow loads clean: no error, no warning', async (t) => {
  t.same(scan.errors, [])
  t.ok(shipped, 'ivr-flows holds the enterprise-seat flow')
  t.same(shipped?.check.errors, [])
  t.same(shipped?.check.warnings, [])
})

const flow = shipped?.check.flow as LoadedFlow

interface Run {
  path: string[]
  reason: string
  choices: Record<string, string>
  asks: QueueAskSeen[]
  heard: string[]
}

async function call (local: string, keys: CallerAction[], outcome: QueueResult = served): Promise<Run> {
  const f = fakeCall(keys, new FakeQueue(outcome))
  const { reason } = await runFlow(flow, services({ now: at(local) }))(f.call, f.signal)
  if (f.caller.unused !== 0) throw new Error(`${f.caller.unused} scripted keys left over`)
  return { path: f.path, reason, choices: f.choices, asks: f.queue.asks, heard: f.caller.heard }
}

const WEDNESDAY = '2025-03-12'

void t.test('first priority in working time: matter by category, enterprise-seat queue, survey', async (t) => {
  // 1 办事 → 1 税务 → 1 发票领用 → (agent) → survey 1 满意
  const r = await call(`${WEDNESDAY}T10:00:00`, ['1', '1', '1', '1'])
  t.same(r.path, ['welcome', 'priority-menu', 'priority-route', 'category-menu', 'matter-menu-tax', 'hours',
    'connecting', 'enterprise-queue', 'survey', 'goodbye-served'])
  t.equal(r.reason, 'served')
  t.same(r.choices, { priority: 'handling', category: '税务', matter: 'tax-invoice', satisfaction: 'satisfied' })
  t.equal(r.asks.length, 1)
  t.equal(r.asks[0]?.group, 'enterprise-seat')
  t.same(r.asks[0]?.choices, { priority: 'handling', category: '税务', matter: 'tax-invoice' }, 'the agent sees the choices')
  t.equal(r.heard[0], 'play:welcome')
})

void t.test('first priority: the second category page, and skipping the matter', async (t) => {
  // 3 热点政策 → 9 more → 4 知识产权 → 0 other matter → queue → no survey answer
  const r = await call(`${WEDNESDAY}T14:00:00`, ['3', '9', '4', '0', '', ''])
  t.same(r.path, ['welcome', 'priority-menu', 'priority-route', 'category-menu', 'category-menu-more', 'matter-menu-ip',
    'hours', 'connecting', 'enterprise-queue', 'survey', 'goodbye-served'])
  t.same(r.choices, { priority: 'hot-policy', category: '知识产权' }, 'no matter, no rating')
})

void t.test('second priority goes to the ordinary 12345 queue, day and night', async (t) => {
  for (const time of ['10:00:00', '23:00:00']) {
    const r = await call(`${WEDNESDAY}T${time}`, ['4', '2'])
    t.same(r.path, ['welcome', 'priority-menu', 'priority-route', 'to-ordinary', 'ordinary-queue', 'survey', 'goodbye-served'], time)
    t.equal(r.asks[0]?.group, 'ordinary', time)
    t.same(r.choices, { priority: 'second', satisfaction: 'basically-satisfied' }, time)
  }
  const busy = await call(`${WEDNESDAY}T10:00:00`, ['4'], overflow)
  t.same(busy.path.slice(-2), ['ordinary-queue', 'ordinary-busy'])
  t.equal(busy.reason, 'ordinary overflow')
})

void t.test('a caller who cannot use the priority menu still reaches the ordinary line', async (t) => {
  // Silence, a wrong key, two more silences: the third silence fails the menu. Then no rating.
  const r = await call(`${WEDNESDAY}T10:00:00`, ['', '7', '', '', '', ''])
  t.same(r.path, ['welcome', 'priority-menu', 'to-ordinary', 'ordinary-queue', 'survey', 'goodbye-served'])
  t.same(r.heard.slice(1, 8), ['ask:priority-menu', 'play:no-input', 'ask:priority-menu', 'play:invalid-input',
    'ask:priority-menu', 'play:no-input', 'ask:priority-menu'])
  t.same(r.choices, {})
})

const AFTER_HOURS = ['welcome', 'priority-menu', 'priority-route', 'category-menu', 'hours', 'after-hours', 'callback', 'ticket', 'goodbye-ticket']

void t.test('after hours: a next-urgent ticket with the choices, on both sides of 17:30', async (t) => {
  const open = await call(`${WEDNESDAY}T17:29:00`, ['2', '0', '3'])
  t.equal(open.path.at(-2), 'survey', '17:29 is still working time')
  const r = await call(`${WEDNESDAY}T17:30:00`, ['2', '0', '1'])
  t.same(r.path, AFTER_HOURS)
  t.equal(r.reason, 'ticket')
  t.same(r.choices, { priority: 'help', callback: 'caller-id', ticket: 'next-urgent' })
  t.equal(r.asks.length, 0, 'nobody is queued after hours')
  t.same(r.heard.slice(-9), ['play:after-hours', 'play:callback-caller-id', 'play:digit-5', 'play:digit-6', 'play:digit-7',
    'play:digit-8', 'ask:callback-confirm', 'play:ticket-registered', 'play:goodbye'], 'the caller ID read back by its last four digits')
})

void t.test('make-up Saturday works; a holiday Wednesday does not', async (t) => {
  const saturday = await call('2025-02-08T10:00:00', ['1', '0', '1'])
  t.equal(saturday.path.at(-3), 'enterprise-queue', '2025-02-08 make-up Saturday')
  const holiday = await call('2025-10-01T10:00:00', ['1', '0', '1'])
  t.same(holiday.path, AFTER_HOURS, '2025-10-01 National Day')
})

void t.test("the chosen matter's department hours decide: customs closes at 17:00", async (t) => {
  // 1 办事 → 8 通关 → 1 进出口报关, at 17:10
  const customs = await call(`${WEDNESDAY}T17:10:00`, ['1', '8', '1', '1'])
  t.same(customs.path.slice(-5), ['hours', 'after-hours', 'callback', 'ticket', 'goodbye-ticket'])
  t.same(customs.choices, { priority: 'handling', category: '通关', matter: 'customs-declaration', callback: 'caller-id', ticket: 'next-urgent' })
  const tax = await call(`${WEDNESDAY}T17:10:00`, ['1', '1', '1', '1'])
  t.equal(tax.path.at(-3), 'enterprise-queue')
})

void t.test('no agent within the maximum wait: the after-hours ticket path', async (t) => {
  // The caller keys another number (2), keys it, and confirms it read back (1).
  const r = await call(`${WEDNESDAY}T10:00:00`, ['1', '1', '2', '2', '02155550123', '1'], overflow)
  t.same(r.path.slice(-5), ['connecting', 'enterprise-queue', 'callback', 'ticket', 'goodbye-ticket'])
  t.equal(r.reason, 'ticket')
  t.same(r.choices, { priority: 'handling', category: '税务', matter: 'tax-vat-filing', callback: 'keyed', ticket: 'next-urgent' })
  t.notOk(Object.values(r.choices).includes('02155550123'), 'the full number is not among the stored choices')
})
