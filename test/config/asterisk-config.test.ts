// The example Asterisk configuration (config/asterisk/) must parse as Asterisk configuration
// and say what the controller depends on: calls to 12345 handed to its Stasis application
// unanswered, ARI on a private address with a user whose password is never in the
// repository, the department endpoint its template names, the agents, DTMF as RFC 4733 and
// media kept on the switch. The README's secrets script is run for real.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { loadAppConfig } from '../../src/config/app-config.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url))
const ROOT = join(CONFIG_DIR, 'asterisk')
// The settings the controller ships with (config/default.yaml): names used below must match.
const shipped = (await loadAppConfig({ configDir: CONFIG_DIR, env: {} })).switch

interface Entry { key: string, op: '=' | '=>', value: string }
interface Section {
  name: string
  template: boolean
  bases: string[]
  /** `(+)` adds to an earlier section: undefined, '' for any, or a `key=value` filter. */
  addTo: string | undefined
  entries: Entry[]
}
interface Directive { kind: 'include' | 'tryinclude' | 'exec', arg: string }
interface ConfFile { sections: Section[], directives: Directive[] }

/**
 * Asterisk's configuration syntax as the files here use it (docs.asterisk.org, Fundamentals >
 * Asterisk Configuration Files): `[name]`, `[name](!)`, `[name](tmpl,...)`, `[name](+)`,
 * `key = value`, `key => value`, `;` comments (`\;` is a literal semicolon), `;-- --;`
 * block comments, `#include` / `#tryinclude` / `#exec`. Anything else is refused.
 */
function parseConf (text: string): ConfFile {
  const sections: Section[] = []
  const directives: Directive[] = []
  let inBlock = false
  text.split('\n').forEach((raw, index) => {
    const fail = (why: string): never => { throw new Error(`line ${index + 1}: ${why}`) }
    let line = raw
    if (inBlock) {
      const end = line.indexOf('--;')
      if (end === -1) return
      line = line.slice(end + 3)
      inBlock = false
    }
    const block = line.indexOf(';--')
    if (block !== -1) {
      const end = line.indexOf('--;', block + 3)
      if (end === -1) inBlock = true
      line = end === -1 ? line.slice(0, block) : line.slice(0, block) + line.slice(end + 3)
    }
    line = line.replace(/(^|[^\\]);.*$/, '$1').replaceAll('\\;', ';').trim()
    if (line === '') return
    const directive = /^#(include|tryinclude|exec)\s+(?:"([^"]+)"|<([^>]+)>|(\S.*))$/.exec(line)
    if (directive !== null) {
      directives.push({ kind: directive[1] as Directive['kind'], arg: directive[2] ?? directive[3] ?? directive[4] ?? '' })
      return
    }
    if (line.startsWith('#')) fail(`unknown directive ${line}`)
    const header = /^\[([^\][]+)\](?:\(([^()]*)\))?$/.exec(line)
    if (header !== null) {
      const options = header[2] === undefined ? [] : header[2].split(',').map((o) => o.trim())
      if (options.includes('')) fail('empty option in a section header')
      const add = options.find((o) => o.startsWith('+'))
      sections.push({
        name: header[1]!,
        template: options.includes('!'),
        bases: options.filter((o) => o !== '!' && !o.startsWith('+')),
        addTo: add?.slice(1),
        entries: []
      })
      return
    }
    if (line.startsWith('[')) fail(`malformed section header ${line}`)
    const setting = /^([A-Za-z0-9_.-]+)\s*(=>|=)\s*(.*)$/.exec(line)
    if (setting === null) fail(`not a section, setting or directive: ${line}`)
    const current = sections.at(-1)
    if (current === undefined) fail('setting before the first section')
    current!.entries.push({ key: setting![1]!, op: setting![2] as Entry['op'], value: setting![3]! })
  })
  if (inBlock) throw new Error('unterminated block comment')
  return { sections, directives }
}

/** The sections of several files read as one, `(+)` additions folded into their targets. */
function merge (...files: ConfFile[]): Section[] {
  const out: Section[] = []
  for (const s of files.flatMap((f) => f.sections)) {
    if (s.addTo === undefined) {
      out.push({ ...s, entries: [...s.entries] })
      continue
    }
    const [key, value] = s.addTo.split('=')
    const target = out.find((o) => o.name === s.name && (key === '' || o.entries.some((e) => e.key === key && e.value === value)))
    if (target === undefined) throw new Error(`[${s.name}](+${s.addTo}) adds to no section`)
    target.entries.push(...s.entries)
  }
  return out
}

