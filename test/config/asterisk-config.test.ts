// The Asterisk configuration the generator writes (src/switch-config/asterisk.ts): the shipped
// example config/asterisk/ is exactly its output from the shipped settings; every file parses
// as Asterisk configuration; and it says what the controller depends on (calls to the hotline
// handed to its Stasis application unanswered, ARI where the controller connects with a
// password never in the repository, the phones it dials as PJSIP/<extension>, the department
// trunk its template names, DTMF as RFC 4733, media kept on the switch), for the shipped
// settings and for a line unlike them. The generated secrets script is run for real.
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { AgentsConfig } from '../../src/config/agents-schema.js'
import type { AppConfig } from '../../src/config/app-config.js'
import { HotlineError } from '../../src/errors.js'
import { switchConfigFiles, writeGenerated } from '../../src/switch-config/index.js'
import {
  type ConfFile, type ConfObject, type Entry, type Section, dialplan, last, list, merge, objects, parseConf
} from '../helpers/asterisk-conf.js'
import {
  CHANGED_AGENTS, CHANGED_APP, CONFIG_DIR, filesUnder, regenerate, settingsWith, shipped, shippedDrift
} from '../helpers/switch-config.js'

const ROOT = join(CONFIG_DIR, 'asterisk')
const SCRIPT = 'hotline-asterisk-secrets'
const REALM = 'hotline12345'

type Files = Map<string, string>
const generate = (app: AppConfig, agents: AgentsConfig): Files =>
  new Map(switchConfigFiles('asterisk', app, agents).map((f) => [f.path, f.content]))

function conf (files: Files, name: string): ConfFile {
  const text = files.get(name)
  if (text === undefined) throw new Error(`${name} is not generated`)
  return parseConf(text)
}
const general = (files: Files, name: string): Entry[] => conf(files, name).sections.find((s) => s.name === 'general')?.entries ?? []
const pjsip = (files: Files): ConfObject[] => objects(merge(conf(files, 'pjsip.conf')))
const ofType = (all: ConfObject[], type: string): ConfObject[] => all.filter((o) => o.type === type)
function one (all: ConfObject[], name: string, type: string): ConfObject {
  const found = all.filter((o) => o.name === name && o.type === type)
  if (found.length !== 1) throw new Error(`${found.length} ${type} objects named ${name}`)
  return found[0]!
}
const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort()

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
  const all = merge(parseConf('[t](!)\nk = 1\n[o](t)\nk = 2\n[p](late)\n[late](!)\n[loop](loop)'))
  t.same(objects(all.slice(0, 2)), [{ name: 'o', type: '', entries: [{ key: 'k', op: '=', value: '1' }, { key: 'k', op: '=', value: '2' }] }],
    'template settings first, the section\'s own after them')
  t.throws(() => objects(all.slice(0, 4)), /unknown template late/, 'a template must come first')
  t.throws(() => objects(all.slice(4)), /template loop/)
  t.end()
})

void t.test('config/asterisk is exactly what the generator writes from the shipped settings', async (t) => {
  const drift = await shippedDrift('asterisk')
  const fix = `run \`${regenerate('asterisk')}\``
  t.same(drift.differ, [], `generated files missing or changed in config/asterisk: ${fix}`)
  t.same(drift.stale, [], `files in config/asterisk the generator does not write: delete them, then ${fix}`)
  t.same(drift.modes, [], `executable bits differ from the generator's: ${fix}`)
  t.not(statSync(join(ROOT, SCRIPT)).mode & 0o111, 0, `${SCRIPT} is executable on disk`)
})

void t.test('the drift check notices a changed, a missing and a stale file, and a lost executable bit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asterisk-drift-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await writeGenerated(dir, switchConfigFiles('asterisk', shipped.app, shipped.agents))
  writeFileSync(join(dir, 'README.md'), 'hand-written\n')
  t.same(await shippedDrift('asterisk', dir), { differ: [], stale: [], modes: [] }, 'a fresh copy, with a README')
  appendFileSync(join(dir, 'rtp.conf'), '; edited by hand\n')
  rmSync(join(dir, 'cdr.conf'))
  writeFileSync(join(dir, 'sip.conf'), '[general]\n')
  chmodSync(join(dir, SCRIPT), 0o644)
  t.same(await shippedDrift('asterisk', dir), { differ: ['cdr.conf', 'rtp.conf'], stale: ['sip.conf'], modes: [SCRIPT] })
})

