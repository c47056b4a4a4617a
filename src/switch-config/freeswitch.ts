// A complete FreeSWITCH configuration tree for the line (FreeSWITCH 1.10 / 1.11): started
// with `-conf <dir>` or copied over /etc/freeswitch. Only what the line uses is loaded; the
// stock tree's demo dialplan, its example users and its STUN lookups (which keep mod_sofia
// from loading on a host without internet) are not there.

import type { GeneratedFile } from './files.js'
import { type SwitchSite, PHONE_REALM, SIP_PROFILE } from './site.js'

const esc = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

const HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
const GENERATED = '<!-- Written by `npm run switch-config` from config/*.yaml: change those, not this file. -->\n'

const cidr = (range: string): string => range.includes('/') ? range : `${range}/32`

const param = (name: string, value: string | number): string =>
  `<param name="${name}" value="${esc(String(value))}"/>`

function file (path: string, body: string): GeneratedFile {
  return { path, content: HEAD + GENERATED + body }
}

function vars (site: SwitchSite): string {
  const secret = (name: string, env: string): string[] => [
    `  <X-PRE-PROCESS cmd="exec-set" data="${name}=cat /proc/sys/kernel/random/uuid"/>`,
    `  <X-PRE-PROCESS cmd="env-set" data="${name}=$${env}"/>`
  ]
  return [
    '<!--',
    '  Secrets come from the environment FreeSWITCH starts with, each first set to a random value:',
    '  a switch started without one refuses every client (mod_event_socket would otherwise fall',
    '  back to its well-known default password) and no phone can register with an empty password.',
    '  Comments here must not name the pre-processor tag or the double-dollar syntax: the',
    '  pre-processor acts on them even inside comments.',
    '-->',
    '<include>',
    '  <!-- The directory domain user/<extension> dials look in, also the phones\' digest realm. -->',
    `  <X-PRE-PROCESS cmd="set" data="domain=${PHONE_REALM}"/>`,
    ...secret('esl_password', 'ESL_PASSWORD'),
    ...(site.departmentTrunk.auth ? [...secret('department_user', 'DEPARTMENT_USER'), ...secret('department_password', 'DEPARTMENT_PASSWORD')] : []),
    ...site.phones.flatMap((p) => secret(`phone_password_${p.extension}`, p.passwordEnv)),
    '</include>',
    ''
  ].join('\n')
}

const root = `<document type="freeswitch/xml">
  <X-PRE-PROCESS cmd="include" data="vars.xml"/>
  <section name="configuration" description="Modules">
    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>
  </section>
  <section name="dialplan" description="Calls to the hotline">
    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>
  </section>
  <section name="directory" description="The agents' phones">
    <X-PRE-PROCESS cmd="include" data="directory/*.xml"/>
  </section>
</document>
`

const modules = `<configuration name="modules.conf" description="Modules">
  <modules>
    <load module="mod_console"/>
    <load module="mod_logfile"/>
    <!-- The controller's inbound event socket. -->
    <load module="mod_event_socket"/>
    <!-- SIP: callers, agents' phones, the department gateway. -->
    <load module="mod_sofia"/>
    <load module="mod_dialplan_xml"/>
    <!-- answer, park, playback, play_and_get_digits, set. -->
    <load module="mod_dptools"/>
    <!-- originate, uuid_kill, uuid_transfer, file_exists. -->
    <load module="mod_commands"/>
    <!-- Three-way calls. -->
    <load module="mod_conference"/>
    <!-- WAV prompts. G.711 is in the core. -->
    <load module="mod_sndfile"/>
    <!-- silence_stream://, played in place of a missing prompt and as the invalid-input file. -->
    <load module="mod_tone_stream"/>
  </modules>
</configuration>
`

function switchConf (site: SwitchSite): string {
  const fs = site.freeswitch
  return `<configuration name="switch.conf" description="Core">
  <settings>
    ${param('colorize-console', 'false')}
    ${param('loglevel', 'info')}
    ${param('dump-cores', 'no')}
    ${param('max-sessions', fs.maxSessions)}
    <!-- New calls a second; FreeSWITCH refuses calls over it (its own default is 30). -->
    ${param('sessions-per-second', fs.sessionsPerSecond)}
    ${param('rtp-start-port', site.sip.rtpStart)}
    ${param('rtp-end-port', site.sip.rtpEnd)}
  </settings>
</configuration>
`
}

