// The switch configuration from the line's own config: which files for which switch.

import type { AppConfig } from '../config/app-schema.js'
import type { AgentsConfig } from '../config/agents-schema.js'
import type { SwitchVendor } from '../ports/switch.js'
import { asteriskConfig } from './asterisk.js'
import type { GeneratedFile } from './files.js'
import { freeswitchConfig } from './freeswitch.js'
import { PROMPT_LANGUAGE, switchSite } from './site.js'

export { SWITCH_VENDORS, type SwitchVendor } from '../ports/switch.js'

export function switchConfigFiles (vendor: SwitchVendor, app: AppConfig, agents: AgentsConfig): GeneratedFile[] {
  const site = switchSite(app, agents)
  return vendor === 'freeswitch' ? freeswitchConfig(site) : asteriskConfig(site)
}

/**
 * Where the built prompts go inside the output folder, as the switch looks for them:
 * FreeSWITCH plays `<switch.soundPrefix><id>.wav`; Asterisk looks in
 * `<sounds>/<language>/<folder>/<id>.<format>` for `sound:<folder>/<id>`.
 */
export function promptFolder (vendor: SwitchVendor, app: AppConfig): string {
  if (vendor === 'freeswitch') return 'sounds'
  const folder = /^sound:([A-Za-z0-9_-]+)\/$/.exec(app.switch.asterisk.soundPrefix)?.[1] ?? 'hotline12345'
  return `sounds/${PROMPT_LANGUAGE}/${folder}`
}

export { driftFrom, type GeneratedFile, writeGenerated } from './files.js'
export { type SwitchSite, switchSite } from './site.js'
