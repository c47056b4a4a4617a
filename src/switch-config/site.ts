// What the switch must be told about the line, in one place: read from the settings
// (config/default.yaml) and the agents (config/agents.yaml), and nothing else. Both the
// switch configuration `npm run switch-config` writes and the simulated switch's tables of
// endpoints and sounds come from here, so the simulator refuses what the installed switch
// would refuse.

import { HotlineError } from '../errors.js'
import type { AppConfig } from '../config/app-schema.js'
import type { AgentsConfig } from '../config/agents-schema.js'

export interface SitePhone {
  agentId: string
  name: string
  /** What the phone registers as and what the controller dials (`user/8001`, `PJSIP/8001`). */
  extension: string
  /** The environment variable holding the phone's SIP password on the switch's host. */
  passwordEnv: string
}

export interface SwitchSite {
  hotlineNumber: string
  phones: SitePhone[]
  sip: { address: string, port: number, rtpStart: number, rtpEnd: number }
  /** Addresses or CIDR ranges. */
  callers: string[]
  phoneNetworks: string[]
  controllers: string[]
  departmentTrunk: { host: string, port: number, auth: boolean }
  freeswitch: {
    /** The gateway the department dial template names (`sofia/gateway/<gateway>/{number}`). */
    gateway: string
    eslHost: string
    eslPort: number
    conferenceProfile: string
    /** Absolute folder the prompts are played from (switch.soundPrefix). */
    soundDir: string
    sessionsPerSecond: number
    maxSessions: number
  }
  asterisk: {
    /** The trunk endpoint the department template names (`PJSIP/{number}@<trunk>`). */
    trunk: string
    ariHost: string
    ariPort: number
    ariUser: string
    app: string
    /** Every controller's application, in the order the dialplan's turns start from. */
    apps: string[]
    /** switch.asterisk.maxRequestsInFlight: http.conf's sessionlimit must leave room for it. */
    maxRequestsInFlight: number
    /** Sound id prefix under the language folder (`sound:hotline12345/` → `hotline12345`). */
    soundFolder: string
  }
}

/** The language folder Asterisk finds the prompts in; the endpoints set it on every channel. */
export const PROMPT_LANGUAGE = 'zh'

/** The FreeSWITCH SIP profile callers, phones and the department gateway share. */
export const SIP_PROFILE = 'hotline'

/** The realm of the phones' digest authentication (part of Asterisk's password_digest). */
export const PHONE_REALM = 'hotline12345'

/** `PHONE_PASSWORD_8001`: named after what the phone registers as. */
export const phonePasswordEnv = (extension: string): string => `PHONE_PASSWORD_${extension}`

function match (what: string, template: string, pattern: RegExp, expected: string): string {
  const found = pattern.exec(template)?.[1]
  if (found === undefined) {
    throw new HotlineError('HC_CONFIG_INVALID',
      `${what} is "${template}": the generated switch configuration serves ${expected} only`)
  }
  return found
}

/** Where the controller connects: the URL's port, else the scheme's (as fetch and ws do). */
function hostPort (url: string): { host: string, port: number } {
  const parsed = new URL(url)
  const schemePort = parsed.protocol === 'https:' ? 443 : 80
  return { host: parsed.hostname, port: parsed.port === '' ? schemePort : Number(parsed.port) }
}

/** The site from the settings and the agents; refuses dial templates the configuration cannot serve. */
export function switchSite (app: AppConfig, agents: AgentsConfig): SwitchSite {
  const sw = app.switch
  const site = sw.site
  const gateway = match('switch.dialTemplate', sw.dialTemplate, /^sofia\/gateway\/([A-Za-z0-9_-]+)\/\{number\}$/,
    'sofia/gateway/<gateway>/{number}')
  match('switch.agentDialTemplate', sw.agentDialTemplate, /^(user)\/\{number\}$/, 'user/{number}')
  const trunk = match('switch.asterisk.endpointTemplate', sw.asterisk.endpointTemplate,
    /^PJSIP\/\{number\}@([A-Za-z0-9_-]+)$/, 'PJSIP/{number}@<trunk>')
  match('switch.asterisk.agentEndpointTemplate', sw.asterisk.agentEndpointTemplate, /^(PJSIP)\/\{number\}$/, 'PJSIP/{number}')
  const soundFolder = match('switch.asterisk.soundPrefix', sw.asterisk.soundPrefix, /^sound:([A-Za-z0-9_-]+)\/$/,
    'sound:<folder>/')
  if (!sw.soundPrefix.startsWith('/')) {
    throw new HotlineError('HC_CONFIG_INVALID', `switch.soundPrefix is "${sw.soundPrefix}": the generated configuration needs an absolute folder`)
  }
  const [trunkHost = '', trunkPort = ''] = site.departmentTrunk.split(':')
  const ari = hostPort(sw.asterisk.url)
  return {
    hotlineNumber: sw.hotlineNumber,
    phones: agents.agents.map((a) => ({
      agentId: a.id, name: a.name, extension: a.extension, passwordEnv: phonePasswordEnv(a.extension)
    })),
    sip: { address: site.sipAddress, port: site.sipPort, rtpStart: site.rtpPortStart, rtpEnd: site.rtpPortEnd },
    callers: [...site.callers],
    phoneNetworks: [...site.phones],
    controllers: [...site.controllers],
    departmentTrunk: { host: trunkHost, port: Number(trunkPort), auth: site.departmentAuth },
    freeswitch: {
      gateway,
      eslHost: sw.freeswitch.host,
      eslPort: sw.freeswitch.port,
      conferenceProfile: sw.conferenceProfile,
      soundDir: sw.soundPrefix.endsWith('/') ? sw.soundPrefix : `${sw.soundPrefix}/`,
      sessionsPerSecond: site.sessionsPerSecond,
      maxSessions: site.maxSessions
    },
    asterisk: {
      trunk,
      ariHost: ari.host,
      ariPort: ari.port,
      ariUser: sw.asterisk.user,
      app: sw.asterisk.app,
      apps: stasisApps(sw.asterisk.app, site.asteriskApps),
      maxRequestsInFlight: sw.asterisk.maxRequestsInFlight,
      soundFolder
    }
  }
}

/** The applications the dialplan tries: the listed ones, which must name this controller's. */
function stasisApps (own: string, listed: readonly string[]): string[] {
  if (listed.length === 0) return [own]
  if (!listed.includes(own)) {
    throw new HotlineError('HC_CONFIG_INVALID', `switch.site.asteriskApps is [${listed.join(', ')}]: it must name switch.asterisk.app (${own}) too`)
  }
  return [...listed]
}
