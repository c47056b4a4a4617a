// The conversation and its three-way transfers against a scripted switch port: the caller and
// the agent put through, the hunt list dialled in order with each number's own ring timeout
// and the hotline's caller ID, every kind of failure moving on, an answer stopping the hunt
// and joining the call's room, the caller hanging up mid-hunt, every number failing (ticket,
// prompt, agent stays), the switch going away mid-hunt, the agent leaving or hanging up, the
// specialist hanging up — the call's state moves as the owner sees them, every leg ended
// exactly once, and nothing but directory numbers ever dialled. Whole calls over the simulated
// switch are in test/scenarios/transfer.test.ts.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { Agents } from '../../src/calls/agents.js'
import { type CallState, transition } from '../../src/domain/call-state.js'
import { Conversation, type ConversationHost, roomOf } from '../../src/calls/conversation.js'
import { hunt } from '../../src/calls/hunt.js'
import { TRANSFER_FAILED_PROMPT, Transfers } from '../../src/calls/transfer.js'
import { WorkCalendar } from '../../src/domain/calendar.js'
import { Directory, type DirectoryData } from '../../src/domain/directory.js'
import { HotlineError } from '../../src/errors.js'
import { loadPromptCatalogue } from '../../src/flows/prompts.js'
import { Metrics } from '../../src/metrics.js'
import { ManualClock } from '../../src/ports/clock.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'
import type { TicketSink } from '../../src/ports/tickets.js'
import type { Ticket, TicketRequest } from '../../src/domain/ticket-record.js'
import type { TransferStore } from '../../src/ports/transfers.js'
import type { TransferAttempt, TransferRecord } from '../../src/domain/transfer-record.js'
import { eventually } from '../helpers/sim.js'
import { ScriptedSwitch } from './scripted-switch.js'

const silent = pino({ level: 'silent' })
const WEDNESDAY_10 = Date.parse('2025-03-12T10:00:00+08:00')
const SATURDAY_10 = Date.parse('2025-03-15T10:00:00+08:00')
const GROUP = 'enterprise-seat'
const CALL = 'call-1'
const ROOM = roomOf(CALL)
const CALLER_LEG = 'caller-leg'
const AGENT_LEG = 'agent-leg'
const CHOICES = { priority: 'handling', category: '税务' }

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
  /** Attempts refused before the store takes them (a failover). */
  failFirst = 0
  attempts = 0
  async raise (request: TicketRequest): Promise<Ticket> {
    await Promise.resolve()
    this.attempts++
    if (this.fail || this.attempts <= this.failFirst) throw new HotlineError('HC_STORE', 'store down')
    this.raised.push(request)
    return {
      ...request, id: `T${this.raised.length}`, createdAt: request.at, dueAt: request.at + 86_400_000, status: 'open', history: []
    }
  }
}

interface Options {
  at?: number
  /** null: no ticket sink at all. */
  tickets?: FakeTickets | null
  switchWaitMs?: number
  /** false: the conversation is built but not run (the test calls `start`). */
  start?: boolean
}

type Outcome = 'talked' | 'agent-gone'

