import t from 'tap'
import { FREESWITCH_CAUSES, dialOutcomeOf, hangupCauseOf, q850Of } from '../../../src/adapters/freeswitch/causes.js'

void t.test('dial outcomes of the causes an originate ends with', async (t) => {
  const cases: Array<[string, string]> = [
    ['USER_BUSY', 'busy'],
    ['NO_ANSWER', 'no-answer'],
    ['NO_USER_RESPONSE', 'no-answer'],
    ['CALL_REJECTED', 'rejected'],
    ['UNALLOCATED_NUMBER', 'unreachable'],
    ['NORMAL_TEMPORARY_FAILURE', 'unreachable'],
    ['RECOVERY_ON_TIMER_EXPIRE', 'unreachable'],
    ['GATEWAY_DOWN', 'unreachable'],
    ['ORIGINATOR_CANCEL', 'cancelled'],
    ['LOSE_RACE', 'cancelled'],
    ['INCOMPATIBLE_DESTINATION', 'failed'],
    ['SYSTEM_SHUTDOWN', 'lost'],
    ['MANAGER_REQUEST', 'lost'],
    ['CRASH', 'lost'],
    ['SOMETHING_NEW_IN_A_LATER_RELEASE', 'failed']
  ]
  for (const [cause, outcome] of cases) t.equal(dialOutcomeOf(cause), outcome, cause)
})

void t.test('Q.850 codes as FreeSWITCH documents them', async (t) => {
  t.equal(q850Of('UNALLOCATED_NUMBER'), 1)
  t.equal(q850Of('NORMAL_CLEARING'), 16)
  t.equal(q850Of('USER_BUSY'), 17)
  t.equal(q850Of('NO_USER_RESPONSE'), 18)
  t.equal(q850Of('NO_ANSWER'), 19)
  t.equal(q850Of('CALL_REJECTED'), 21)
  t.equal(q850Of('NORMAL_TEMPORARY_FAILURE'), 41)
  t.equal(q850Of('RECOVERY_ON_TIMER_EXPIRE'), 102)
  t.equal(q850Of('ORIGINATOR_CANCEL'), 487)
  t.equal(q850Of('LOSE_RACE'), 702)
  t.equal(q850Of('CRASH'), 700)
  t.equal(q850Of('SYSTEM_SHUTDOWN'), 701)
  t.equal(q850Of('MANAGER_REQUEST'), 703)
  t.equal(q850Of('NOT_A_CAUSE'), undefined)
  const codes = Object.values(FREESWITCH_CAUSES).map((c) => c.q850)
  t.equal(new Set(codes).size, codes.length, 'no two causes share a code')
})

void t.test('who hung up decides normal vs remote hangup', async (t) => {
  t.equal(hangupCauseOf('NORMAL_CLEARING', 'recv_bye'), 'remote-hangup')
  t.equal(hangupCauseOf('NORMAL_CLEARING', 'recv_cancel'), 'remote-hangup')
  t.equal(hangupCauseOf('NORMAL_CLEARING', 'send_bye'), 'normal')
  t.equal(hangupCauseOf('NORMAL_CLEARING', undefined), 'normal')
  t.equal(hangupCauseOf('USER_BUSY', 'recv_refuse'), 'busy')
  t.equal(hangupCauseOf('NO_ANSWER', undefined), 'no-answer')
})

void t.test('the switch going away ends a leg lost, unless the controller asked for that cause itself', async (t) => {
  t.equal(hangupCauseOf('SYSTEM_SHUTDOWN', 'send_bye'), 'lost')
  t.equal(hangupCauseOf('MANAGER_REQUEST', 'send_bye'), 'lost')
  t.equal(hangupCauseOf('SYSTEM_SHUTDOWN', 'send_bye', true), 'normal', 'a draining controller sends SYSTEM_SHUTDOWN itself')
  t.equal(hangupCauseOf('USER_BUSY', 'send_refuse', true), 'busy')
})
