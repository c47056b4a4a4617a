// Asterisk going away while its events socket is still open (capture 14_restart_mid_dial): a
// shutdown first soft-hangs every channel (ChannelHangupRequest cause 4, soft), refuses new
// channels (500 "Allocation failed": "Refusing due to active shutdown") and drops the socket
// ~1.1 s later. Meanwhile the port reads not ready, so nothing is dialled into the refusal
// (the hunt waits for the switch instead), and an "Allocation failed" is known for what it is.
// A dropped socket counts as going away too, until the next connect.

import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { SwitchState } from '../../ports/switch.js'

/** How long a shutdown's socket may stay open before the adapter counts it called off. */
const SHUTDOWN_SETTLE_MS = 5000

export interface GoingAwayDeps {
  status: () => SwitchState
  setStatus: (state: SwitchState, detail: string) => void
  /** The events socket is (still) open. */
  socketOpen: () => boolean
  log: Logger
}

export class GoingAway {
  readonly #deps: GoingAwayDeps
  readonly #bus = new EventEmitter<{ away: [] }>()
  #away = false
  #timer: NodeJS.Timeout | undefined

  constructor (deps: GoingAwayDeps) {
    this.#deps = deps
  }

  /** Asterisk is going away (its soft hangups seen, or the socket lost). */
  mark (): void {
    if (this.#away) return
    this.#away = true
    this.#bus.emit('away')
  }

  /** A shutdown's soft hangup: going away, and not ready until connected again. */
  shuttingDown (): void {
    this.mark()
    if (this.#deps.status() !== 'ready') return
    this.#deps.setStatus('disconnected', 'Asterisk is shutting down')
    this.#deps.log.warn('Asterisk is shutting down: its channels are being hung up')
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      if (this.#deps.status() !== 'disconnected' || !this.#deps.socketOpen()) return
      this.#away = false
      this.#deps.setStatus('ready', 'Asterisk did not shut down after all')
    }, SHUTDOWN_SETTLE_MS)
  }

  /** The connection's own status changed (connected again, or lost). */
  statusChanged (state: SwitchState): void {
    clearTimeout(this.#timer)
    if (state === 'ready') this.#away = false
  }

  /** True at once if Asterisk is going away; else whether it turns out to within `graceMs`. */
  async within (graceMs: number): Promise<boolean> {
    if (this.#away) return true
    return await new Promise<boolean>((resolve) => {
      const onAway = (): void => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.#bus.off('away', onAway)
        resolve(this.#away)
      }, graceMs)
      this.#bus.once('away', onAway)
    })
  }

  close (): void {
    clearTimeout(this.#timer)
  }
}