void t.test('no password, hash or digest is in any file of config/asterisk', (t) => {
  const onDisk = filesUnder(ROOT)
  t.ok(onDisk.includes('README.md') && onDisk.includes(SCRIPT))
  for (const name of onDisk) {
    const text = readFileSync(join(ROOT, name), 'utf8')
    t.notMatch(text, /\$[156]\$[./0-9A-Za-z]{8,}/, `${name}: no crypt hash`)
    t.notMatch(text, /\b[0-9a-f]{32}\b/, `${name}: no MD5 digest`)
    if (!name.endsWith('.conf')) continue
    const parsed = parseConf(text)
    for (const s of parsed.sections) {
      t.same(s.entries.filter((e) => /^(password|password_digest|md5_cred|secret)$/.test(e.key)), [], `${name} [${s.name}]: no secret setting`)
    }
    for (const d of parsed.directives) t.notOk(existsSync(join(ROOT, d.arg)), `${d.arg} is written at deploy time, not kept here`)
  }
  t.end()
})

const lines: Array<[string, AppConfig, AgentsConfig]> = [
  ['shipped settings', shipped.app, shipped.agents],
  ['a line unlike the shipped one', CHANGED_APP, CHANGED_AGENTS]
]

for (const [line, app, agents] of lines) {
  const files = generate(app, agents)
  const sw = app.switch
  const site = sw.site
  const extensions = agents.agents.map((a) => a.extension)
  const trunk = /^PJSIP\/\{number\}@([A-Za-z0-9_-]+)$/.exec(sw.asterisk.endpointTemplate)?.[1] ?? '(none)'

  void t.test(`${line}: every file parses, and none runs a program while loading`, (t) => {
    const confs = [...files.keys()].filter((p) => p.endsWith('.conf'))
    t.same([...files.keys()].filter((p) => !confs.includes(p)), [SCRIPT], 'configuration files and the secrets script')
    const included: string[] = []
    for (const name of confs) {
      t.doesNotThrow(() => conf(files, name), name)
      const { directives } = conf(files, name)
      t.same(directives.filter((d) => d.kind !== 'include'), [], `${name}: #include only (no #exec: execincludes stays off; #tryinclude would not fail)`)
      included.push(...directives.map((d) => d.arg))
    }
    const moved = [...(files.get(SCRIPT) ?? '').matchAll(/^mv "\$tmp\/\w+" "\$etc\/([^"]+)"$/gm)].map((m) => m[1]!)
    t.same(sorted(included), sorted(moved), 'what the files include is what the secrets script writes')
    t.same(included.filter((name) => files.has(name)), [], 'and is not generated')
    t.end()
  })

  void t.test(`${line}: ARI listens where the controller connects, with room for its requests`, (t) => {
    const http = general(files, 'http.conf')
    const url = new URL(sw.asterisk.url)
    t.equal(last(http, 'enabled'), 'yes')
    t.equal(last(http, 'bindaddr'), url.hostname, 'the host of switch.asterisk.url')
    t.equal(last(http, 'bindport'), url.port === '' ? '80' : url.port, 'its port')
    t.equal(last(http, 'enablestatic'), 'no')
    t.equal(last(http, 'prefix'), undefined, 'no prefix: ARI at /ari')
    t.equal(last(http, 'tlsenable'), undefined)
    const limit = Number(last(http, 'sessionlimit'))
    const needed = 2 * (sw.asterisk.maxRequestsInFlight + 1)
    t.ok(Number.isInteger(limit) && limit >= needed, `sessionlimit ${limit} >= 2 controllers x (${sw.asterisk.maxRequestsInFlight} requests + 1 WebSocket)`)
    t.end()
  })

  void t.test(`${line}: ARI is on, with the controller's user and a crypt password that is not in the file`, (t) => {
    const ari = conf(files, 'ari.conf')
    t.equal(last(general(files, 'ari.conf'), 'enabled'), 'yes')
    t.same(general(files, 'ari.conf').filter((e) => e.key === 'allowed_origins').map((e) => e.value), [''], 'allowed_origins written out, empty')
    const users = ari.sections.filter((s) => last(s.entries, 'type') === 'user')
    t.same(users.map((s) => s.name), [sw.asterisk.user], 'one user: switch.asterisk.user')
    const user = users[0]!.entries
    t.equal(last(user, 'read_only'), 'no')
    t.equal(last(user, 'password_format'), 'crypt')
    t.equal(last(user, 'password'), undefined, 'no password in ari.conf')
    t.same(ari.directives, [{ kind: 'include', arg: 'ari_hotline_secret.conf' }])
    t.end()
  })

  void t.test(`${line}: calls to ${sw.hotlineNumber} go to Stasis(${sw.asterisk.app}) unanswered, and nothing else is routed`, (t) => {
    const sections = merge(conf(files, 'extensions.conf'))
    const endpoints = ofType(pjsip(files), 'endpoint')
    const context = (e: ConfObject): string => last(e.entries, 'context') ?? ''
    const routed = endpoints.filter((e) => dialplan(sections, context(e)).length > 0)
    t.same(routed.map((e) => e.name), ['callers'], 'only the callers trunk reaches any extension')
    const callersContext = context(routed[0]!)
    const all = dialplan(sections, callersContext)
    t.same([...new Set(all.map((s) => s.exten))], [sw.hotlineNumber, 'T'], 'the hotline number and the timeout extension, no patterns')
    const steps = all.filter((s) => s.exten === sw.hotlineNumber)
    t.same(steps[0], { exten: sw.hotlineNumber, app: 'Stasis', args: sw.asterisk.app }, 'Stasis(switch.asterisk.app) first')
    const answering = ['Answer', 'Progress', 'Ringing', 'Playback', 'Background', 'Read', 'Dial', 'Goto', 'Gosub', 'Exec', 'TryExec', 'Queue', 'ConfBridge']
    t.same(steps.filter((s) => answering.includes(s.app)), [], 'nothing answers, plays, rings or moves the call')
    t.same(steps.filter((s) => s.app === 'Hangup').map((s) => s.args), ['', '34'], 'a failed Stasis() is refused as 503 (cause 34)')
    // The safety net (TIMEOUT(absolute) when no controller re-arms it): a tagged caller hears the apology; anyone else is refused.
    t.same(all.filter((s) => s.exten === 'T'), [
      { exten: 'T', app: 'GotoIf', args: '$["${HC_CALL}" = ""]?refused' },
      { exten: 'T', app: 'Answer', args: '' },
      { exten: 'T', app: 'Playback', args: `${sw.asterisk.soundPrefix.replace(/^sound:/, '')}service-interrupted` },
      { exten: 'T', app: 'Hangup', args: '' },
      { exten: 'T', app: 'Hangup', args: '1' }
    ], 'T: the apology for a controller\'s caller, an unknown number for anyone else')
    const others = sections.filter((s) => s.name !== 'general' && s.name !== callersContext)
    t.same(others.filter((s) => s.entries.length > 0).map((s) => s.name), [], 'every other context is empty')
    for (const e of endpoints) t.ok(sections.some((s) => s.name === context(e)), `${e.name}: its context ${context(e)} exists`)
    t.end()
  })

  void t.test(`${line}: pjsip.conf: endpoints by user before address, and an ACL for the known networks only`, (t) => {
    const all = pjsip(files)
    t.equal(last(one(all, 'global', 'global').entries, 'endpoint_identifier_order'), 'username,ip',
      'phones, the callers\' SBC and the department trunk may share an address')
    const acl = ofType(all, 'acl')
    t.equal(acl.length, 1, 'one ACL')
    t.same(list(acl[0]!.entries, 'deny'), ['0.0.0.0/0.0.0.0'], 'denies everything')
    const trunkHost = site.departmentTrunk.split(':')[0]!
    t.same(sorted(list(acl[0]!.entries, 'permit')), sorted([...site.callers, ...site.phones, trunkHost]),
      'but the callers, the phones\' networks and the department trunk')
    const transports = ofType(all, 'transport')
    t.same(transports.map((tr) => last(tr.entries, 'bind')), [`${site.sipAddress}:${site.sipPort}`], 'SIP on switch.site.sipAddress:sipPort')
    t.same(sorted(ofType(all, 'endpoint').map((e) => e.name)), sorted([...extensions, 'callers', trunk]), 'the phones, the callers, the trunk: no other endpoint')
    t.end()
  })

  void t.test(`${line}: one endpoint per agent, as PJSIP/<extension> dials it, with digest authentication`, (t) => {
    const all = pjsip(files)
    for (const extension of extensions) {
      const endpoint = one(all, extension, 'endpoint')
      t.equal(sw.asterisk.agentEndpointTemplate.replace('{number}', extension), `PJSIP/${endpoint.name}`, `${extension}: what the controller dials`)
      t.equal(last(endpoint.entries, 'identify_by'), 'username', `${extension}: known by the user it registers as`)
      const auths = list(endpoint.entries, 'auth')
      t.equal(auths.length, 1, `${extension}: one auth`)
      const auth = one(all, auths[0]!, 'auth')
      t.equal(last(auth.entries, 'auth_type'), 'digest')
      t.equal(last(auth.entries, 'username'), extension)
      t.equal(last(auth.entries, 'realm'), REALM, 'the realm the secrets script hashes with')
      const aors = list(endpoint.entries, 'aors')
      t.same(aors, [extension], `${extension}: its aor`)
      t.equal(last(one(all, extension, 'aor').entries, 'max_contacts'), '1', `${extension}: one phone`)
    }
    t.end()
  })

  void t.test(`${line}: the trunk switch.asterisk.endpointTemplate names, and the callers' trunk, known by address`, (t) => {
    t.not(trunk, '(none)', sw.asterisk.endpointTemplate)
    const all = pjsip(files)
    const identifies = ofType(all, 'identify')
    const matches = (endpoint: string): string[] =>
      identifies.filter((i) => last(i.entries, 'endpoint') === endpoint).flatMap((i) => list(i.entries, 'match'))

    const department = one(all, trunk, 'endpoint')
    t.equal(last(department.entries, 'identify_by'), 'ip')
    t.same(list(department.entries, 'aors'), [trunk])
    t.equal(last(one(all, trunk, 'aor').entries, 'contact'), `sip:${site.departmentTrunk}`,
      'switch.site.departmentTrunk, without a user part: the dial string supplies the number')
    t.ok(Number(last(one(all, trunk, 'aor').entries, 'qualify_frequency')) > 0, 'qualified, so a dead trunk fails fast')
    t.same(matches(trunk), [site.departmentTrunk], 'identified by host:port')
    t.equal(last(department.entries, 'send_connected_line'), 'no')

    const callers = one(all, 'callers', 'endpoint')
    t.equal(last(callers.entries, 'identify_by'), 'ip')
    t.same(sorted(matches('callers')), sorted(site.callers), 'identified by switch.site.callers')
    for (const i of identifies) t.ok(ofType(all, 'endpoint').some((e) => e.name === last(i.entries, 'endpoint')), `${i.name} names an endpoint`)
    t.end()
  })

  void t.test(`${line}: every endpoint keeps prompts, DTMF, media and transfers as the controller needs`, (t) => {
    const all = pjsip(files)
    for (const e of ofType(all, 'endpoint')) {
      t.equal(last(e.entries, 'language'), 'zh', `${e.name}: prompts from sounds/zh/`)
      t.equal(last(e.entries, 'dtmf_mode'), 'rfc4733', `${e.name}: dtmf_mode`)
      t.equal(last(e.entries, 'direct_media'), 'no', `${e.name}: direct_media`)
      t.equal(last(e.entries, 'allow_transfer'), 'no', `${e.name}: no phone-driven transfers`)
      const refs: Array<[string, string]> = [['transport', 'transport'], ['aors', 'aor'], ['auth', 'auth'], ['outbound_auth', 'auth']]
      for (const [key, type] of refs) {
        for (const ref of list(e.entries, key)) t.ok(all.some((o) => o.name === ref && o.type === type), `${e.name}: ${key} ${ref} is a ${type}`)
      }
    }
    t.end()
  })

  void t.test(`${line}: modules.conf loads what the line uses, and nothing of a stock install's extras`, (t) => {
    const { sections } = conf(files, 'modules.conf')
    t.same(sections.map((s) => s.name), ['modules'])
    const entries = sections[0]!.entries
    t.same(sorted(entries.map((e) => e.key)), ['autoload', 'load'], 'autoload and load only')
    t.equal(last(entries, 'autoload'), 'no')
    const loaded = entries.filter((e) => e.key === 'load').map((e) => e.value)
    t.equal(new Set(loaded).size, loaded.length, 'each once')
    const needed = [
      'res_ari.so', 'res_ari_model.so', 'res_ari_applications.so', 'res_ari_asterisk.so', 'res_ari_bridges.so', 'res_ari_channels.so',
      'res_ari_events.so', 'res_ari_playbacks.so', 'res_ari_sounds.so', 'res_http_websocket.so',
      'res_stasis.so', 'res_stasis_answer.so', 'res_stasis_playback.so', 'app_stasis.so',
      'res_pjsip.so', 'res_pjsip_session.so', 'chan_pjsip.so', 'res_pjsip_sdp_rtp.so', 'res_rtp_asterisk.so',
      'res_pjsip_endpoint_identifier_user.so', 'res_pjsip_endpoint_identifier_ip.so', 'res_pjsip_acl.so',
      'res_pjsip_authenticator_digest.so', 'res_pjsip_registrar.so',
      'pbx_config.so', 'format_pcm.so', 'format_wav.so', 'codec_alaw.so', 'codec_ulaw.so', 'bridge_simple.so', 'bridge_softmix.so'
    ]
    for (const module of needed) t.ok(loaded.includes(module), `${module} is loaded`)
    const extras = [
      'chan_iax2.so', 'pbx_dundi.so', 'res_phoneprov.so', 'res_pjsip_phoneprov_provider.so', 'res_prometheus.so', 'res_http_media_cache.so',
      'pbx_ael.so', 'pbx_lua.so', 'pbx_realtime.so', 'app_voicemail.so', 'res_xmpp.so', 'res_config_curl.so', 'res_http_post.so'
    ]
    for (const module of extras) t.notOk(loaded.includes(module), `${module} is not loaded`)
    t.same(loaded.filter((m) => m.startsWith('chan_')).sort(), ['chan_bridge_media.so', 'chan_pjsip.so'], 'no channel driver but PJSIP (no chan_sip, IAX2, Skinny, …)')
    t.end()
  })

  void t.test(`${line}: rtp.conf takes the RTP ports from the settings`, (t) => {
    const rtp = general(files, 'rtp.conf')
    t.equal(last(rtp, 'rtpstart'), String(site.rtpPortStart))
    t.equal(last(rtp, 'rtpend'), String(site.rtpPortEnd))
    t.end()
  })
}

