import t from 'tap'
import {
  checkDirectoryData, Directory, type DirectoryData, priorityCode, priorityFromCode, PRIORITY_CODES
} from '../../src/domain/directory.js'
import { isHotlineError } from '../../src/errors.js'

const DATA: DirectoryData = {
  categories: ['税务', '外贸', '社保'],
  departments: [
    { id: 'tax', name: '税务局', nameEn: 'Tax Bureau', ticketWebhookUrl: 'https://tickets.example.gov.cn/tax' },
    { id: 'hrss', name: '人力资源和社会保障局', nameEn: 'HR and Social Security Bureau' },
    { id: 'customs', name: '海关', nameEn: 'Customs' }
  ],
  matters: [
    {
      id: 'tax-invoice',
      name: '发票领用',
      nameEn: 'Obtaining invoices',
      category: '税务',
      priority: 'handling',
      department: 'tax',
      hunt: [
        { number: '02155010002', ringTimeoutSec: 25, label: '发票管理科' },
        { number: '02155010003', ringTimeoutSec: 20 },
        { number: '02155010001', ringTimeoutSec: 15, label: '总台' }
      ]
    },
    {
      id: 'tax-export-rebate',
      name: '出口退税',
      nameEn: 'Export tax rebates',
      category: '外贸',
      priority: 'hot-policy',
      department: 'tax',
      hunt: [{ number: '02155010004', ringTimeoutSec: 25 }, { number: '02155010001', ringTimeoutSec: 20 }]
    },
    {
      id: 'tax-vat-filing',
      name: '增值税申报',
      nameEn: 'VAT filing',
      category: '税务',
      priority: 'help',
      department: 'tax',
      hunt: [{ number: '02155010005', ringTimeoutSec: 30 }]
    },
    {
      id: 'customs-declaration',
      name: '进出口报关',
      nameEn: 'Import and export customs declaration',
      category: '外贸',
      priority: 'second',
      department: 'customs',
      hunt: [{ number: '02155070001', ringTimeoutSec: 25 }]
    }
  ]
}

const directory = new Directory(DATA)

void t.test('departments and matters by id', (t) => {
  t.same(directory.department('tax'), DATA.departments[0])
  t.equal(directory.department('hrss')?.ticketWebhookUrl, undefined)
  t.equal(directory.department('nope'), undefined)
  const m = directory.matter('tax-export-rebate')
  t.match(m, { id: 'tax-export-rebate', name: '出口退税', departmentId: 'tax', category: '外贸' })
  t.equal(directory.matter('nope'), undefined)
  t.same(directory.matters().map((x) => x.id), DATA.matters.map((x) => x.id), 'file order')
  t.same(directory.mattersOfDepartment('tax').map((x) => x.id), ['tax-invoice', 'tax-export-rebate', 'tax-vat-filing'])
  t.same(directory.mattersOfDepartment('hrss'), [])
  t.end()
})

void t.test('priorities', (t) => {
  t.same(directory.matter('tax-invoice')?.priority, { class: 'first', kind: 'handling' })
  t.same(directory.matter('tax-export-rebate')?.priority, { class: 'first', kind: 'hot-policy' })
  t.same(directory.matter('tax-vat-filing')?.priority, { class: 'first', kind: 'help' })
  t.same(directory.matter('customs-declaration')?.priority, { class: 'second' })
  for (const code of PRIORITY_CODES) t.equal(priorityCode(priorityFromCode(code)), code, `${code} round-trips`)
  t.end()
})

void t.test('categories keep the declared order, matters the file order', (t) => {
  t.same(directory.categories(), ['税务', '外贸', '社保'])
  t.same(directory.mattersByCategory('税务').map((m) => m.id), ['tax-invoice', 'tax-vat-filing'])
  t.same(directory.mattersByCategory('外贸').map((m) => m.id), ['tax-export-rebate', 'customs-declaration'])
  t.same(directory.mattersByCategory('社保'), [], 'a declared category with no matter')
  t.same(directory.mattersByCategory('nope'), [])
  directory.mattersByCategory('税务').pop()
  t.equal(directory.mattersByCategory('税务').length, 2, 'the returned array is a copy')
  t.end()
})

void t.test('hunt lists', (t) => {
  t.same(directory.huntList('tax-invoice'), [
    { number: '02155010002', ringTimeoutSec: 25, label: '发票管理科' },
    { number: '02155010003', ringTimeoutSec: 20 },
    { number: '02155010001', ringTimeoutSec: 15, label: '总台' }
  ])
  t.same(directory.huntList('tax-vat-filing'), [{ number: '02155010005', ringTimeoutSec: 30 }])
  t.throws(() => directory.huntList('nope'), { code: 'HC_NOT_FOUND', statusCode: 404 })
  t.end()
})

