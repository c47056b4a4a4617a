// After the event socket comes back: what happened to the legs we follow while we could not
// hear FreeSWITCH. Events raised meanwhile are lost (nothing is replayed), so each leg is asked
// about (`uuid_exists`, mod_commands).
//
// Who ended a leg that is gone? If FreeSWITCH restarted meanwhile, every channel of before went
// with it: the switch's doing, `lost` (a shutdown's CHANNEL_HANGUP_COMPLETE SYSTEM_SHUTDOWN is
// usually heard before the socket closes, and is `lost` anyway). If the same FreeSWITCH is
// still up, nobody can tell — the caller hanging up during a network blip is the likeliest, a
// hupall or a timer possible: the leg is reported `failed` with the vendor text
// ENDED_WHILE_DISCONNECTED, never `lost` (which would blame the switch without evidence) and
// never a remote hangup (which would blame the caller). A leg that still exists keeps going:
// no event is invented for it.
//
// A restart is told by FreeSWITCH's uptime (`api status`: "UP 0 years, 0 days, 0 hours,
// 0 minutes, 5 seconds, 215 milliseconds, …", mod_commands status_function): if the switch
// started after we lost the connection, it is a new one.

import type { Logger } from 'pino'
import type { EslClient } from './esl-client.js'
import type { LegRegistry } from './leg-registry.js'

const UNITS: ReadonlyArray<[RegExp, number]> = [
  [/(\d+) years?/, 365 * 86_400_000],
  [/(\d+) days?/, 86_400_000],
  [/(\d+) hours?/, 3_600_000],
  [/(\d+) minutes?/, 60_000],
  [/(\d+) seconds?/, 1000],
  [/(\d+) milliseconds?/, 1]
]

/** The uptime in ms from `api status`, or undefined if the text is not a status. */
export function uptimeMs (status: string): number | undefined {
  const first = status.split('\n', 1)[0] ?? ''
  if (!first.startsWith('UP ')) return undefined
  let total = 0
  for (const [pattern, ms] of UNITS) {
    const match = pattern.exec(first)
    if (match === null) return undefined
    total += Number(match[1]) * ms
  }
  return total
}

/**
 * True if FreeSWITCH started after `lostAt` (a new instance: nothing of before exists), false
 * if it has been up since before; undefined when it cannot be told.
 */
export async function restartedSince (client: EslClient, lostAt: number, now: () => number): Promise<boolean | undefined> {
  const uptime = uptimeMs(await client.api('status').catch(() => ''))
  if (uptime === undefined) return undefined
  return now() - uptime > lostAt
}

export interface ReconcileDeps {
  legs: LegRegistry
  /** Legs a dial in flight follows itself (esl-dialer.ts). */
  dialling: (legId: string) => boolean
  now: () => number
  log: Logger
}

/** Legs that ended while we could not hear it are reported ended (see the header for the cause). */
export async function reconcileLegs (client: EslClient, deps: ReconcileDeps, restarted: boolean | undefined): Promise<void> {
  const { legs, log } = deps
  const gone: string[] = []
  for (const legId of legs.ids()) {
    if (deps.dialling(legId)) continue
    const exists = restarted === true ? 'false' : (await client.api(`uuid_exists ${legId}`).catch(() => 'true')).trim()
    if (exists !== 'false' || !legs.has(legId)) continue
    gone.push(legId)
    legs.emit(legId, restarted === true
      ? { type: 'hangup', cause: 'lost', vendor: { text: 'SWITCH_RESTARTED' }, at: deps.now() }
      : { type: 'hangup', cause: 'failed', vendor: { text: 'ENDED_WHILE_DISCONNECTED' }, at: deps.now() })
    legs.drop(legId, 'ended while the event socket was down')
  }
  if (gone.length > 0) log.warn({ legs: gone.length, restarted }, 'legs ended while the event socket was down')
}
