// The three-way transfer and its hunt against a scripted switch port: the hunt list dialled in
// order with each number's own ring timeout and the hotline's caller ID, every kind of failure
// moving on, an answer stopping the hunt and joining the call's room, the caller hanging up
// mid-hunt, every number failing (ticket, prompt, agent stays), the agent leaving and the
// specialist hanging up — and nothing but directory numbers ever dialled. Whole calls over
// the simulated switch are in test/scenarios/transfer.test.ts.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import type { LiveConversation } from '../../src/calls/agent-leg.js'
import { hunt } from '../../src/calls/hunt.js'
import { TRANSFER_FAILED_PROMPT, TransferService } from '../../src/calls/transfer.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import { Directory, type DirectoryData } from '../../src/domain/directory.js'
import { HotlineError } from '../../src/errors.js'
import { loadPromptCatalogue } from '../../src/flows/prompts.js'
import { ManualClock } from '../../src/ports/clock.js'
import type {
  CollectResult, DialOutcome, DialOutcomeKind, DialRequest, LegEvent, LegListener, PlayOutcome, SwitchPort, SwitchStatus
} from '../../src/ports/switch.js'
import type { Ticket, TicketRequest, TicketSink } from '../../src/ports/tickets.js'
import type { TransferAttempt, TransferRecord, TransferStore } from '../../src/ports/transfers.js'
import { eventually } from '../helpers/sim.js'
import { promptHealth } from '../helpers/prompt-health.js'

const silent = pino({ level: 'silent' })
const WEDNESDAY_10 = Date.parse('2025-03-12T10:00:00+08:00')
const SATURDAY_10 = Date.parse('2025-03-15T10:00:00+08:00')

const DIRECTORY: DirectoryData = {
  categories: ['税务', '市场准入'],
  departments: [{ id: 'tax', name: '税务局', nameEn: 'Tax Bureau' }, { id: 'market', name: '市场监督管理局', nameEn: 'Market' }],
  matters: [
    {
      id: 'tax-invoice', name: '发票领用', nameEn: 'Invoices', category: '税务', priority: 'handling', department: 'tax',
      hunt: [{ number: '02155010002', ringTimeoutSec: 25 }, { number: '02155010003', ringTimeoutSec: 20 }, { number: '02155010001', ringTimeoutSec: 15 }]
    },
    {
      id: 'market-setup', name: '企业开办', nameEn: 'Company set-up', category: '市场准入', priority: 'handling', department: 'market',
      hunt: ['1', '2', '3', '4', '5', '6', '7'].map((n, i) => ({ number: `0215502000${n}`, ringTimeoutSec: 10 + i }))
    }
  ]
}

type Behaviour = DialOutcomeKind | 'ring' | 'throw'

/** A switch port whose far ends do what the test says; records everything asked of it. */
class ScriptedSwitch implements SwitchPort {
  readonly vendor = 'freeswitch'
  readonly dials: DialRequest[] = []
  readonly played: Array<{ legId: string, prompt: string }> = []
  readonly hungUp: string[] = []
  readonly rooms = new Map<string, Set<string>>()
  /** Everything done to the caller's leg, in order (`left`, `played`, `joined`). */
  readonly callerSteps: string[] = []
  /** Runs as a number answers (before the dial returns). */
  beforeAnswer: () => void = () => undefined
  readonly #behaviour = new Map<string, Behaviour>()
  readonly #listeners = new Map<string, Set<LegListener>>()
  #legs = 0

  behave (numbers: Record<string, Behaviour>): void {
    for (const [n, b] of Object.entries(numbers)) this.#behaviour.set(n, b)
  }

  inRoom (room: string): string[] {
    return [...(this.rooms.get(room) ?? [])].sort()
  }