void t.test('the directory cannot be changed from outside', (t) => {
  const hunt = directory.huntList('tax-invoice') as unknown as Array<{ number: string }>
  t.throws(() => { hunt[0]!.number = '110' }, TypeError)
  t.throws(() => { hunt.push({ number: '110' }) }, TypeError)
  const m = directory.matter('tax-invoice') as { departmentId: string }
  t.throws(() => { m.departmentId = 'hrss' }, TypeError)
  t.equal(directory.huntList('tax-invoice')[0]?.number, '02155010002')
  t.notOk(directory.isDirectoryNumber('110'))
  t.end()
})

void t.test('all numbers, each once', (t) => {
  t.same(directory.allNumbers(), ['02155010002', '02155010003', '02155010001', '02155010004', '02155010005', '02155070001'])
  t.end()
})

void t.test('only exact directory numbers pass the dial check', (t) => {
  for (const n of directory.allNumbers()) t.ok(directory.isDirectoryNumber(n), n)
  for (const n of ['0215501000', '021550100021', ' 02155010002', '02155010002 ', '2155010002', '12345', '', '02155010002;x']) {
    t.notOk(directory.isDirectoryNumber(n), JSON.stringify(n))
  }
  t.end()
})

void t.test('searching matters', (t) => {
  const ids = (q: string) => directory.searchMatters(q).map((m) => m.id)
  t.same(ids('发票'), ['tax-invoice'], 'Chinese substring')
  t.same(ids('退税'), ['tax-export-rebate'])
  t.same(ids('申报'), ['tax-vat-filing'], 'substring not at the start')
  t.same(ids('进出口'), ['customs-declaration'])
  t.same(ids('customs-declaration'), ['customs-declaration'], 'id')
  t.same(ids('  TAX-INVOICE '), ['tax-invoice'], 'id, trimmed and case-insensitive')
  t.same(ids('ＶＡＴ'), ['tax-vat-filing'], 'full-width letters')
  t.same(ids('export'), ['tax-export-rebate', 'customs-declaration'], 'English name, start of name first')
  t.same(ids('tax-'), ['tax-invoice', 'tax-export-rebate', 'tax-vat-filing'], 'id substring keeps file order')
  t.same(ids('社保'), [], 'nothing matches')
  t.same(ids('   '), [], 'blank text finds nothing')
  t.end()
})

void t.test('exact id ranks before names that contain it', (t) => {
  const d = new Directory({
    categories: ['c'],
    departments: [{ id: 'd', name: '部门', nameEn: 'Dept' }],
    matters: [
      { id: 'permit-x', name: 'permit 许可', nameEn: 'Permit', category: 'c', priority: 'second', department: 'd', hunt: [{ number: '123', ringTimeoutSec: 5 }] },
      { id: 'permit', name: '许可', nameEn: 'Licence', category: 'c', priority: 'second', department: 'd', hunt: [{ number: '124', ringTimeoutSec: 5 }] }
    ]
  })
  t.same(d.searchMatters('permit').map((m) => m.id), ['permit', 'permit-x'])
  t.end()
})

void t.test('cross-reference rules', (t) => {
  t.same(checkDirectoryData(DATA), [], 'the fixture is clean')
  const bad: DirectoryData = {
    categories: ['税务', '税务'],
    departments: [DATA.departments[0]!, { ...DATA.departments[1]!, id: 'tax' }],
    matters: [
      { ...DATA.matters[0]!, hunt: [{ number: '123', ringTimeoutSec: 5 }, { number: '123', ringTimeoutSec: 5 }, { number: '12a', ringTimeoutSec: 5 }] },
      { ...DATA.matters[1]!, id: 'tax-invoice', name: '发票领用', department: 'nope', category: '外贸', hunt: [] }
    ]
  }
  t.same(checkDirectoryData(bad).map((i) => i.path), [
    '/categories/1',
    '/departments/1/id',
    '/matters/0/hunt/1/number',
    '/matters/0/hunt/2/number',
    '/matters/1/id',
    '/matters/1/name',
    '/matters/1/department',
    '/matters/1/category',
    '/matters/1/hunt'
  ])
  let error: unknown
  try {
    new Directory(bad)
  } catch (err) {
    error = err
  }
  t.ok(isHotlineError(error, 'HC_CONFIG_INVALID'), 'the constructor refuses it')
  t.equal((error as { details?: { issues?: unknown[] } }).details?.issues?.length, 9)
  t.end()
})