/** A section's settings with its templates' settings first, as Asterisk applies them. */
function resolve (section: Section, all: Section[], seen: string[] = []): Entry[] {
  if (seen.includes(section.name)) throw new Error(`template loop through ${section.name}`)
  return [...section.bases.flatMap((base) => {
    const found = all.find((s) => s.name === base)
    if (found === undefined) throw new Error(`[${section.name}] uses unknown template ${base}`)
    return resolve(found, all, [...seen, section.name])
  }), ...section.entries]
}

const last = (entries: Entry[], key: string): string | undefined => entries.filter((e) => e.key === key).at(-1)?.value
const list = (entries: Entry[], key: string): string[] =>
  entries.filter((e) => e.key === key).flatMap((e) => e.value.split(',')).map((v) => v.trim()).filter((v) => v !== '')

/** pjsip.conf objects: non-template sections with their resolved settings, by type. */
function objects (all: Section[]): Array<{ name: string, type: string, entries: Entry[] }> {
  return all.filter((s) => !s.template).map((s) => {
    const entries = resolve(s, all)
    return { name: s.name, type: last(entries, 'type') ?? '', entries }
  })
}

const text = (name: string): string => readFileSync(join(ROOT, name), 'utf8')
const conf = (name: string): ConfFile => parseConf(text(name))
const FILES = ['http.conf', 'ari.conf', 'extensions.conf', 'pjsip.conf']
const general = (name: string): Entry[] => conf(name).sections.find((s) => s.name === 'general')?.entries ?? []
const readme = text('README.md')

const PRIVATE = /^(127\.\d+\.\d+\.\d+|::1|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+)$/
const AGENTS = Array.from({ length: 15 }, (_, i) => `agent${String(i + 1).padStart(2, '0')}`)
const DEPARTMENT = /^PJSIP\/\{number\}@([A-Za-z0-9_-]+)$/.exec(shipped.asterisk.endpointTemplate)?.[1]
const pjsip = (): ReturnType<typeof objects> => objects(merge(conf('pjsip.conf')))
const endpoints = (): ReturnType<typeof objects> => pjsip().filter((o) => o.type === 'endpoint')

interface Step { exten: string, app: string, args: string }
/** The extensions of one dialplan context, `same =>` and `n` priorities followed. */
function dialplan (context: string): Step[] {
  const section = merge(conf('extensions.conf')).find((s) => s.name === context)
  if (section === undefined) throw new Error(`no context ${context}`)
  let exten = ''
  return section.entries.map((e) => {
    if (e.key !== 'exten' && e.key !== 'same') throw new Error(`${context}: ${e.key} => ${e.value}`)
    const parts = e.key === 'exten' ? /^([^,]+),([^,]+),(.*)$/.exec(e.value) : /^()([^,]+),(.*)$/.exec(e.value)
    if (parts === null) throw new Error(`${context}: cannot read ${e.value}`)
    if (e.key === 'exten') exten = parts[1]!
    const app = /^(\w+)(?:\((.*)\))?$/.exec(parts[3]!.trim())
    if (app === null) throw new Error(`${context}: cannot read the application in ${e.value}`)
    return { exten, app: app[1]!, args: app[2] ?? '' }
  })
}

void t.test('the parser reads Asterisk syntax and refuses what Asterisk would not take', (t) => {
  const parsed = parseConf([
    '; comment', '[base](!)', 'a = 1 ; trailing', ';-- block', 'x = hidden --;', '[obj](base,other)',
    'b => two\\;three', '#include "extra.conf"', '[obj](+type=aor)', 'c=', '[base](!)  ; again'
  ].join('\n'))
  t.same(parsed.directives, [{ kind: 'include', arg: 'extra.conf' }])
  t.same(parsed.sections.map((s) => [s.name, s.template, s.bases, s.addTo]), [
    ['base', true, [], undefined], ['obj', false, ['base', 'other'], undefined],
    ['obj', false, [], 'type=aor'], ['base', true, [], undefined]
  ])
  t.same(parsed.sections[1]!.entries, [{ key: 'b', op: '=>', value: 'two;three' }])
  t.same(parsed.sections[2]!.entries, [{ key: 'c', op: '=', value: '' }])
  t.throws(() => parseConf('[a] (b)'), /malformed section header/)
  t.throws(() => parseConf('a = 1'), /before the first section/)
  t.throws(() => parseConf('[a]\njust words'), /not a section/)
  t.throws(() => parseConf('#includes x'), /unknown directive/)
  t.throws(() => parseConf('[a]\n;-- open'), /unterminated/)
  t.throws(() => merge(parseConf('[a]\ntype=x\n[a](+type=y)')), /adds to no section/)
  t.end()
})