  emit (legId: string, event: LegEvent): void {
    for (const l of this.#listeners.get(legId) ?? []) l(event)
  }

  /** The far end of a leg hangs up. */
  remoteHangup (legId: string): void {
    for (const members of this.rooms.values()) members.delete(legId)
    this.emit(legId, { type: 'hangup', cause: 'remote-hangup', vendor: { text: 'NORMAL_CLEARING' }, at: Date.now() })
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    this.dials.push(request)
    const b = this.#behaviour.get(request.target.number) ?? 'unreachable'
    if (b === 'throw') throw new HotlineError('HC_SWITCH_NOT_CONNECTED', 'not connected')
    if (b === 'answered') {
      this.beforeAnswer()
      return { kind: 'answered', legId: `spec-${++this.#legs}`, ringMs: 300 }
    }
    if (b === 'no-answer') return { kind: 'no-answer', ringMs: request.ringTimeoutMs, cause: { text: 'NO_ANSWER', q850: 19 } }
    if (b === 'ring') {
      return await new Promise((resolve) => {
        request.signal?.addEventListener('abort', () => {
          resolve({ kind: 'cancelled', ringMs: 1200, cause: { text: 'ORIGINATOR_CANCEL', q850: 487 } })
        }, { once: true })
      })
    }
    return { kind: b, ringMs: 40, cause: { text: b.toUpperCase() } }
  }

  async joinConference (legId: string, room: string): Promise<void> {
    await Promise.resolve()
    const members = this.rooms.get(room) ?? new Set()
    this.rooms.set(room, members)
    members.add(legId)
    if (legId.startsWith('caller')) this.callerSteps.push('joined')
    this.emit(legId, { type: 'conference-joined', room, at: Date.now() })
  }

  async leaveConference (legId: string, room: string): Promise<void> {
    await Promise.resolve()
    this.rooms.get(room)?.delete(legId)
    if (legId.startsWith('caller')) this.callerSteps.push('left')
    this.emit(legId, { type: 'conference-left', room, at: Date.now() })
  }

  async play (legId: string, prompt: string): Promise<PlayOutcome> {
    await Promise.resolve()
    this.played.push({ legId, prompt })
    if (legId.startsWith('caller')) this.callerSteps.push(`played ${prompt}`)
    return 'played'
  }

  async missingPrompts (): Promise<string[]> {
    return await Promise.resolve([])
  }

  async hangup (legId: string): Promise<void> {
    await Promise.resolve()
    this.hungUp.push(legId)
    this.remoteHangup(legId)
  }

  onLegEvent (legId: string, listener: LegListener): () => void {
    const set = this.#listeners.get(legId) ?? new Set()
    this.#listeners.set(legId, set)
    set.add(listener)
    return () => { set.delete(listener) }
  }

  start = async (): Promise<void> => { await Promise.resolve() }
  status = (): SwitchStatus => ({ state: 'ready', detail: 'scripted', since: 0 })
  onStatus = (): () => void => () => undefined
  onInboundCall = (): () => void => () => undefined
  answer = async (): Promise<void> => { await Promise.resolve() }
  collectDigits = async (): Promise<CollectResult> => await Promise.resolve({ digits: '', reason: 'timeout' })
  close = async (): Promise<void> => { await Promise.resolve() }
  destroy = (): void => undefined
}

/** Keeps every write, so a test sees the record grow as the hunt goes. */
class RecordingStore implements TransferStore {
  readonly writes: TransferRecord[] = []
  readonly #records = new Map<string, TransferRecord>()
  async putTransfer (record: TransferRecord): Promise<void> {
    await Promise.resolve()
    this.writes.push(structuredClone(record))
    this.#records.set(record.id, structuredClone(record))
  }

