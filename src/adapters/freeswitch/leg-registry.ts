// The legs the FreeSWITCH adapter follows: per-leg listeners, apps in flight (matched by
// `Application-UUID`), and waiters for conference membership. Events for legs nobody follows
// are dropped here, so a call that is not ours never reaches the core.

import { HotlineError } from '../../errors.js'
import type { LegEvent, LegListener } from '../../ports/switch.js'
import type { EslEvent } from './esl-client.js'

interface Waiter<T> {
  resolve: (value: T) => void
  reject: (err: Error) => void
}

interface Leg {
  listeners: Set<LegListener>
  execs: Map<string, Waiter<EslEvent>>
  conference: Array<Waiter<void> & { action: 'add-member' | 'del-member' }>
}

export class LegRegistry {
  readonly #legs = new Map<string, Leg>()

  track (legId: string): void {
    if (!this.#legs.has(legId)) {
      this.#legs.set(legId, { listeners: new Set(), execs: new Map(), conference: [] })
    }
  }

  has (legId: string): boolean {
    return this.#legs.has(legId)
  }

  ids (): string[] {
    return [...this.#legs.keys()]
  }

  get size (): number {
    return this.#legs.size
  }

  listen (legId: string, listener: LegListener): () => void {
    this.track(legId)
    const leg = this.#legs.get(legId)
    leg?.listeners.add(listener)
    return () => { leg?.listeners.delete(listener) }
  }

  emit (legId: string, event: LegEvent): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    for (const listener of [...leg.listeners]) listener(event)
  }

  /** Registers an app about to run; the promise settles on its CHANNEL_EXECUTE_COMPLETE. */
  expectExecute (legId: string, appUuid: string): Promise<EslEvent> {
    const leg = this.#require(legId)
    return handled(new Promise<EslEvent>((resolve, reject) => {
      leg.execs.set(appUuid, { resolve, reject })
    }))
  }

  cancelExecute (legId: string, appUuid: string, err: Error): void {
    const waiter = this.#legs.get(legId)?.execs.get(appUuid)
    this.#legs.get(legId)?.execs.delete(appUuid)
    waiter?.reject(err)
  }

  /** CHANNEL_EXECUTE_COMPLETE: exact match on Application-UUID, never on app name or result. */
  executeComplete (legId: string, appUuid: string, event: EslEvent): void {
    const leg = this.#legs.get(legId)
    const waiter = leg?.execs.get(appUuid)
    if (waiter === undefined) return
    leg?.execs.delete(appUuid)
    // The app was cut by the hangup (switch_channel_event_set_basic_data: `Answer-State: hangup`
    // once the channel is down): its result says nothing (a playback reads `PLAYBACK ERROR`).
    if (event.get('Answer-State') === 'hangup') {
      waiter.reject(new HotlineError('HC_CALL_GONE', `leg ${legId} hung up during ${event.get('Application') ?? 'an app'}`))
      return
    }
    waiter.resolve(event)
  }

  expectConference (legId: string, action: 'add-member' | 'del-member'): { done: Promise<void>, cancel: (err: Error) => void } {
    const leg = this.#require(legId)
    let waiter: (Waiter<void> & { action: 'add-member' | 'del-member' }) | undefined
    const done = handled(new Promise<void>((resolve, reject) => {
      waiter = { resolve, reject, action }
      leg.conference.push(waiter)
    }))
    return {
      done,
      cancel: (err) => {
        const i = waiter === undefined ? -1 : leg.conference.indexOf(waiter)
        if (i >= 0) leg.conference.splice(i, 1)
        waiter?.reject(err)
      }
    }
  }

  conferenceAction (legId: string, action: string): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    const i = leg.conference.findIndex((w) => w.action === action)
    if (i < 0) return
    const [waiter] = leg.conference.splice(i, 1)
    waiter?.resolve()
  }

  /** The leg is gone: everything still waiting on it fails, then it is forgotten. */
  drop (legId: string, reason: string): void {
    const leg = this.#legs.get(legId)
    if (leg === undefined) return
    this.#legs.delete(legId)
    const err = new HotlineError('HC_CALL_GONE', `leg ${legId} ended: ${reason}`)
    for (const w of leg.execs.values()) w.reject(err)
    for (const w of leg.conference) w.reject(err)
  }

  /** The connection dropped: apps in flight may never report completion, so they fail now. */
  failInFlight (err: Error): void {
    for (const leg of this.#legs.values()) {
      for (const w of leg.execs.values()) w.reject(err)
      leg.execs.clear()
      for (const w of leg.conference) w.reject(err)
      leg.conference.length = 0
    }
  }

  #require (legId: string): Leg {
    const leg = this.#legs.get(legId)
    if (leg === undefined) throw new HotlineError('HC_SWITCH_NO_SUCH_CALL', `no such leg ${legId}`)
    return leg
  }
}

/**
 * A waiter is awaited by its owner only after a command's reply (sendmsg, uuid_transfer); a
 * leg that ends meanwhile rejects it first. Marked handled here, once for every waiter, so
 * that rejection is never reported as unhandled — which ended the whole process when a caller
 * hung up during a conference join (the owner still awaits it and gets the error).
 */
function handled<T> (promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}
