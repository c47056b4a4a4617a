// GET /api/directory/matters and /api/directory/categories: what the agent console searches
// to start a transfer, and who sees which part of it.
import t from 'tap'
import { ADMIN, AGENT, DEPARTMENT, SUPERVISOR, TAX_INVOICE, api, startConsoleController } from './call.js'

interface MatterBody {
  id: string
  name: string
  category: string
  priorityLabel: string
  departmentId: string
  departmentName: string
  numbers: number
  hunt?: Array<{ number: string, label?: string }>
}

void t.test('matters by part of a Chinese name, by id, by category, and both', async (t) => {
  const c = await startConsoleController(t)
  const byName = await api(c, 'GET', `/api/directory/matters?q=${encodeURIComponent('发票')}`, AGENT)
  t.equal(byName.statusCode, 200)
  const found = byName.json<{ matters: MatterBody[], total: number }>()
  const invoice = found.matters.find((m) => m.id === 'tax-invoice')
  t.match(invoice, { name: '发票领用', category: '税务', departmentId: 'tax', departmentName: '税务局', numbers: 3, priorityLabel: /一类/ })
  t.notOk(invoice !== undefined && 'hunt' in invoice, 'agents get how many numbers, not the numbers')
  t.notOk(byName.body.includes(TAX_INVOICE[0]), 'no number anywhere in the agent\'s answer')
  t.equal(found.total, found.matters.length)

  const byId = await api(c, 'GET', '/api/directory/matters?q=tax-invoice', AGENT)
  t.equal(byId.json<{ matters: MatterBody[] }>().matters[0]?.id, 'tax-invoice', 'the exact id first')

  const category = await api(c, 'GET', `/api/directory/matters?category=${encodeURIComponent('税务')}`, AGENT)
  const taxes = category.json<{ matters: MatterBody[] }>().matters
  t.ok(taxes.length >= 2, 'the category\'s matters')
  t.ok(taxes.every((m) => m.category === '税务'), 'only that category')

  // 申报 is in tax matters (增值税申报) and others; with the category only the tax ones stay.
  const all = (await api(c, 'GET', `/api/directory/matters?q=${encodeURIComponent('申报')}`, AGENT)).json<{ matters: MatterBody[] }>().matters
  const narrowed = (await api(c, 'GET', `/api/directory/matters?q=${encodeURIComponent('申报')}&category=${encodeURIComponent('税务')}`, AGENT)).json<{ matters: MatterBody[] }>().matters
  t.ok(narrowed.length > 0 && narrowed.every((m) => m.category === '税务' && m.name.includes('申报')))
  t.ok(all.some((m) => m.category !== '税务'), '申报 is found elsewhere too')
  t.ok(narrowed.length < all.length, 'the category narrows it')

  const everything = await api(c, 'GET', '/api/directory/matters', AGENT)
  t.equal(everything.json<{ total: number }>().total, 52, 'no filter: the whole directory')
  const limited = await api(c, 'GET', '/api/directory/matters?limit=5', AGENT)
  t.equal(limited.json<{ matters: unknown[], total: number }>().matters.length, 5)
  t.equal(limited.json<{ total: number }>().total, 52)

  const none = await api(c, 'GET', `/api/directory/matters?q=${encodeURIComponent('不存在的事项')}`, AGENT)
  t.same(none.json(), { matters: [], total: 0 })
})

void t.test('supervisors and admins see the hunt lists; bad input is a 400 with a reason', async (t) => {
  const c = await startConsoleController(t)
  for (const token of [SUPERVISOR, ADMIN]) {
    const res = await api(c, 'GET', '/api/directory/matters?q=tax-invoice', token)
    const invoice = res.json<{ matters: MatterBody[] }>().matters[0]
    t.same(invoice?.hunt?.map((h) => h.number), [...TAX_INVOICE], 'the numbers in hunt order')
  }
  const unknown = await api(c, 'GET', `/api/directory/matters?category=${encodeURIComponent('天文')}`, AGENT)
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json<{ message: string }>().message, /no category "天文"/)
  const extra = await api(c, 'GET', '/api/directory/matters?number=02155010002', AGENT)
  t.equal(extra.statusCode, 400, 'an unknown parameter')
  t.equal((await api(c, 'GET', '/api/directory/matters?limit=many', AGENT)).statusCode, 400)
  t.equal((await api(c, 'GET', `/api/directory/matters?q=${'长'.repeat(65)}`, AGENT)).statusCode, 400, 'too long')
  t.equal((await api(c, 'GET', '/api/directory/matters')).statusCode, 401)
  t.equal((await api(c, 'GET', '/api/directory/matters', DEPARTMENT)).statusCode, 403, 'departments have their tickets, not the directory')
})

void t.test('categories in menu order with how many matters each has', async (t) => {
  const c = await startConsoleController(t)
  const res = await api(c, 'GET', '/api/directory/categories', AGENT)
  t.equal(res.statusCode, 200)
  const { categories } = res.json<{ categories: Array<{ name: string, matters: number }> }>()
  t.equal(categories[0]?.name, '税务', 'the first menu entry first')
  t.equal(categories.reduce((sum, x) => sum + x.matters, 0), 52, 'every matter in one category')
  t.equal((await api(c, 'GET', '/api/directory/categories', DEPARTMENT)).statusCode, 403)
})
