// Scripted demo callers for the embedded simulator: one call every interval, from a made-up
// mobile number, keying a digit a little after the greeting. They make a fresh `npm start`
// show whole calls in the log; they are never used against a real switch.

import type { Logger } from 'pino'
import type { SimSwitch } from './sim-switch.js'

export interface DemoCallerOptions {
  intervalMs: number
  /** The number the demo callers dial (the hotline). */
  to: string
  logger: Logger
}

function randomMobile (): string {
  const prefixes = ['138', '139', '150', '186', '177']
  const prefix = prefixes[Math.floor(Math.random() * prefixes.length)] ?? '138'
  return prefix + String(Math.floor(Math.random() * 1e8)).padStart(8, '0')
}

/** Starts placing demo calls; returns the function that stops them. */
export function startDemoCallers (model: SimSwitch, options: DemoCallerOptions): () => void {
  const place = (): void => {
    const digit = String(1 + Math.floor(Math.random() * 3))
    model.placeCall({
      from: randomMobile(),
      to: options.to,
      // Greeting and menu prompt take about 2 s of simulated time; the key comes during the menu.
      dtmf: [{ afterAnswerMs: 2500, digits: digit }],
      hangupAfterMs: 60_000
    })
    options.logger.debug('demo caller placed a call')
  }
  const timer = setInterval(place, options.intervalMs)
  timer.unref()
  return () => { clearInterval(timer) }
}
