// Which numbers a dial test calls: every distinct transfer number of the directory, once,
// with the matters and departments it serves (the report behind the project counts 119
// numbers behind 52 matters; a number on several hunt lists is still one line to test).
//
// Security: the list comes from the directory and nowhere else. A request may narrow a run
// to some of these numbers, but a number it names is only looked up here, never dialled as
// given (domain/directory.ts).

import type { Directory } from '../../domain/directory.js'
import type { DialTestTarget } from './types.js'

/** Every distinct directory number, in order of first appearance in directory.yaml. */
export function dialTestTargets (directory: Directory): DialTestTarget[] {
  const byNumber = new Map<string, DialTestTarget>()
  for (const number of directory.allNumbers()) {
    byNumber.set(number, { number, departmentIds: [], departments: [], matters: [], labels: [] })
  }
  for (const matter of directory.matters()) {
    const department = directory.department(matter.departmentId)
    for (const entry of matter.hunt) {
      const target = byNumber.get(entry.number)
      if (target === undefined) continue
      target.matters.push({ id: matter.id, name: matter.name })
      if (!target.departmentIds.includes(matter.departmentId)) {
        target.departmentIds.push(matter.departmentId)
        target.departments.push(department?.name ?? matter.departmentId)
      }
      if (entry.label !== undefined && !target.labels.includes(entry.label)) target.labels.push(entry.label)
    }
  }
  return [...byNumber.values()]
}

export type TargetSelection =
  | { ok: true, targets: DialTestTarget[] }
  | { ok: false, unknown: string[] }

/**
 * The targets a run dials: all of them, or those named (in directory order, each once). A
 * named number that is not a directory number refuses the whole request.
 */
export function selectTargets (all: readonly DialTestTarget[], numbers?: readonly string[]): TargetSelection {
  if (numbers === undefined) return { ok: true, targets: [...all] }
  const known = new Set(all.map((t) => t.number))
  const unknown = [...new Set(numbers.filter((n) => !known.has(n)))]
  if (unknown.length > 0) return { ok: false, unknown }
  const wanted = new Set(numbers)
  return { ok: true, targets: all.filter((t) => wanted.has(t.number)) }
}
