// The FreeSWITCH configuration the generator writes (src/switch-config/freeswitch.ts): the
// shipped example config/freeswitch/ is exactly its output from the shipped settings; every
// file is well-formed XML the pre-processor reads as meant; and it says what the controller
// depends on (calls to the hotline parked unanswered, the event socket where the controller
// connects, the phones it dials as user/<extension>, the department gateway its dial template
// names, the modules it uses), for the shipped settings and for a line unlike them.
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { SUBSCRIBED_EVENTS } from '../../src/adapters/freeswitch/freeswitch-switch.js'
import type { AgentsConfig } from '../../src/config/agents-schema.js'
import { type AppConfig, resolveAppConfig } from '../../src/config/app-config.js'
import { ConfigError, formatProblem } from '../../src/config/index.js'
import { HotlineError } from '../../src/errors.js'
import { driftFrom, switchConfigFiles } from '../../src/switch-config/index.js'
import {
  CHANGED_AGENTS, CHANGED_APP, CONFIG_DIR, filesUnder, regenerate, settingsWith, shipped, shippedDrift
} from '../helpers/switch-config.js'
import { type XmlElement, allElements, descendants, params, parseXml } from '../helpers/xml.js'

const ROOT = join(CONFIG_DIR, 'freeswitch')

type Files = Map<string, string>
const generate = (app: AppConfig, agents: AgentsConfig): Files =>
  new Map(switchConfigFiles('freeswitch', app, agents).map((f) => [f.path, f.content]))

function doc (files: Files, path: string): XmlElement {
  const text = files.get(path)
  if (text === undefined) throw new Error(`${path} is not generated`)
  return parseXml(text).root
}

/** The one element named `name` with attribute name="…" equal to `value`. */
function named (root: XmlElement, name: string, value: string): XmlElement {
  const found = descendants(root, name).filter((e) => e.attrs.name === value)
  if (found.length !== 1) throw new Error(`${found.length} <${name} name="${value}">`)
  return found[0]!
}

/** The pre-processor directives of a file as [cmd, data], in order. */
const directives = (root: XmlElement): Array<[string, string]> =>
  allElements(root).filter((e) => e.name === 'X-PRE-PROCESS').map((e) => [e.attrs.cmd ?? '', e.attrs.data ?? ''])

const cidr = (range: string): string => range.includes('/') ? range : `${range}/32`

/** The addresses an ACL list admits, and what it does with the rest. */
function aclList (files: Files, name: string): { default: string, allowed: string[] } {
  const list = named(doc(files, 'autoload_configs/acl.conf.xml'), 'list', name)
  const nodes = list.children.filter((n) => n.name === 'node')
  if (nodes.some((n) => n.attrs.type !== 'allow')) throw new Error(`list ${name} has deny nodes`)
  return { default: list.attrs.default ?? '', allowed: nodes.map((n) => n.attrs.cidr ?? '') }
}

const profileSettings = (files: Files): Map<string, string> => {
  const profiles = descendants(doc(files, 'autoload_configs/sofia.conf.xml'), 'profile')
  if (profiles.length !== 1) throw new Error(`${profiles.length} sofia profiles`)
  return params(profiles[0]!.children.find((c) => c.name === 'settings')!)
}

/** Files the glob of an include names, relative to the configuration folder. */
function globbed (files: Files, pattern: string): string[] {
  const re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.?+^$()[\]{}|\\]/g, '\\$&')).join('[^/]*')}$`)
  return [...files.keys()].filter((path) => re.test(path))
}

void t.test('the checker refuses malformed XML', (t) => {
  t.throws(() => parseXml('<a><b></a></b>'), /does not close/)
  t.throws(() => parseXml('<a x="1" x="2"/>'), /duplicate attribute/)
  t.throws(() => parseXml('<a>fish & chips</a>'), /bad entity/)
  t.throws(() => parseXml('<a><!-- a -- b --></a>'), /-- inside a comment/)
  t.throws(() => parseXml('<a/><b/>'), /second root/)
  t.throws(() => parseXml('<a>'), /unclosed <a>/)
  t.throws(() => parseXml('<a value=unquoted/>'), /malformed start tag/)
  t.same(parseXml('<?xml version="1.0"?>\n<a k=\'v\'><b/><!-- c --></a>'), {
    root: { name: 'a', attrs: { k: 'v' }, children: [{ name: 'b', attrs: {}, children: [] }] },
    comments: [' c ']
  })
  t.end()
})

void t.test('config/freeswitch is exactly what the generator writes from the shipped settings', async (t) => {
  const drift = await shippedDrift('freeswitch')
  const fix = `run \`${regenerate('freeswitch')}\``
  t.same(drift.differ, [], `generated files missing or changed in config/freeswitch: ${fix}`)
  t.same(drift.stale, [], `files in config/freeswitch the generator does not write: delete them, then ${fix}`)
  t.same(drift.modes, [], `executable bits differ from the generator's: ${fix}`)
})

