// Time is a port: domain code never reads the clock, it is handed instants. Tests pass a
// fixed or hand-stepped clock; production passes the system clock.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that stays where it is put; `set` and `advance` move it. */
export class ManualClock implements Clock {
  #now: number

  constructor (start: number | Date) {
    this.#now = typeof start === 'number' ? start : start.getTime()
  }

  now (): number {
    return this.#now
  }

  set (instant: number | Date): void {
    this.#now = typeof instant === 'number' ? instant : instant.getTime()
  }

  advance (ms: number): void {
    this.#now += ms
  }
}

/**
 * Real time, shifted: runs at the speed of the system clock from a chosen instant. Lets a
 * whole controller live on a given day (a make-up Saturday, a holiday) while its timers run
 * in real time.
 */
export class ShiftedClock implements Clock {
  readonly #offset: number
  readonly #base: Clock

  constructor (startAt: number | Date, base: Clock = systemClock) {
    this.#offset = (typeof startAt === 'number' ? startAt : startAt.getTime()) - base.now()
    this.#base = base
  }

  now (): number {
    return this.#base.now() + this.#offset
  }
}
