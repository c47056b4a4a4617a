// Three-way direct transfers (三方通话直转) and their attempts, as recorded for the
// connection rate (接通率): every dial of a hunt list is one attempt; a request as a whole is
// connected when any number answered.

import type { TransferRecord } from '../domain/transfer-record.js'

/** Where transfer records are kept; implemented by the memory and Redis stores. */
export interface TransferStore {
  putTransfer(record: TransferRecord): Promise<void>
  getTransfer(id: string): Promise<TransferRecord | undefined>
  /** Requests made in [since, until), oldest first. */
  listTransfers(query: { since: number, until: number }): Promise<TransferRecord[]>
}
