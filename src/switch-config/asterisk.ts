// The Asterisk 22 configuration files for the line, each replacing the stock file of the same
// name in /etc/asterisk (the stock samples hold demo dialplan and endpoints, IAX2 guest
// access, DUNDi and HTTP pages the line must not expose). asterisk.conf is not among them:
// its directories belong to the installation.

import type { GeneratedFile } from './files.js'
import { ASTERISK_MODULES } from './asterisk-modules.js'
import { secretsScript } from './asterisk-secrets.js'
import { SERVICE_INTERRUPTED_PROMPT } from '../ports/switch.js'
import { type SwitchSite, PHONE_REALM, PROMPT_LANGUAGE } from './site.js'

const GENERATED = '; Written by `npm run switch-config` from config/*.yaml: change those, not this file.\n'

const conf = (path: string, body: string): GeneratedFile => ({ path, content: GENERATED + body })

const modules = `[modules]
; Only what the line uses (autoload = no): no IAX2, DUNDi, phone provisioning, Prometheus or
; media-cache pages. The loader does not pull in dependencies, so each one is listed too.
autoload = no
${ASTERISK_MODULES.map((m) => `load = ${m}`).join('\n')}
`

function pjsip (site: SwitchSite): string {
  const { sip, departmentTrunk: trunk } = site
  const trunkName = site.asterisk.trunk
  const permits = [...new Set([...site.callers, ...site.phoneNetworks, trunk.host])].join(',')
  const phones = site.phones.map((p) => `; ${p.agentId} (${p.name}): password from ${p.passwordEnv}
[${p.extension}](phone)
auth = ${p.extension}-auth
aors = ${p.extension}
[${p.extension}](phone-aor)
[${p.extension}-auth](phone-auth)
username = ${p.extension}
`).join('\n')
  return `; SIP for the line: the trunk callers arrive on, the department trunk, the agents' phones.
; No password is written here: see the #include at the end.

[global]
type = global
; Do not advertise the Asterisk version.
user_agent = hotline12345
; Phones are recognised by the user they register or call as, before anything is matched by
; address: the callers' SBC, the department trunk and the phones may share an address.
endpoint_identifier_order = username,ip

; Requests from anywhere but the callers' SBC, the phones' networks and the department
; trunk are refused before any endpoint or authentication is looked at.
[acl]
type = acl
deny = 0.0.0.0/0.0.0.0
permit = ${permits}

[transport-udp]
type = transport
protocol = udp
bind = ${sip.address}:${sip.port}

[endpoint-common](!)
type = endpoint
transport = transport-udp
disallow = all
; G.711 A-law is the PSTN codec in China; mu-law for equipment that only offers it.
allow = alaw,ulaw
; RFC 4733 and SIP INFO digits both reach the application as ChannelDtmfReceived.
dtmf_mode = rfc4733
; Media stays on the switch: the controller plays prompts and bridges the legs.
direct_media = no
; Only the controller moves calls: no REFER.
allow_transfer = no
; Prompts are looked up in sounds/${PROMPT_LANGUAGE}/ for these channels.
language = ${PROMPT_LANGUAGE}

; Carriers and PBXs have no use for connected-line updates (a peer that ignored the
; re-INVITEs they cause lost the call 64 s later). Trunks are known by address only.
[trunk](!,endpoint-common)
send_connected_line = no
identify_by = ip

; Callers arrive from the carrier's or hotline platform's SBC (switch.site.callers).
[callers](trunk)
context = from-callers

[callers-identify]
type = identify
endpoint = callers
match = ${site.callers.join(',')}

; The department trunk (switch.site.departmentTrunk): the controller dials
; PJSIP/<number>@${trunkName}, an INVITE to sip:<number>@${trunk.host}:${trunk.port}.
[${trunkName}](trunk)
context = from-department
aors = ${trunkName}
${trunk.auth
    ? `; The trunk challenges our INVITEs (switch.site.departmentAuth): the secrets script writes
; ${trunkName}-auth from DEPARTMENT_USER and DEPARTMENT_PASSWORD.
outbound_auth = ${trunkName}-auth`
    : '; No credentials: the trunk trusts this switch by address (switch.site.departmentAuth).'}

[${trunkName}]
type = aor
contact = sip:${trunk.host}:${trunk.port}
; OPTIONS every 30 s: no INVITE goes to a contact that stopped answering, so a dial through a
; dead trunk fails at once.
qualify_frequency = 30

[${trunkName}-identify]
type = identify
endpoint = ${trunkName}
match = ${trunk.host}:${trunk.port}

; The agents' phones (config/agents.yaml): each registers as its extension with digest
; authentication; the controller dials PJSIP/<extension>.
[phone](!,endpoint-common)
context = from-agents
identify_by = username

[phone-aor](!)
type = aor
max_contacts = 1
remove_existing = yes
qualify_frequency = 30

[phone-auth](!)
type = auth
auth_type = digest
realm = ${PHONE_REALM}

${phones}
; Written at deploy time from the environment by hotline-asterisk-secrets. Without it
; res_pjsip does not load, so no phone can register with an empty password.
#include "pjsip_hotline_secrets.conf"
`
}

function stasisComment (apps: readonly string[]): string {
  if (apps.length === 1) return ''
  return `
; ${apps.length} controllers, one application each (a Stasis application has one events
; socket): calls go to them in turn (HC_TURN), and an application with no controller
; connected (STASISSTATUS FAILED) passes the call to the next one.`
}

/**
 * One application: Stasis() and the 503 when it fails. Several: a shared turn counter picks
 * where each call starts, and each start tries every application once, in a rotated order.
 */