void t.test('settings flow through: what changed in the settings and agents changes in the files, and nothing old stays', (t) => {
  const before = generate(shipped.app, shipped.agents)
  const after = generate(CHANGED_APP, CHANGED_AGENTS)
  const endpoints = (files: Files): string[] => ofType(pjsip(files), 'endpoint').map((e) => e.name)
  t.ok(endpoints(before).includes('8002') && !endpoints(after).includes('8002'), 'the removed agent\'s endpoint is gone')
  t.ok(!endpoints(before).includes('8999') && endpoints(after).includes('8999'), 'the added agent\'s endpoint is there')
  t.ok(endpoints(before).includes('department') && !endpoints(after).includes('department'), 'the old trunk is gone')
  t.match(after.get(SCRIPT) ?? '', 'PHONE_PASSWORD_8999', 'the secrets script asks for the new phone\'s password')
  for (const [path, text] of after) {
    t.notMatch(text, /127\.0\.0\.1/, `${path}: no shipped address`)
    t.notMatch(text, /8002/, `${path}: nothing of the removed agent`)
  }
  const noPort = generate(settingsWith({ switch: { asterisk: { url: 'http://10.20.0.5' } } }), shipped.agents)
  t.equal(last(general(noPort, 'http.conf'), 'bindport'), '80', 'an ARI URL without a port: where the controller connects, port 80')
  t.end()
})

