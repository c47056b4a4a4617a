// The format version every stored record carries (`v`: calls, transfers, tickets), so that during
// a rolling upgrade a controller of the next version and one of this version share one store.
// The rules that make that hold (docs/store.md#record-versions):
// - a version only adds fields, optional ones; a field is never removed or given another meaning
//   in one step (the new one is written beside the old for a release, the old dropped after);
// - a record is read whatever its version: an older one is brought up to this format here; a
//   newer one is used as it is, and fields this version does not know are kept when it is
//   rewritten (records are changed by copying them, never rebuilt field by field);
// - the writer stamps the version it understands, so a newer reader upgrades what an older
//   writer may have left behind.

export const RECORD_VERSION = 1

export interface Versioned {
  /** The format it was written in; absent: written before records carried one (0). */
  v?: number
}

/**
 * Upgrades from each version to the next, in order: UPGRADES[n] takes a record of version n to
 * n + 1. 0 → 1: versions begin; nothing else changed.
 */
const UPGRADES: ReadonlyArray<(record: Record<string, unknown>) => Record<string, unknown>> = [
  (record) => record
]

/** The record as this version writes it. */
export function stamped<T extends object> (record: T): T & { v: number } {
  return { ...record, v: RECORD_VERSION }
}

/** A record as read: an older one brought up to this format, a newer one as it was written. */
export function upgraded<T extends Versioned> (record: T): T {
  let version = record.v ?? 0
  if (version >= RECORD_VERSION) return record
  let next = record as unknown as Record<string, unknown>
  while (version < RECORD_VERSION) next = (UPGRADES[version++] ?? ((r) => r))(next)
  return { ...next, v: RECORD_VERSION } as unknown as T
}

/** Parses a stored record's JSON and upgrades it. */
export function readRecord<T extends Versioned> (json: string): T {
  return upgraded(JSON.parse(json) as T)
}
