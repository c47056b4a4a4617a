import t, { type Test } from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { loadDirectory } from '../../src/config/directory-schema.js'
import { ConfigError, type ConfigProblem } from '../../src/config/validate.js'
import { isHotlineError } from '../../src/errors.js'

const SHIPPED = fileURLToPath(new URL('../../config/directory.yaml', import.meta.url))

/** A small valid directory; each test breaks one thing in a copy. */
function sample () {
  return {
    categories: ['税务', '社保'],
    departments: [
      { id: 'tax', name: '税务局', nameEn: 'Tax Bureau', ticketWebhookUrl: 'https://tickets.example.gov.cn/tax' },
      { id: 'hrss', name: '人力资源和社会保障局', nameEn: 'HR and Social Security Bureau' }
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
          { number: '02155010001', ringTimeoutSec: 20 }
        ]
      },
      {
        id: 'hrss-registration',
        name: '社保登记',
        nameEn: 'Social insurance registration',
        category: '社保',
        priority: 'second',
        department: 'hrss',
        hunt: [{ number: '02155030001', ringTimeoutSec: 30 }]
      }
    ]
  }
}

type Sample = ReturnType<typeof sample>

/** Writes `text` as directory.yaml in a fresh folder and returns what the loader refused. */
async function problemsOf (t: Test, text: string): Promise<ConfigProblem[]> {
  const dir = t.testdir({ 'directory.yaml': text })
  const file = join(dir, 'directory.yaml')
  try {
    await loadDirectory(file)
  } catch (err) {
    t.ok(err instanceof ConfigError, 'refused with a ConfigError')
    t.ok(isHotlineError(err, 'HC_CONFIG_INVALID'), 'code HC_CONFIG_INVALID')
    const problems = (err as ConfigError).problems
    for (const p of problems) t.equal(p.file, file, 'each problem names the file')
    return problems
  }
  t.fail('the broken file was accepted')
  return []
}

const broken = (t: Test, edit: (d: Sample) => void) => {
  const d = sample()
  edit(d)
  return problemsOf(t, stringify(d))
}

void t.test('the sample fixture itself is valid', async (t) => {
  const dir = t.testdir({ 'directory.yaml': stringify(sample()) })
  const directory = await loadDirectory(join(dir, 'directory.yaml'))
  t.same(directory.huntList('tax-invoice').map((h) => h.number), ['02155010002', '02155010001'])
  t.equal(directory.department('tax')?.ticketWebhookUrl, 'https://tickets.example.gov.cn/tax')
})

void t.test('the shipped sample directory has at least the first batch\'s size', async (t) => {
  const directory = await loadDirectory(SHIPPED)
  const matters = directory.matters()
  t.ok(matters.length >= 52, `${matters.length} matters >= 52`)
  t.ok(directory.departments().length >= 12, `${directory.departments().length} departments >= 12`)
  t.ok(directory.allNumbers().length >= 119, `${directory.allNumbers().length} distinct numbers >= 119`)
  t.ok(matters.some((m) => m.hunt.length === 1), 'some matter has a single number')
  t.ok(matters.some((m) => m.hunt.length >= 3), 'some matter has three or more numbers')
  const names = new Set(directory.departments().map((d) => d.name))
  for (const name of ['税务局', '市场监督管理局', '人力资源和社会保障局', '住房公积金管理中心', '商务委员会', '海关',
    '生态环境局', '住房和城乡建设管理委员会', '知识产权局', '经济和信息化委员会', '科学技术委员会', '医疗保障局', '交通委员会']) {
    t.ok(names.has(name), `department ${name}`)
  }
  for (const name of ['发票领用', '增值税申报', '企业开办', '社保登记', '公积金缴存', '进出口报关', '高新技术企业认定', '排污许可']) {
    t.equal(directory.searchMatters(name)[0]?.name, name, `matter ${name}`)
  }
  const kinds = new Set(matters.map((m) => m.priority.class === 'first' ? m.priority.kind : 'second'))
  t.same([...kinds].sort(), ['handling', 'help', 'hot-policy', 'second'], 'every priority is represented')
  t.ok(directory.categories().length >= 8, 'a realistic spread of categories')
  for (const c of directory.categories()) t.ok(directory.mattersByCategory(c).length > 0, `category ${c} is used`)
})

void t.test('a matter whose department does not exist', async (t) => {
  const problems = await broken(t, (d) => { d.matters[1]!.department = 'nope' })
  t.match(problems, [{ path: '/matters/1/department', reason: /unknown department "nope"/ }])
  t.equal(problems.length, 1)
})

void t.test('duplicate ids', async (t) => {
  const problems = await broken(t, (d) => {
    d.matters[1]!.id = 'tax-invoice'
    d.departments[1]!.id = 'tax'
  })
  t.match(problems, [
    { path: '/departments/1/id', reason: /duplicate department id "tax" \(first at \/departments\/0\)/ },
    { path: '/matters/1/id', reason: /duplicate matter id "tax-invoice"/ }
  ])
})

