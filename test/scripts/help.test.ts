// Every command under scripts/ and every npm script that takes options answers --help with
// its usage and exit status 0 (a bad option stays exit 2 / 64, tested with each script).
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts

// npm scripts that run a script of scripts/ with options, each run as its npm script runs it
// (`tsx scripts/x.ts`) but without npm and tsx's own launcher in front: a second less each.
const NPM_SCRIPTS = ['config:check', 'calendar:check', 'flows:check', 'bench', 'bench:flow-reload', 'bench:probes', 'chaos', 'dial-test', 'prompts', 'switch-config']
const scriptFile = (name: string): string => {
  const file = /\b(?:tsx|dist\/)(?: --[\w-]+)* ?(scripts\/[\w-]+)\.[jt]s\b/.exec(scripts[name] ?? '')?.[1]
  if (file === undefined) throw new Error(`npm script ${name} runs no script of scripts/: ${scripts[name]}`)
  return `${file}.ts`
}
const COMMANDS: Array<{ name: string, file: string, args: string[] }> = [
  ...NPM_SCRIPTS.map((name) => ({ name: `npm run ${name} (${scriptFile(name)})`, file: process.execPath, args: ['--import', 'tsx', scriptFile(name), '--help'] })),
  { name: 'scripts/ensure-deps.sh', file: 'sh', args: ['scripts/ensure-deps.sh', '--help'] }
]

void t.test('the list covers every npm script that runs a script of scripts/', async (t) => {
  const covered = new Set(NPM_SCRIPTS)
  for (const [name, command] of Object.entries(scripts)) {
    if (/\bscripts\/[\w-]+\.ts\b/.test(command) || /dist\/scripts\//.test(command)) t.ok(covered.has(name), `${name} is tested with --help`)
  }
})

for (const { name, file, args } of COMMANDS) {
  void t.test(`${name} --help: usage on stdout, exit 0`, async (t) => {
    const result = await new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve) => {
      execFile(file, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), stdout, stderr })
      })
    })
    t.equal(result.code, 0, result.stderr)
    t.match(result.stdout, /^usage: /m)
  })
}
