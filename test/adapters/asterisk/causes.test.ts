import t from 'tap'
import {
  ASTERISK_CAUSES, HANGUP_REASONS, causeText, dialOutcomeOfCause, dialOutcomeOfStatus, hangupCauseOf, isSwitchGoingAway, unansweredOutcome
} from '../../../src/adapters/asterisk/causes.js'

void t.test('dial outcomes of the Q.850 causes a dialled leg ends with', async (t) => {
  const cases: Array<[number | undefined, string]> = [
    [17, 'busy'],
    [19, 'no-answer'],
    [18, 'no-answer'],
    [21, 'rejected'],
    [1, 'unreachable'],
    [3, 'unreachable'],
    [27, 'unreachable'],
    [34, 'unreachable'],
    [38, 'unreachable'],
    [41, 'unreachable'],
    [102, 'unreachable'],
    [26, 'cancelled'],
    [16, 'failed'],
    [127, 'failed'],
    [999, 'failed'],
    [undefined, 'failed']
  ]
  for (const [q850, outcome] of cases) t.equal(dialOutcomeOfCause(q850), outcome, `cause ${String(q850)}`)
})

void t.test('cause texts are the ones Asterisk prints in cause_txt', async (t) => {
  // The three seen on the wire in test/fixtures/captures/asterisk-22.10.1/summary.txt.
  t.equal(causeText(17), 'User busy')
  t.equal(causeText(19), 'User alerting, no answer')
  t.equal(causeText(16), 'Normal Clearing')
  t.equal(causeText(4242), undefined)
  t.equal(causeText(undefined), undefined)
  for (const [code, row] of Object.entries(ASTERISK_CAUSES)) {
    t.ok(Number(code) > 0 && Number(code) < 128, `${code} is a Q.850 cause`)
    t.ok(row.text.length > 0)
  }
})

void t.test('dialstatus words: final ones map, RINGING and the empty first one do not', async (t) => {
  t.equal(dialOutcomeOfStatus('ANSWER'), 'answered')
  t.equal(dialOutcomeOfStatus('BUSY'), 'busy')
  t.equal(dialOutcomeOfStatus('NOANSWER'), 'no-answer')
  t.equal(dialOutcomeOfStatus('CANCEL'), 'cancelled')
  t.equal(dialOutcomeOfStatus('CONGESTION'), 'unreachable')
  t.equal(dialOutcomeOfStatus('CHANUNAVAIL'), 'unreachable')
  t.equal(dialOutcomeOfStatus('RINGING'), undefined)
  t.equal(dialOutcomeOfStatus('PROGRESS'), undefined)
  t.equal(dialOutcomeOfStatus(''), undefined)
  t.equal(dialOutcomeOfStatus(undefined), undefined)
})

void t.test('the cause decides an unanswered dial; dialstatus is only a hint', async (t) => {
  // Captures 06/08: no final Dial event at all, the cause tells.
  t.equal(unansweredOutcome(19, 'RINGING', true), 'no-answer')
  t.equal(unansweredOutcome(17, '', false), 'busy')
  // A specific cause wins over a contradicting status.
  t.equal(unansweredOutcome(17, 'CHANUNAVAIL', false), 'busy')
  // An unspecific cause takes the hint.
  t.equal(unansweredOutcome(16, 'BUSY', false), 'busy')
  t.equal(unansweredOutcome(undefined, 'CHANUNAVAIL', false), 'unreachable')
  // A hint of ANSWER does not make an ended leg answered.
  t.equal(unansweredOutcome(16, 'ANSWER', true), 'failed')
  t.equal(unansweredOutcome(16, undefined, false), 'failed')
})

void t.test('18 No user responding: nobody answered the INVITE (SIP 408) unless the leg rang', async (t) => {
  t.equal(unansweredOutcome(18, '', false), 'unreachable')
  t.equal(unansweredOutcome(18, 'NOANSWER', false), 'unreachable')
  t.equal(unansweredOutcome(18, 'RINGING', true), 'no-answer')
})

void t.test('who hung up decides normal vs remote hangup', async (t) => {
  t.equal(hangupCauseOf(16, false), 'remote-hangup')
  t.equal(hangupCauseOf(16, true), 'normal')
  t.equal(hangupCauseOf(undefined, false), 'remote-hangup')
  t.equal(hangupCauseOf(undefined, true), 'normal')
  t.equal(hangupCauseOf(17, true), 'busy')
  t.equal(hangupCauseOf(19, false), 'no-answer')
  t.equal(hangupCauseOf(38, true), 'unreachable')
  t.equal(hangupCauseOf(127, false), 'failed')
})

void t.test('hangup reasons are words DELETE /channels accepts, with the cause Asterisk makes of them', async (t) => {
  // resource_channels.c convert_reason_to_hangup_code; an unknown word is a 400 (captures 12).
  const accepted = new Set(['normal', 'busy', 'congestion', 'no_answer', 'timeout', 'rejected', 'unallocated',
    'normal_unspecified', 'number_incomplete', 'codec_mismatch', 'interworking', 'failure', 'answered_elsewhere'])
  for (const [reason, row] of Object.entries(HANGUP_REASONS)) {
    t.ok(accepted.has(row.reason), `${reason} → ${row.reason}`)
  }
  t.same(HANGUP_REASONS.busy, { reason: 'busy', q850: 17 })
  t.same(HANGUP_REASONS['no-answer'], { reason: 'no_answer', q850: 19 })
  t.equal(hangupCauseOf(HANGUP_REASONS.busy.q850, true), 'busy')
  t.equal(hangupCauseOf(HANGUP_REASONS.normal.q850, true), 'normal')
})

void t.test('soft hangup flags that mean Asterisk is going away (channel.h AST_SOFTHANGUP_*)', async (t) => {
  t.ok(isSwitchGoingAway(4), '4 SHUTDOWN (capture 14)')
  t.ok(isSwitchGoingAway(16), '16 APPUNLOAD')
  t.notOk(isSwitchGoingAway(32), '32 EXPLICIT: a DELETE')
  t.notOk(isSwitchGoingAway(undefined))
})
