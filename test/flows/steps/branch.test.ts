import t from 'tap'
import { type BranchStep, branchStep } from '../../../src/flows/steps/branch.js'
import { at, fakeStepContext, services } from '../fake-call.js'

const hours: BranchStep = { kind: 'branch', on: 'working-time', cases: { open: 'queue', closed: 'after-hours' } }

const whenAt = async (step: BranchStep, local: string, vars: Record<string, string> = {}): Promise<unknown> => {
  const f = fakeStepContext([], services({ now: at(local) }), vars)
  return await branchStep.run(step, f.ctx, f.signal)
}

void t.test('working time follows the State Council calendar, not Monday–Friday', async (t) => {
  // 2025-02-08 is a Saturday worked for the Spring Festival (调休上班).
  t.same(await whenAt(hours, '2025-02-08T10:00:00'), { next: 'queue' }, 'make-up Saturday 10:00')
  t.same(await whenAt(hours, '2025-02-15T10:00:00'), { next: 'after-hours' }, 'ordinary Saturday 10:00')
  // 2025-10-01 is a Wednesday of the National Day holiday.
  t.same(await whenAt(hours, '2025-10-01T10:00:00'), { next: 'after-hours' }, 'holiday Wednesday 10:00')
  t.same(await whenAt(hours, '2025-10-09T10:00:00'), { next: 'queue' }, 'the Thursday after the holiday')
})

void t.test('working time: both sides of 17:30 and of the lunch break', async (t) => {
  t.same(await whenAt(hours, '2025-03-12T17:29:59'), { next: 'queue' })
  t.same(await whenAt(hours, '2025-03-12T17:30:00'), { next: 'after-hours' })
  t.same(await whenAt(hours, '2025-03-12T12:30:00'), { next: 'after-hours' })
})

void t.test("working time: the chosen matter's department hours, or the step's department", async (t) => {
  // calendar.yaml gives customs 08:30–12:00, 13:00–17:00; the default is 09:00–17:30.
  t.same(await whenAt(hours, '2025-03-12T17:10:00'), { next: 'queue' }, 'default hours')
  t.same(await whenAt(hours, '2025-03-12T17:10:00', { matter: 'customs-declaration' }), { next: 'after-hours' }, 'customs matter')
  t.same(await whenAt(hours, '2025-03-12T08:45:00', { matter: 'customs-declaration' }), { next: 'queue' }, 'customs opens at 08:30')
  t.same(await whenAt(hours, '2025-03-12T08:45:00', { matter: 'tax-invoice' }), { next: 'after-hours' }, 'tax keeps the default')
  t.same(await whenAt({ ...hours, department: 'customs' }, '2025-03-12T17:10:00', { matter: 'tax-invoice' }), { next: 'after-hours' },
    'the step names its department')
})

const priority: BranchStep = { kind: 'branch', on: 'priority', cases: { first: 'enterprise', second: 'ordinary' } }

void t.test('priority: handling, help and hot-policy are first; second is second', async (t) => {
  for (const code of ['handling', 'help', 'hot-policy']) {
    t.same(await whenAt(priority, '2025-03-12T10:00:00', { priority: code }), { next: 'enterprise' }, code)
  }
  t.same(await whenAt(priority, '2025-03-12T10:00:00', { priority: 'second' }), { next: 'ordinary' })
  t.same(await whenAt(priority, '2025-03-12T10:00:00', { priority: 'bogus' }), { next: 'ordinary' }, 'not a code')
})

void t.test("priority: without a choice, the chosen matter's class; without either, second", async (t) => {
  t.same(await whenAt(priority, '2025-03-12T10:00:00', { matter: 'tax-invoice' }), { next: 'enterprise' })
  t.same(await whenAt(priority, '2025-03-12T10:00:00', { matter: 'tax-credit-rating' }), { next: 'ordinary' })
  t.same(await whenAt(priority, '2025-03-12T10:00:00'), { next: 'ordinary' })
  t.same(await whenAt(priority, '2025-03-12T10:00:00', { priority: 'help', matter: 'tax-credit-rating' }), { next: 'enterprise' },
    "the caller's choice wins")
})

void t.test('variable: a case per value, default otherwise', async (t) => {
  const byCategory: BranchStep = { kind: 'branch', on: 'variable', variable: 'category', cases: { 税务: 'tax', 通关: 'customs' }, default: 'other' }
  t.same(await whenAt(byCategory, '2025-03-12T10:00:00', { category: '通关' }), { next: 'customs' })
  t.same(await whenAt(byCategory, '2025-03-12T10:00:00', { category: '社保' }), { next: 'other' })
  t.same(await whenAt(byCategory, '2025-03-12T10:00:00'), { next: 'other' })
  t.same(await whenAt(byCategory, '2025-03-12T10:00:00', { category: 'constructor' }), { next: 'other' }, 'no inherited keys')
  t.same(branchStep.references(byCategory).variables.filter((v) => v.value !== undefined).map((v) => [v.path, v.value]),
    [['/cases/税务', '税务'], ['/cases/通关', '通关']])
})

void t.test('an aborted call decides nothing', async (t) => {
  const f = fakeStepContext([])
  f.abort.abort()
  await t.rejects(branchStep.run(hours, f.ctx, f.signal), { code: 'HC_ABORTED' })
})