async function setUp (t: Test, options: Options = {}) {
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
  const metrics = new Metrics()
  const transfers = new Transfers({
    switch: sw, store, directory, calendar, clock, callerIdNumber: '12345', log: silent,
    ...(options.switchWaitMs === undefined ? {} : { switchWaitMs: options.switchWaitMs })
  })
  const events: Array<[string, TransferRecord]> = []
  transfers.on('transfer.attempted', (_attempt, record) => { events.push(['transfer.attempted', record]) })
  for (const name of ['transfer.connected', 'transfer.failed', 'transfer.cancelled'] as const) {
    transfers.on(name, (record) => { events.push([name, record]) })
  }

  // The real agents over the memory store: agent01 is on call-1, as the queue leaves them.
  const agentStore = new MemoryStore()
  const agents = new Agents({ store: agentStore, clock, groups: [{ id: GROUP, ringTimeoutSec: 10, wrapUpSec: 3600, noAnswerState: 'not-ready' }] })
  await agents.sync([{ id: 'agent01', name: '坐席01', extension: '8001', groups: [GROUP] }])
  await agents.login('agent01', { ready: true })
  await agentStore.enqueue(GROUP, CALL, clock.now(), 60_000)
  await agentStore.assignAgent(GROUP, CALL, clock.now())
  t.match(await agents.answered('agent01', CALL), { ok: true, agent: { state: 'on-call' } })
  const agentState = async () => (await agentStore.getAgent('agent01'))?.state

  // The call's owner as the conversation sees it: its state moves through `transition`, so an
  // impossible move fails there, and is kept to fail the test.
  const caller = new AbortController()
  let state: CallState = 'ringing-agent'
  const moves: CallState[] = []
  const badMoves: string[] = []
  const host: ConversationHost = {
    callId: CALL,
    callerLegId: CALLER_LEG,
    callerNumber: '13812345678',
    choices: () => ({ ...CHOICES }),
    signal: caller.signal,
    log: silent,
    state: () => state,
    move: (to) => {
      try {
        state = transition(state, to)
      } catch (err) {
        badMoves.push(`${state} → ${to}`)
        throw err
      }
      moves.push(to)
    },
    play: async (prompt, signal) => { await sw.play(CALLER_LEG, prompt, { signal }) }
  }
  const conversation = new Conversation(host, { switch: sw, agents, transfers, directory, clock, metrics, tickets, ticketRetryDelaysMs: [5, 5, 5] }, {
    agentId: 'agent01', legId: AGENT_LEG, group: GROUP
  })

  let outcome: Promise<Outcome> | undefined
  let over = false
  /** Runs the conversation (once) and waits for the caller and the agent to be put through. */
  const start = async (): Promise<void> => {
    outcome = conversation.run()
    outcome.then(() => { over = true }, () => { over = true })
    await eventually(() => state === 'with-agent' || over ? true : undefined, 'caller with the agent')
  }
  const run = (): Promise<Outcome> => {
    if (outcome === undefined) throw new Error('the conversation was not started')
    return outcome
  }

  t.teardown(async () => {
    caller.abort(new HotlineError('HC_CALL_GONE', 'test over'))
    await outcome?.catch(() => undefined)
    await transfers.close()
    agents.close()
    await agentStore.close()
  })
  if (options.start !== false) await start()

  const record = (id: string): TransferRecord => {
    const found = conversation.view().transfers.find((r) => r.id === id)
    if (found === undefined) throw new Error(`no transfer ${id} on the call`)
    return found
  }
  /** The transfer is over with (prompt played and the caller back, or the specialist in). */
  const settled = async (id: string): Promise<TransferRecord> => await eventually(() => {
    const r = record(id)
    const view = conversation.view().state
    return r.state === 'hunting' || view === 'hunting' || view === 'connecting-specialist' || view === 'telling-caller' ? undefined : r
  }, 'transfer settled')
  const inState = async (wanted: CallState): Promise<void> => {
    await eventually(() => state === wanted ? true : undefined, `call ${wanted}`)
  }
  const unexpectedErrors = async (): Promise<number> =>
    (await metrics.unexpectedErrors.get()).values.reduce((sum, v) => sum + v.value, 0)

  /**
   * Ends the call (the caller hangs up, unless the conversation is over already) and checks
   * what must hold whatever the ending: every leg the conversation was given or dialled ended
   * exactly once, the caller's leg left to its owner, no impossible state move, no unexpected
   * error.
   */
  const finish = async (): Promise<void> => {
    if (outcome !== undefined) {
      if (!over) caller.abort(new HotlineError('HC_CALL_GONE', 'caller hung up'))
      await outcome.catch(() => undefined)
    }
    await transfers.close()
    const legs = [...(outcome === undefined ? [] : [AGENT_LEG]), ...sw.answeredLegs]
    t.same(
      Object.fromEntries(legs.map((l) => [l, sw.endings(l)])), Object.fromEntries(legs.map((l) => [l, 1])),
      'every leg given or dialled ended exactly once'
    )
    t.equal(sw.hangupsOf(CALLER_LEG), 0, 'the caller\'s leg is its owner\'s to hang up')
    t.same(badMoves, [], 'no impossible call-state move')
    t.equal(await unexpectedErrors(), 0, 'no unexpected error')
  }

  return {
    sw, store, tickets, transfers, events, caller, clock, agentState, conversation, moves,
    state: () => state, start, run, isOver: () => over, record, settled, inState, finish
  }
}


const outcomes = (r: TransferRecord): DialOutcomeKind[] => r.attempts.map((a) => a.outcome)
const by = { agentId: 'agent01' }
/** Lets every pending promise callback run (no timer involved). */
const flush = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