const lines: Array<[string, AppConfig, AgentsConfig]> = [
  ['shipped settings', shipped.app, shipped.agents],
  ['a line unlike the shipped one', CHANGED_APP, CHANGED_AGENTS]
]

for (const [line, app, agents] of lines) {
  const files = generate(app, agents)
  const sw = app.switch
  const site = sw.site

  void t.test(`${line}: every file is well-formed XML, included where FreeSWITCH looks for it`, (t) => {
    for (const [path, text] of files) {
      t.match(path, /\.xml$/, path)
      t.doesNotThrow(() => parseXml(text), path)
    }
    const root = doc(files, 'freeswitch.xml')
    t.equal(root.name, 'document')
    t.same(root.children.filter((c) => c.name === 'X-PRE-PROCESS'), [{ name: 'X-PRE-PROCESS', attrs: { cmd: 'include', data: 'vars.xml' }, children: [] }],
      'vars.xml first, outside the sections')
    // What each section's files must hold for FreeSWITCH to find it there.
    const holds: Record<string, (root: XmlElement) => boolean> = {
      configuration: (r) => r.name === 'configuration',
      dialplan: (r) => r.name === 'include' && r.children.length > 0 && r.children.every((c) => c.name === 'context'),
      directory: (r) => r.name === 'include' && r.children.length > 0 && r.children.every((c) => c.name === 'domain')
    }
    const reached = new Set(['freeswitch.xml', 'vars.xml'])
    for (const section of root.children.filter((c) => c.name === 'section')) {
      const kind = section.attrs.name ?? ''
      t.ok(kind in holds, `section ${kind}`)
      for (const [cmd, data] of directives(section)) {
        t.equal(cmd, 'include', `${kind}: includes only`)
        const included = globbed(files, data)
        t.not(included.length, 0, `${kind}: ${data} names generated files`)
        for (const path of included) {
          reached.add(path)
          t.ok(holds[kind]?.(doc(files, path)), `${path} holds what the ${kind} section takes`)
        }
      }
    }
    t.same([...files.keys()].filter((path) => !reached.has(path)), [], 'every file is included')
    for (const path of [...files.keys()].filter((p) => p.startsWith('autoload_configs/'))) {
      t.equal(doc(files, path).attrs.name, path.replace(/^autoload_configs\/(.*)\.xml$/, '$1'), `${path}: found by its name`)
    }
    t.end()
  })

  void t.test(`${line}: pre-processor syntax appears only where it is meant to act`, (t) => {
    // FreeSWITCH's pre-processor works on raw lines before XML parsing: it expands $${var}
    // even inside comments and executes (or drops) any line naming its tag, commented or not.
    for (const [path, text] of files) {
      for (const comment of parseXml(text).comments) {
        t.notMatch(comment, /\$\$\{/, `${path}: no $\${…} in comments`)
        t.notMatch(comment, /x-pre-process/i, `${path}: no pre-processor tag in comments`)
      }
      for (const l of text.split('\n').filter((l) => /x-pre-process/i.test(l))) {
        t.match(l, /^\s*<X-PRE-PROCESS cmd="[a-z-]+" data="[^"]*"\/>\s*$/, `${path}: one directive per line`)
      }
    }
    t.end()
  })

  void t.test(`${line}: the dialplan parks calls to ${sw.hotlineNumber} without answering them, and routes nothing else`, (t) => {
    const number = sw.hotlineNumber
    const root = doc(files, `dialplan/${number}.xml`)
    const conditions = descendants(root, 'condition').filter((c) => {
      if (c.attrs.field !== 'destination_number') return false
      return new RegExp(c.attrs.expression ?? '').test(number)
    })
    t.equal(conditions.length, 1, `one condition takes ${number}`)
    const condition = conditions[0]!
    const re = new RegExp(condition.attrs.expression!)
    t.notOk(re.test(`${number}6`) || re.test(`0${number}`), `only ${number} itself`)

    const actions = condition.children.filter((c) => c.name === 'action')
    const apps = actions.map((a) => a.attrs.application)
    t.equal(apps.at(-1), 'park', 'park is the last action')
    const answering = ['answer', 'pre_answer', 'playback', 'bridge', 'conference', 'transfer', 'play_and_get_digits', 'hangup']
    t.same(apps.filter((app) => answering.includes(app ?? '')), [], 'nothing answers, plays or moves the call')
    t.same(descendants(root, 'anti-action'), [], 'no anti-actions')
    t.ok(actions.some((a) => a.attrs.application === 'set' && a.attrs.data === 'hotline_line=enterprise-seat'))

    const dialplans = [...files.keys()].filter((p) => p.startsWith('dialplan/'))
    t.same(dialplans, [`dialplan/${number}.xml`], 'one dialplan file')
    const contexts = descendants(root, 'context')
    const routed = contexts.filter((c) => descendants(c, 'extension').length > 0)
    t.same(routed.map((c) => c.attrs.name), [profileSettings(files).get('context')], 'only the SIP profile\'s context routes')
    t.equal(descendants(root, 'extension').length, 1, 'one extension in all')
    const phones = descendants(doc(files, 'directory/agents.xml'), 'variable').find((v) => v.attrs.name === 'user_context')
    const phoneContext = contexts.find((c) => c.attrs.name === phones?.attrs.value)
    t.ok(phoneContext, `the phones' context ${phones?.attrs.value} exists`)
    t.same(phoneContext?.children, [], 'and routes nothing: a phone dials nowhere')
    t.end()
  })

  void t.test(`${line}: the event socket listens where the controller connects, for the controllers only`, (t) => {
    const root = doc(files, 'autoload_configs/event_socket.conf.xml')
    t.equal(root.attrs.name, 'event_socket.conf')
    const settings = params(descendants(root, 'settings')[0]!)
    t.equal(settings.get('listen-ip'), sw.freeswitch.host, 'switch.freeswitch.host')
    t.equal(settings.get('listen-port'), String(sw.freeswitch.port), 'switch.freeswitch.port')
    t.equal(settings.get('password'), '$${esl_password}', 'a pre-processor variable, not a password')
    t.equal(settings.get('apply-inbound-acl'), 'controllers')
    t.same(aclList(files, 'controllers'), { default: 'deny', allowed: site.controllers.map(cidr) }, 'switch.site.controllers')
    t.end()
  })

  void t.test(`${line}: vars.xml sets every secret to a random value, then from the environment`, (t) => {
    const secret = (name: string, env: string): Array<[string, string]> =>
      [['exec-set', `${name}=cat /proc/sys/kernel/random/uuid`], ['env-set', `${name}=$${env}`]]
    t.same(directives(doc(files, 'vars.xml')), [
      ['set', 'domain=hotline12345'],
      ...secret('esl_password', 'ESL_PASSWORD'),
      ...agents.agents.flatMap((a) => secret(`phone_password_${a.extension}`, `PHONE_PASSWORD_${a.extension}`))
    ], 'a switch started without one refuses every client, never falls back to a known password')
    t.end()
  })

  void t.test(`${line}: no password is written in any file`, (t) => {
    for (const [path, text] of files) {
      t.notMatch(text, /cluecon/i, `${path}: not FreeSWITCH's default password`)
      for (const p of descendants(parseXml(text).root, 'param').filter((e) => /pass/i.test(e.attrs.name ?? ''))) {
        t.match(p.attrs.value ?? '', /^\$\$\{[a-z0-9_]+\}$/, `${path}: ${p.attrs.name} is a pre-processor variable`)
      }
      for (const m of text.matchAll(/data="([a-z0-9_]*pass[a-z0-9_]*)=([^"]*)"/gi)) {
        t.match(m[2] ?? '', /^(\$[A-Z0-9_]+|cat \/proc\/sys\/kernel\/random\/uuid)$/, `${path}: ${m[1]} comes from the environment or is random`)
      }
    }
    t.end()
  })

  void t.test(`${line}: the SIP profile: fixed addresses, callers by ACL, the phones' realm, the department gateway`, (t) => {
    const settings = profileSettings(files)
    for (const name of ['sip-ip', 'ext-sip-ip', 'rtp-ip', 'ext-rtp-ip']) t.equal(settings.get(name), site.sipAddress, `${name}: switch.site.sipAddress`)
    t.equal(settings.get('sip-port'), String(site.sipPort), 'switch.site.sipPort')
    for (const [path, text] of files) {
      const values = allElements(parseXml(text).root).flatMap((e) => Object.values(e.attrs))
      t.same(values.filter((v) => /stun/i.test(v)), [], `${path}: no STUN lookup (fails on a host without internet)`)
    }
    t.equal(settings.get('auth-calls'), 'true', 'anything but the callers is challenged')
    t.equal(settings.get('apply-inbound-acl'), 'callers')
    t.same(aclList(files, 'callers'), { default: 'deny', allowed: site.callers.map(cidr) }, 'switch.site.callers')
    const realm = directives(doc(files, 'vars.xml')).find(([cmd, data]) => cmd === 'set' && data.startsWith('domain='))?.[1].slice('domain='.length)
    t.equal(realm, 'hotline12345')
    for (const name of ['challenge-realm', 'force-register-domain', 'force-register-db-domain']) {
      t.equal(settings.get(name), realm, `${name}: phones register in the directory's domain`)
    }

    const gateway = /^sofia\/gateway\/([^/]+)\/\{number\}$/.exec(sw.dialTemplate)?.[1]
    t.ok(gateway, sw.dialTemplate)
    const gateways = descendants(doc(files, 'autoload_configs/sofia.conf.xml'), 'gateway')
    t.same(gateways.map((g) => g.attrs.name), [gateway], 'the gateway switch.dialTemplate names, and no other')
    const gw = params(gateways[0]!)
    t.equal(gw.get('proxy'), site.departmentTrunk, 'switch.site.departmentTrunk')
    t.equal(gw.get('register'), 'false')
    t.end()
  })

  void t.test(`${line}: the directory holds one user per agent, as user/<extension> dials it`, (t) => {
    t.equal(sw.agentDialTemplate, 'user/{number}')
    const root = doc(files, 'directory/agents.xml')
    const domains = descendants(root, 'domain')
    t.same(domains.map((d) => d.attrs.name), ['$${domain}'], 'the domain phones register in: the realm')
    const users = descendants(root, 'user')
    t.same(users.map((u) => u.attrs.id), agents.agents.map((a) => a.extension), 'ids are exactly the extensions of agents.yaml')
    for (const user of users) {
      t.same([...params(descendants(user, 'params')[0]!)], [['password', `$\${phone_password_${user.attrs.id ?? ''}}`]], `${user.attrs.id}: password from vars.xml`)
    }
    t.end()
  })

  void t.test(`${line}: the conference profile binds no keys`, (t) => {
    const root = doc(files, 'autoload_configs/conference.conf.xml')
    const profile = descendants(root, 'profile').find((p) => p.attrs.name === sw.conferenceProfile)
    t.ok(profile, `the profile the controller joins (conference:<room>@${sw.conferenceProfile})`)
    const group = params(profile!).get('caller-controls')
    const groups = descendants(root, 'caller-controls').flatMap((c) => c.children.filter((g) => g.name === 'group'))
    const chosen = groups.find((g) => g.attrs.name === group)
    t.ok(chosen, `caller-controls group ${group} is defined`)
    t.same(chosen?.children, [], 'and binds no keys')
    t.end()
  })

  void t.test(`${line}: the modules are the ones the controller uses, and no others`, (t) => {
    const loaded = descendants(doc(files, 'autoload_configs/modules.conf.xml'), 'load').map((l) => l.attrs.module ?? '')
    const used = [
      'mod_event_socket', 'mod_sofia', 'mod_conference', 'mod_dptools', 'mod_commands', 'mod_sndfile', 'mod_dialplan_xml',
      // silence_stream://, which the adapter plays in play_and_get_digits.
      'mod_tone_stream'
    ]
    for (const module of used) t.ok(loaded.includes(module), `${module} is loaded`)
    const stockExtras = ['mod_loopback', 'mod_voicemail', 'mod_lua', 'mod_verto', 'mod_signalwire', 'mod_skinny', 'mod_rtc', 'mod_av',
      'mod_httapi', 'mod_fifo', 'mod_callcenter', 'mod_cdr_csv', 'mod_esf', 'mod_spandsp', 'mod_valet_parking', 'mod_enum']
    for (const module of stockExtras) t.notOk(loaded.includes(module), `${module} is not loaded`)
    t.same([...loaded].sort(), [...used, 'mod_console', 'mod_logfile'].sort(), 'exactly these')
    t.end()
  })

  void t.test(`${line}: switch.conf takes the call rate, the sessions and the RTP ports from the settings`, (t) => {
    const settings = params(descendants(doc(files, 'autoload_configs/switch.conf.xml'), 'settings')[0]!)
    t.equal(settings.get('sessions-per-second'), String(site.sessionsPerSecond))
    t.equal(settings.get('max-sessions'), String(site.maxSessions))
    t.equal(settings.get('rtp-start-port'), String(site.rtpPortStart))
    t.equal(settings.get('rtp-end-port'), String(site.rtpPortEnd))
    t.end()
  })
}