  async getTransfer (id: string): Promise<TransferRecord | undefined> {
    return await Promise.resolve(this.#records.get(id))
  }

  async listTransfers (q: { since: number, until: number }): Promise<TransferRecord[]> {
    return await Promise.resolve([...this.#records.values()].filter((r) => r.requestedAt >= q.since && r.requestedAt < q.until))
  }
}

class FakeTickets implements TicketSink {
  readonly raised: TicketRequest[] = []
  fail = false
  async raise (request: TicketRequest): Promise<Ticket> {
    await Promise.resolve()
    if (this.fail) throw new HotlineError('HC_STORE', 'store down')
    this.raised.push(request)
    return {
      ...request, id: `T${this.raised.length}`, createdAt: request.at, dueAt: request.at + 86_400_000, status: 'open', history: []
    }
  }
}

function setUp (t: Test, options: { at?: number, tickets?: FakeTickets | null } = {}) {
  const sw = new ScriptedSwitch()
  const store = new RecordingStore()
  const tickets = options.tickets === null ? undefined : options.tickets ?? new FakeTickets()
  const directory = new Directory(DIRECTORY)
  const calendar = new WorkCalendar({
    workingHours: { default: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:30' }] },
    dueTime: '10:00',
    warnMissingFromMonth: 12,
    years: []
  })
  const clock = new ManualClock(options.at ?? WEDNESDAY_10)
  const service = new TransferService({
    switch: sw, store, directory, calendar, clock, callerIdNumber: '12345', tickets,
    callerNumber: (callId) => callId === 'call-1' ? '13812345678' : undefined,
    log: silent,
    prompts: promptHealth(sw)
  })
  const events: Array<[string, unknown]> = []
  for (const name of ['transfer.attempted', 'transfer.connected', 'transfer.failed', 'transfer.cancelled'] as const) {
    service.on(name, (...args: unknown[]) => { events.push([name, args[0]]) })
  }
  const caller = new AbortController()
  let released = 0
  const conversation: LiveConversation = {
    callId: 'call-1',
    callerLegId: 'caller-leg',
    room: 'call-call-1',
    agentId: 'agent01',
    agentLegId: 'agent-leg',
    group: 'enterprise-seat',
    choices: { priority: 'handling', category: '税务' },
    connectedAt: clock.now(),
    signal: caller.signal,
    log: silent,
    releaseAgent: async () => {
      released += 1
      await sw.leaveConference('agent-leg', 'call-call-1')
      await sw.hangup('agent-leg')
    }
  }
  sw.rooms.set('call-call-1', new Set(['caller-leg', 'agent-leg']))
  service.started(conversation)
  t.teardown(async () => { await service.close() })
  const transfer = async (id: string) => await eventually(() => service.live('call-1')?.transfers.find((r) => r.id === id), 'transfer')
  // Settled: the hunt is over and the transfer's phase with it (prompt played, specialist in).
  const settled = async (id: string) => await until(async () => {
    const r = await transfer(id)
    const state = service.live('call-1')?.state
    return r.state === 'hunting' || state === 'hunting' || state === 'connecting-specialist' || state === 'telling-caller' ? undefined : r
  }, 'transfer settled')
  return { sw, store, tickets, service, events, caller, conversation, clock, transfer, settled, released: () => released }
}

async function start (service: TransferService, matterId: string, agentId?: string): Promise<TransferRecord> {
  const answer = await service.request('call-1', matterId, agentId === undefined ? {} : { agentId })
  if (!answer.ok) throw new Error(`refused: ${answer.reason}`)
  return answer.value
}

/** Like `eventually`, for polls that are asynchronous. */
async function until<T> (poll: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    const value = await poll()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const outcomes = (r: TransferRecord): DialOutcomeKind[] => r.attempts.map((a) => a.outcome)

void t.test('dials the hunt list in order, each with its own ring timeout, until one answers', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'no-answer', '02155010001': 'answered' })
  const requested = await start(s.service, 'tax-invoice', 'agent01')
  t.match(requested, { callId: 'call-1', matterId: 'tax-invoice', departmentId: 'tax', agentId: 'agent01', state: 'hunting', workingTime: true, attempts: [] })
  await eventually(() => s.service.live('call-1')?.state === 'three-way' ? true : undefined, 'three-way call')

  t.same(s.sw.dials.map((d) => d.target), [
    { number: '02155010002', trunk: 'department' }, { number: '02155010003', trunk: 'department' }, { number: '02155010001', trunk: 'department' }
  ], 'the directory order, through the department trunk')
  t.same(s.sw.dials.map((d) => d.ringTimeoutMs), [25_000, 20_000, 15_000], 'each number rings for its own timeout')
  t.ok(s.sw.dials.every((d) => d.callerIdNumber === '12345'), 'the department sees the hotline, never the caller')
  t.same(s.sw.inRoom('call-call-1'), ['agent-leg', 'caller-leg', 'spec-1'], 'caller, agent and specialist in one room')

  const record = await s.transfer(requested.id)
  t.same(outcomes(record), ['busy', 'no-answer', 'answered'])
  t.match(record, { state: 'connected', answeredNumber: '02155010001' })
  t.ok(record.connectedAt !== undefined && record.endedAt === undefined)
  t.same(record.attempts.map((a) => a.index), [0, 1, 2])
  t.same(record.attempts.map((a) => a.ringMs), [40, 20_000, 300], 'ring time as the switch measured it')
  t.equal(record.attempts[0]?.cause, 'BUSY')
  // The record was written as the hunt went: one attempt more at each step.
  const counts = s.store.writes.filter((w) => w.id === requested.id).map((w) => w.attempts.length)
  t.same([...new Set(counts)], [0, 1, 2, 3])
  t.same((await s.store.getTransfer(requested.id))?.state, 'connected')
  t.same(s.events.map(([name]) => name), ['transfer.attempted', 'transfer.attempted', 'transfer.attempted', 'transfer.connected'])
  t.same(s.tickets?.raised, [], 'no ticket when someone answered')
})

void t.test('busy, no answer, rejected, unreachable, failed and a switch error each move on at once', async (t) => {
  const s = setUp(t)
  s.sw.behave({
    '02155020001': 'busy', '02155020002': 'no-answer', '02155020003': 'rejected', '02155020004': 'unreachable',
    '02155020005': 'failed', '02155020006': 'throw', '02155020007': 'answered'
  })
  const { id } = await start(s.service, 'market-setup')
  const record = await s.settled(id)
  t.same(outcomes(record), ['busy', 'no-answer', 'rejected', 'unreachable', 'failed', 'failed', 'answered'])
  t.equal(record.attempts[5]?.cause, 'HC_SWITCH_NOT_CONNECTED', 'a switch error is a failed attempt, kept with its code')
  t.same(s.sw.dials.map((d) => d.ringTimeoutMs), [10, 11, 12, 13, 14, 15, 16].map((s) => s * 1000))
  t.match(record, { state: 'connected', departmentId: 'market', answeredNumber: '02155020007' })
})

void t.test('an answer stops the hunt: later numbers are never dialled', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'answered', '02155010003': 'answered' })
  const { id } = await start(s.service, 'tax-invoice')
  const record = await s.settled(id)
  t.same(s.sw.dials.map((d) => d.target.number), ['02155010002'])
  t.same(outcomes(record), ['answered'])
})