const logging = `<configuration name="logfile.conf" description="File logging">
  <settings>
    ${param('rotate-on-hup', 'true')}
  </settings>
  <profiles>
    <profile name="default">
      <settings>
        ${param('rollover', 10485760)}
        ${param('maximum-rotate', 10)}
      </settings>
      <mappings>
        <map name="all" value="info,notice,warning,err,crit,alert"/>
      </mappings>
    </profile>
  </profiles>
</configuration>
`

const consoleConf = `<configuration name="console.conf" description="Console logging">
  <mappings>
    <map name="all" value="console,info,notice,warning,err,crit,alert"/>
  </mappings>
  <settings>
    ${param('colorize', 'false')}
    ${param('loglevel', 'info')}
  </settings>
</configuration>
`

function eventSocket (site: SwitchSite): string {
  return `<!--
  Whoever reaches the event socket with the password controls every call on the switch: it
  listens where the controller connects (switch.freeswitch.host) and admits the controllers'
  addresses only (switch.site.controllers). The password is the ESL_PASSWORD environment
  variable (vars.xml).
-->
<configuration name="event_socket.conf" description="Event socket">
  <settings>
    ${param('nat-map', 'false')}
    ${param('listen-ip', site.freeswitch.eslHost)}
    ${param('listen-port', site.freeswitch.eslPort)}
    <param name="password" value="$\${esl_password}"/>
    ${param('apply-inbound-acl', 'controllers')}
  </settings>
</configuration>
`
}

function acl (site: SwitchSite): string {
  const list = (name: string, ranges: string[]): string => [
    `    <list name="${name}" default="deny">`,
    ...ranges.map((r) => `      <node type="allow" cidr="${cidr(r)}"/>`),
    '    </list>'
  ].join('\n')
  return `<configuration name="acl.conf" description="Network lists">
  <network-lists>
    <!-- Calls from these addresses reach the dialplan's public context without a challenge. -->
${list('callers', site.callers)}
${list('controllers', site.controllers)}
  </network-lists>
</configuration>
`
}

function sofia (site: SwitchSite): string {
  const { sip, departmentTrunk: trunk, freeswitch: fs } = site
  return `<configuration name="sofia.conf" description="SIP">
  <global_settings>
    ${param('log-level', 0)}
  </global_settings>
  <profiles>
    <profile name="${SIP_PROFILE}">
      <gateways>
        <!-- The departments' trunk: switch.dialTemplate dials sofia/gateway/${fs.gateway}/<number>. -->
        <gateway name="${fs.gateway}">
          ${param('proxy', `${trunk.host}:${trunk.port}`)}
          ${param('register', 'false')}
          ${param('caller-id-in-from', 'true')}${trunk.auth
            ? `
          <!-- The trunk challenges our INVITEs (switch.site.departmentAuth): credentials from
               FreeSWITCH's environment, DEPARTMENT_USER and DEPARTMENT_PASSWORD. -->
          <param name="username" value="$\${department_user}"/>
          <param name="password" value="$\${department_password}"/>`
            : ''}
          <!-- OPTIONS every 30 s: a dead trunk is marked down and dials fail at once (GATEWAY_DOWN). -->
          ${param('ping', 30)}
        </gateway>
      </gateways>
      <settings>
        ${param('context', 'public')}
        ${param('dialplan', 'XML')}
        <!-- Fixed addresses: no STUN lookups, which fail on a host without internet. -->
        ${param('sip-ip', sip.address)}
        ${param('sip-port', sip.port)}
        ${param('rtp-ip', sip.address)}
        ${param('ext-sip-ip', sip.address)}
        ${param('ext-rtp-ip', sip.address)}
        <!-- Callers' calls come from the SBC (switch.site.callers); anything else is challenged,
             and a phone that authenticates lands in the empty agents context. -->
        ${param('auth-calls', 'true')}
        ${param('apply-inbound-acl', 'callers')}
        <!-- Phones register in one domain whatever address they name: the directory's. -->
        ${param('challenge-realm', PHONE_REALM)}
        ${param('force-register-domain', PHONE_REALM)}
        ${param('force-register-db-domain', PHONE_REALM)}
        ${param('inbound-reg-force-matching-username', 'true')}
        <!-- Only the controller moves calls: no REFER from phones. -->
        ${param('disable-transfer', 'true')}
        ${param('inbound-codec-prefs', 'PCMA,PCMU')}
        ${param('outbound-codec-prefs', 'PCMA,PCMU')}
        ${param('dtmf-type', 'rfc2833')}
        ${param('rfc2833-pt', 101)}
        <!-- Keys as SIP INFO too (application/dtmf-relay, as some SBCs send them): without it
             sofia drops them ("This channel was not configured to use INFO DTMF"). -->
        ${param('liberal-dtmf', 'true')}
        ${param('rtp-timer-name', 'soft')}
        ${param('manage-presence', 'false')}
        ${param('nonce-ttl', 60)}
        ${param('user-agent-string', 'hotline12345')}
        ${param('tls', 'false')}
      </settings>
    </profile>
  </profiles>
</configuration>
`
}

