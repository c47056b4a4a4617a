// Scripted demo traffic for the embedded simulator: callers who dial the hotline and answer
// the menus they hear (a random choice at each), and agents' phones that answer and talk a
// while. They make a fresh `npm start` show whole calls in the log; they are never used
// against a real switch.

import type { Logger } from 'pino'
import type { ModelEvent } from './model-types.js'
import type { SimSwitch } from './sim-switch.js'

export interface DemoCallerOptions {
  intervalMs: number
  /** The number the demo callers dial (the hotline). */
  to: string
  logger: Logger
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T

function randomMobile (): string {
  return pick(['138', '139', '150', '186', '177']) + String(Math.floor(Math.random() * 1e8)).padStart(8, '0')
}

/** What a demo caller keys when a prompt starts (by prompt id); nothing for other prompts. */
function answerTo (prompt: string): string | undefined {
  if (prompt === 'priority-menu') return pick(['1', '1', '2', '3', '4'])
  if (prompt === 'category-menu') return pick(['1', '2', '3', '5', '0'])
  if (prompt.startsWith('matter-menu-')) return pick(['1', '2', '0'])
  if (prompt === 'survey') return pick(['1', '1', '1', '2', '3'])
  if (prompt === 'first-call-menu') return pick(['1', '2', '3'])
  return undefined
}

/** Starts placing demo calls; returns the function that stops them. */
export function startDemoCallers (model: SimSwitch, options: DemoCallerOptions): () => void {
  const ours = new Set<string>()
  const onEvent = (event: ModelEvent): void => {
    if (event.type === 'channel-hangup-complete') ours.delete(event.channel.id)
    if (event.type !== 'playback-started' || !ours.has(event.channel.id)) return
    const prompt = event.media.replace(/^.*[/:]/, '').replace(/\.wav$/, '')
    const digits = answerTo(prompt)
    if (digits === undefined) return
    // Callers key a little after the prompt starts, as people do.
    const id = event.channel.id
    setTimeout(() => { if (ours.has(id)) model.sendDtmf(id, digits) }, model.scaled(600)).unref()
  }
  model.on('event', onEvent)
  const place = (): void => {
    const call = model.placeCall({ from: randomMobile(), to: options.to, hangupAfterMs: 300_000 })
    ours.add(call.channel.id)
    options.logger.debug('demo caller placed a call')
  }
  const timer = setInterval(place, options.intervalMs)
  timer.unref()
  return () => {
    clearInterval(timer)
    model.off('event', onEvent)
  }
}

/** Agents' phones for the demo: each answers after a few seconds and talks half a minute or so. */
export function defineDemoAgentPhones (model: SimSwitch, extensions: readonly string[]): void {
  for (const extension of extensions) {
    model.defineEndpoint(extension, {
      kind: 'answer',
      afterMs: 2000 + Math.floor(Math.random() * 3000),
      hangupAfterMs: 15_000 + Math.floor(Math.random() * 30_000)
    })
  }
}