void t.test('a number twice in one hunt list', async (t) => {
  const problems = await broken(t, (d) => { d.matters[0]!.hunt[1]!.number = '02155010002' })
  t.match(problems, [{ path: '/matters/0/hunt/1/number', reason: /already in this hunt list \(at \/matters\/0\/hunt\/0\)/ }])
})

void t.test('the same number in two matters is allowed', async (t) => {
  const d = sample()
  d.matters[1]!.hunt.push({ number: '02155010001', ringTimeoutSec: 20 })
  const dir = t.testdir({ 'directory.yaml': stringify(d) })
  const directory = await loadDirectory(join(dir, 'directory.yaml'))
  t.equal(directory.allNumbers().length, 3)
})

void t.test('an empty hunt list', async (t) => {
  const problems = await broken(t, (d) => { d.matters[0]!.hunt = [] })
  t.match(problems, [{ path: '/matters/0/hunt', reason: /length/ }])
})

void t.test('numbers must be plain digits', async (t) => {
  for (const number of ['0215501000a', '021-55010001', '1000;evil', 'sofia/gateway/x/1', '12', '1'.repeat(21)]) {
    const problems = await broken(t, (d) => { d.matters[0]!.hunt[0]!.number = number })
    t.match(problems, [{ path: '/matters/0/hunt/0/number', reason: /match '\^\[0-9\]\{3,20\}\$'/ }], number)
  }
})

void t.test('an unquoted number is explained', async (t) => {
  const text = stringify(sample()).replace('"02155030001"', '02155030001')
  t.not(text, stringify(sample()), 'the fixture was changed')
  const problems = await problemsOf(t, text)
  t.match(problems, [{ path: '/matters/1/hunt/0/number', reason: /Expected string, got the integer 2155030001: put the number in quotes/ }])
})

void t.test('ring timeouts stay within 5–120 seconds', async (t) => {
  t.match(await broken(t, (d) => { d.matters[0]!.hunt[0]!.ringTimeoutSec = 4 }),
    [{ path: '/matters/0/hunt/0/ringTimeoutSec', reason: /greater or equal to 5/ }])
  t.match(await broken(t, (d) => { d.matters[0]!.hunt[0]!.ringTimeoutSec = 121 }),
    [{ path: '/matters/0/hunt/0/ringTimeoutSec', reason: /less or equal to 120/ }])
  t.match(await broken(t, (d) => { d.matters[0]!.hunt[0]!.ringTimeoutSec = 20.5 }),
    [{ path: '/matters/0/hunt/0/ringTimeoutSec', reason: /integer/ }])
})

void t.test('a priority that is not one of the four', async (t) => {
  const problems = await broken(t, (d) => { d.matters[0]!.priority = 'first' })
  t.match(problems, [{ path: '/matters/0/priority', reason: /handling\|help\|hot-policy\|second/ }])
})

void t.test('an undeclared category', async (t) => {
  const problems = await broken(t, (d) => { d.matters[1]!.category = '公积金' })
  t.match(problems, [{ path: '/matters/1/category', reason: /unknown category "公积金"/ }])
})

void t.test('duplicate matter names', async (t) => {
  const problems = await broken(t, (d) => { d.matters[1]!.name = '发票领用' })
  t.match(problems, [{ path: '/matters/1/name', reason: /duplicate matter name/ }])
})

void t.test('unknown keys and bad ids are refused', async (t) => {
  const problems = await broken(t, (d) => {
    Object.assign(d.matters[0]!, { dial: 'sofia/gateway/x/123' })
    d.departments[0]!.id = 'Tax Bureau'
  })
  t.match(problems, [{ path: '/departments/0/id', reason: /match/ }, { path: '/matters/0/dial', reason: /Unexpected property/ }])
})

void t.test('a webhook must be an http(s) URL', async (t) => {
  const problems = await broken(t, (d) => { d.departments[0]!.ticketWebhookUrl = 'ftp://example.gov.cn/x' })
  t.match(problems, [{ path: '/departments/0/ticketWebhookUrl', reason: /match/ }])
})

void t.test('YAML syntax errors are refused', async (t) => {
  const problems = await problemsOf(t, 'categories: [税务\ndepartments: {')
  t.ok(problems.length > 0)
  for (const p of problems) t.match(p, { path: '/', reason: /^YAML syntax: .* at line \d+, column \d+$/ })
})

void t.test('a missing file', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'directory.yaml')
  await t.rejects(loadDirectory(file), ConfigError)
  const err = await loadDirectory(file).catch((e: unknown) => e)
  t.match((err as ConfigError).problems, [{ file, path: '/', reason: /cannot read/ }])
})
