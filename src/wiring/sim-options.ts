// The standalone simulator's options (`npm run sim`): flags first, then the environment, then
// the defaults; a bad value is refused with the option's name.

import { parseArgs } from 'node:util'

export const SIM_USAGE = `usage: npm run sim -- [options]   (each option also from the environment)
  --protocol esl|ari        the switch played: FreeSWITCH over ESL, or Asterisk over ARI   SIM_PROTOCOL (esl)
  --host ADDRESS            where it listens                                         SIM_HOST (127.0.0.1)
  --port N                  ESL or ARI port; 0: any free one        SIM_PORT (8021 for esl, 8088 for ari)
  --password SECRET         ESL password / ARI password (not FreeSWITCH's stock ClueCon, which controllers refuse)  SIM_PASSWORD (hotline-sim)
  --apps A,B                ARI: Stasis applications tried in order for each call  SIM_ARI_APPS (hotline)
  --calls-per-hour N        callers per hour of simulated time; 0: none               SIM_CALLS_PER_HOUR (180)
  --answer ID=P,…           chance a department's number answers (default=P for the rest)  SIM_ANSWER (default=0.9)
  --time-scale X            multiplies every simulated delay; 0.1 runs ten times faster     SIM_TIME_SCALE (1)
  --seed N                  repeatable traffic (same seed, same callers)                  SIM_SEED (random)
  --control-port N          the control API (GET /status, POST /restart); 0: any    SIM_CONTROL_PORT (0)`

export interface SimOptions {
  protocol: 'esl' | 'ari'
  host: string
  port: number
  password: string
  apps: string[]
  callsPerHour: number
  answer: Record<string, number>
  timeScale: number
  seed: number | undefined
  controlPort: number
}

function number (name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${name}: ${JSON.stringify(text)} is not a number from ${min} to ${max}`)
  }
  return value
}

/** Flags first, then the environment, then the defaults; a bad value is refused with its name. */
export function simOptions (argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SimOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      protocol: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      password: { type: 'string' },
      apps: { type: 'string' },
      'calls-per-hour': { type: 'string' },
      answer: { type: 'string' },
      'time-scale': { type: 'string' },
      seed: { type: 'string' },
      'control-port': { type: 'string' }
    },
    strict: true
  })
  const pick = (flag: keyof typeof values, variable: string): string | undefined => values[flag] ?? env[variable]
  const protocol = pick('protocol', 'SIM_PROTOCOL') ?? 'esl'
  if (protocol !== 'esl' && protocol !== 'ari') throw new RangeError(`--protocol: ${JSON.stringify(protocol)} is not esl or ari`)
  const answer: Record<string, number> = { default: 0.9 }
  for (const part of (pick('answer', 'SIM_ANSWER') ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [id, p] = part.split('=')
    if (id === undefined || id.trim() === '' || p === undefined) throw new RangeError(`--answer: ${JSON.stringify(part)} is not ID=P`)
    answer[id.trim()] = number(`--answer ${id}`, p, 0, 1)
  }
  const seed = pick('seed', 'SIM_SEED')
  return {
    protocol,
    host: pick('host', 'SIM_HOST') ?? '127.0.0.1',
    port: number('--port', pick('port', 'SIM_PORT') ?? (protocol === 'esl' ? '8021' : '8088'), 0, 65535),
    password: pick('password', 'SIM_PASSWORD') ?? 'hotline-sim',
    apps: (pick('apps', 'SIM_ARI_APPS') ?? 'hotline').split(',').map((a) => a.trim()).filter((a) => a !== ''),
    callsPerHour: number('--calls-per-hour', pick('calls-per-hour', 'SIM_CALLS_PER_HOUR') ?? '180', 0),
    answer,
    timeScale: number('--time-scale', pick('time-scale', 'SIM_TIME_SCALE') ?? '1', 0.001, 100),
    seed: seed === undefined ? undefined : number('--seed', seed, 0, 2 ** 32 - 1),
    controlPort: number('--control-port', pick('control-port', 'SIM_CONTROL_PORT') ?? '0', 0, 65535)
  }
}
