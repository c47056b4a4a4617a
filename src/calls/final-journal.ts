// The ends the store has not taken yet, kept on this controller's disk: one file per call,
// written whole (temp file, fsync, rename) when a first write to the store fails and removed
// once it succeeds. A controller killed while the store is away finds them at its restart and
// writes them before it looks for calls left behind, so those calls keep their truthful end
// instead of being reaped as cut. Only failures touch the disk: a healthy store costs nothing.

import { createHash } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { CallRecord } from '../domain/call-record.js'

export interface JournalEntry {
  record: CallRecord
  increments: Readonly<Record<string, number>>
  counted: boolean
}

const SAFE_ID = /^[A-Za-z0-9-]{1,100}$/
const SUFFIX = '.json'

function fileName (callId: string): string {
  return (SAFE_ID.test(callId) ? callId : createHash('sha256').update(callId).digest('hex')) + SUFFIX
}

function isEntry (value: unknown): value is JournalEntry {
  if (value === null || typeof value !== 'object') return false
  const { record, increments, counted } = value as Partial<JournalEntry>
  return record !== null && typeof record === 'object' && typeof record.callId === 'string' && typeof record.startedAt === 'number' &&
    typeof record.finalState === 'string' && typeof counted === 'boolean' && increments !== null && typeof increments === 'object' &&
    Object.values(increments).every((n) => typeof n === 'number' && Number.isFinite(n))
}

export class FinalJournal {
  readonly dir: string
  readonly #log: Logger
  #made: Promise<unknown> | undefined

  constructor (dir: string, log: Logger) {
    this.dir = dir
    this.#log = log
  }

  /** Kept until `remove`; survives a kill once this resolves. */
  async put (entry: JournalEntry): Promise<void> {
    this.#made ??= mkdir(this.dir, { recursive: true, mode: 0o700 })
    await this.#made
    const path = join(this.dir, fileName(entry.record.callId))
    const temp = `${path}.${process.pid}.tmp`
    const file = await open(temp, 'w', 0o600)
    try {
      await file.writeFile(JSON.stringify(entry))
      await file.datasync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
  }

  async remove (callId: string): Promise<void> {
    await rm(join(this.dir, fileName(callId)), { force: true })
  }

  /**
   * The ends kept by an earlier run. A file that cannot be read as one (cut short by a full disk,
   * edited by hand) is renamed `.bad`, logged with the reason, and skipped.
   */
  async load (): Promise<JournalEntry[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const entries: JournalEntry[] = []
    for (const name of names.sort()) {
      const path = join(this.dir, name)
      if (name.endsWith('.tmp')) {
        // A write the kill cut short: its call was never acknowledged as kept.
        await rm(path, { force: true })
        continue
      }
      if (!name.endsWith(SUFFIX)) continue
      let reason: string
      try {
        const value: unknown = JSON.parse(await readFile(path, 'utf8'))
        if (isEntry(value)) {
          entries.push(value)
          continue
        }
        reason = 'not a call\'s end (record with callId, startedAt and finalState; increments; counted)'
      } catch (err) {
        reason = err instanceof Error ? err.message : String(err)
      }
      this.#log.error({ file: path, reason }, 'a kept call end cannot be read: set aside as .bad')
      await rename(path, `${path}.bad`).catch(() => undefined)
    }
    return entries
  }
}
