// The directory of the enterprise seat: which department (主管单位) owns which matter (事项),
// and the ordered list of specialist numbers to try for each matter (the hunt list behind
// 遇忙转接, busy transfer). Pure data and look-ups: built once from validated config, never
// changed afterwards (a reload builds a new Directory).
//
// Security: the numbers here are the ONLY numbers the controller ever dials. A transfer names
// a matter, the matter's hunt list supplies the numbers, and `isDirectoryNumber` lets the
// switch adapter re-check a number before dialling. No string typed by a caller (DTMF, API
// body) is ever put into a dial string, so a caller cannot make the hotline call a number of
// their choosing.

import { HotlineError } from '../errors.js'

/** The three first-priority kinds of the Shanghai plan (2022-11): 办事, 求助, 热点政策享受. */
export type FirstPriorityKind = 'handling' | 'help' | 'hot-policy'

/** How a matter is written in directory.yaml: a first-priority kind, or `second`. */
export type PriorityCode = FirstPriorityKind | 'second'

/**
 * The plan's two priority classes: first (handling a matter, asking for help, enjoying a hot
 * policy) goes to the enterprise seat; second (all other enquiries) keeps the ordinary 12345
 * process.
 */
export type PriorityClass =
  | { readonly class: 'first', readonly kind: FirstPriorityKind }
  | { readonly class: 'second' }

export const PRIORITY_CODES: readonly PriorityCode[] = ['handling', 'help', 'hot-policy', 'second']

/** The words agents and supervisors read (zh-CN). */
export const PRIORITY_LABELS: Readonly<Record<PriorityCode, string>> = {
  handling: '一类·办事',
  help: '一类·求助',
  'hot-policy': '一类·热点政策享受',
  second: '二类·其他咨询'
}

export interface HuntEntry {
  /** Digits only, 3–20 of them. */
  readonly number: string
  /** How long this number may ring before the hunt moves on (no-answer). */
  readonly ringTimeoutSec: number
  /** Who answers there, for agents and reports (e.g. 发票管理科). */
  readonly label?: string
}

export interface Department {
  readonly id: string
  readonly name: string
  readonly nameEn: string
  /** Where next-urgent tickets for this department are delivered; none: API only. */
  readonly ticketWebhookUrl?: string
}

export interface Matter {
  readonly id: string
  readonly name: string
  readonly nameEn: string
  readonly category: string
  readonly priority: PriorityClass
  readonly departmentId: string
  /** Tried in order; never empty. */
  readonly hunt: readonly HuntEntry[]
}

/** The shape of directory.yaml once it has passed the schema (see config/directory-schema.ts). */
export interface DirectoryData {
  readonly categories: readonly string[]
  readonly departments: readonly Department[]
  readonly matters: ReadonlyArray<{
    readonly id: string
    readonly name: string
    readonly nameEn: string
    readonly category: string
    readonly priority: PriorityCode
    readonly department: string
    readonly hunt: readonly HuntEntry[]
  }>
}

/** A rule the schema cannot express, broken at `path` (JSON pointer into the file). */
export interface DirectoryIssue {
  readonly path: string
  readonly reason: string
}

const DIGITS = /^[0-9]{3,20}$/

export function priorityFromCode (code: PriorityCode): PriorityClass {
  return code === 'second' ? { class: 'second' } : { class: 'first', kind: code }
}

export function priorityCode (priority: PriorityClass): PriorityCode {
  return priority.class === 'second' ? 'second' : priority.kind
}

/**
 * The cross-reference rules: unique ids and names, every matter's department and category
 * declared, hunt lists non-empty with digit-only numbers and no number twice in one list
 * (trying a busy line again at once would only count a second failed attempt).
 */
export function checkDirectoryData (data: DirectoryData): DirectoryIssue[] {
  const issues: DirectoryIssue[] = []
  const firstIndex = (seen: Map<string, number>, key: string, index: number): number | undefined => {
    const before = seen.get(key)
    if (before === undefined) seen.set(key, index)
    return before
  }

  const categories = new Map<string, number>()
  data.categories.forEach((c, i) => {
    const before = firstIndex(categories, c, i)
    if (before !== undefined) issues.push({ path: `/categories/${i}`, reason: `duplicate category "${c}" (first at /categories/${before})` })
  })

  const departments = new Map<string, number>()
  data.departments.forEach((d, i) => {
    const before = firstIndex(departments, d.id, i)
    if (before !== undefined) issues.push({ path: `/departments/${i}/id`, reason: `duplicate department id "${d.id}" (first at /departments/${before})` })
  })

  const matterIds = new Map<string, number>()
  const matterNames = new Map<string, number>()
  data.matters.forEach((m, i) => {
    const at = `/matters/${i}`
    const idBefore = firstIndex(matterIds, m.id, i)
    if (idBefore !== undefined) issues.push({ path: `${at}/id`, reason: `duplicate matter id "${m.id}" (first at /matters/${idBefore})` })
    // Agents pick matters by name; two with one name could not be told apart.
    const nameBefore = firstIndex(matterNames, m.name, i)
    if (nameBefore !== undefined) issues.push({ path: `${at}/name`, reason: `duplicate matter name "${m.name}" (first at /matters/${nameBefore})` })
    if (!departments.has(m.department)) issues.push({ path: `${at}/department`, reason: `unknown department "${m.department}": not among /departments` })
    if (!categories.has(m.category)) issues.push({ path: `${at}/category`, reason: `unknown category "${m.category}": not among /categories` })
    if (m.hunt.length === 0) issues.push({ path: `${at}/hunt`, reason: 'hunt list is empty: a matter needs at least one transfer number' })
    const numbers = new Map<string, number>()
    m.hunt.forEach((h, j) => {
      if (!DIGITS.test(h.number)) issues.push({ path: `${at}/hunt/${j}/number`, reason: `"${h.number}" is not 3–20 digits: only plain digit strings are dialled` })
      const before = firstIndex(numbers, h.number, j)
      if (before !== undefined) issues.push({ path: `${at}/hunt/${j}/number`, reason: `number ${h.number} is already in this hunt list (at ${at}/hunt/${before})` })
    })
  })
  return issues
}