void t.test('every file parses and none runs a program while loading', (t) => {
  for (const name of FILES) {
    const file = conf(name)
    t.ok(file.sections.length > 0, `${name} has sections`)
    t.same(file.directives.filter((d) => d.kind !== 'include'), [], `${name}: #include only (#exec needs execincludes; #tryinclude would not fail)`)
  }
  t.end()
})

void t.test('ARI listens on a private address, the one the controller is told to use', (t) => {
  const http = general('http.conf')
  t.equal(last(http, 'enabled'), 'yes')
  t.match(last(http, 'bindaddr') ?? '', PRIVATE, 'loopback or private bindaddr')
  const tls = last(http, 'tlsbindaddr')
  if (tls !== undefined) t.match(tls.replace(/:\d+$/, ''), PRIVATE, 'private tlsbindaddr')
  t.equal(last(http, 'enablestatic'), 'no')
  t.equal(last(http, 'prefix'), undefined, 'no prefix: ARI at /ari')
  const url = new URL(shipped.asterisk.url)
  t.equal(url.hostname, last(http, 'bindaddr'), 'the default ARI_URL names the bound address')
  t.equal(url.port, last(http, 'bindport'))
  t.end()
})

void t.test('sessionlimit leaves room for two controllers at their bound on requests in flight', (t) => {
  const limit = Number(last(general('http.conf'), 'sessionlimit'))
  t.ok(Number.isInteger(limit), 'sessionlimit is set')
  t.ok(limit >= 2 * (shipped.asterisk.maxRequestsInFlight + 1), `${limit} >= 2 x (${shipped.asterisk.maxRequestsInFlight} + 1 WebSocket)`)
  t.ok(readme.includes(`sessionlimit = ${limit}`), 'the README states the same limit')
  t.end()
})

void t.test('ARI is on, with the controller user and a crypt password that is not in the file', (t) => {
  const ari = conf('ari.conf')
  t.equal(last(general('ari.conf'), 'enabled'), 'yes')
  const origins = general('ari.conf').filter((e) => e.key === 'allowed_origins')
  t.same(origins.map((e) => e.value), [''], 'allowed_origins written out, empty')
  const users = ari.sections.filter((s) => last(s.entries, 'type') === 'user')
  t.same(users.map((s) => s.name), [shipped.asterisk.user], 'one user, the ARI_USER default')
  const user = users[0]!.entries
  t.equal(last(user, 'read_only'), 'no')
  t.equal(last(user, 'password_format'), 'crypt')
  t.equal(last(user, 'password'), undefined, 'no password in ari.conf')
  t.same(ari.directives, [{ kind: 'include', arg: 'ari_hotline_secret.conf' }])
  t.end()
})

void t.test('no password, hash or digest is written in the repository', (t) => {
  for (const name of [...FILES, 'README.md']) {
    t.notMatch(text(name), /\$[156]\$[./0-9A-Za-z]{8,}/, `${name}: no crypt hash`)
    t.notMatch(text(name), /\b[0-9a-f]{32}\b/, `${name}: no MD5 digest`)
  }
  for (const name of FILES) {
    for (const s of conf(name).sections) {
      const secret = s.entries.filter((e) => /^(password|password_digest|md5_cred|secret)$/.test(e.key))
      t.same(secret, [], `${name} [${s.name}]: no secret setting`)
    }
    for (const d of conf(name).directives) t.notOk(existsSync(join(ROOT, d.arg)), `${d.arg} is written at deploy time, not kept here`)
  }
  t.end()
})

