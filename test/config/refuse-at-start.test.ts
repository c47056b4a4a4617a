// A hostile config file at start: the controller exits 78 (EX_CONFIG) with file, path and
// reason on stderr, never 1 with a raw stack.

import { spawn } from 'node:child_process'
import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { aliasBomb } from './untrusted-yaml.js'

const ROOT = new URL('../../', import.meta.url).pathname

void t.test('an alias bomb in agents.yaml: exit 78 with file, path and reason', async (t) => {
  const dir = t.testdir({})
  await cp(join(ROOT, 'config'), dir, { recursive: true })
  await writeFile(join(dir, 'agents.yaml'), aliasBomb)
  const env: Record<string, string | undefined> = { ...process.env, HOTLINE_CONFIG_DIR: dir, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  delete env.SWITCH_KIND
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 78, 'EX_CONFIG')
  t.equal(stderr, `configuration refused:\n  ${join(dir, 'agents.yaml')}: /: YAML aliases expand too much (more than 100 copies): refused\n`)
})