const conference = `<configuration name="conference.conf" description="Three-way calls">
  <caller-controls>
    <!-- No key bindings: keys pressed in a three-way call mute, deafen or drop nobody. -->
    <group name="hotline-none"/>
  </caller-controls>
  <profiles>
    <!-- No enter, exit, alone or hold sounds: callers hear only the controller's zh-CN prompts. -->
    <profile name="PROFILE">
      <param name="domain" value="$\${domain}"/>
      ${param('rate', 8000)}
      ${param('interval', 20)}
      ${param('caller-controls', 'hotline-none')}
      ${param('comfort-noise', 'true')}
    </profile>
  </profiles>
</configuration>
`

function dialplan (site: SwitchSite): string {
  return `<!--
  Calls to the hotline are parked unanswered: the controller sees CHANNEL_PARK with
  Answer-State ringing, answers over the event socket and runs the IVR. Nothing else is
  reachable: any other number ends NO_ROUTE_DESTINATION (404).
-->
<include>
  <context name="public">
    <extension name="hotline-${site.hotlineNumber}">
      <condition field="destination_number" expression="^${site.hotlineNumber}$">
        <action application="set" data="hotline_line=enterprise-seat"/>
        <action application="park"/>
      </condition>
    </extension>
  </context>
  <!-- Calls the agents' phones make: none are routed. -->
  <context name="agents"/>
</include>
`
}

function directory (site: SwitchSite): string {
  const users = site.phones.map((p) => [
    `          <!-- ${esc(p.agentId)}: password from ${p.passwordEnv} -->`,
    `          <user id="${p.extension}">`,
    `            <params><param name="password" value="$\${phone_password_${p.extension}}"/></params>`,
    '          </user>'
  ].join('\n')).join('\n')
  return `<!--
  The agents' phones (config/agents.yaml): each registers as its extension with digest
  authentication, and the controller dials it as user/<extension>. A phone that is not
  registered ends the dial USER_NOT_REGISTERED; an extension not listed here SUBSCRIBER_ABSENT.
-->
<include>
  <domain name="$\${domain}">
    <params>
      <param name="dial-string" value="{^^:sip_invite_domain=\${dialed_domain}:presence_id=\${dialed_user}@\${dialed_domain}}\${sofia_contact(*/\${dialed_user}@\${dialed_domain})}"/>
    </params>
    <variables>
      <variable name="user_context" value="agents"/>
    </variables>
    <groups>
      <group name="agents">
        <users>
${users}
        </users>
      </group>
    </groups>
  </domain>
</include>
`
}

/** The whole tree, paths relative to the configuration folder. */
export function freeswitchConfig (site: SwitchSite): GeneratedFile[] {
  return [
    file('freeswitch.xml', root),
    file('vars.xml', vars(site)),
    file('autoload_configs/modules.conf.xml', modules),
    file('autoload_configs/switch.conf.xml', switchConf(site)),
    file('autoload_configs/logfile.conf.xml', logging),
    file('autoload_configs/console.conf.xml', consoleConf),
    file('autoload_configs/event_socket.conf.xml', eventSocket(site)),
    file('autoload_configs/acl.conf.xml', acl(site)),
    file('autoload_configs/sofia.conf.xml', sofia(site)),
    file('autoload_configs/conference.conf.xml', conference.replace('PROFILE', site.freeswitch.conferenceProfile)),
    file(`dialplan/${site.hotlineNumber}.xml`, dialplan(site)),
    file('directory/agents.xml', directory(site))
  ]
}
