// `npm run config:check` checks the folder `npm start` would load: HOTLINE_CONFIG_DIR when
// set, else config/; --config-dir overrides both.
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')

function configCheck (args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/config-check.ts', '--ignore-env', ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr })
    })
  })
}

void t.test('HOTLINE_CONFIG_DIR names the folder checked, as for npm start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-config-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  cpSync(join(ROOT, 'config'), dir, { recursive: true })
  writeFileSync(join(dir, 'default.yaml'), 'http:\n  port: not-a-port\n')
  const env = { ...process.env, HOTLINE_CONFIG_DIR: dir }

  const broken = await configCheck([], env)
  t.equal(broken.code, 1, 'the broken copy is the one checked')
  t.match(broken.stderr, join(dir, 'default.yaml'))
  t.match(broken.stderr, '/http/port')

  const named = await configCheck(['--config-dir', join(ROOT, 'config')], env)
  t.equal(named.code, 0, `--config-dir wins over HOTLINE_CONFIG_DIR: ${named.stderr}`)
  t.match(named.stdout, `${join(ROOT, 'config')}: ok`)
})
