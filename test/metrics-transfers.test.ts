// countTransfer: the Prometheus counters of the connection rate, counted once per finished
// request, with the same rule as the figures computed from stored records.
import t from 'tap'
import { connectionRate } from '../src/domain/connection-rate.js'
import { Metrics, countTransfer } from '../src/metrics.js'
import type { DialOutcomeKind } from '../src/domain/transfer-record.js'
import type { TransferRecord, TransferState } from '../src/domain/transfer-record.js'

const T0 = Date.UTC(2026, 0, 5, 2)

function rec (id: string, state: TransferState, workingTime: boolean, dials: Array<[string, DialOutcomeKind]>): TransferRecord {
  return {
    id,
    callId: `call-${id}`,
    matterId: 'vat-invoice',
    departmentId: 'tax',
    agentId: 'agent01',
    requestedAt: T0,
    workingTime,
    state,
    attempts: dials.map(([number, outcome], index) => ({
      number, matterId: 'vat-invoice', departmentId: 'tax', index, startedAt: T0, ringMs: 1000, outcome
    }))
  }
}

async function series (counter: Metrics['transferRequests'] | Metrics['transferAttempts']): Promise<Array<[string, number]>> {
  const { values } = await counter.get()
  return values.map((v): [string, number] => [Object.entries(v.labels).map(([k, x]) => `${k}=${String(x)}`).join(','), v.value]).sort()
}

void t.test('a finished request counts once, with each of its dials', async (t) => {
  const metrics = new Metrics()
  t.equal(countTransfer(metrics, rec('r1', 'connected', true, [['02161110001', 'busy'], ['02161110002', 'answered']])), true)
  t.equal(countTransfer(metrics, rec('r2', 'cancelled', false, [['02161110001', 'busy'], ['02161110002', 'cancelled']])), true)
  t.equal(countTransfer(metrics, rec('r3', 'all-failed', true, [['02161110001', 'no-answer']])), true)
  t.same(await series(metrics.transferRequests), [
    ['department=tax,working_time=false,result=cancelled', 1],
    ['department=tax,working_time=true,result=connected', 1],
    ['department=tax,working_time=true,result=failed', 1]
  ])
  t.same(await series(metrics.transferAttempts), [
    ['department=tax,number=02161110001,working_time=false,outcome=busy', 1],
    ['department=tax,number=02161110001,working_time=true,outcome=busy', 1],
    ['department=tax,number=02161110001,working_time=true,outcome=no-answer', 1],
    ['department=tax,number=02161110002,working_time=false,outcome=cancelled', 1],
    ['department=tax,number=02161110002,working_time=true,outcome=answered', 1]
  ])
})

void t.test('a request still hunting is not counted', async (t) => {
  const metrics = new Metrics()
  t.equal(countTransfer(metrics, rec('r1', 'hunting', true, [['02161110001', 'busy']])), false)
  t.same(await series(metrics.transferRequests), [])
  t.same(await series(metrics.transferAttempts), [])
})

void t.test('the counters agree with the figures from records', async (t) => {
  const records = [
    rec('r1', 'connected', true, [['02161110001', 'answered']]),
    // The caller hung up as the specialist answered: connected, as in the stored figures.
    rec('r2', 'cancelled', true, [['02161110001', 'answered']]),
    rec('r3', 'cancelled', true, [['02161110001', 'cancelled']]),
    rec('r4', 'all-failed', true, [['02161110001', 'busy'], ['02161110002', 'rejected']])
  ]
  const metrics = new Metrics()
  for (const r of records) countTransfer(metrics, r)
  const figures = connectionRate(records).overall.workingTime
  const count = async (result: string): Promise<number> =>
    (await metrics.transferRequests.get()).values.find((v) => v.labels.result === result)?.value ?? 0
  t.strictSame([await count('connected'), await count('failed'), await count('cancelled')],
    [figures.requests.connected, figures.requests.failed, figures.requests.cancelled])
  t.strictSame([figures.requests.connected, figures.requests.failed, figures.requests.cancelled], [2, 1, 1])
})

void t.test('no per-call, per-caller or per-agent labels', async (t) => {
  const metrics = new Metrics()
  countTransfer(metrics, rec('r1', 'connected', true, [['02161110001', 'answered']]))
  const names = async (counter: Metrics['transferRequests'] | Metrics['transferAttempts']): Promise<string[]> =>
    Object.keys((await counter.get()).values[0]?.labels ?? {}).sort()
  t.same(await names(metrics.transferRequests), ['department', 'result', 'working_time'])
  t.same(await names(metrics.transferAttempts), ['department', 'number', 'outcome', 'working_time'])
  t.notMatch(await metrics.registry.metrics(), /call-r1|agent01/)
})