void t.test('the generator refuses settings the Asterisk configuration cannot serve', (t) => {
  const refused: Array<[string, Record<string, unknown>]> = [
    ['switch.asterisk.endpointTemplate', { endpointTemplate: 'PJSIP/department/sip:{number}@10.40.0.9' }],
    ['switch.asterisk.endpointTemplate', { endpointTemplate: 'SIP/{number}@department' }],
    ['switch.asterisk.agentEndpointTemplate', { agentEndpointTemplate: 'PJSIP/{number}@phones' }],
    ['switch.asterisk.agentEndpointTemplate', { agentEndpointTemplate: 'SIP/{number}' }],
    ['switch.asterisk.soundPrefix', { soundPrefix: 'sound:' }]
  ]
  for (const [setting, change] of refused) {
    const app = settingsWith({ switch: { asterisk: change } })
    let error: unknown
    try {
      switchConfigFiles('asterisk', app, shipped.agents)
    } catch (err) {
      error = err
    }
    t.ok(error instanceof HotlineError, `${JSON.stringify(change)} is refused`)
    t.equal((error as HotlineError).code, 'HC_CONFIG_INVALID')
    t.match((error as Error).message, setting, `the message names ${setting}`)
  }
  t.end()
})

/** A group with a name in /etc/group other than the process's own, for root to give the folder. */
function otherGroup (): number | undefined {
  const groups = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && f[0] !== '')
  const found = groups.find((f) => Number(f[2]) !== process.getgid?.())
  return found === undefined ? undefined : Number(found[2])
}

