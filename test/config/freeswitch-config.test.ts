// The example FreeSWITCH configuration (config/freeswitch/) must be well-formed XML and must
// say what the controller depends on: calls to 12345 parked unanswered, the event socket on
// loopback with its password from the environment, the gateway and conference profile the
// adapter names, the modules it uses.
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { SUBSCRIBED_EVENTS } from '../../src/adapters/freeswitch/freeswitch-switch.js'
import { loadAppConfig } from '../../src/config/app-config.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url))
const ROOT = join(CONFIG_DIR, 'freeswitch')
// The switch settings the controller ships with (config/default.yaml): the names used below
// must match them.
const shipped = (await loadAppConfig({ configDir: CONFIG_DIR, env: {} })).switch

interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
}

interface XmlDocument {
  root: XmlElement
  comments: string[]
}

const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/

/**
 * A small well-formedness check (XML 1.0, the parts FreeSWITCH configs use): one root
 * element, matched tags, quoted and unique attributes, valid entity references, comments
 * without `--`, and nothing but whitespace, comments and the declaration outside the root.
 */
function parseXml (text: string): XmlDocument {
  const comments: string[] = []
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  let i = 0
  const fail = (why: string): never => {
    const line = text.slice(0, i).split('\n').length
    throw new Error(`line ${line}: ${why}`)
  }
  const checkText = (chunk: string): void => {
    for (let at = chunk.indexOf('&'); at !== -1; at = chunk.indexOf('&', at + 1)) {
      if (!ENTITY.test(chunk.slice(at))) fail(`bad entity reference near ${JSON.stringify(chunk.slice(at, at + 12))}`)
    }
    if (chunk.includes('<')) fail('raw < in text')
  }

  while (i < text.length) {
    const lt = text.indexOf('<', i)
    const chunk = text.slice(i, lt === -1 ? text.length : lt)
    if (stack.length === 0 && chunk.trim() !== '') fail(`text outside the root element: ${chunk.trim().slice(0, 20)}`)
    checkText(chunk)
    if (lt === -1) break
    i = lt
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4)
      if (end === -1) fail('unclosed comment')
      const body = text.slice(i + 4, end)
      if (body.includes('--')) fail('-- inside a comment')
      comments.push(body)
      i = end + 3
    } else if (text.startsWith('<?', i)) {
      if (i !== 0 || !text.startsWith('<?xml ', i)) fail('processing instruction other than a leading XML declaration')
      const end = text.indexOf('?>', i)
      if (end === -1) fail('unclosed XML declaration')
      i = end + 2
    } else if (text.startsWith('<![CDATA[', i) || text.startsWith('<!', i)) {
      fail('CDATA and DTDs are not used in FreeSWITCH configs')
    } else if (text.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(i))
      if (m === null) fail('malformed end tag')
      const open = stack.pop()
      if (open === undefined || open.name !== m![1]) fail(`</${m![1]}> does not close <${open?.name ?? '(nothing)'}>`)
      i += m![0].length
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(text.slice(i))
      if (m === null) fail('malformed start tag')
      const element: XmlElement = { name: m![1]!, attrs: {}, children: [] }
      for (const a of m![2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const name = a[1]!
        if (name in element.attrs) fail(`duplicate attribute ${name}`)
        const value = a[2] ?? a[3] ?? ''
        checkText(value)
        element.attrs[name] = value
      }
      const parent = stack.at(-1)
      if (parent !== undefined) parent.children.push(element)
      else if (root === undefined) root = element
      else fail('a second root element')
      if (m![3] !== '/') stack.push(element)
      i += m![0].length
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack.at(-1)!.name}>`)
  if (root === undefined) fail('no root element')
  return { root: root!, comments }
}

function descendants (element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = []
  for (const child of element.children) {
    if (child.name === name) found.push(child)
    found.push(...descendants(child, name))
  }
  return found
}

/** `<param name="…" value="…"/>` children of an element, as a map. */
function params (element: XmlElement): Map<string, string> {
  return new Map(element.children.filter((c) => c.name === 'param').map((p) => [p.attrs.name ?? '', p.attrs.value ?? '']))
}

function xmlFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return xmlFiles(path)
    return entry.name.endsWith('.xml') ? [path] : []
  })
}

const files = new Map(xmlFiles(ROOT).map((path) => [relative(ROOT, path), readFileSync(path, 'utf8')]))
const parsed = (name: string): XmlDocument => {
  const text = files.get(name)
  if (text === undefined) throw new Error(`config/freeswitch/${name} is missing`)
  return parseXml(text)
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

void t.test('every XML file is well-formed', (t) => {
  t.ok(files.size >= 6, `found ${files.size} files`)
  for (const [name, text] of files) t.doesNotThrow(() => parseXml(text), name)
  t.end()
})

void t.test('FreeSWITCH pre-processor syntax appears only where it is meant to act', (t) => {
  // FreeSWITCH's pre-processor works on raw lines before XML parsing: it expands $${var}
  // even inside comments and executes (or drops) any line naming its tag, commented or not.
  for (const [name, text] of files) {
    for (const comment of parsed(name).comments) {
      t.notMatch(comment, /\$\$\{/, `${name}: no $\${…} in comments`)
      t.notMatch(comment, /x-pre-process/i, `${name}: no pre-processor tag in comments`)
    }
    for (const line of text.split('\n').filter((l) => /x-pre-process/i.test(l))) {
      t.match(line, /^\s*<X-PRE-PROCESS cmd="[a-z-]+" data="[^"]*"\/>\s*$/, `${name}: one directive per line`)
    }
  }
  t.end()
})

void t.test('the dialplan parks calls to 12345 without answering them', (t) => {
  const number = shipped.hotlineNumber
  t.equal(number, '12345')
  const { root } = parsed('dialplan/public/12345-hotline.xml')
  const conditions = descendants(root, 'condition').filter((c) => {
    if (c.attrs.field !== 'destination_number') return false
    const re = new RegExp(c.attrs.expression ?? '')
    return re.test(number)
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
  t.end()
})

void t.test('the event socket listens on loopback with its password from the environment', (t) => {
  const { root } = parsed('autoload_configs/event_socket.conf.xml')
  t.equal(root.name, 'configuration')
  t.equal(root.attrs.name, 'event_socket.conf')
  const settings = params(descendants(root, 'settings')[0]!)
  t.match(settings.get('listen-ip') ?? '', /^(127\.\d+\.\d+\.\d+|::1)$/, 'a loopback address')
  t.equal(settings.get('listen-port'), '8021')
  t.equal(settings.get('password'), '$${esl_password}', 'a pre-processor variable, not a password')
  t.equal(settings.get('apply-inbound-acl'), 'loopback.auto')

  // vars.hotline.xml sets esl_password: a random value first, then ESL_PASSWORD if set, so a
  // switch started without it never falls back to mod_event_socket's default password.
  const directives = [...(files.get('vars.hotline.xml') ?? '').matchAll(/<X-PRE-PROCESS cmd="([a-z-]+)" data="esl_password=([^"]*)"\/>/g)]
    .map((m) => [m[1], m[2]])
  t.same(directives, [['exec-set', 'cat /proc/sys/kernel/random/uuid'], ['env-set', '$ESL_PASSWORD']])
  t.end()
})

void t.test('no password is written in any file', (t) => {
  for (const [name, text] of files) {
    t.notMatch(text, /cluecon/i, `${name}: not FreeSWITCH's default password`)
    for (const p of descendants(parsed(name).root, 'param').filter((e) => /pass/i.test(e.attrs.name ?? ''))) {
      t.match(p.attrs.value ?? '', /^\$\$\{[a-z_]+\}$/, `${name}: ${p.attrs.name} is a pre-processor variable`)
    }
    for (const m of text.matchAll(/data="([a-z_]*pass[a-z_]*)=([^"]*)"/gi)) {
      t.match(m[2] ?? '', /^(\$[A-Z_]+|cat \/proc\/sys\/kernel\/random\/uuid)$/, `${name}: ${m[1]} comes from the environment or is random`)
    }
  }
  t.end()
})