function stasisLines (number: string, apps: readonly string[]): string {
  const failed = '$["${STASISSTATUS}" = "FAILED"]'
  if (apps.length === 1) {
    return [
      `exten => ${number},1,Stasis(${apps[0] ?? ''})`,
      ` same => n,GotoIf(${failed}?unavailable)`,
      ' same => n,Hangup()',
      ' same => n(unavailable),Hangup(34)'
    ].join('\n')
  }
  const lines = [
    `exten => ${number},1,Set(GLOBAL(HC_TURN)=$[(0\${GLOBAL(HC_TURN)} + 1) % ${apps.length}])`,
    ' same => n,Goto(turn${GLOBAL(HC_TURN)})'
  ]
  apps.forEach((_, start) => {
    apps.forEach((_, k) => {
      const app = apps[(start + k) % apps.length] ?? ''
      lines.push(` same => n${k === 0 ? `(turn${start})` : ''},Stasis(${app})`)
      lines.push(` same => n,GotoIf(${failed}?${k === apps.length - 1 ? 'unavailable' : ''}:done)`)
    })
  })
  lines.push(' same => n(done),Hangup()', ' same => n(unavailable),Hangup(34)')
  return lines.join('\n')
}

function extensions (site: SwitchSite): string {
  return `[general]
static = yes
writeprotect = yes
autofallthrough = yes

; Only ${site.hotlineNumber} is reachable, handed to a controller's Stasis application
; unanswered: the controller answers it itself. With no controller connected Stasis() fails
; at once and the caller gets 503 (cause 34), so the carrier can route the call elsewhere.${stasisComment(site.asterisk.apps)}
[from-callers]
${stasisLines(site.hotlineNumber, site.asterisk.apps)}

; The safety net: a caller in the IVR or the queue whose controller stopped re-arming its
; TIMEOUT(absolute) (controller.safetyNetSec) leaves Stasis() with a soft hangup TIMEOUT and
; comes here, to hear the apology. Only a channel a controller tagged (HC_CALL) gets it; a call
; dialled to T is refused as an unknown number.
exten => T,1,GotoIf($["\${HC_CALL}" = ""]?refused)
 same => n,Answer()
 same => n,Playback(${site.asterisk.soundFolder}/${SERVICE_INTERRUPTED_PROMPT})
 same => n,Hangup()
 same => n(refused),Hangup(1)

; Calls the phones or the department trunk make: none are routed.
[from-agents]
[from-department]
`
}

function ari (site: SwitchSite): string {
  return `[general]
enabled = yes
pretty = no
; No browser page talks to ARI.
allowed_origins =
; A controller busy for a moment must not lose the event WebSocket (events sent while it is
; closed are lost); the default is 100 ms.
websocket_write_timeout = 1000

[${site.asterisk.ariUser}]
type = user
read_only = no
; Checked with crypt(3) against a hash written at deploy time (#include below).
password_format = crypt

#include "ari_hotline_secret.conf"
`
}

function http (site: SwitchSite): string {
  // Two controllers (one standing by) at their bound, plus a few for checks; at least 200.
  const sessionLimit = Math.max(200, 2 * (site.asterisk.maxRequestsInFlight + 1) + 10)
  return `[general]
enabled = yes
; Where the controller reaches ARI (switch.asterisk.url): a private address, never 0.0.0.0.
bindaddr = ${site.asterisk.ariHost}
bindport = ${site.asterisk.ariPort}
; Nothing but ARI: no static files, no version in a Server header.
enablestatic = no
servername =
; ARI requests in flight each hold a connection, and each controller's WebSocket one more:
; room for two controllers x (switch.asterisk.maxRequestsInFlight + 1) and a few more.
sessionlimit = ${sessionLimit}
session_inactivity = 30000
session_keep_alive = 15000
`
}

function rtp (site: SwitchSite): string {
  return `[general]
rtpstart = ${site.sip.rtpStart}
rtpend = ${site.sip.rtpEnd}
`
}

// Tones for the caller (ringing, busy), China's as ITU-T E.180 lists them: 450 Hz; ringback
// 1 s on, 4 s off; busy 0.35 s on and off.
const indications = `[general]
country = cn

[cn]
description = China
ringcadence = 1000,4000
dial = 450
busy = 450/350,0/350
ring = 450/1000,0/4000
congestion = 450/700,0/700
callwaiting = 450/400,0/4000
record = 1400/400,0/15000
info = 950/330,1400/330,1800/330,0/1000
`

const logger = `[general]
[logfiles]
messages.log => notice,warning,error,verbose(3)
console => notice,warning,error
`

// Files the loaded modules read at start: empty, so their defaults apply without an ERROR
// line each ("Unable to load config file").
const QUIET = [
  'acl.conf', 'ccss.conf', 'cdr.conf', 'cel.conf', 'features.conf', 'geolocation.conf', 'pjproject.conf', 'statsd.conf',
  'udptl.conf', 'websocket_client.conf'
]

export function asteriskConfig (site: SwitchSite): GeneratedFile[] {
  return [
    conf('modules.conf', modules),
    conf('pjsip.conf', pjsip(site)),
    conf('extensions.conf', extensions(site)),
    conf('ari.conf', ari(site)),
    conf('http.conf', http(site)),
    conf('rtp.conf', rtp(site)),
    conf('logger.conf', logger),
    conf('indications.conf', indications),
    ...QUIET.map((name) => conf(name, '')),
    { path: 'hotline-asterisk-secrets', content: secretsScript(site), mode: 0o755 }
  ]
}
