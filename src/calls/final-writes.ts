// A call's end written until it is stored: its day figures, then its final record, tried again
// with growing pauses while the store is away (an outbox in the controller's memory), instead of
// one failed write leaving the record "in progress" for ever. The figures are added with the
// call id as `once`, so a retry whose first reply was lost does not count the call twice; the
// record's write is idempotent. A record another controller took over (HC_FENCED) is its now.
// With a journal (final-journal.ts) an end waiting for the store is also kept on disk, so a
// kill does not lose it: `restore` writes those of an earlier run.

import type { Logger } from 'pino'
import { callDay } from '../domain/call-figures.js'
import type { CallRecord } from '../domain/call-record.js'
import { isHotlineError } from '../errors.js'
import type { Store } from '../ports/store.js'
import type { FinalJournal } from './final-journal.js'

interface Entry {
  record: CallRecord
  increments: Readonly<Record<string, number>>
  counted: boolean
  failures: number
  timer?: NodeJS.Timeout
  /** Its file in the journal written (or failed to be). */
  kept?: Promise<void>
}

export interface FinalWritesOptions {
  store: Store
  log: Logger
  /** Told once the record is stored (the live pages refresh on it). */
  onStored?: (record: CallRecord) => void
  /** Set to the number of ends waiting (hotline_call_ends_unstored). */
  gauge?: { set: (value: number) => void }
  initialDelayMs?: number
  maxDelayMs?: number
  /** Where the ends waiting are kept across a kill; absent: in memory only. */
  journal?: FinalJournal
}

export class FinalWrites {
  readonly #options: FinalWritesOptions
  readonly #pending = new Map<string, Entry>()
  #stopped = false

  constructor (options: FinalWritesOptions) {
    this.#options = options
  }

  /** Final records not stored yet. */
  get pending (): number {
    return this.#pending.size
  }

  /** Whether this call's end is waiting for the store here. */
  has (callId: string): boolean {
    return this.#pending.has(callId)
  }

  /** Tries now; if the store fails, keeps it (journal) and tries in the background until it is stored. */
  async submit (record: CallRecord, increments: Readonly<Record<string, number>>): Promise<void> {
    const entry: Entry = { record: structuredClone(record), increments, counted: false, failures: 0 }
    if (await this.#attempt(entry)) return
    this.#wait(entry)
    const { journal, log } = this.#options
    if (journal === undefined) return
    entry.kept = journal.put({ record: entry.record, increments, counted: entry.counted }).catch((err: unknown) => {
      log.error({ err, callId: record.callId, dir: journal.dir }, 'keeping a call\'s end on disk failed: it is tried in memory only, and lost if the controller is killed first')
    })
    await entry.kept
  }

  /**
   * The ends an earlier run kept in the journal: each tried once now, the others in the
   * background like any end waiting. How many there were.
   */
  async restore (): Promise<number> {
    const { journal, log } = this.#options
    if (journal === undefined) return 0
    const entries = await journal.load()
    const fresh = entries.filter((kept) => !this.#pending.has(kept.record.callId))
    if (fresh.length > 0) log.warn({ ends: fresh.length, dir: journal.dir }, 'writing the call ends an earlier run kept while the store was away')
    // Once one fails the store is taken as away: the others wait for the background tries,
    // rather than each costing a store timeout before the calls left behind are looked for.
    let away = false
    for (const kept of fresh) {
      const entry: Entry = { ...kept, failures: 0, kept: Promise.resolve() }
      if (!away && await this.#attempt(entry)) {
        await this.#forget(entry)
      } else {
        away = true
        this.#wait(entry)
      }
    }
    return fresh.length
  }

  #wait (entry: Entry): void {
    this.#pending.set(entry.record.callId, entry)
    this.#counted()
    this.#schedule(entry)
  }

  /** Stored: out of memory, and out of the journal once its file is written. */
  async #forget (entry: Entry): Promise<void> {
    this.#pending.delete(entry.record.callId)
    this.#counted()
    const { journal, log } = this.#options
    if (journal === undefined || entry.kept === undefined) return
    await entry.kept
    await journal.remove(entry.record.callId).catch((err: unknown) => {
      log.warn({ err, callId: entry.record.callId }, 'removing a stored call end from the journal failed: it is written again (the same) at the next start')
    })
  }

  /**
   * Before the process ends: tries each record still waiting, again and again (with the same
   * growing pauses) for up to `withinMs`; how many stay unwritten.
   */
  async flush (withinMs = 0): Promise<number> {
    const until = Date.now() + withinMs
    for (let round = 0; this.#pending.size > 0; round++) {
      for (const entry of [...this.#pending.values()]) {
        clearTimeout(entry.timer)
        if (await this.#attempt(entry)) await this.#forget(entry)
      }
      const pause = Math.min(this.#options.maxDelayMs ?? 30_000, (this.#options.initialDelayMs ?? 1000) * 2 ** round)
      if (this.#pending.size === 0 || Date.now() + pause > until) break
      await new Promise((resolve) => setTimeout(resolve, pause))
    }
    this.#counted()
    const journal = this.#options.journal
    for (const entry of this.#pending.values()) {
      await entry.kept
      this.#options.log.error({ callId: entry.record.callId, finalState: entry.record.finalState }, journal === undefined
        ? 'a call\'s final record could not be stored before the stop: it stays in progress until a restart or a peer ends it'
        : 'a call\'s final record could not be stored before the stop: it is kept on disk and written at the next start')
    }
    return this.#pending.size
  }

  #counted (): void {
    this.#options.gauge?.set(this.#pending.size)
  }

  stop (): void {
    this.#stopped = true
    for (const entry of this.#pending.values()) clearTimeout(entry.timer)
  }

  #schedule (entry: Entry): void {
    if (this.#stopped) return
    const { initialDelayMs = 1000, maxDelayMs = 30_000 } = this.#options
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(entry.failures - 1, 20))
    entry.timer = setTimeout(() => {
      void this.#attempt(entry).then(async (stored) => {
        if (stored) await this.#forget(entry)
        else this.#schedule(entry)
      })
    }, delay)
    entry.timer.unref()
  }

  async #attempt (entry: Entry): Promise<boolean> {
    const { store, log } = this.#options
    const { record } = entry
    try {
      if (!entry.counted) {
        await store.addCallCounts(callDay(record.startedAt), entry.increments, record.callId)
        entry.counted = true
      }
      await store.putCall(record)
    } catch (err) {
      if (isHotlineError(err, 'HC_FENCED')) {
        log.error({ callId: record.callId }, 'the call\'s record is another controller\'s now (it took the call over): its final state is left to it')
        return true
      }
      entry.failures += 1
      if (entry.failures === 1) log.error({ err, callId: record.callId }, 'storing the call\'s final record failed: trying again until it is stored')
      return false
    }
    if (entry.failures > 0) log.info({ callId: record.callId, tries: entry.failures + 1 }, 'the call\'s final record stored')
    try {
      this.#options.onStored?.(record)
    } catch (err) {
      log.warn({ err }, 'call record watcher failed')
    }
    return true
  }
}
