// SIPp scenarios for the real-switch tests: callers, the agents' phones (registering with
// digest authentication, then answering) and the department lines (answer, busy, no answer,
// reject, by the number dialled). SIPp 3.6 scenario syntax (sipp.sourceforge.net/doc/reference).

const XML_HEAD = '<?xml version="1.0" encoding="ISO-8859-1" ?>'

const SDP = `Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
`

/** A response to the last request received, with SIPp's copies of its headers. */
function reply (status: string, options: { sdp?: boolean, tag?: boolean } = {}): string {
  return `  <send><![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:]${options.tag === false ? '' : ';tag=[pid]SIPpTag01[call_number]'}
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${options.sdp === true ? SDP : 'Content-Length: 0\n'}
]]></send>`
}

/** In-dialog: OPTIONS, re-INVITE, UPDATE and INFO from the switch are answered until the BYE. */
const TALK_UNTIL_BYE = `  <label id="talk"/>
  <recv request="INVITE" optional="true" next="reinvite"/>
  <recv request="UPDATE" optional="true" next="update"/>
  <recv request="OPTIONS" optional="true" next="options_in"/>
  <recv request="INFO" optional="true" next="info"/>
  <recv request="BYE"/>
${reply('200 OK')}
  <nop next="end"/>
  <label id="reinvite"/>
${reply('200 OK', { sdp: true })}
  <recv request="ACK" next="talk"/>
  <label id="update"/>
${reply('200 OK', { sdp: true })}
  <nop next="talk"/>
  <label id="options_in"/>
${reply('200 OK')}
  <nop next="talk"/>
  <label id="info"/>
${reply('200 OK')}
  <nop next="talk"/>`

/** A switch's qualify OPTIONS arrive as calls of their own: answered, nothing more. */
const OPTIONS_CALL = `  <label id="options"/>
${reply('200 OK')}
  <nop next="end"/>`

/** Registers `user` with digest authentication; INVITEs for it go to `contactPort`. */
export function registerScenario (user: string, password: string, contactPort: number, expires = 3600): string {
  const request = (cseq: number, auth: string): string => `  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${user}@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${user}@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <sip:${user}@[local_ip]:${contactPort}>
${auth}Max-Forwards: 70
Expires: ${expires}
Content-Length: 0

]]></send>`
  return `${XML_HEAD}
<scenario name="register ${user}">
${request(1, '')}
  <recv response="401" auth="true"/>
${request(2, `[authentication username=${user} password=${password}]\n`)}
  <recv response="200"/>
</scenario>
`
}

/** An agent's phone: answers after `answerMs`, talks until the switch hangs up. */
export function phoneScenario (answerMs: number): string {
  return `${XML_HEAD}
<scenario name="phone">
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="INVITE"/>
${reply('180 Ringing')}
  <pause milliseconds="${answerMs}"/>
${reply('200 OK', { sdp: true })}
  <recv request="ACK"/>
${TALK_UNTIL_BYE}
${OPTIONS_CALL}
  <label id="end"/>
</scenario>
`
}

export type LineBehaviour = 'answer' | 'answer-late' | 'busy' | 'no-answer' | 'reject'

/**
 * The department trunk: one UAS for every number behind it; each number answers (after
 * `answerMs`, or `lateAnswerMs` for `answer-late`), is busy (486), never answers (rings until
 * CANCEL) or rejects (603). Numbers not listed: 404.
 */
export function departmentScenario (lines: Record<string, LineBehaviour>, answerMs = 800, lateAnswerMs = 9000): string {
  const numbers = Object.entries(lines)
  const match = numbers.map(([number], i) =>
    `      <ereg regexp="^INVITE sip:${number}@" search_in="msg" check_it="false" assign_to="n${i}"/>`).join('\n')
  const jumps = numbers.map(([, kind], i) => `  <nop next="${kind}" test="n${i}"/>`).join('\n')
  return `${XML_HEAD}
<scenario name="department lines">
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="INVITE">
    <action>
${match}
    </action>
  </recv>
${jumps}
${reply('404 Not Found')}
  <recv request="ACK" next="end"/>
  <label id="busy"/>
${reply('486 Busy Here')}
  <recv request="ACK" next="end"/>
  <label id="reject"/>
${reply('603 Decline')}
  <recv request="ACK" next="end"/>
  <label id="no-answer"/>
${reply('180 Ringing')}
  <recv request="CANCEL"/>
${reply('200 OK', { tag: false })}
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK" next="end"/>
  <label id="answer-late"/>
${reply('180 Ringing')}
  <pause milliseconds="${lateAnswerMs}"/>
  <nop next="answered"/>
  <label id="answer"/>
${reply('180 Ringing')}
  <pause milliseconds="${answerMs}"/>
  <label id="answered"/>
${reply('200 OK', { sdp: true })}
  <recv request="ACK"/>
${TALK_UNTIL_BYE}
${OPTIONS_CALL}
  <label id="end"/>
</scenario>
`
}

export interface CallerScript {
  /** Keys as SIP INFO (application/dtmf-relay), each `afterMs` after the previous step. */
  keys: Array<{ afterMs: number, digit: string }>
  /** The caller hangs up this long after the last key; undefined: waits for the switch's BYE. */
  hangupAfterMs?: number
}

/** A caller `from` dialling `to`: answered, keys pressed at the times given, then BYE (or BYE awaited). */
export function callerScenario (from: string, to: string, script: CallerScript): string {
  const info = (step: { afterMs: number, digit: string }, i: number): string => `  <pause milliseconds="${step.afterMs}"/>
  <send><![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: ${i + 2} INFO
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal=${step.digit}
Duration=160
]]></send>
  <recv response="200"/>`
  const end = script.hangupAfterMs === undefined
    ? `${TALK_UNTIL_BYE}
  <label id="end"/>`
    : `  <pause milliseconds="${script.hangupAfterMs}"/>
  <send><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: ${script.keys.length + 2} BYE
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>`
  return `${XML_HEAD}
<scenario name="caller">
  <send retrans="500"><![CDATA[
INVITE sip:${to}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${from}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${to}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
${SDP}
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Contact: <sip:${from}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
${script.keys.map(info).join('\n')}
${end}
</scenario>
`
}