void t.test('the caller hanging up mid-hunt cancels the dial in progress: no ticket', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'ring' })
  const { id } = await start(s.service, 'tax-invoice')
  await eventually(() => s.service.live('call-1')?.ringing?.number === '02155010003' ? true : undefined, 'second number ringing')
  t.equal(s.service.live('call-1')?.state, 'hunting')
  s.caller.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
  const record = await s.settled(id)
  t.same(outcomes(record), ['busy', 'cancelled'], 'the dial in progress is recorded cancelled')
  t.equal(s.sw.dials[1]?.signal?.aborted, true, 'the dial was told to stop')
  t.equal(s.sw.dials.length, 2, 'the third number is never dialled')
  t.match(record, { state: 'cancelled' })
  t.ok(record.endedAt !== undefined)
  t.same(s.tickets?.raised, [], 'no ticket for a caller who hung up')
  t.same(s.sw.played, [], 'nothing played')
  t.same(s.events.map(([name]) => name), ['transfer.attempted', 'transfer.attempted', 'transfer.cancelled'])
  await s.service.othersDone('call-1')
  s.service.ended('call-1')
  t.equal(s.service.live('call-1'), undefined)
})

void t.test('a number answering as the caller hangs up: hung up, recorded answered, no ticket', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'answered' })
  s.sw.beforeAnswer = () => { s.caller.abort() }
  const { id } = await start(s.service, 'tax-invoice')
  const record = await s.settled(id)
  t.match(record, { state: 'cancelled', answeredNumber: '02155010003' })
  t.same(outcomes(record), ['busy', 'answered'], 'the department did answer')
  t.same(s.sw.hungUp, ['spec-1'], 'the specialist is not left on a dead call')
  t.same(s.sw.inRoom('call-call-1'), ['agent-leg', 'caller-leg'], 'nobody joined the room')
  t.same(s.tickets?.raised, [])
})

