// Config files are not trusted: an alias bomb, deep nesting, an oversize file, a link out of
// the config folder and a file that is not YAML are refused with file, path and reason, and
// nothing of a file that is not ours is echoed back.

import t from 'tap'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadAgents } from '../../src/config/agents-schema.js'
import { CONFIG_MAX_BYTES } from '../../src/config/read-file.js'
import { ConfigError, type ConfigProblem } from '../../src/config/validate.js'
import { aliasBomb, nested } from './untrusted-yaml.js'

/** The problems loading `file` as agents.yaml was refused for. */
async function refusal (file: string): Promise<ConfigProblem[]> {
  const err = await loadAgents(file).then(() => undefined, (e: unknown) => e)
  if (!(err instanceof ConfigError)) throw new Error(`not refused with a ConfigError: ${String(err)}`)
  return err.problems
}

/** Lines like /etc/shadow's: a name, a password hash, ages. */
const SHADOW = 'root:$6$Sa1tSa1t$HashHashHashHashHashHashHash:19000:0:99999:7:::\nops: $6$0pSecret$MoreHash\n'

void t.test('an alias bomb is refused with file, path and reason, not thrown raw', async (t) => {
  const dir = t.testdir({ 'agents.yaml': aliasBomb })
  t.same(await refusal(join(dir, 'agents.yaml')), [{ file: join(dir, 'agents.yaml'), path: '/', reason: 'YAML aliases expand too much (more than 100 copies): refused' }])
})

void t.test('nesting past the depth limit is refused; real files nest far less', async (t) => {
  const dir = t.testdir({ 'agents.yaml': nested(65), 'flow.yaml': nested(20_000) })
  t.match(await refusal(join(dir, 'agents.yaml')), [{ file: join(dir, 'agents.yaml'), path: '/', reason: 'YAML nested more than 64 levels deep' }])
  t.match(await refusal(join(dir, 'flow.yaml')), [{ file: join(dir, 'flow.yaml'), path: '/', reason: /^YAML/ }], 'very deep nesting too')
})

void t.test('a file over the size limit is refused without being read', async (t) => {
  const dir = t.testdir({ 'agents.yaml': `# ${'x'.repeat(CONFIG_MAX_BYTES)}\n` })
  t.same(await refusal(join(dir, 'agents.yaml')), [{ file: join(dir, 'agents.yaml'), path: '/', reason: `${CONFIG_MAX_BYTES + 3} bytes, over the limit of ${CONFIG_MAX_BYTES}: not read` }])
})

void t.test('a link out of the config folder is refused unread; a link inside it (a ConfigMap) is read', async (t) => {
  const root = t.testdir({ outside: { shadow: SHADOW }, config: { '..data': {} } })
  const config = join(root, 'config')
  await symlink(join(root, 'outside', 'shadow'), join(config, 'agents.yaml'))
  const problems = await refusal(join(config, 'agents.yaml'))
  t.same(problems, [{ file: join(config, 'agents.yaml'), path: '/', reason: 'a symbolic link leading out of its folder: not read' }])

  // Kubernetes mounts a ConfigMap as links into a hidden folder beside the files.
  await writeFile(join(config, '..data', 'agents.yaml'), await readFile(new URL('../../config/agents.yaml', import.meta.url)))
  await symlink(join('..data', 'agents.yaml'), join(config, 'shipped.yaml'))
  await t.resolves(loadAgents(join(config, 'shipped.yaml')), 'read through the link')
})

void t.test('a file that is not ours has no line of it echoed in the errors', async (t) => {
  const dir = t.testdir({ 'agents.yaml': SHADOW })
  const problems = await refusal(join(dir, 'agents.yaml'))
  t.ok(problems.length > 0)
  const shown = JSON.stringify(problems)
  for (const secret of ['Sa1t', 'HashHash', '0pSecret', '19000']) t.notOk(shown.includes(secret), `"${secret}" is not echoed`)
  t.ok(problems.some((p) => /^\/\(key of \d+ characters\)$/.test(p.path)), 'a key that is no short name is shown by its length')
})

void t.test('a folder or device where a file should be is refused unread', async (t) => {
  const dir = t.testdir({})
  await mkdir(join(dir, 'agents.yaml'))
  t.same(await refusal(join(dir, 'agents.yaml')), [{ file: join(dir, 'agents.yaml'), path: '/', reason: 'not a regular file: not read' }])
  await symlink('/dev/zero', join(dir, 'zero.yaml'))
  t.match(await refusal(join(dir, 'zero.yaml')), [{ path: '/', reason: /not read/ }])
})
