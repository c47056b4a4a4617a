import { isAbsolute } from 'node:path'
import t from 'tap'
import { findSipp, freeUdpPort, runSipp } from './sipp.js'

// Every SIPp here is loopback-only (-i 127.0.0.1 -bind_local), places at most one call, and is
// bounded by the helper's timeoutMs (and, where it should end by itself, SIPp's -timeout).

void t.test('sipp is found as an absolute path', async (t) => {
  t.ok(isAbsolute(await findSipp()))
})

void t.test('a SIPp UAC completes one call with a SIPp UAS', async (t) => {
  const port = await freeUdpPort()
  const abort = new AbortController()
  t.teardown(() => abort.abort())

  // The UAS may still be starting when the INVITE leaves: SIP over UDP retransmits it
  // (RFC 3261 timer A, 500 ms doubling), so no readiness wait is needed.
  const uas = runSipp({
    scenario: { builtin: 'uas' },
    args: ['-i', '127.0.0.1', '-bind_local', '-p', String(port), '-m', '1', '-timeout', '20s', '-timeout_error'],
    timeoutMs: 30_000,
    signal: abort.signal
  })
  const uac = await runSipp({
    scenario: { builtin: 'uac' },
    args: [`127.0.0.1:${port}`, '-i', '127.0.0.1', '-bind_local', '-m', '1', '-timeout', '20s', '-timeout_error'],
    timeoutMs: 30_000,
    signal: abort.signal
  })
  t.equal(uac.code, 0, `UAC succeeded\n${uac.stderr}`)
  t.match(uac.stdout, /Successful call\s+\|\s+0\s+\|\s+1\b/, 'the UAC counts one successful call')
  const uasResult = await uas
  t.equal(uasResult.code, 0, `UAS answered the call and exited\n${uasResult.stderr}`)
  t.notOk(uasResult.timedOut)
})

void t.test('a UAC with nobody answering fails instead of passing', async (t) => {
  const port = await freeUdpPort()
  const uac = await runSipp({
    scenario: { builtin: 'uac' },
    args: [`127.0.0.1:${port}`, '-i', '127.0.0.1', '-bind_local', '-m', '1', '-recv_timeout', '1000', '-timeout', '20s'],
    timeoutMs: 30_000
  })
  t.equal(uac.code, 1, 'SIPp exit code 1: at least one call failed')
  t.match(uac.stderr, /receive timeout/)
})

// These two UAS runs have no -timeout and no -m: left alone they would never end, so the
// subtest's own time limit fails them unless the helper stops SIPp.
void t.test('the helper stops a SIPp that outlives its time limit', { timeout: 15_000 }, async (t) => {
  const port = await freeUdpPort()
  const uas = await runSipp({
    scenario: { builtin: 'uas' },
    args: ['-i', '127.0.0.1', '-bind_local', '-p', String(port)],
    timeoutMs: 300
  })
  t.ok(uas.timedOut)
})

void t.test('an abort signal stops SIPp', { timeout: 15_000 }, async (t) => {
  const port = await freeUdpPort()
  const abort = new AbortController()
  const running = runSipp({
    scenario: { builtin: 'uas' },
    args: ['-i', '127.0.0.1', '-bind_local', '-p', String(port)],
    timeoutMs: 60_000,
    signal: abort.signal
  })
  setTimeout(() => abort.abort(), 200)
  const uas = await running
  t.notOk(uas.timedOut, 'ended by the abort, not by the time limit')
})

void t.test('a missing sipp is reported with the way to install it', async (t) => {
  await t.rejects(runSipp({ scenario: { builtin: 'uas' }, timeoutMs: 1000, bin: '/nonexistent/sipp' }), {
    message: /not installed.*ensure-deps\.sh --test/
  })
})