void t.test('every number fails: ticket to the owning department, the caller told, the agent stays', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'busy', '02155010001': 'no-answer' })
  const { id } = await start(s.service, 'tax-invoice')
  const record = await s.settled(id)
  t.match(record, { state: 'all-failed', ticketId: 'T1' })
  t.same(outcomes(record), ['busy', 'busy', 'no-answer'])
  t.same(s.tickets?.raised, [{
    kind: 'transfer-failed',
    callId: 'call-1',
    matterId: 'tax-invoice',
    departmentId: 'tax',
    callbackNumber: '13812345678',
    choices: { priority: 'handling', category: '税务' },
    at: WEDNESDAY_10
  }])
  await s.service.othersDone('call-1')
  t.same(s.sw.callerSteps, ['left', `played ${TRANSFER_FAILED_PROMPT}`, 'joined'], 'out of the room for the prompt, then back')
  t.same(s.sw.inRoom('call-call-1'), ['agent-leg', 'caller-leg'], 'caller and agent still together')
  t.equal(s.service.live('call-1')?.state, 'with-agent')
  t.match(s.events.at(-1), ['transfer.failed', { state: 'all-failed', ticketId: 'T1' }])
  t.equal((await s.store.getTransfer(id))?.ticketId, 'T1', 'the stored record names the ticket')
  // The agent can try again (another matter, or the same one later).
  s.sw.behave({ '02155010002': 'answered' })
  const again = await start(s.service, 'tax-invoice')
  t.match(await s.settled(again.id), { state: 'connected' })
})

void t.test('no ticket could be raised: the caller is not promised a call back', async (t) => {
  const tickets = new FakeTickets()
  tickets.fail = true
  const s = setUp(t, { tickets })
  const { id } = await start(s.service, 'tax-invoice') // every number unreachable
  const record = await s.settled(id)
  t.match(record, { state: 'all-failed' })
  t.equal(record.ticketId, undefined)
  await s.service.othersDone('call-1')
  t.same(s.sw.played, [], 'no prompt promising a call back')
})

void t.test('requests outside working time are recorded as such', async (t) => {
  const s = setUp(t, { at: SATURDAY_10 })
  s.sw.behave({ '02155010002': 'answered' })
  t.match(await start(s.service, 'tax-invoice'), { workingTime: false })
})

void t.test('only directory numbers are dialled; bad requests dial nothing', async (t) => {
  const s = setUp(t)
  for (const matterId of ['no-such-matter', '02155019999', 'tax-invoice;13800000000']) {
    const answer = await s.service.request('call-1', matterId, {})
    t.match(answer, { ok: false, status: 400 }, matterId)
  }
  t.same(s.sw.dials, [])
  const { id } = await start(s.service, 'tax-invoice')
  await s.settled(id)
  const numbers = new Directory(DIRECTORY).huntList('tax-invoice').map((h) => h.number)
  t.same(s.sw.dials.map((d) => d.target.number), numbers, 'exactly the hunt list')

  // The hunt checks each number against the directory again, just before dialling it.
  const attempts: TransferAttempt[] = []
  const result = await hunt({ switch: s.sw, clock: s.clock, callerIdNumber: '12345', isDirectoryNumber: (n) => numbers.includes(n) }, {
    matterId: 'tax-invoice', departmentId: 'tax', signal: new AbortController().signal, log: silent,
    entries: [{ number: '13800000000', ringTimeoutSec: 20 }],
    onAttempt: (a) => { attempts.push(a) }
  })
  t.same(result, { kind: 'all-failed' })
  t.match(attempts, [{ number: '13800000000', outcome: 'failed', cause: 'not a directory number', ringMs: 0 }])
  t.equal(s.sw.dials.length, numbers.length, 'a number outside the directory is never dialled')
})

