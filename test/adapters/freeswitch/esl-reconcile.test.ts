// FreeSWITCH's uptime, as `api status` prints it (mod_commands status_function), tells a
// restart after a reconnect.
import t from 'tap'
import { uptimeMs } from '../../../src/adapters/freeswitch/esl-reconcile.js'

void t.test('the uptime from api status', async (t) => {
  // As FreeSWITCH 1.11.1 prints it (selftest of ../shared/switches).
  t.equal(uptimeMs('UP 0 years, 0 days, 0 hours, 0 minutes, 5 seconds, 215 milliseconds, 11 microseconds\nFreeSWITCH (Version 1.11.1 -release 64bit) is ready\n'), 5215)
  t.equal(uptimeMs('UP 1 year, 2 days, 3 hours, 4 minutes, 1 second, 1 millisecond, 0 microseconds\n'),
    365 * 86_400_000 + 2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 1000 + 1)
  t.equal(uptimeMs('-ERR status Command not found!\n'), undefined)
  t.equal(uptimeMs(''), undefined)
})
