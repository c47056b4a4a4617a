// The process a newcomer starts: `src/main.ts` on the embedded simulator with no API_TOKENS
// prints demo tokens that open the pages, runs synthetic traffic (callers reach the line,
// synthetic agents are ready, the first agent is left to a person), and stops cleanly on
// SIGTERM.

import { spawn } from 'node:child_process'
import t from 'tap'
import { eventually } from './helpers/sim.js'

const ROOT = new URL('../', import.meta.url).pathname

void t.test('npm start without API_TOKENS on the simulator prints working demo tokens and runs traffic', async (t) => {
  // One caller a second on average (the shipped 180 an hour would keep the test waiting).
  const env: Record<string, string | undefined> = { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn', SIM_CALLS_PER_HOUR: '3600' }
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

  const get = async (path: string): Promise<Response> => await fetch(new URL(path, pages), { headers: { authorization: `Bearer ${supervisor}` } })
  const agents = (await (await get('/api/agents')).json()) as { agents: Array<{ id: string, state: string }> }
  t.equal(agents.agents.find((a) => a.id === 'agent01')?.state, 'logged-out', 'the first agent is left to a person')
  t.ok(agents.agents.filter((a) => a.id !== 'agent01').every((a) => a.state !== 'logged-out'), 'the synthetic agents are logged in')
  await eventually(async () => {
    const metrics = await (await get('/metrics')).text()
    const offered = Number(/^hotline_calls_offered_total (\d+)/m.exec(metrics)?.[1] ?? 0)
    if (offered > 0) return offered
    // A scrape renders every metric: twice a second is enough.
    await new Promise((resolve) => setTimeout(resolve, 500))
    return undefined
  }, 'a synthetic caller reached the line', 30_000)

  child.kill('SIGTERM')
  t.equal(await exited, 0, 'a clean exit on SIGTERM')
})

void t.test('on the simulated Asterisk, stdout carries JSON log lines only', async (t) => {
  const env: Record<string, string | undefined> = { ...process.env, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', SIM_PROTOCOL: 'ari', SIM_CALLS_PER_HOUR: '0' }
  delete env.SWITCH_KIND
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.resume()
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  // The adapter has loaded Asterisk's declarations (where swagger-client used to print) once it is ready.
  await eventually(() => stdout.includes('ARI events socket connected') ? true : undefined, 'the ARI adapter connected', 60_000)
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  const lines = stdout.split('\n').filter((line) => line !== '')
  t.ok(lines.length > 5, `${lines.length} lines`)
  const notJson = lines.filter((line) => { try { JSON.parse(line); return false } catch { return true } })
  t.same(notJson, [], 'every line is a JSON log line')
})