void t.test('the generated secrets script writes what ari.conf and pjsip.conf include', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asterisk-secrets-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const generated = switchConfigFiles('asterisk', shipped.app, shipped.agents)
  await writeGenerated(dir, generated)
  // The script gives the files the folder's group (a source install has no `asterisk` group).
  // As root, the folder gets a group other than the process's, so that is what is checked.
  const group = process.getuid?.() === 0 ? otherGroup() : undefined
  if (group !== undefined) chownSync(dir, 0, group)
  const folderGid = statSync(dir).gid

  const extensions = shipped.agents.agents.map((a) => a.extension)
  const password = (i: number): string => `seat;${i} p%s "w$`
  const phones = Object.fromEntries(extensions.map((e, i) => [`PHONE_PASSWORD_${e}`, password(i)]))
  const run = (env: Record<string, string>): { status: number | null, stderr: string } =>
    spawnSync(join(dir, SCRIPT), [], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })
  const names = new Set(generated.map((f) => f.path))
  const written = (): string[] => readdirSync(dir).filter((f) => !names.has(f)).sort()

  const noAri = run({ ...phones })
  t.not(noAri.status, 0, 'refuses to run without ARI_PASSWORD')
  t.match(noAri.stderr, 'ARI_PASSWORD')
  const missing = `PHONE_PASSWORD_${extensions[6]!}`
  const { [missing]: _, ...allButOne } = phones
  const noPhone = run({ ...allButOne, ARI_PASSWORD: 'x' })
  t.not(noPhone.status, 0, 'refuses to run without every phone\'s password')
  t.match(noPhone.stderr, `${missing} must be set`, 'and names the one missing')
  const noUser = run({ ...phones, ARI_PASSWORD: 'x', DEPARTMENT_PASSWORD: 'y' })
  t.not(noUser.status, 0, 'refuses a department password without its user')
  t.match(noUser.stderr, 'DEPARTMENT_USER')
  t.same(written(), [], 'and writes nothing then, not even a temporary folder')

  const ariPassword = 'correct horse;battery'
  const ok = run({ ...phones, ARI_PASSWORD: ariPassword, DEPARTMENT_USER: 'hotline', DEPARTMENT_PASSWORD: 'a;b c' })
  t.equal(ok.status, 0, `runs without ASTERISK_ETC or ASTERISK_GROUP: ${ok.stderr}`)
  t.same(written(), ['ari_hotline_secret.conf', 'pjsip_hotline_secrets.conf'])
  for (const f of written()) {
    const stat = statSync(join(dir, f))
    t.equal(stat.mode & 0o777, 0o640, `${f} is mode 640`)
    t.equal(stat.gid, folderGid, `${f} has the folder's group`)
  }
  const secret = (name: string): ConfFile => parseConf(readFileSync(join(dir, name), 'utf8'))
  const files = generate(shipped.app, shipped.agents)

  const ari: Section[] = merge(conf(files, 'ari.conf'), secret('ari_hotline_secret.conf'))
  const hash = last(ari.find((s) => s.name === shipped.app.switch.asterisk.user)!.entries, 'password') ?? ''
  const salt = /^\$6\$([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}$/.exec(hash)?.[1]
  t.ok(salt, 'a SHA-512 crypt hash')
  const again = execFileSync('openssl', ['passwd', '-6', '-salt', salt!, '-stdin'], { input: `${ariPassword}\n`, encoding: 'utf8' }).trim()
  t.equal(again, hash, 'of the ARI password')

  const text = readFileSync(join(dir, 'pjsip_hotline_secrets.conf'), 'utf8')
  const all = objects(merge(conf(files, 'pjsip.conf'), secret('pjsip_hotline_secrets.conf')))
  for (const [i, extension] of extensions.entries()) {
    t.match(text, `[${extension}-auth](+)\npassword_digest = `, `${extension}: adds to the auth pjsip.conf defines`)
    const auth = one(all, `${extension}-auth`, 'auth')
    const md5 = createHash('md5').update(`${extension}:${REALM}:${password(i)}`).digest('hex')
    t.equal(last(auth.entries, 'password_digest'), `MD5:${md5}`, `${extension}: digest of user, realm and password`)
    t.equal(last(auth.entries, 'password'), undefined, `${extension}: no password in clear`)
  }
  t.match(text, 'password = a\\;b c', 'the department password escaped for Asterisk')
  const department = one(all, 'department-auth', 'auth')
  t.equal(last(department.entries, 'password'), 'a;b c', 'and read back whole')
  t.equal(last(department.entries, 'username'), 'hotline')
  t.equal(last(department.entries, 'auth_type'), 'digest')
})

