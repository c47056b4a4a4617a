// scripts/ensure-deps.sh waits for another apt's package lock instead of failing: replayed in a
// scratch copy of the project with a stand-in apt-get on PATH that reports the lock busy.
import { execFile } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')
const LOCKED = 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)'

interface Run { code: number | null, stderr: string, calls: string[] }

/** The script in a scratch project whose one missing package is `hotline-fake`; apt-get fails `busy` times with the lock held. */
async function ensureDeps (t: Test, busy: number, waitS: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-ensure-deps-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  mkdirSync(join(dir, 'scripts'))
  mkdirSync(join(dir, 'bin'))
  mkdirSync(join(dir, 'node_modules'))
  const script = readFileSync(join(ROOT, 'scripts/ensure-deps.sh'), 'utf8')
    .replace(/^TEST_PACKAGES='[^']*'$/m, "TEST_PACKAGES='hotline-fake:hotline-fake'")
  writeFileSync(join(dir, 'scripts/ensure-deps.sh'), script)
  writeFileSync(join(dir, 'package-lock.json'), '{}')
  writeFileSync(join(dir, 'node_modules/.package-lock.json'), '{}')
  utimesSync(join(dir, 'package-lock.json'), new Date(0), new Date(0))
  const log = join(dir, 'apt-calls')
  const fake = join(dir, 'bin/apt-get')
  writeFileSync(fake, `#!/bin/sh
echo "$*" >> ${log}
n=$(wc -l < ${log})
if [ "$n" -le ${busy} ]; then echo '${LOCKED}' >&2; exit 100; fi
case "$*" in *install*) printf '#!/bin/sh\\n' > ${join(dir, 'bin/hotline-fake')}; chmod +x ${join(dir, 'bin/hotline-fake')} ;; esac
`)
  chmodSync(fake, 0o755)
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, ENSURE_DEPS_LOCK_WAIT_S: String(waitS) }
  return await new Promise((resolve) => {
    execFile('sh', [join(dir, 'scripts/ensure-deps.sh'), '--test'], { cwd: dir, env, timeout: 60_000 }, (err, _stdout, stderr) => {
      const calls = (() => { try { return readFileSync(log, 'utf8').trim().split('\n') } catch { return [] } })()
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stderr, calls })
    })
  })
}

const asRoot = process.getuid?.() === 0

void t.test('a busy package lock is waited for, then the packages are installed', { skip: asRoot ? false : 'apt-get is only run as root' }, async (t) => {
  const run = await ensureDeps(t, 2, 60)
  t.equal(run.code, 0, 'exit 0 once the lock is free')
  t.match(run.stderr, /another apt holds the package lock; waiting/)
  t.equal(run.calls.length, 4, 'update refused twice, then update and install')
  t.match(run.calls[0], /-o DPkg::Lock::Timeout=\d+ update/, 'apt-get itself waits too')
  t.match(run.calls[3], /install .*hotline-fake/)
})

void t.test('the wait is bounded: a lock held past the deadline fails the run', { skip: asRoot ? false : 'apt-get is only run as root' }, async (t) => {
  const run = await ensureDeps(t, 1000, 1)
  t.not(run.code, 0)
  t.match(run.stderr, /Could not get lock/)
  t.ok(run.calls.length <= 2, `gave up after ${run.calls.length} tries`)
})
