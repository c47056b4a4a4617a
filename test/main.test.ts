// The process a newcomer starts: `src/main.ts` on the embedded simulator with no API_TOKENS
// prints demo tokens that open the pages, and stops cleanly on SIGTERM.

import { spawn } from 'node:child_process'
import t from 'tap'
import { eventually } from './helpers/sim.js'

const ROOT = new URL('../', import.meta.url).pathname

void t.test('npm start without API_TOKENS on the simulator prints working demo tokens', async (t) => {
  const env: Record<string, string | undefined> = { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
  delete env.API_TOKENS
  delete env.SWITCH_KIND
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout.resume()
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  const banner = await eventually(() => /Pages: (http:\/\/\S+)/.exec(stderr) !== null && /agent15\s+\S+/.test(stderr) ? stderr : undefined, 'the banner', 60_000)
  const pages = /Pages: (http:\/\/\S+)/.exec(banner)?.[1] ?? ''
  const supervisor = /supervisor\s+(supervisor-\S+)/.exec(banner)?.[1] ?? ''
  const agent = /agent01\s+(agent-\S+)/.exec(banner)?.[1] ?? ''
  t.match(pages, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/)
  const me = async (token: string): Promise<unknown> =>
    await (await fetch(new URL('/api/me', pages), { headers: { authorization: `Bearer ${token}` } })).json()
  t.same(await me(supervisor), { role: 'supervisor' }, 'the supervisor token works')
  t.same(await me(agent), { role: 'agent', agentId: 'agent01' }, 'an agent token is bound to its agent')
  const page = await fetch(pages)
  t.equal(page.status, 200, 'the pages are served')

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'a clean exit on SIGTERM')
})