void t.test('dials the hunt list in order, each with its own ring timeout, until one answers', async (t) => {
  const s = await setUp(t)
  t.same(s.sw.inRoom(ROOM), [AGENT_LEG, CALLER_LEG], 'caller and agent put through in the call\'s room')
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'no-answer', '02155010001': 'answered' })
  const requested = await s.conversation.transfer('tax-invoice', by)
  t.match(requested, { callId: CALL, matterId: 'tax-invoice', departmentId: 'tax', agentId: 'agent01', state: 'hunting', workingTime: true, attempts: [] })
  await s.inState('three-way')

  t.same(s.sw.dials.map((d) => d.target), [
    { number: '02155010002', trunk: 'department' }, { number: '02155010003', trunk: 'department' }, { number: '02155010001', trunk: 'department' }
  ], 'the directory order, through the department trunk')
  t.same(s.sw.dials.map((d) => d.ringTimeoutMs), [25_000, 20_000, 15_000], 'each number rings for its own timeout')
  t.ok(s.sw.dials.every((d) => d.callerIdNumber === '12345'), 'the department sees the hotline, never the caller')
  t.same(s.sw.inRoom(ROOM), [AGENT_LEG, CALLER_LEG, 'spec-1'], 'caller, agent and specialist in one room')
  t.same(s.moves, ['with-agent', 'transferring', 'three-way'])
  t.match(s.conversation.view(), { state: 'three-way', agentPresent: true, choices: CHOICES })

  const record = s.record(requested.id)
  t.same(outcomes(record), ['busy', 'no-answer', 'answered'])
  t.match(record, { state: 'connected', answeredNumber: '02155010001' })
  t.ok(record.connectedAt !== undefined && record.endedAt === undefined)
  t.same(record.attempts.map((a) => a.index), [0, 1, 2])
  t.same(record.attempts.map((a) => a.ringMs), [40, 20_000, 300], 'ring time as the switch measured it')
  t.equal(record.attempts[0]?.cause, 'BUSY')
  await s.transfers.close()
  // The record was written as the hunt went: one attempt more at each step.
  const counts = s.store.writes.filter((w) => w.id === requested.id).map((w) => w.attempts.length)
  t.same([...new Set(counts)], [0, 1, 2, 3])
  t.equal((await s.store.getTransfer(requested.id))?.state, 'connected')
  t.same(s.events.map(([name]) => name), ['transfer.attempted', 'transfer.attempted', 'transfer.attempted', 'transfer.connected'])
  t.same(s.tickets?.raised, [], 'no ticket when someone answered')
  await s.finish()
})

void t.test('busy, no answer, rejected, unreachable, failed and a refused dial each move on at once', async (t) => {
  const s = await setUp(t)
  s.sw.behave({
    '02155020001': 'busy', '02155020002': 'no-answer', '02155020003': 'rejected', '02155020004': 'unreachable',
    '02155020005': 'failed', '02155020006': 'throw', '02155020007': 'answered'
  })
  const { id } = await s.conversation.transfer('market-setup', by)
  const record = await s.settled(id)
  t.same(outcomes(record), ['busy', 'no-answer', 'rejected', 'unreachable', 'failed', 'failed', 'answered'])
  t.equal(record.attempts[5]?.cause, 'HC_SWITCH_COMMAND', 'a switch error is a failed attempt, kept with its code')
  t.same(s.sw.dials.map((d) => d.target.number), ['1', '2', '3', '4', '5', '6', '7'].map((n) => `0215502000${n}`), 'each number once')
  t.same(s.sw.dials.map((d) => d.ringTimeoutMs), [10, 11, 12, 13, 14, 15, 16].map((sec) => sec * 1000))
  t.match(record, { state: 'connected', departmentId: 'market', answeredNumber: '02155020007' })
  t.equal(s.state(), 'three-way')
  await s.finish()
})

void t.test('an answer stops the hunt: later numbers are never dialled', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'answered', '02155010003': 'answered' })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  const record = await s.settled(id)
  t.same(s.sw.dials.map((d) => d.target.number), ['02155010002'])
  t.same(outcomes(record), ['answered'])
  t.same(s.sw.answeredLegs, ['spec-1'])
  await s.finish()
})

