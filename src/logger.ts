// Logging: pino, one child logger per call (bound to the call id), and caller numbers masked
// wherever they appear under a known key. Full numbers only go where a department must call
// back (tickets), never to logs.

import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino'

/** `13812345678` → `138****5678`: first 3 and last 4 digits kept, the middle starred. */
export function maskNumber (value: unknown): string {
  if (typeof value !== 'string' || value === '') return typeof value === 'string' ? value : '[masked]'
  if (value.length >= 8) {
    return value.slice(0, 3) + '*'.repeat(value.length - 7) + value.slice(-4)
  }
  // Short numbers (extensions, garbage): keep only the last two characters.
  return '*'.repeat(Math.max(0, value.length - 2)) + value.slice(-2)
}

/**
 * Log keys that hold a caller's number anywhere in a log line: `digits` are the keys a caller
 * pressed (a callback number keyed in among them), `readBack` the digits read back to them.
 */
export const MASKED_KEYS = ['from', 'caller', 'callerNumber', 'callbackNumber', 'ani', 'digits', 'readBack']

/** A value that looks like a phone number (7 digits or more): masked wherever it turns up. */
const NUMBER_LIKE = /^\+?[0-9]{7,}$/

/** The caller's choices with every number among them masked (a collect step may hold one keyed in). */
export function maskChoices (choices: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(choices).map(([key, value]) =>
    [key, MASKED_KEYS.includes(key) || NUMBER_LIKE.test(value) ? maskNumber(value) : value]))
}

/**
 * Free text that may hold a number (a raw frame from the switch): every run of 7 digits or
 * more masked, as a caller's number would be (a channel id's digits are masked too: harmless).
 */
export function maskDigitRuns (text: string): string {
  return text.replace(/\+?[0-9]{7,}/g, (run) => maskNumber(run))
}

export function redactPaths (): string[] {
  return MASKED_KEYS.flatMap((k) => [k, `*.${k}`])
}

const SECRET_PATHS = ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization',
  'req.headers.authorization']

export function createLogger (options: { level: string, destination?: DestinationStream }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    base: { service: 'hotline12345' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [...redactPaths(), ...SECRET_PATHS],
      censor: (value, path) => {
        const key = path[path.length - 1] ?? ''
        return MASKED_KEYS.includes(key) ? maskNumber(value) : '[redacted]'
      }
    }
  }
  return options.destination === undefined ? pino(config) : pino(config, options.destination)
}

export type { Logger }