void t.test('settings flow through: what changed in the settings and agents changes in the files, and nothing old stays', (t) => {
  const before = generate(shipped.app, shipped.agents)
  const after = generate(CHANGED_APP, CHANGED_AGENTS)
  t.ok(before.has('dialplan/12345.xml') && !after.has('dialplan/12345.xml'), 'the old hotline number\'s dialplan is gone')
  t.ok(after.has('dialplan/96123.xml'))
  const users = (files: Files): Array<string | undefined> => descendants(doc(files, 'directory/agents.xml'), 'user').map((u) => u.attrs.id)
  t.ok(users(before).includes('8002') && !users(after).includes('8002'), 'the removed agent\'s phone is gone')
  t.ok(!users(before).includes('8999') && users(after).includes('8999'), 'the added agent\'s phone is there')
  for (const [path, text] of after) {
    t.notMatch(text, /127\.0\.0\.1/, `${path}: no shipped address`)
    t.notMatch(text, /8002/, `${path}: nothing of the removed agent`)
  }
  t.match(after.get('autoload_configs/sofia.conf.xml') ?? '', '<gateway name="bureaus">')
  t.end()
})

void t.test('the generator refuses settings the FreeSWITCH configuration cannot serve', (t) => {
  const refused: Array<[string, Record<string, unknown>]> = [
    ['switch.dialTemplate', { dialTemplate: 'sofia/external/{number}@10.40.0.9' }],
    ['switch.dialTemplate', { dialTemplate: 'sofia/gateway/department/0{number}' }],
    ['switch.agentDialTemplate', { agentDialTemplate: 'sofia/hotline/{number}' }],
    ['switch.soundPrefix', { soundPrefix: 'sounds/hotline12345/' }]
  ]
  for (const [setting, change] of refused) {
    const app = settingsWith({ switch: change })
    let error: unknown
    try {
      switchConfigFiles('freeswitch', app, shipped.agents)
    } catch (err) {
      error = err
    }
    t.ok(error instanceof HotlineError, `${JSON.stringify(change)} is refused`)
    t.equal((error as HotlineError).code, 'HC_CONFIG_INVALID')
    t.match((error as Error).message, setting, `the message names ${setting}`)
  }
  t.end()
})

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url))
const SCRIPT = fileURLToPath(new URL('../../scripts/switch-config.ts', import.meta.url))