void t.test('one transfer at a time, by the agent on the call, while the agent is there', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'ring' })
  await start(s.service, 'tax-invoice')
  t.match(await s.service.request('call-1', 'tax-invoice', {}), { ok: false, status: 409 }, 'a transfer is running')
  t.match(await s.service.request('call-1', 'tax-invoice', { agentId: 'agent02' }), { ok: false, status: 403 }, 'another agent')
  t.match(await s.service.request('call-2', 'tax-invoice', {}), { ok: false, status: 409 }, 'a call not with an agent')
  t.match(await s.service.leave('call-1', {}), { ok: false, status: 409 }, 'no leaving before a specialist is in')
  s.service.agentGone('call-1', s.clock.now())
  s.caller.abort()
  await s.service.othersDone('call-1')
  t.match(await s.service.request('call-1', 'tax-invoice', {}), { ok: false, status: 409, reason: /agent has left/ })
})

void t.test('the agent leaves: caller and specialist go on until the specialist hangs up', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  const { id } = await start(s.service, 'tax-invoice')
  await eventually(() => s.service.live('call-1')?.state === 'three-way' ? true : undefined, 'three-way call')
  const left = await s.service.leave('call-1', { agentId: 'agent01' })
  t.match(left, { ok: true, value: { agentPresent: false, state: 'with-specialist' } })
  t.equal(s.released(), 1, 'the agent leg was released')
  t.same(s.sw.inRoom('call-call-1'), ['caller-leg', 'spec-1'])
  t.match(await s.service.leave('call-1', {}), { ok: false, status: 409 }, 'leaving twice')
  let done = false
  void s.service.othersDone('call-1').then(() => { done = true })
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.notOk(done, 'the conversation goes on while the specialist is there')
  const talking = await s.transfer(id)
  t.ok(talking.agentLeftAt !== undefined && talking.endedAt === undefined, 'agent left, call not ended')

  s.clock.advance(60_000)
  s.sw.remoteHangup('spec-1')
  await s.service.othersDone('call-1')
  const record = await s.transfer(id)
  t.ok(record.endedAt !== undefined && record.agentLeftAt !== undefined && record.endedAt > record.agentLeftAt, 'ended after the agent left')
  t.equal(s.service.live('call-1')?.state, 'closing')
})

void t.test('the specialist hangs up while the agent is there: agent and caller go on', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  const { id } = await start(s.service, 'tax-invoice')
  await eventually(() => s.service.live('call-1')?.state === 'three-way' ? true : undefined, 'three-way call')
  s.sw.remoteHangup('spec-1')
  await s.service.othersDone('call-1')
  t.equal(s.service.live('call-1')?.state, 'with-agent')
  t.same(s.sw.inRoom('call-call-1'), ['agent-leg', 'caller-leg'])
  const record = await s.transfer(id)
  t.match(record, { state: 'connected' })
  t.ok(record.endedAt !== undefined && record.agentLeftAt === undefined)
})

void t.test('the caller hangs up during the three-way call: the specialist is hung up', async (t) => {
  const s = setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  const { id } = await start(s.service, 'tax-invoice')
  await eventually(() => s.service.live('call-1')?.state === 'three-way' ? true : undefined, 'three-way call')
  s.caller.abort()
  s.service.ended('call-1')
  await eventually(() => s.sw.hungUp.includes('spec-1') ? true : undefined, 'specialist hung up')
  await until(async () => (await s.store.getTransfer(id))?.endedAt !== undefined ? true : undefined, 'end recorded')
})

void t.test('the catalogue has the transfer-failed prompt in Chinese', async (t) => {
  const catalogue = await loadPromptCatalogue(join(new URL('../../', import.meta.url).pathname, 'ivr-flows', 'prompts.yaml'))
  const prompt = catalogue.prompts[TRANSFER_FAILED_PROMPT]
  t.match(prompt?.zh, /工单/)
  t.match(prompt?.zh, /下一个工作日.*10点前/)
})