void t.test('a department trunk that challenges: outbound_auth, and the secrets script insists on the password', async (t) => {
  const plainPjsip = objects(merge(conf(generate(shipped.app, shipped.agents), 'pjsip.conf')))
  t.equal(last(one(plainPjsip, 'department', 'endpoint').entries, 'outbound_auth'), undefined, 'none by default')
  const app = settingsWith({ switch: { site: { departmentAuth: true } } })
  const files = generate(app, shipped.agents)
  const endpoint = one(objects(merge(conf(files, 'pjsip.conf'))), 'department', 'endpoint')
  t.equal(last(endpoint.entries, 'outbound_auth'), 'department-auth')
  const dir = mkdtempSync(join(tmpdir(), 'asterisk-secrets-auth-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await writeGenerated(dir, switchConfigFiles('asterisk', app, shipped.agents))
  const phones = Object.fromEntries(shipped.agents.agents.map((a) => [`PHONE_PASSWORD_${a.extension}`, 'pw']))
  const run = spawnSync(join(dir, SCRIPT), [], { env: { PATH: process.env.PATH ?? '', ...phones, ARI_PASSWORD: 'x' }, encoding: 'utf8' })
  t.not(run.status, 0, 'refuses to run without the department\'s password')
  t.match(run.stderr, 'DEPARTMENT_PASSWORD')
})

void t.test('several controllers: calls go to their applications in turn, each tried once, a failed one passes to the next', (t) => {
  const app = settingsWith({ switch: { asterisk: { app: 'hotline-a' }, site: { asteriskApps: ['hotline-a', 'hotline-b', 'hotline-c'] } } })
  const files = generate(app, shipped.agents)
  const all = dialplan(merge(conf(files, 'extensions.conf')), 'from-callers')
  t.same([...new Set(all.map((s) => s.exten))], [app.switch.hotlineNumber, 'T'], 'the one number still (the controller reads it as the line), and the safety net\'s T')
  const steps = all.filter((s) => s.exten === app.switch.hotlineNumber)
  t.match(steps[0], { app: 'Set', args: /^GLOBAL\(HC_TURN\)=/ }, 'a shared turn counter first')
  const stasis = steps.filter((s) => s.app === 'Stasis').map((s) => s.args)
  t.same(stasis, ['hotline-a', 'hotline-b', 'hotline-c', 'hotline-b', 'hotline-c', 'hotline-a', 'hotline-c', 'hotline-a', 'hotline-b'],
    'each turn tries every application once, starting from its own')
  t.equal(steps.filter((s) => s.app === 'GotoIf' && /\?unavailable:done\)?$/.test(s.args)).length, 3, 'after the last of a turn: 503 if it failed too')
  t.ok(conf(files, 'modules.conf').sections.some((s) => s.entries.some((e) => e.key === 'load' && e.value === 'func_global.so')), 'func_global loaded for GLOBAL()')

  let error: unknown
  try {
    switchConfigFiles('asterisk', settingsWith({ switch: { asterisk: { app: 'hotline-x' }, site: { asteriskApps: ['hotline-a', 'hotline-b'] } } }), shipped.agents)
  } catch (err) {
    error = err
  }
  t.match(error, { code: 'HC_CONFIG_INVALID', message: /switch\.site\.asteriskApps.*switch\.asterisk\.app \(hotline-x\)/ }, 'a list without this controller\'s own application is refused')
  t.end()
})