interface Run { code: number | string | undefined, stdout: string, stderr: string }
/** The CLI as a user runs it, with nothing in the environment but PATH and what is given. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<Run> => new Promise((resolve) => {
  execFile(TSX, [SCRIPT, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 },
    (err, stdout, stderr) => { resolve({ code: err === null ? 0 : err.code ?? undefined, stdout, stderr }) })
})

void t.test('npm run switch-config runs the generator', (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts?: Record<string, string> }
  t.match(pkg.scripts?.['switch-config'] ?? '', /^tsx scripts\/switch-config\.ts$/, 'the command the drift test tells the developer to run')
  t.end()
})

void t.test('the command line: help, usage errors, writing the files, a broken config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switch-config-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'out')
  // A copy of config/ whose default.yaml the loader refuses.
  const broken = join(dir, 'config')
  cpSync(CONFIG_DIR, broken, { recursive: true, filter: (src) => !/[/\\](freeswitch|asterisk)$/.test(src) })
  const settingsFile = join(broken, 'default.yaml')
  const text = readFileSync(settingsFile, 'utf8')
  t.match(text, "hotlineNumber: '12345'")
  writeFileSync(settingsFile, text.replace("hotlineNumber: '12345'", "hotlineNumber: 'twelve'"))
  let problems: string[] = []
  try {
    resolveAppConfig(parse(readFileSync(settingsFile, 'utf8')), settingsFile, {})
  } catch (err) {
    if (err instanceof ConfigError) problems = err.problems.map(formatProblem)
  }
  t.equal(problems.length, 1, 'the copy has one problem')

  // Each start of tsx takes a second or two: all at once.
  const [help, noSwitch, written, refused] = await Promise.all([
    cli(['--help']),
    cli(['--out', out]),
    cli(['--switch', 'freeswitch', '--out', out, '--no-prompts']),
    cli(['--switch', 'freeswitch', '--out', join(dir, 'unused'), '--no-prompts'], { HOTLINE_CONFIG_DIR: broken })
  ])
  t.equal(help.code, 0, '--help')
  t.match(help.stdout, /--switch/)
  t.equal(noSwitch.code, 2, 'no --switch: usage error')
  t.match(noSwitch.stderr, /--switch must be freeswitch or asterisk/)
  t.equal(written.code, 0, `written: ${written.stderr}`)
  const files = switchConfigFiles('freeswitch', shipped.app, shipped.agents)
  t.same(filesUnder(out), files.map((f) => f.path).sort(), 'the files and only them (no prompts)')
  t.same(await driftFrom(out, files), [], 'as the generator writes them')
  t.equal(refused.code, 78, 'a broken config: EX_CONFIG')
  t.match(refused.stderr, `${settingsFile}: /switch/hotlineNumber: `, 'file and path')
  for (const problem of problems) t.ok(refused.stderr.includes(problem), `and the reason: ${problem}`)
})

void t.test('the README lists every event the adapter subscribes to', (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  for (const event of SUBSCRIBED_EVENTS) t.ok(readme.includes(`\`${event}`) || readme.includes(` ${event}\``), event)
  t.end()
})

void t.test('a department trunk that challenges: the gateway answers with credentials from the environment', (t) => {
  const plain = new Map(switchConfigFiles('freeswitch', shipped.app, shipped.agents).map((f) => [f.path, f.content]))
  t.notMatch(plain.get('autoload_configs/sofia.conf.xml') ?? '', 'department_password', 'none by default')
  const files = new Map(switchConfigFiles('freeswitch', settingsWith({ switch: { site: { departmentAuth: true } } }), shipped.agents)
    .map((f) => [f.path, f.content]))
  const gateway = descendants(parseXml(files.get('autoload_configs/sofia.conf.xml') ?? '').root, 'gateway')[0]!
  const gw = params(gateway)
  t.equal(gw.get('username'), '$${department_user}')
  t.equal(gw.get('password'), '$${department_password}')
  t.equal(gw.get('register'), 'false', 'credentials answer challenges; the trunk is not registered to')
  const vars = files.get('vars.xml') ?? ''
  for (const [name, env] of [['department_user', 'DEPARTMENT_USER'], ['department_password', 'DEPARTMENT_PASSWORD']]) {
    t.match(vars, `<X-PRE-PROCESS cmd="exec-set" data="${name}=cat /proc/sys/kernel/random/uuid"/>\n  <X-PRE-PROCESS cmd="env-set" data="${name}=$${env}"/>`,
      `${name}: random first, then ${env}`)
  }
  t.end()
})