void t.test('the caller hanging up mid-hunt cancels the dial in progress: no ticket', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'ring' })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  await eventually(() => s.conversation.view().ringing?.number === '02155010003' ? true : undefined, 'second number ringing')
  t.match(s.conversation.view(), { state: 'hunting', ringing: { index: 1, number: '02155010003', ringTimeoutMs: 20_000 } })
  const gone = new HotlineError('HC_CALL_GONE', 'caller hung up')
  s.caller.abort(gone)
  const err = await s.run().then(() => undefined, (e: unknown) => e)
  t.equal(err, gone, 'run() fails with the caller\'s abort error')
  await s.transfers.close()
  const record = await s.store.getTransfer(id)
  if (record === undefined) throw new Error('no record stored')
  t.same(outcomes(record), ['busy', 'cancelled'], 'the dial in progress is recorded cancelled')
  t.equal(s.sw.dials[1]?.signal?.aborted, true, 'the dial was told to stop')
  t.equal(s.sw.dials.length, 2, 'the third number is never dialled')
  t.match(record, { state: 'cancelled' })
  t.ok(record.endedAt !== undefined)
  t.equal(s.record(id).state, 'cancelled', 'the conversation\'s view says so too')
  t.same(s.tickets?.raised, [], 'no ticket for a caller who hung up')
  t.same(s.sw.played, [], 'nothing played')
  t.same(s.events.map(([name]) => name), ['transfer.attempted', 'transfer.attempted', 'transfer.cancelled'])
  t.equal(await s.agentState(), 'wrap-up', 'the agent wraps up')
  await s.finish()
})

void t.test('a number answering as the caller hangs up: hung up, recorded answered, no ticket', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'answered' })
  s.sw.beforeAnswer = () => { s.caller.abort(new HotlineError('HC_CALL_GONE', 'caller hung up')) }
  const { id } = await s.conversation.transfer('tax-invoice', by)
  await t.rejects(s.run(), { code: 'HC_CALL_GONE' })
  await s.transfers.close()
  const record = await s.store.getTransfer(id)
  t.match(record, { state: 'cancelled', answeredNumber: '02155010003' })
  if (record !== undefined) t.same(outcomes(record), ['busy', 'answered'], 'the department did answer')
  t.same(s.sw.hungUp.filter((l) => l.startsWith('spec')), ['spec-1'], 'the specialist is not left on a dead call')
  t.notOk(s.sw.everJoined.has('spec-1'), 'the specialist never joined the room')
  t.same(s.tickets?.raised, [])
  t.same(s.sw.played, [])
  await s.finish()
})

void t.test('every number fails: ticket to the owning department, the caller told, the agent stays', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'busy', '02155010001': 'no-answer' })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  const record = await s.settled(id)
  t.match(record, { state: 'all-failed', ticketId: 'T1' })
  t.same(outcomes(record), ['busy', 'busy', 'no-answer'])
  t.same(s.tickets?.raised, [{
    kind: 'transfer-failed',
    callId: CALL,
    matterId: 'tax-invoice',
    departmentId: 'tax',
    callbackNumber: '13812345678',
    choices: CHOICES,
    failure: 'no-answer',
    at: WEDNESDAY_10
  }])
  t.same(s.sw.callerSteps, ['joined', 'left', `played ${TRANSFER_FAILED_PROMPT}`, 'joined'], 'out of the room for the prompt, then back')
  t.same(s.sw.played, [{ legId: CALLER_LEG, prompt: TRANSFER_FAILED_PROMPT }], 'only the caller hears it')
  t.same(s.sw.inRoom(ROOM), [AGENT_LEG, CALLER_LEG], 'caller and agent still together')
  t.same(s.moves, ['with-agent', 'transferring', 'with-agent'])
  t.match(s.conversation.view(), { state: 'with-agent', agentPresent: true })
  t.notOk(s.isOver(), 'the conversation goes on')
  t.equal(await s.agentState(), 'on-call', 'the agent is still on the call')
  t.match(s.events.at(-1), ['transfer.failed', { state: 'all-failed', ticketId: 'T1' }])
  await s.transfers.close()
  t.equal((await s.store.getTransfer(id))?.ticketId, 'T1', 'the stored record names the ticket')
  // The agent can try again (another matter, or the same one later).
  s.sw.behave({ '02155010002': 'answered' })
  const again = await s.conversation.transfer('tax-invoice', by)
  t.match(await s.settled(again.id), { state: 'connected' })
  t.same(s.moves, ['with-agent', 'transferring', 'with-agent', 'transferring', 'three-way'])
  t.equal(s.conversation.view().transfers.length, 2, 'both requests on the call')
  await s.finish()
})

for (const [what, tickets] of [['could not be raised', 'failing'], ['has nowhere to go', 'none']] as const) {
  void t.test(`the ticket ${what}: the caller is not promised a call back`, async (t) => {
    const sink = new FakeTickets()
    sink.fail = true
    const s = await setUp(t, { tickets: tickets === 'none' ? null : sink })
    const { id } = await s.conversation.transfer('tax-invoice', by) // every number unreachable
    const record = await s.settled(id)
    t.match(record, { state: 'all-failed' })
    t.same(outcomes(record), ['unreachable', 'unreachable', 'unreachable'])
    t.equal(record.ticketId, undefined)
    t.same(s.sw.played, [], 'no prompt promising a call back')
    t.same(s.sw.callerSteps, ['joined'], 'the caller stays with the agent')
    t.same(s.moves, ['with-agent', 'transferring', 'with-agent'])
    await s.finish()
  })
}

