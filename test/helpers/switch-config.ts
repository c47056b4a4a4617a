// The shipped settings, a line that differs from them in everything the switch configuration
// generator reads, and the comparison of a shipped example folder with the generator.

import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { AgentsConfig } from '../../src/config/agents-schema.js'
import { type AppConfig, resolveAppConfig } from '../../src/config/app-config.js'
import { loadConfig } from '../../src/config/index.js'
import { type SwitchVendor, driftFrom, switchConfigFiles } from '../../src/switch-config/index.js'

export const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url))
const SETTINGS_FILE = join(CONFIG_DIR, 'default.yaml')

/** What `npm start` loads from config/ with an empty environment. */
export const shipped: { app: AppConfig, agents: AgentsConfig } = await loadConfig(CONFIG_DIR, {})

/** The command that rewrites a shipped example folder. */
export const regenerate = (vendor: SwitchVendor): string =>
  `npm run switch-config -- --switch ${vendor} --out config/${vendor} --no-prompts`

type Tree = Record<string, unknown>
const isTree = (v: unknown): v is Tree => v !== null && typeof v === 'object' && !Array.isArray(v)

function mergeInto (target: Tree, changes: Tree): Tree {
  for (const [key, value] of Object.entries(changes)) {
    const current = target[key]
    target[key] = isTree(value) && isTree(current) ? mergeInto(current, value) : isTree(value) ? mergeInto({}, value) : value
  }
  return target
}

/** config/default.yaml with `changes` merged in, checked as the loader checks the file. */
export function settingsWith (changes: Tree): AppConfig {
  const raw: unknown = parse(readFileSync(SETTINGS_FILE, 'utf8'))
  return resolveAppConfig(mergeInto(isTree(raw) ? raw : {}, changes), SETTINGS_FILE, {})
}

/** The shipped agents with extension 8002 gone and a new agent on 8999. */
export const CHANGED_AGENTS: AgentsConfig = {
  ...shipped.agents,
  agents: [
    ...shipped.agents.agents.filter((a) => a.extension !== '8002'),
    { id: 'agent99', name: '企业专席坐席99', extension: '8999', groups: ['enterprise-seat'] }
  ]
}

/**
 * A line unlike the shipped one in every address, port and name the generator reads: no
 * 127.0.0.1, 5060, 5080, 8021 or 8088 remains anywhere in what it generates from these.
 */
export const CHANGED_APP: AppConfig = settingsWith({
  switch: {
    hotlineNumber: '96123',
    dialTemplate: 'sofia/gateway/bureaus/{number}',
    conferenceProfile: 'threeway',
    soundPrefix: '/srv/hotline/sounds/',
    freeswitch: { host: '10.20.0.5', port: 8022 },
    asterisk: {
      url: 'http://10.20.0.5:8089',
      user: 'controller',
      app: 'line96123',
      endpointTemplate: 'PJSIP/{number}@bureaus',
      soundPrefix: 'sound:line96123/',
      maxRequestsInFlight: 300
    },
    site: {
      sipAddress: '10.20.0.5',
      sipPort: 5070,
      rtpPortStart: 20000,
      rtpPortEnd: 20999,
      callers: ['10.30.0.0/24', '10.30.1.7'],
      departmentTrunk: '10.40.0.9:5090',
      phones: ['10.50.0.0/16'],
      controllers: ['10.20.0.10', '10.20.0.11'],
      sessionsPerSecond: 40,
      maxSessions: 300
    }
  }
})

/** Every file below `dir`, relative and `/`-separated, sorted. */
export function filesUnder (dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    return entry.isDirectory() ? filesUnder(dir, path) : [path]
  }).sort()
}

export interface Drift {
  /** Generated files missing from the folder or different there. */
  differ: string[]
  /** Files in the folder the generator does not write. */
  stale: string[]
  /** Files whose executable bit is not the one the generator sets. */
  modes: string[]
}

/**
 * How config/<vendor> (or `dir`) differs from what the generator writes from the shipped
 * settings; README.md is hand-written.
 */
export async function shippedDrift (vendor: SwitchVendor, dir = join(CONFIG_DIR, vendor)): Promise<Drift> {
  const files = switchConfigFiles(vendor, shipped.app, shipped.agents)
  const expected = new Set(files.map((f) => f.path))
  const differ = (await driftFrom(dir, files)).sort()
  const stale = filesUnder(dir).filter((path) => path !== 'README.md' && !expected.has(path))
  const executable = (mode: number): boolean => (mode & 0o111) !== 0
  const modes = files.filter((f) => !differ.includes(f.path))
    .filter((f) => executable(statSync(join(dir, f.path)).mode) !== executable(f.mode ?? 0o644))
    .map((f) => f.path)
  return { differ, stale, modes }
}