void t.test('calls to 12345 go to the Stasis application unanswered, and nothing else is reachable', (t) => {
  const callers = endpoints().filter((e) => dialplan(last(e.entries, 'context') ?? '').length > 0)
  t.same(callers.map((e) => e.name), ['callers'], 'only the callers trunk reaches any extension')
  const steps = dialplan(last(callers[0]!.entries, 'context')!)
  t.same([...new Set(steps.map((s) => s.exten))], [shipped.hotlineNumber], 'one extension, no patterns')
  t.same(steps[0], { exten: shipped.hotlineNumber, app: 'Stasis', args: shipped.asterisk.app }, 'Stasis(ARI_APP) first')
  const answering = ['Answer', 'Progress', 'Ringing', 'Playback', 'Background', 'Read', 'Dial', 'Goto', 'Gosub', 'Exec', 'TryExec', 'Queue', 'ConfBridge']
  t.same(steps.filter((s) => answering.includes(s.app)), [], 'nothing answers, plays, rings or moves the call')
  t.same(steps.filter((s) => s.app === 'Hangup').map((s) => s.args), ['', '34'], 'a failed Stasis() is refused as 503 (cause 34)')
  t.ok(readme.includes(`Stasis(${shipped.asterisk.app})`))
  t.end()
})

void t.test('every endpoint enters a context that exists and keeps DTMF and media as the controller needs', (t) => {
  const all = pjsip()
  for (const e of endpoints()) {
    t.equal(last(e.entries, 'dtmf_mode'), 'rfc4733', `${e.name}: dtmf_mode`)
    t.equal(last(e.entries, 'direct_media'), 'no', `${e.name}: direct_media`)
    t.equal(last(e.entries, 'allow_transfer'), 'no', `${e.name}: no phone-driven transfers`)
    t.doesNotThrow(() => dialplan(last(e.entries, 'context') ?? ''), `${e.name}: context exists`)
    const refs: Array<[string, string]> = [['transport', 'transport'], ['aors', 'aor'], ['auth', 'auth'], ['outbound_auth', 'auth']]
    for (const [key, type] of refs) {
      for (const ref of list(e.entries, key)) t.ok(all.some((o) => o.name === ref && o.type === type), `${e.name}: ${key} ${ref} is a ${type}`)
    }
  }
  for (const i of all.filter((o) => o.type === 'identify')) {
    t.ok(endpoints().some((e) => e.name === last(i.entries, 'endpoint')), `${i.name} names an endpoint`)
    t.match(last(i.entries, 'match') ?? '', PRIVATE, `${i.name} matches a private address`)
  }
  t.end()
})

void t.test('the department endpoint the template names exists, with an aor to dial', (t) => {
  t.equal(DEPARTMENT, 'department', shipped.asterisk.endpointTemplate)
  const all = pjsip()
  const endpoint = endpoints().find((e) => e.name === DEPARTMENT)
  t.ok(endpoint, 'endpoint department')
  const aors = list(endpoint!.entries, 'aors')
  t.same(aors, [DEPARTMENT])
  const aor = all.find((o) => o.name === aors[0] && o.type === 'aor')!
  t.match(last(aor.entries, 'contact') ?? '', /^sip:[^@;]+$/, 'a contact without a user part: the dial string supplies the number')
  t.ok(Number(last(aor.entries, 'qualify_frequency')) > 0, 'qualified, so a dead trunk fails fast')
  t.ok(all.some((o) => o.type === 'identify' && last(o.entries, 'endpoint') === DEPARTMENT), 'identified by address')
  t.equal(last(endpoint!.entries, 'send_connected_line'), 'no')
  t.end()
})

void t.test('the fifteen agents register with digest authentication, one phone each', (t) => {
  const all = pjsip()
  for (const name of AGENTS) {
    const endpoint = endpoints().find((e) => e.name === name)
    t.ok(endpoint, `endpoint ${name}`)
    const auth = all.find((o) => o.name === last(endpoint!.entries, 'auth') && o.type === 'auth')!
    t.equal(last(auth.entries, 'username'), name)
    t.equal(last(auth.entries, 'auth_type'), 'digest')
    t.equal(last(auth.entries, 'realm'), 'hotline12345', 'the realm the secrets script hashes with')
    const aor = all.find((o) => o.name === last(endpoint!.entries, 'aors') && o.type === 'aor')!
    t.equal(last(aor.entries, 'max_contacts'), '1')
  }
  t.end()
})

