// Shared by the adapters' wire tests: reading TCP_NODELAY back from a socket, and a logger at a
// given level whose lines are captured, through the controller's own createLogger (so its
// masking of caller numbers applies).
import type { Socket } from 'node:net'
import { Writable } from 'node:stream'
import type { Logger } from 'pino'
import { createLogger } from '../../src/logger.js'

/**
 * Whether TCP_NODELAY is set on `socket`. Node offers no getsockopt, so this reads what Node
 * recorded under its `kSetNoDelay` symbol (lib/net.js): `setNoDelay()` on a connected socket
 * sets it together with the handle's option, and on a socket still connecting (or made with
 * `noDelay: true`, as http.Agent makes them) it is what `afterConnect` applies to the handle.
 */
export function noDelayOf (socket: Socket): boolean {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay')
  if (symbol === undefined) throw new Error('this Node keeps no kSetNoDelay on its sockets: noDelayOf needs another way')
  return (socket as unknown as Record<symbol, unknown>)[symbol] === true
}

export interface LogLine { msg: string, level: number, t?: number, [key: string]: unknown }

export interface CapturedLog {
  logger: Logger
  lines: LogLine[]
  /** Everything written, as text (to look for what must never be there). */
  raw: () => string
}

export function capturedLogger (level: string): CapturedLog {
  const chunks: string[] = []
  const lines: LogLine[] = []
  const destination = new Writable({
    write (chunk: Buffer, _enc, done) {
      const text = chunk.toString()
      chunks.push(text)
      lines.push(JSON.parse(text) as LogLine)
      done()
    }
  })
  return { logger: createLogger({ level, destination }), lines, raw: () => chunks.join('') }
}

/** pino's numeric level of `trace`. */
export const TRACE = 10