/** NFKC folds full-width letters and digits (common in Chinese input) to their ASCII forms. */
function fold (text: string): string {
  return text.normalize('NFKC').trim().toLowerCase()
}

function freezeHunt (entry: HuntEntry): HuntEntry {
  return Object.freeze(entry.label === undefined
    ? { number: entry.number, ringTimeoutSec: entry.ringTimeoutSec }
    : { number: entry.number, ringTimeoutSec: entry.ringTimeoutSec, label: entry.label })
}

export class Directory {
  readonly #categories: readonly string[]
  readonly #departments = new Map<string, Department>()
  readonly #matters = new Map<string, Matter>()
  readonly #byCategory = new Map<string, Matter[]>()
  readonly #numbers = new Set<string>()

  /** Throws HC_CONFIG_INVALID when the data breaks a rule of `checkDirectoryData`. */
  constructor (data: DirectoryData) {
    const issues = checkDirectoryData(data)
    if (issues.length > 0) {
      throw new HotlineError('HC_CONFIG_INVALID', issues.map((i) => `${i.path}: ${i.reason}`).join('\n'), { details: { issues } })
    }
    this.#categories = Object.freeze([...data.categories])
    for (const c of data.categories) this.#byCategory.set(c, [])
    for (const d of data.departments) {
      this.#departments.set(d.id, Object.freeze(d.ticketWebhookUrl === undefined
        ? { id: d.id, name: d.name, nameEn: d.nameEn }
        : { id: d.id, name: d.name, nameEn: d.nameEn, ticketWebhookUrl: d.ticketWebhookUrl }))
    }
    for (const m of data.matters) {
      const matter: Matter = Object.freeze({
        id: m.id,
        name: m.name,
        nameEn: m.nameEn,
        category: m.category,
        priority: Object.freeze(priorityFromCode(m.priority)),
        departmentId: m.department,
        hunt: Object.freeze(m.hunt.map(freezeHunt))
      })
      this.#matters.set(matter.id, matter)
      this.#byCategory.get(matter.category)?.push(matter)
      for (const h of matter.hunt) this.#numbers.add(h.number)
    }
  }

  department (id: string): Department | undefined {
    return this.#departments.get(id)
  }

  departments (): Department[] {
    return [...this.#departments.values()]
  }

  matter (id: string): Matter | undefined {
    return this.#matters.get(id)
  }

  /** Every matter, in file order. */
  matters (): Matter[] {
    return [...this.#matters.values()]
  }

  /** Categories in the order the file declares them (the order menus show them). */
  categories (): readonly string[] {
    return this.#categories
  }

  /** The matters of one category, in file order; none for an unknown category. */
  mattersByCategory (category: string): Matter[] {
    return [...(this.#byCategory.get(category) ?? [])]
  }

  /** The matters one department owns, in file order. */
  mattersOfDepartment (departmentId: string): Matter[] {
    return this.matters().filter((m) => m.departmentId === departmentId)
  }

  /**
   * Matters whose id, Chinese name or English name contains `text` (case- and
   * width-insensitive). Best first: exact id, then names that start with the text, then the
   * rest, each group in file order. Blank text finds nothing.
   */
  searchMatters (text: string): Matter[] {
    const q = fold(text)
    if (q === '') return []
    const ranked: Array<{ rank: number, matter: Matter }> = []
    for (const matter of this.#matters.values()) {
      const name = fold(matter.name)
      const nameEn = fold(matter.nameEn)
      let rank: number | undefined
      if (matter.id === q) rank = 0
      else if (name.startsWith(q) || nameEn.startsWith(q)) rank = 1
      else if (name.includes(q) || nameEn.includes(q) || matter.id.includes(q)) rank = 2
      if (rank !== undefined) ranked.push({ rank, matter })
    }
    // Array.prototype.sort is stable (ES2019), so file order survives within a rank.
    return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.matter)
  }

  /** The numbers to try for a matter, in order. Throws HC_NOT_FOUND for an unknown matter. */
  huntList (matterId: string): readonly HuntEntry[] {
    const matter = this.#matters.get(matterId)
    if (matter === undefined) {
      throw new HotlineError('HC_NOT_FOUND', `no matter with id "${matterId}" in the directory`, { details: { matterId } })
    }
    return matter.hunt
  }

  /** Every distinct transfer number, in order of first appearance. */
  allNumbers (): string[] {
    return [...this.#numbers]
  }

  /** Whether `number` is, exactly, a number of some hunt list: the dial-time safety check. */
  isDirectoryNumber (number: string): boolean {
    return this.#numbers.has(number)
  }
}