void t.test('the gateway the shipped dial template names exists', (t) => {
  const gateway = /^sofia\/gateway\/([^/]+)\/\{number\}$/.exec(shipped.dialTemplate)?.[1]
  t.equal(gateway, 'department', shipped.dialTemplate)
  const { root } = parsed('sip_profiles/external/department.xml')
  const gateways = descendants(root, 'gateway')
  t.same(gateways.map((g) => g.attrs.name), [gateway])
  const gw = params(gateways[0]!)
  t.equal(gw.get('register'), 'false')
  t.equal(gw.get('proxy'), '$${department_trunk}')
  t.match(files.get('vars.hotline.xml') ?? '', /<X-PRE-PROCESS cmd="set" data="department_trunk=[^"]+"\/>/)
  t.end()
})

void t.test('the conference profile binds no keys', (t) => {
  const { root } = parsed('autoload_configs/conference.conf.xml')
  const profile = descendants(root, 'profile').find((p) => p.attrs.name === shipped.conferenceProfile)
  t.ok(profile, `the profile the controller joins (conference:<room>@${shipped.conferenceProfile})`)
  const group = params(profile!).get('caller-controls')
  const groups = descendants(root, 'caller-controls').flatMap((c) => c.children.filter((g) => g.name === 'group'))
  const chosen = groups.find((g) => g.attrs.name === group)
  t.ok(chosen, `caller-controls group ${group} is defined`)
  t.same(chosen?.children, [], 'and binds no keys')
  t.end()
})

void t.test('the modules the controller relies on are loaded', (t) => {
  const { root } = parsed('autoload_configs/modules.conf.xml')
  const loaded = descendants(root, 'load').map((l) => l.attrs.module)
  for (const module of ['mod_event_socket', 'mod_sofia', 'mod_conference', 'mod_dptools', 'mod_commands', 'mod_sndfile', 'mod_tone_stream', 'mod_dialplan_xml']) {
    t.ok(loaded.includes(module), module)
  }
  t.end()
})

void t.test('the README lists every event the adapter subscribes to', (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  for (const event of SUBSCRIBED_EVENTS) t.ok(readme.includes(`\`${event}`) || readme.includes(` ${event}\``), event)
  t.end()
})