void t.test('the store refuses the ticket twice (a failover): tried again, one ticket, the caller told', async (t) => {
  const sink = new FakeTickets()
  sink.failFirst = 2
  const s = await setUp(t, { tickets: sink })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  const record = await s.settled(id)
  t.match(record, { state: 'all-failed', ticketId: 'T1' })
  t.equal(sink.attempts, 3, 'two refused, the third taken')
  t.equal(sink.raised.length, 1, 'one ticket')
  t.same(new Set(sink.raised.map((r) => r.at)).size, 1, 'every attempt the same request: the same due time')
  t.ok(s.sw.played.length > 0, 'the caller is told a department will call back')
  await s.finish()
})

void t.test('requests outside working time are recorded as such', async (t) => {
  const s = await setUp(t, { at: SATURDAY_10 })
  s.sw.behave({ '02155010002': 'answered' })
  const requested = await s.conversation.transfer('tax-invoice', by)
  t.match(requested, { workingTime: false })
  t.match(await s.settled(requested.id), { state: 'connected', workingTime: false })
  await s.finish()
})

void t.test('only directory numbers are dialled; bad requests dial nothing', async (t) => {
  const s = await setUp(t)
  for (const matterId of ['no-such-matter', '02155019999', 'tax-invoice;13800000000']) {
    await t.rejects(s.conversation.transfer(matterId, by), { code: 'HC_BAD_REQUEST', statusCode: 400 }, matterId)
  }
  t.same(s.sw.dials, [])
  t.same(s.moves, ['with-agent'], 'a refused request moves nothing')
  t.same(s.conversation.view().transfers, [], 'and records nothing')
  const { id } = await s.conversation.transfer('tax-invoice', by)
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
  await s.finish()
})

void t.test('one transfer at a time, by the agent on the call, while the agent is there', async (t) => {
  const s = await setUp(t, { start: false })
  await t.rejects(s.conversation.transfer('tax-invoice', {}), { code: 'HC_TRANSFER_STATE', message: /not with the agent/ },
    'the caller is not with the agent yet')
  await s.start()
  s.sw.behave({ '02155010002': 'ring' })
  await s.conversation.transfer('tax-invoice', {})
  await t.rejects(s.conversation.transfer('market-setup', {}), { code: 'HC_TRANSFER_STATE', statusCode: 409, message: /one at a time/ },
    'a transfer is running')
  await t.rejects(s.conversation.transfer('tax-invoice', { agentId: 'agent02' }), { code: 'HC_FORBIDDEN', statusCode: 403 }, 'another agent')
  await t.rejects(s.conversation.leave({ agentId: 'agent02' }), { code: 'HC_FORBIDDEN' }, 'another agent cannot send this one away')
  await t.rejects(s.conversation.leave({}), { code: 'HC_TRANSFER_STATE', statusCode: 409 }, 'no leaving before a specialist is in')
  t.equal(s.sw.dials.length, 1, 'only the first request dialled')
  t.equal(s.conversation.view().transfers.length, 1, 'only the first request recorded')

  // The agent hangs up mid-hunt: nobody may transfer the call any more.
  s.sw.remoteHangup(AGENT_LEG)
  await eventually(() => s.conversation.view().agentPresent ? undefined : true, 'agent gone')
  await t.rejects(s.conversation.transfer('market-setup', {}), { code: 'HC_TRANSFER_STATE', message: /agent has left/ })
  await eventually(async () => await s.agentState() === 'wrap-up' ? true : undefined, 'agent in wrap-up')
  t.equal(s.state(), 'transferring', 'the hunt goes on for the caller')
  t.notOk(s.isOver())
  await s.finish()
})

