import t, { type Test } from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { checkTokenAgents, loadAgents } from '../../src/config/agents-schema.js'
import { ConfigError, type ConfigProblem } from '../../src/config/validate.js'
import { isHotlineError } from '../../src/errors.js'

const SHIPPED = fileURLToPath(new URL('../../config/agents.yaml', import.meta.url))

/** A small valid file; each test breaks one thing in a copy. */
function sample () {
  return {
    groups: [
      { id: 'enterprise-seat', name: '企业专席', ringTimeoutSec: 20, wrapUpSec: 30, noAnswerState: 'not-ready' },
      { id: 'ordinary', name: '12345 普通坐席', ringTimeoutSec: 15, wrapUpSec: 0, noAnswerState: 'logged-out' }
    ],
    agents: [
      { id: 'agent01', name: '坐席01', extension: '8001', groups: ['enterprise-seat'] },
      { id: 'agent02', name: '坐席02', extension: '8002', groups: ['enterprise-seat', 'ordinary'] },
      { id: 'ordinary01', name: '12345坐席01', extension: '8101', groups: ['ordinary'] }
    ]
  }
}

type Sample = ReturnType<typeof sample>

async function problemsOf (t: Test, text: string): Promise<ConfigProblem[]> {
  const dir = t.testdir({ 'agents.yaml': text })
  const file = join(dir, 'agents.yaml')
  try {
    await loadAgents(file)
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

void t.test('the sample is valid and loads as written', async (t) => {
  const dir = t.testdir({ 'agents.yaml': stringify(sample()) })
  const config = await loadAgents(join(dir, 'agents.yaml'))
  t.same(config.agents.map((a) => a.extension), ['8001', '8002', '8101'])
  t.same(config.groups[1], { id: 'ordinary', name: '12345 普通坐席', ringTimeoutSec: 15, wrapUpSec: 0, noAnswerState: 'logged-out' })
})

void t.test('the shipped file: 15 enterprise seats on 8001–8015 and some ordinary agents', async (t) => {
  const config = await loadAgents(SHIPPED)
  const seats = config.agents.filter((a) => a.groups.includes('enterprise-seat'))
  t.equal(seats.length, 15, 'the Shanghai enterprise line has 15 seats')
  t.same(seats.map((a) => a.extension), Array.from({ length: 15 }, (_, i) => String(8001 + i)))
  t.ok(config.agents.some((a) => a.groups.includes('ordinary')), 'ordinary 12345 agents too')
  const group = config.groups.find((g) => g.id === 'enterprise-seat')
  t.match(group, { noAnswerState: 'not-ready' })
  t.ok((group?.ringTimeoutSec ?? 0) >= 5)
})

void t.test('an agent in a group that does not exist', async (t) => {
  const problems = await broken(t, (d) => { d.agents[1]!.groups = ['enterprise-seat', 'vip'] })
  t.match(problems, [{ path: '/agents/1/groups/1', reason: /unknown group "vip": not in groups \(enterprise-seat, ordinary\)/ }])
  t.equal(problems.length, 1)
})

void t.test('a group listed twice for one agent', async (t) => {
  const problems = await broken(t, (d) => { d.agents[0]!.groups = ['enterprise-seat', 'enterprise-seat'] })
  t.match(problems, [{ path: '/agents/0/groups/1', reason: /listed twice/ }])
})

void t.test('duplicate agent ids, extensions and group ids', async (t) => {
  const problems = await broken(t, (d) => {
    d.agents[2]!.id = 'agent01'
    d.agents[1]!.extension = '8001'
    d.groups[1]!.id = 'enterprise-seat'
    d.agents[1]!.groups = ['enterprise-seat']
    d.agents[2]!.groups = ['enterprise-seat']
  })
  t.match(problems, [
    { path: '/groups/1/id', reason: /duplicate group id "enterprise-seat" \(first at \/groups\/0\)/ },
    { path: '/agents/1/extension', reason: /extension 8001 is already agent agent01's \(\/agents\/0\)/ },
    { path: '/agents/2/id', reason: /duplicate agent id "agent01" \(first at \/agents\/0\)/ }
  ])
  t.equal(problems.length, 3)
})

void t.test('extensions are plain digits; an unquoted one is explained', async (t) => {
  for (const extension of ['80a1', '8001@evil', 'user/8001', '80', '1'.repeat(21)]) {
    const problems = await broken(t, (d) => { d.agents[0]!.extension = extension })
    t.match(problems, [{ path: '/agents/0/extension', reason: /match '\^\[0-9\]\{3,20\}\$'/ }], extension)
  }
  const text = stringify(sample()).replace('"8002"', '8002')
  t.not(text, stringify(sample()), 'the fixture was changed')
  t.match(await problemsOf(t, text), [{ path: '/agents/1/extension', reason: /got the integer 8002: put the extension in quotes/ }])
})

void t.test('group settings are checked', async (t) => {
  t.match(await broken(t, (d) => { d.groups[0]!.ringTimeoutSec = 4 }), [{ path: '/groups/0/ringTimeoutSec', reason: /greater or equal to 5/ }])
  t.match(await broken(t, (d) => { d.groups[0]!.wrapUpSec = -1 }), [{ path: '/groups/0/wrapUpSec', reason: /greater or equal to 0/ }])
  t.match(await broken(t, (d) => { d.groups[0]!.noAnswerState = 'ready' }),
    [{ path: '/groups/0/noAnswerState', reason: /not-ready\|logged-out/ }])
  t.match(await broken(t, (d) => { Object.assign(d.groups[0]!, { strategy: 'ring-all' }) }),
    [{ path: '/groups/0/strategy', reason: /Unexpected property/ }])
})

void t.test('ids are kebab-case and every agent has a group', async (t) => {
  t.match(await broken(t, (d) => { d.agents[0]!.id = 'Agent 01' }), [{ path: '/agents/0/id', reason: /match/ }])
  t.match(await broken(t, (d) => { d.agents[0]!.groups = [] }), [{ path: '/agents/0/groups', reason: /length/ }])
})

void t.test('YAML syntax errors and missing files', async (t) => {
  const problems = await problemsOf(t, 'groups: [\nagents: {')
  t.ok(problems.length > 0)
  for (const p of problems) t.match(p, { path: '/', reason: /^YAML syntax: / })
  const dir = t.testdir({})
  const err = await loadAgents(join(dir, 'agents.yaml')).catch((e: unknown) => e)
  t.match((err as ConfigError).problems, [{ path: '/', reason: /cannot read/ }])
})

void t.test('an agent API token for an agent the file does not list', async (t) => {
  const config = sample()
  t.same(checkTokenAgents([
    { token: 'a'.repeat(16), role: 'agent', agentId: 'agent01' },
    { token: 'b'.repeat(16), role: 'supervisor' }
  ], config as Parameters<typeof checkTokenAgents>[1]), [])
  t.match(checkTokenAgents([
    { token: 'a'.repeat(16), role: 'agent', agentId: 'agent01' },
    { token: 'c'.repeat(16), role: 'agent', agentId: 'agent99' }
  ], config as Parameters<typeof checkTokenAgents>[1]), [{ file: 'environment', path: 'API_TOKENS', reason: /entry 2: unknown agent "agent99"/ }])
})
