// A reader for Asterisk configuration files, for the tests of the generated Asterisk
// configuration: sections, templates, `(+)` additions, #include, and the dialplan's
// extensions.

export interface Entry { key: string, op: '=' | '=>', value: string }
export interface Section {
  name: string
  template: boolean
  bases: string[]
  /** `(+)` adds to an earlier section: undefined, '' for any, or a `key=value` filter. */
  addTo: string | undefined
  entries: Entry[]
}
export interface Directive { kind: 'include' | 'tryinclude' | 'exec', arg: string }
export interface ConfFile { sections: Section[], directives: Directive[] }
export interface ConfObject { name: string, type: string, entries: Entry[] }

/**
 * Asterisk's configuration syntax as the generated files use it (docs.asterisk.org,
 * Fundamentals > Asterisk Configuration Files): `[name]`, `[name](!)`, `[name](tmpl,...)`,
 * `[name](+)`, `key = value`, `key => value`, `;` comments (`\;` is a literal semicolon),
 * `;-- --;` block comments, `#include` / `#tryinclude` / `#exec`. Anything else is refused.
 */
export function parseConf (text: string): ConfFile {
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
export function merge (...files: ConfFile[]): Section[] {
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

/**
 * A section's settings with its templates' settings first, as Asterisk applies them: a
 * template is the first section of that name, and must come before the section using it.
 */
export function inherited (section: Section, all: Section[], seen: string[] = []): Entry[] {
  if (seen.includes(section.name)) throw new Error(`template loop through ${section.name}`)
  return [...section.bases.flatMap((base) => {
    const found = all.find((s) => s.name === base)
    if (found === undefined || all.indexOf(found) > all.indexOf(section)) {
      throw new Error(`[${section.name}] uses unknown template ${base}`)
    }
    return inherited(found, all, [...seen, section.name])
  }), ...section.entries]
}

/** The value Asterisk keeps for a single-valued key: the last one. */
export const last = (entries: Entry[], key: string): string | undefined => entries.filter((e) => e.key === key).at(-1)?.value

/** Every value of a key that may repeat or hold a comma-separated list. */
export const list = (entries: Entry[], key: string): string[] =>
  entries.filter((e) => e.key === key).flatMap((e) => e.value.split(',')).map((v) => v.trim()).filter((v) => v !== '')

/** res_pjsip-style objects: non-template sections with their resolved settings and type. */
export function objects (all: Section[]): ConfObject[] {
  return all.filter((s) => !s.template).map((s) => {
    const entries = inherited(s, all)
    return { name: s.name, type: last(entries, 'type') ?? '', entries }
  })
}

export interface Step { exten: string, app: string, args: string }

/** The extensions of one dialplan context, `same =>` and `n` priorities followed. */
export function dialplan (sections: Section[], context: string): Step[] {
  const section = sections.find((s) => s.name === context)
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