void t.test('the agent leaves: caller and specialist go on until the specialist hangs up', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  await s.inState('three-way')
  s.clock.advance(30_000)
  await s.conversation.leave(by)
  t.match(s.conversation.view(), { agentPresent: false, agentLeftAt: WEDNESDAY_10 + 30_000, state: 'with-specialist' })
  t.equal(s.sw.hangupsOf(AGENT_LEG), 1, 'the agent\'s leg was hung up')
  t.same(s.sw.inRoom(ROOM), [CALLER_LEG, 'spec-1'])
  t.equal(await s.agentState(), 'wrap-up', 'the agent wraps up at once')
  await t.rejects(s.conversation.leave(by), { code: 'HC_TRANSFER_STATE' }, 'leaving twice')
  await flush()
  t.notOk(s.isOver(), 'the conversation goes on while the specialist is there')
  const talking = s.record(id)
  t.ok(talking.agentLeftAt === WEDNESDAY_10 + 30_000 && talking.endedAt === undefined, 'agent left, call not ended')

  s.clock.advance(60_000)
  s.sw.remoteHangup('spec-1')
  t.equal(await s.run(), 'talked')
  t.same(s.moves, ['with-agent', 'transferring', 'three-way', 'with-specialist'])
  t.equal(s.sw.callerSteps.at(-1), 'left', 'the caller is out of the room, for the rest of the flow')
  t.same(s.sw.inRoom(ROOM), [])
  const record = s.record(id)
  t.match(record, { state: 'connected', endedAt: WEDNESDAY_10 + 90_000, agentLeftAt: WEDNESDAY_10 + 30_000 })
  await s.transfers.close()
  t.match(await s.store.getTransfer(id), { endedAt: WEDNESDAY_10 + 90_000, agentLeftAt: WEDNESDAY_10 + 30_000 }, 'stored as it ended')
  await s.finish()
})

void t.test('the specialist hangs up while the agent is there: agent and caller go on', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  await s.inState('three-way')
  s.sw.remoteHangup('spec-1')
  await s.inState('with-agent')
  t.same(s.moves, ['with-agent', 'transferring', 'three-way', 'with-agent'])
  t.same(s.sw.inRoom(ROOM), [AGENT_LEG, CALLER_LEG])
  const record = s.record(id)
  t.match(record, { state: 'connected' })
  t.ok(record.endedAt !== undefined && record.agentLeftAt === undefined)
  await flush()
  t.notOk(s.isOver(), 'the agent is still with the caller')
  t.equal(await s.agentState(), 'on-call')
  // And can transfer again.
  s.sw.behave({ '02155010002': 'busy', '02155010003': 'answered' })
  await s.conversation.transfer('tax-invoice', by)
  await s.inState('three-way')
  t.same(s.sw.inRoom(ROOM), [AGENT_LEG, CALLER_LEG, 'spec-2'])
  await s.finish()
})

void t.test('the caller hangs up during the three-way call: the specialist is hung up', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  await s.inState('three-way')
  s.clock.advance(45_000)
  const gone = new HotlineError('HC_CALL_GONE', 'caller hung up')
  s.caller.abort(gone)
  const err = await s.run().then(() => undefined, (e: unknown) => e)
  t.equal(err, gone, 'run() fails with the caller\'s abort error')
  t.equal(s.sw.hangupsOf('spec-1'), 1, 'the specialist is not left on alone')
  t.equal(s.sw.hangupsOf(AGENT_LEG), 1, 'nor the agent')
  t.equal(await s.agentState(), 'wrap-up')
  t.same(s.moves, ['with-agent', 'transferring', 'three-way'], 'the owner moves the call on, not the conversation')
  await s.transfers.close()
  t.match(await s.store.getTransfer(id), { state: 'connected', endedAt: WEDNESDAY_10 + 45_000 }, 'the end recorded')
  await s.finish()
})

void t.test('the caller hangs up as the specialist is being put through: nothing moves, the specialist is hung up', async (t) => {
  const s = await setUp(t)
  s.sw.behave({ '02155010002': 'answered' })
  s.sw.onJoin('spec-1', () => { s.caller.abort(new HotlineError('HC_CALL_GONE', 'caller hung up')); return undefined })
  const { id } = await s.conversation.transfer('tax-invoice', by)
  await t.rejects(s.run(), { code: 'HC_CALL_GONE' })
  t.equal(s.sw.hangupsOf('spec-1'), 1, 'the specialist is hung up')
  t.same(s.moves, ['with-agent', 'transferring'], 'no move after the caller hung up: the owner ends the call')
  t.match(s.record(id), { state: 'connected', answeredNumber: '02155010002' })
  t.ok(s.record(id).endedAt !== undefined, 'the end recorded')
  await s.finish()
})

