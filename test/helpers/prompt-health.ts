// A PromptHealth for core tests that build the queue or the transfer without a controller.
import { pino } from 'pino'
import { PromptHealth } from '../../src/flows/prompt-health.js'
import { Metrics } from '../../src/metrics.js'
import type { SwitchPort } from '../../src/ports/switch.js'

export function promptHealth (sw: SwitchPort, metrics = new Metrics()): PromptHealth {
  return new PromptHealth({ switch: sw, prompts: () => [], metrics, logger: pino({ level: 'silent' }), now: Date.now })
}
