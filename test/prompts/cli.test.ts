// `npm run prompts` as an operator runs it: a child process, its exit status and what it
// prints — usage, a build of a few prompts, and a missing program named with its package.
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

const ROOT = new URL('../../', import.meta.url).pathname

interface Ran { code: number | null, stdout: string, stderr: string }

async function cli (args: string[], path = process.env.PATH ?? ''): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/prompts.ts', ...args], {
    cwd: ROOT,
    env: { PATH: path },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout, stderr }
}

void t.test('--help prints the usage and exits 0', async (t) => {
  const ran = await cli(['--help'])
  t.equal(ran.code, 0)
  t.match(ran.stdout, /^usage: npm run prompts -- --switch freeswitch\|asterisk --out <dir>/)
})

void t.test('bad arguments exit 2 with the usage', async (t) => {
  const dir = t.testdir()
  const ran = await cli(['--switch', 'yate', '--out', dir])
  t.equal(ran.code, 2)
  t.match(ran.stderr, /--switch must be freeswitch or asterisk, not "yate"\nusage:/)
  const unknown = await cli(['--switch', 'asterisk', '--out', dir, '--only', 'welcome,no-such-prompt'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /no such prompt in .*prompts\.yaml: no-such-prompt/)
  t.same(await readdir(dir), [], 'nothing built')
})

void t.test('builds the prompts named, a line per prompt when not on a terminal, and says where', async (t) => {
  const dir = t.testdir()
  const ran = await cli(['--switch', 'asterisk', '--out', dir, '--only', 'digit-0,goodbye,queue-music'])
  t.equal(ran.code, 0, ran.stderr)
  t.match(ran.stderr, /prompts: 1\/3 \S+ \((synthesised|tune)\)\nprompts: 2\/3 \S+ \((synthesised|tune)\)\nprompts: 3\/3/)
  t.match(ran.stderr, /queue-music \(tune\)/)
  t.match(ran.stdout, `3 prompts for asterisk (0 recorded, 2 synthesised, 1 tune), 9 files in ${dir}`)
  t.match(ran.stdout, /sounds\/zh\/hotline12345\//)
  t.same((await readdir(dir)).sort(), ['digit-0.alaw', 'digit-0.ulaw', 'digit-0.wav', 'goodbye.alaw', 'goodbye.ulaw', 'goodbye.wav', 'queue-music.alaw', 'queue-music.ulaw', 'queue-music.wav'])
})

void t.test('espeak-ng not installed: exit 1, naming the Debian package', async (t) => {
  const dir = t.testdir({ bin: {}, out: {} })
  // node is run by its full path; the empty PATH hides espeak-ng and sox.
  const ran = await cli(['--switch', 'freeswitch', '--out', join(dir, 'out'), '--only', 'goodbye'], join(dir, 'bin'))
  t.equal(ran.code, 1)
  t.match(ran.stderr, /espeak-ng is not installed; install the Debian package espeak-ng/)
})