void t.test('the agent hangs up during the hunt: the hunt goes on for the caller', async (t) => {
  await t.test('a specialist answers: caller and specialist, until the specialist hangs up', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': 'busy', '02155010003': 'answered' })
    const release = s.sw.holdDials()
    const { id } = await s.conversation.transfer('tax-invoice', by)
    s.sw.remoteHangup(AGENT_LEG)
    await eventually(() => s.conversation.view().agentPresent ? undefined : true, 'agent gone')
    t.equal(s.conversation.view().state, 'hunting')
    release()
    await s.inState('with-specialist')
    t.same(s.moves, ['with-agent', 'transferring', 'with-specialist'])
    t.same(s.sw.inRoom(ROOM), [CALLER_LEG, 'spec-1'])
    t.match(s.record(id), { state: 'connected', answeredNumber: '02155010003' })
    t.ok(s.record(id).agentLeftAt !== undefined)
    t.equal(await s.agentState(), 'wrap-up')
    s.sw.remoteHangup('spec-1')
    t.equal(await s.run(), 'talked')
    t.same(s.sw.inRoom(ROOM), [], 'the caller is out of the room')
    await s.finish()
  })

  await t.test('nobody answers: the caller is told and not put back in an empty room', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': 'busy', '02155010003': 'busy', '02155010001': 'busy' })
    const release = s.sw.holdDials()
    const { id } = await s.conversation.transfer('tax-invoice', by)
    s.sw.remoteHangup(AGENT_LEG)
    await eventually(() => s.conversation.view().agentPresent ? undefined : true, 'agent gone')
    release()
    t.equal(await s.run(), 'talked')
    t.match(s.record(id), { state: 'all-failed', ticketId: 'T1' })
    t.same(s.sw.callerSteps, ['joined', 'left', `played ${TRANSFER_FAILED_PROMPT}`], 'not back in the room')
    t.same(s.moves, ['with-agent', 'transferring'], 'the owner takes the call on from here')
    await s.finish()
  })
})

void t.test('the switch going away during a hunt', async (t) => {
  await t.test('a lost dial is dialled again and connects: a blip does not fail the transfer', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': ['lost', 'answered'] })
    const { id } = await s.conversation.transfer('tax-invoice', by)
    const record = await s.settled(id)
    t.same(outcomes(record), ['lost', 'answered'])
    t.same(s.sw.dials.map((d) => d.target.number), ['02155010002', '02155010002'], 'the same number again')
    t.match(record, { state: 'connected', answeredNumber: '02155010002' })
    t.same(s.moves, ['with-agent', 'transferring', 'three-way'])
    t.same(s.tickets?.raised, [])
    await s.finish()
  })

  await t.test('a dial refused as not connected counts as lost, not as the number\'s failure', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': ['not-connected', 'not-connected', 'answered'] })
    const { id } = await s.conversation.transfer('tax-invoice', by)
    const record = await s.settled(id)
    t.same(outcomes(record), ['lost', 'lost', 'answered'])
    t.equal(record.attempts[0]?.cause, 'HC_SWITCH_NOT_CONNECTED')
    t.match(record, { state: 'connected', answeredNumber: '02155010002' })
    await s.finish()
  })

  await t.test('a number lost three times is given up for the next one', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': 'lost', '02155010003': 'answered' })
    const { id } = await s.conversation.transfer('tax-invoice', by)
    const record = await s.settled(id)
    t.same(outcomes(record), ['lost', 'lost', 'lost', 'answered'], 'at most two retries of a lost dial')
    t.same(record.attempts.map((a) => a.index), [0, 0, 0, 1])
    t.match(record, { state: 'connected', answeredNumber: '02155010003' })
    await s.finish()
  })

  await t.test('the connection drops and comes back: the hunt waits, then dials the same number again', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': ['lost-and-down', 'answered'] })
    const { id } = await s.conversation.transfer('tax-invoice', by)
    await eventually(() => s.sw.statusWaiters > 0 ? true : undefined, 'hunt waiting for the switch')
    t.equal(s.sw.dials.length, 1, 'nothing dialled while the switch is down')
    t.equal(s.conversation.view().state, 'hunting')
    s.sw.setStatus('ready')
    const record = await s.settled(id)
    t.same(outcomes(record), ['lost', 'answered'])
    t.match(record, { state: 'connected', answeredNumber: '02155010002' })
    t.equal(s.state(), 'three-way')
    await s.finish()
  })

  await t.test('the connection does not come back: switch-lost, ticket says so, the agent stays', async (t) => {
    const s = await setUp(t, { switchWaitMs: 30 })
    s.sw.behave({ '02155010002': 'lost-and-down' })
    const { id } = await s.conversation.transfer('tax-invoice', by)
    const record = await s.settled(id)
    t.match(record, { state: 'switch-lost', ticketId: 'T1' })
    t.same(outcomes(record), ['lost'])
    t.equal(s.sw.dials.length, 1, 'no further number dialled into a dead switch')
    t.match(s.tickets?.raised, [{ kind: 'transfer-failed', departmentId: 'tax', matterId: 'tax-invoice', failure: 'switch-lost' }])
    t.match(s.events.at(-1), ['transfer.failed', { state: 'switch-lost' }])
    t.same(s.moves, ['with-agent', 'transferring', 'with-agent'])
    t.same(s.sw.inRoom(ROOM), [AGENT_LEG, CALLER_LEG])
    await s.transfers.close()
    t.equal((await s.store.getTransfer(id))?.state, 'switch-lost')
    await s.finish()
  })

  await t.test('the switch is down when the transfer is asked: nothing dialled, switch-lost', async (t) => {
    const s = await setUp(t, { switchWaitMs: 30 })
    s.sw.setStatus('disconnected')
    const { id } = await s.conversation.transfer('tax-invoice', by)
    const record = await s.settled(id)
    t.match(record, { state: 'switch-lost', attempts: [] })
    t.same(s.sw.dials, [])
    t.match(s.tickets?.raised, [{ failure: 'switch-lost' }])
    s.sw.setStatus('ready')
    await s.finish()
  })

  await t.test('every dial lost while the switch says it is up: not a department failure', async (t) => {
    const s = await setUp(t)
    s.sw.behave({ '02155010002': 'lost', '02155010003': 'lost', '02155010001': 'lost' })
    const { id } = await s.conversation.transfer('tax-invoice', by)
    const record = await s.settled(id)
    t.same(outcomes(record), Array(9).fill('lost'), 'each number dialled three times, none ever reached')
    t.same(s.moves, ['with-agent', 'transferring', 'with-agent'], 'the agent stays')
    t.equal(record.state, 'switch-lost', 'the request is not counted against the department')
    t.match(s.tickets?.raised, [{ failure: 'switch-lost' }], 'the ticket does not say nobody answered')
    await s.finish()
  })
})

