// A small XML reader for the FreeSWITCH configuration tests: strict enough to catch what
// FreeSWITCH's own parser would refuse or misread, small enough to need no dependency.

export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
}

export interface XmlDocument {
  root: XmlElement
  comments: string[]
}

const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/

/**
 * A small well-formedness check (XML 1.0, the parts FreeSWITCH configs use): one root
 * element, matched tags, quoted and unique attributes, valid entity references, comments
 * without `--`, and nothing but whitespace, comments and the declaration outside the root.
 */
export function parseXml (text: string): XmlDocument {
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

/** Every element below `element` (not itself) named `name`, in document order. */
export function descendants (element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = []
  for (const child of element.children) {
    if (child.name === name) found.push(child)
    found.push(...descendants(child, name))
  }
  return found
}

/** Every element of the document, the root first. */
export function allElements (element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(allElements)]
}

/** `<param name="…" value="…"/>` children of an element, as a map. */
export function params (element: XmlElement): Map<string, string> {
  return new Map(element.children.filter((c) => c.name === 'param').map((p) => [p.attrs.name ?? '', p.attrs.value ?? '']))
}
