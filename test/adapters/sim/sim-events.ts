// Test helpers for the call model: record its events, wait for one, and trace the order in
// which events and promise results reach a consumer.
import type { Test } from 'tap'
import { SimSwitch, type SimSwitchConfig } from '../../../src/adapters/sim/sim-switch.js'
import type { ModelEvent } from '../../../src/adapters/sim/model-types.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'

/** A fast switch (every delay × 0.01) that is closed when the test ends. */
export function fastSwitch (t: Test, options: Partial<SimSwitchConfig> = {}): SimSwitch {
  const sim = new SimSwitch({ timeScale: 0.01, install: SHIPPED_INSTALL, ...options })
  t.teardown(() => { sim.close() })
  return sim
}

/** Every event the switch emits from now on. */
export function record (sim: SimSwitch): ModelEvent[] {
  const log: ModelEvent[] = []
  sim.on('event', (event) => { log.push(event) })
  return log
}

/** The first event from now on that matches. */
export function next (sim: SimSwitch, match: (event: ModelEvent) => boolean): Promise<ModelEvent> {
  return new Promise((resolve) => {
    const listener = (event: ModelEvent): void => {
      if (!match(event)) return
      sim.off('event', listener)
      resolve(event)
    }
    sim.on('event', listener)
  })
}

export function isType (type: ModelEvent['type'], channelId?: string): (event: ModelEvent) => boolean {
  return (event) => event.type === type && (channelId === undefined || channelOf(event) === channelId)
}

export function channelOf (event: ModelEvent): string | undefined {
  return 'channel' in event ? event.channel.id : undefined
}

/**
 * Event types as a consumer sees them, interleaved with `result` where a promise's
 * continuation ran: the order the ESL side would relay events and a job's reply.
 */
export function trace<T> (sim: SimSwitch, start: () => Promise<T>): { order: string[], result: Promise<T> } {
  const order: string[] = []
  sim.on('event', (event) => { order.push(event.type) })
  const result = start().then((value) => {
    order.push('result')
    return value
  })
  return { order, result }
}