void t.test('the README gives the controller environment, the checks and the prompts path', (t) => {
  for (const word of ['SWITCH_KIND', 'ARI_URL', 'ARI_USER', 'ARI_PASSWORD', 'ARI_APP', 'ari show apps', '/ari/asterisk/info',
    'ari mkpasswd', shipped.asterisk.endpointTemplate, shipped.asterisk.soundPrefix]) {
    t.ok(readme.includes(word), word)
  }
  const language = new Set(endpoints().map((e) => last(e.entries, 'language')))
  t.equal(language.size, 1, 'one language for every endpoint')
  const folder = shipped.asterisk.soundPrefix.replace(/^sound:/, '')
  t.ok(readme.includes(`/var/lib/asterisk/sounds/${[...language][0]!}/${folder}<prompt>.wav`), 'where the prompts go')
  t.end()
})

void t.test("the README's secrets script writes what ari.conf and pjsip.conf include", (t) => {
  const script = /```sh\n(#!\/bin\/sh\n# hotline-asterisk-secrets:[\s\S]*?)```/.exec(readme)?.[1]
  t.ok(script, 'the script is in the README')
  const dir = mkdtempSync(join(tmpdir(), 'asterisk-secrets-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'hotline-asterisk-secrets')
  writeFileSync(path, script!)
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()
  const passwords = Object.fromEntries(AGENTS.map((a, i) => [`AGENT${a.slice(-2)}_PASSWORD`, `seat;${i} pw`]))
  const run = (env: Record<string, string>): number | null =>
    spawnSync('sh', [path], { env: { PATH: process.env.PATH ?? '', ASTERISK_ETC: dir, ASTERISK_GROUP: group, ...env }, encoding: 'utf8' }).status
  const written = (): string[] => ['ari_hotline_secret.conf', 'pjsip_hotline_secrets.conf'].filter((f) => existsSync(join(dir, f)))

  t.not(run({ ...passwords }), 0, 'refuses to run without ARI_PASSWORD')
  t.not(run({ ...passwords, ARI_PASSWORD: 'x', AGENT07_PASSWORD: '' }), 0, 'refuses to run without every agent password')
  t.same(written(), [], 'and writes nothing then')

  const ariPassword = 'correct horse;battery'
  t.equal(run({ ...passwords, ARI_PASSWORD: ariPassword, DEPARTMENT_USER: 'hotline', DEPARTMENT_PASSWORD: 'a;b c' }), 0)
  for (const f of written()) t.equal(statSync(join(dir, f)).mode & 0o777, 0o640, `${f} is mode 640`)

  const ari = merge(conf('ari.conf'), parseConf(readFileSync(join(dir, 'ari_hotline_secret.conf'), 'utf8')))
  const hash = last(ari.find((s) => s.name === shipped.asterisk.user)!.entries, 'password') ?? ''
  const salt = /^\$6\$([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}$/.exec(hash)?.[1]
  t.ok(salt, 'a SHA-512 crypt hash')
  const again = execFileSync('openssl', ['passwd', '-6', '-salt', salt!, '-stdin'], { input: `${ariPassword}\n`, encoding: 'utf8' }).trim()
  t.equal(again, hash, 'of the ARI password')

  const all = objects(merge(conf('pjsip.conf'), parseConf(readFileSync(join(dir, 'pjsip_hotline_secrets.conf'), 'utf8'))))
  for (const [i, name] of AGENTS.entries()) {
    const auth = all.find((o) => o.name === `${name}-auth`)!
    const md5 = createHash('md5').update(`${name}:${last(auth.entries, 'realm')!}:seat;${i} pw`).digest('hex')
    t.equal(last(auth.entries, 'password_digest'), `MD5:${md5}`, `${name}: digest of user, realm and password`)
    t.equal(last(auth.entries, 'password'), undefined, `${name}: no password in clear`)
  }
  const department = all.find((o) => o.name === 'department-auth' && o.type === 'auth')!
  t.equal(last(department.entries, 'password'), 'a;b c', 'the department password survives Asterisk comment syntax')
  t.equal(last(department.entries, 'username'), 'hotline')
  t.end()
})