void t.test('the agent hangs up before being put through: agent-gone, the caller out of the room', async (t) => {
  for (const event of [false, true]) {
    await t.test(event ? 'the hangup event arrives first' : 'only the join fails', async (t) => {
      const s = await setUp(t, { start: false })
      s.sw.onJoin(AGENT_LEG, () => {
        if (event) s.sw.remoteHangup(AGENT_LEG)
        return new HotlineError('HC_CALL_GONE', 'no such channel')
      })
      await s.start()
      t.equal(await s.run(), 'agent-gone')
      t.same(s.sw.callerSteps, ['joined', 'left'], 'the caller is out of the room, back to the queue')
      t.same(s.sw.inRoom(ROOM), [])
      t.same(s.moves, [], 'never with the agent: the owner puts the caller back in the queue')
      t.equal(await s.agentState(), 'wrap-up', 'the agent goes to wrap-up')
      t.equal(s.conversation.view().connectedAt, 0)
      await s.finish()
    })
  }
})

void t.test('two transfer requests at once: one is taken, the other refused', async (t) => {
  const s = await setUp(t)
  // Every number unreachable: the request taken ends all-failed, the agent stays.
  const results = await Promise.allSettled([s.conversation.transfer('tax-invoice', by), s.conversation.transfer('market-setup', by)])
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one request taken')
  t.match(results.find((r) => r.status === 'rejected'), { reason: { code: 'HC_TRANSFER_STATE' } }, 'the other refused as busy')
  t.equal(s.conversation.view().transfers.length, 1, 'one request recorded')
  await eventually(() => s.moves.length === 3 ? true : undefined, 'the transfer over, back with the agent')
  t.equal(s.conversation.view().state, 'with-agent', 'the agent\'s screen shows the caller back with them')
  // The agent hangs up: the caller, alone in the room, must go on with the flow.
  s.sw.remoteHangup(AGENT_LEG)
  await eventually(async () => await s.agentState() === 'wrap-up' ? true : undefined, 'agent in wrap-up')
  await eventually(() => s.isOver() ? true : undefined, 'conversation over', 500).catch(() => undefined)
  t.ok(s.isOver(), 'the conversation ends when the agent hangs up')
  await s.transfers.close()
  const stored = await s.store.listTransfers({ since: 0, until: Number.MAX_SAFE_INTEGER })
  t.same(stored.filter((r) => r.state === 'hunting'), [], 'no record left hunting for ever')
  await s.finish()
})

void t.test('the catalogue has the transfer-failed prompt in Chinese', async (t) => {
  const catalogue = await loadPromptCatalogue(join(new URL('../../', import.meta.url).pathname, 'ivr-flows', 'prompts.yaml'))
  const prompt = catalogue.prompts[TRANSFER_FAILED_PROMPT]
  t.match(prompt?.zh, /工单/)
  t.match(prompt?.zh, /下一个工作日.*10点前/)
})
