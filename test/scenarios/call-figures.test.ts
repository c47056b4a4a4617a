// Whole calls counted in their day's call figures (src/domain/call-figures.ts) on both
// switches, for the ends a controller decides alone: a call refused while it drains (counted
// before its record is told, CallManager), a call finished meanwhile, and a call cut at the
// drain deadline. Served, by-design and abandoned calls are checked in enterprise-seat.test.ts.
// The store is the test's own, so it can still be read once the controller has shut down.
import t from 'tap'
import { MemoryStore } from '../../src/adapters/memory/memory-store.js'
import { callDay, callFigures } from '../../src/domain/call-figures.js'
import type { CallRecord } from '../../src/domain/call-record.js'
import { PROTOCOLS, heardPrompt, startTestController } from '../helpers/controller.js'

const NO_CALLS = {
  offered: 0, completed: 0, served: 0, completedByDesign: 0, abandoned: { total: 0, ivr: 0, queue: 0, ringingAgent: 0 },
  refused: 0, cut: 0, cutReasons: { drainDeadline: 0, switchLost: 0, shutdown: 0, controllerRestarted: 0 }, failed: 0, queued: 0,
  queueAbandonRate: null, queueAbandonAvgWaitMs: null, addsUp: true
}

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: draining: a refused call is counted before its record is told; the call in progress when it ends`, async (t) => {
    const store = new MemoryStore()
    t.teardown(() => store.close())
    const { controller, sim } = await startTestController(t, protocol, { store })
    const first = sim.model.placeCall({ from: '13700000011', to: '12345' })
    await heardPrompt(first.heard, 'first-call-menu')
    const refusedRecord = new Promise<CallRecord>((resolve) => {
      const stop = controller.calls.onRecordWritten((record) => {
        if (record.finalState !== 'refused') return
        stop()
        resolve(record)
      })
    })
    const stopping = controller.shutdown(10_000)
    const late = sim.model.placeCall({ from: '13700000012', to: '12345' })
    t.match(await late.ended, { cause: 'USER_BUSY' })
    const refused = await refusedRecord
    const day = callDay(refused.startedAt)
    // Read once, as soon as the record is told: the refusal is in (offered 1, refused 1); the
    // first call, still in progress, is not counted yet.
    t.strictSame(callFigures(await store.callCounts([day])), { ...NO_CALLS, offered: 1, refused: 1 })

    first.sendDtmf('1')
    await stopping
    const summary = await controller.calls.whenEnded(first.channel.id)
    t.match(summary, { finalState: 'completed', reason: 'goodbye' })
    t.equal(callDay(summary?.startedAt ?? 0), day, 'both offered on the same day')
    // The first call ended by its flow's design: offered 1 + 1 = 2; final states 1 + 1 = 2.
    t.strictSame(callFigures(await store.callCounts([day])), { ...NO_CALLS, offered: 2, refused: 1, completed: 1, completedByDesign: 1 })
  })

  void t.test(`${protocol}: the drain deadline cuts a call: counted as cut, drain-deadline, once`, async (t) => {
    const store = new MemoryStore()
    t.teardown(() => store.close())
    const { controller, sim } = await startTestController(t, protocol, { store })
    const caller = sim.model.placeCall({ from: '13700000013', to: '12345' })
    await heardPrompt(caller.heard, 'first-call-menu')
    await controller.shutdown(50)
    const summary = controller.calls.recent().find((s) => s.legId === caller.channel.id)
    t.match(summary, { finalState: 'cut', reason: 'drain-deadline' })
    t.strictSame(callFigures(await store.callCounts([callDay(summary?.startedAt ?? 0)])), {
      ...NO_CALLS, offered: 1, cut: 1, cutReasons: { drainDeadline: 1, switchLost: 0, shutdown: 0, controllerRestarted: 0 }
    })
  })
}
