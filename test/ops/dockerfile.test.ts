// The Dockerfile, checked for real without a Docker engine: the file is parsed (instructions
// with their line continuations, stages by `FROM … AS name`) and its stages are REPLAYED in
// temporary directories, one per stage standing in for its filesystem. COPY copies exactly
// what it names — from the build context as .dockerignore leaves it, or with --from=<stage>
// from that stage's replayed result — and the npm RUN steps run (`npm ci` with
// --prefer-offline, so npm's cache makes it quick). The runtime stage's CMD is then started
// in its directory, as an unprivileged user when the test runs as root, on the embedded
// simulator, and asked what an orchestrator and a browser ask: /health, /ready, the pages
// under /ui/, the HEALTHCHECK command, SIGTERM.
//
// What a replay cannot check, because no image is built:
// - the base image (node:20-bookworm-slim): its Node version, system libraries, /etc files;
//   the replay runs on this machine's Node;
// - RUN steps that change the system: groupadd/useradd are not run, their lines are checked
//   as text (a system user and group named as USER, no login shell); the replay's stand-in
//   for the `hotline` user is `nobody`;
// - `npm cache clean --force` runs against a throw-away cache, not the image's layer;
// - file ownership as the image has it: the replay's files belong to whoever runs the test
//   (root-owned, as in the image, only when the test runs as root);
// - Docker's own behaviour: BuildKit parsing, layer caching, HEALTHCHECK timing and retries,
//   EXPOSE, signals delivered to PID 1, --stop-timeout.

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { parse } from 'yaml'
import { freePort } from '../helpers/redis.js'
import { ENV_VARIABLES } from '../../src/config/app-config.js'
import { ROOT } from './ops-files.js'

// npm ci twice, a TypeScript build and a controller's start and stop: about 35 s, 150 on a
// loaded machine (the build stage's npm ci and tsc, most of it; the runtime stage's npm ci
// runs beside them): allowed more than the suite's 120 s per file (package.json).
t.setTimeout(180_000)

const DOCKERFILE = join(ROOT, 'Dockerfile')
const DOCKERIGNORE = join(ROOT, '.dockerignore')
/** Secrets come from the environment at run time only (src/config/app-config.ts). */
const SECRETS = ENV_VARIABLES.filter((v) => v.secret === true).map((v) => v.name)
/** RUN commands that change the system; not replayed, checked as text. */
const SYSTEM_COMMANDS = new Set(['groupadd', 'useradd'])

// --- parsing -------------------------------------------------------------------------------

interface Instruction {
  keyword: string
  /** The arguments, continuation lines joined. */
  args: string
  /** Line of the instruction's first line, from 1. */
  line: number
}

interface Stage { name: string, image: string, instructions: Instruction[] }

/**
 * Instructions of a Dockerfile: a line ending in `\` continues on the next (joined without
 * the backslash, whitespace kept); comment lines (parser directives included) are dropped,
 * also between continued lines; empty lines are skipped.
 */
function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let pending: { text: string, line: number } | undefined
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '')
    if (/^\s*#/.test(line)) return
    if (line.trim() === '' && pending === undefined) return
    const continued = /\\\s*$/.test(line)
    const part = continued ? line.replace(/\\\s*$/, '') : line
    // Docker joins the lines as they are, without the backslash.
    pending = pending === undefined ? { text: part, line: i + 1 } : { text: pending.text + part, line: pending.line }
    if (continued) return
    const match = /^\s*(\S+)\s*(.*)$/.exec(pending.text)
    if (match !== null) out.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line: pending.line })
    pending = undefined
  })
  if (pending !== undefined) throw new Error(`line ${pending.line}: a continuation runs past the end of the file`)
  return out
}

/** Stages, each from its FROM (`FROM [--platform=…] image [AS name]`) to the next. */
function stagesOf (instructions: readonly Instruction[]): Stage[] {
  const stages: Stage[] = []
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'))
      const image = words[0] ?? ''
      const name = words[1]?.toUpperCase() === 'AS' ? (words[2] ?? '') : String(stages.length)
      stages.push({ name, image, instructions: [] })
    } else {
      const stage = stages.at(-1)
      if (stage === undefined) {
        if (ins.keyword === 'ARG') continue
        throw new Error(`line ${ins.line}: ${ins.keyword} before any FROM`)
      }
      stage.instructions.push(ins)
    }
  }
  return stages
}

/** Leading `--name=value` flags of an instruction, and the words after them. */
function flagsOf (args: string): { flags: Map<string, string>, rest: string } {
  const flags = new Map<string, string>()
  let rest = args
  for (let m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); m !== null; m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags.set(m[1] ?? '', m[2] ?? '')
    rest = rest.slice(m[0].length)
  }
  return { flags, rest }
}

/** A CMD / ENTRYPOINT / HEALTHCHECK CMD in exec form (a JSON array of strings). */
function execForm (args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined
  const value: unknown = JSON.parse(args)
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined
}

/** `ENV A=1 B="two"` or `ENV A 1`, and `ARG A[=default]`: the names set. */
function variablesOf (ins: Instruction): Map<string, string> {
  const vars = new Map<string, string>()
  if (ins.keyword === 'ENV' && !ins.args.includes('=')) {
    const [name = '', ...value] = ins.args.split(/\s+/)
    vars.set(name, value.join(' '))
    return vars
  }
  for (const m of ins.args.matchAll(/([A-Za-z_][\w]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    const value = m[2] ?? ''
    vars.set(m[1] ?? '', /^["']/.test(value) ? value.slice(1, -1) : value)
  }
  return vars
}

// --- .dockerignore -------------------------------------------------------------------------

interface IgnoreRule { regex: RegExp, negate: boolean }

/** A Go filepath.Match pattern with Docker's `**` as a regular expression over `/` paths. */
function patternRegex (pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? ''
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is any number of directories, none included; `**` alone anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?'
        i += 2
      } else {
        re += '.*'
        i += 1
      }
    } else if (c === '*') {
      re += '[^/]*'
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end < 0) throw new Error(`.dockerignore: unclosed [ in ${pattern}`)
      re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']'
      i = end
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += (pattern[i + 1] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      i += 1
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    }
  }
  return new RegExp(`^${re}$`)
}

/** The rules of a .dockerignore: comments and empty lines dropped, `!` exceptions kept. */
function parseDockerignore (text: string): IgnoreRule[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const negate = line.startsWith('!')
    const pattern = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+/, '').replace(/\/+$/, '')
    return { regex: patternRegex(pattern), negate }
  })
}

/**
 * Whether the context leaves out `path` (relative, `/`-separated): as Docker does, a rule
 * matches a path or any of its parent directories, and the last rule that matches decides.
 */
function ignored (rules: readonly IgnoreRule[], path: string): boolean {
  const parts = path.split('/')
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
  let out = false
  for (const rule of rules) {
    if (candidates.some((c) => rule.regex.test(c))) out = !rule.negate
  }
  return out
}

// --- replay --------------------------------------------------------------------------------

interface Run { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/**
 * `command` with exactly `env` as its environment, through `env -i`: the test runner adds its
 * own NODE_OPTIONS (a loader from this checkout) to every child it starts, and a replayed step
 * must see only what the image would give it.
 */
function clean (command: readonly string[], env: NodeJS.ProcessEnv): [string, string[]] {
  const vars = Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`)
  return ['env', ['-i', ...vars, ...command]]
}

async function run (command: string, args: readonly string[], options: { cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number }): Promise<Run> {
  const [program, argv] = clean([command, ...args], options.env)
  return await new Promise((resolve, reject) => {
    execFile(program, argv, { cwd: options.cwd, timeout: options.timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code === 'string') {
        reject(new Error(`${command} could not run: ${err.message}`))
        return
      }
      resolve({ code: err === null ? 0 : (typeof err.code === 'number' ? err.code : null), signal: err?.signal ?? null, stdout, stderr })
    })
  })
}

/** The environment a replayed step sees: PATH and HOME only, plus what the stage sets. */
function baseEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...extra }
}

interface ReplayedStage {
  stage: Stage
  /** Stands in for the stage's `/`. */
  rootfs: string
  /** The last WORKDIR, as a container path. */
  workdir: string
  env: Record<string, string>
  /** The last USER. */
  user: string | undefined
  /** RUN commands not replayed (groupadd, useradd), as text. */
  skipped: string[]
  /** npm commands run, as written in the Dockerfile. */
  ran: string[]
  /** Seconds each of `ran` took, for the test's comment. */
  took: number[]
}

const inRootfs = (rootfs: string, workdir: string, path: string): string => join(rootfs, posix.resolve(workdir, path))

/** Copies one file, directory tree or symlink of the build context, leaving out what .dockerignore does. */
async function copyFromContext (rules: readonly IgnoreRule[], rel: string, to: string): Promise<number> {
  const from = join(ROOT, rel)
  const info = await lstat(from)
  if (info.isDirectory()) {
    await mkdir(to, { recursive: true })
    let n = 0
    for (const entry of await readdir(from)) {
      const child = posix.join(rel, entry)
      if (ignored(rules, child)) continue
      n += await copyFromContext(rules, child, join(to, entry))
    }
    return n
  }
  await mkdir(dirname(to), { recursive: true })
  if (info.isSymbolicLink()) {
    await symlink(await readlink(from), to)
  } else {
    await cp(from, to)
  }
  return 1
}

async function replayCopy (ins: Instruction, state: ReplayedStage, earlier: ReadonlyMap<string, Promise<ReplayedStage>>, rules: readonly IgnoreRule[]): Promise<void> {
  const { flags, rest } = flagsOf(ins.args)
  const words = execForm(rest) ?? rest.split(/\s+/)
  const dest = words.pop() ?? ''
  const sources = words
  if (sources.length === 0) throw new Error(`line ${ins.line}: COPY without a source`)
  const unknown = [...flags.keys()].filter((f) => f !== 'from')
  if (unknown.length > 0) throw new Error(`line ${ins.line}: COPY --${unknown.join(', --')} is not replayed`)
  const intoDir = dest.endsWith('/') || sources.length > 1
  const target = inRootfs(state.rootfs, state.workdir, dest)
  const fromStage = flags.get('from')
  for (const source of sources) {
    if (/[*?[]/.test(source)) throw new Error(`line ${ins.line}: COPY with a wildcard (${source}) is not replayed`)
    if (fromStage !== undefined) {
      const replaying = earlier.get(fromStage)
      if (replaying === undefined) throw new Error(`line ${ins.line}: COPY --from=${fromStage}: no earlier stage of that name`)
      const other = await replaying
      const from = inRootfs(other.rootfs, other.workdir, source)
      const isDir = (await stat(from)).isDirectory()
      await cp(from, isDir || !intoDir ? target : join(target, posix.basename(source)), { recursive: true, verbatimSymlinks: true })
    } else {
      const rel = posix.normalize(source).replace(/^\/+/, '').replace(/\/+$/, '')
      if (rel === '' || rel === '.' || rel.startsWith('..')) throw new Error(`line ${ins.line}: COPY of ${source} is not replayed`)
      // A source .dockerignore leaves out is not in the context: the build fails.
      if (ignored(rules, rel)) throw new Error(`line ${ins.line}: COPY ${source}: left out of the context by .dockerignore`)
      const isDir = (await stat(join(ROOT, rel))).isDirectory()
      await copyFromContext(rules, rel, isDir || !intoDir ? target : join(target, posix.basename(rel)))
    }
  }
}

async function replayRun (ins: Instruction, state: ReplayedStage, scratch: string): Promise<void> {
  if (execForm(ins.args) !== undefined) throw new Error(`line ${ins.line}: RUN in exec form is not replayed`)
  for (const command of ins.args.split('&&').map((c) => c.trim())) {
    const [program = '', ...args] = command.split(/\s+/)
    if (SYSTEM_COMMANDS.has(program)) {
      state.skipped.push(command)
      continue
    }
    if (program !== 'npm' || /[|;<>`$"']/.test(command)) {
      throw new Error(`line ${ins.line}: "${command}" is not replayed (only npm commands and ${[...SYSTEM_COMMANDS].join(', ')})`)
    }
    const env = baseEnv(state.env)
    const replayArgs = [...args]
    if (args[0] === 'ci' || args[0] === 'install') replayArgs.push('--prefer-offline')
    // In the image this empties the layer's cache; here it would empty this machine's.
    if (args[0] === 'cache') env.npm_config_cache = join(scratch, 'npm-cache')
    const began = Date.now()
    const result = await run('npm', [...replayArgs, '--loglevel=error'], {
      cwd: inRootfs(state.rootfs, state.workdir, '.'), env, timeoutMs: 150_000
    })
    if (result.code !== 0) throw new Error(`line ${ins.line}: ${command} failed (${result.code ?? result.signal}):\n${result.stdout}\n${result.stderr}`)
    state.ran.push(command)
    state.took.push((Date.now() - began) / 1000)
  }
}

/**
 * Replays every stage; returns them by name. Stages run side by side, as BuildKit runs them:
 * a COPY --from waits for the stage it names (an earlier one) to finish. The runtime stage's
 * npm ci so overlaps the build stage's TypeScript build.
 */
async function replay (stages: readonly Stage[], base: string): Promise<Map<string, ReplayedStage>> {
  const rules = parseDockerignore(await readFile(DOCKERIGNORE, 'utf8'))
  const started = new Map<string, Promise<ReplayedStage>>()
  for (const stage of stages) started.set(stage.name, replayStage(stage, base, new Map(started), rules))
  const results = await Promise.allSettled(started.values())
  // The first failure, once every stage has stopped writing under base.
  const failed = results.find((r) => r.status === 'rejected')
  if (failed !== undefined) throw failed.reason
  const done = new Map<string, ReplayedStage>()
  for (const r of results) if (r.status === 'fulfilled') done.set(r.value.stage.name, r.value)
  return done
}

async function replayStage (stage: Stage, base: string, earlier: ReadonlyMap<string, Promise<ReplayedStage>>, rules: readonly IgnoreRule[]): Promise<ReplayedStage> {
  const rootfs = join(base, `stage-${stage.name}`)
  await mkdir(rootfs, { mode: 0o755 })
  const state: ReplayedStage = { stage, rootfs, workdir: '/', env: {}, user: undefined, skipped: [], ran: [], took: [] }
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        state.workdir = posix.resolve(state.workdir, ins.args)
        await mkdir(inRootfs(rootfs, state.workdir, '.'), { recursive: true, mode: 0o755 })
        break
      case 'COPY':
        await replayCopy(ins, state, earlier, rules)
        break
      case 'RUN':
        await replayRun(ins, state, base)
        break
      case 'ENV':
        for (const [name, value] of variablesOf(ins)) state.env[name] = value
        break
      case 'USER':
        state.user = ins.args
        break
      case 'ADD':
        throw new Error(`line ${ins.line}: ADD is not replayed; use COPY`)
      default:
        // ARG, EXPOSE, HEALTHCHECK, CMD, LABEL: nothing to do to the filesystem.
        break
    }
  }
  return state
}

// --- helpers ---------------------------------------------------------------------------------


/** The replay's stand-in for the image's user: `nobody` and its group, from /etc/passwd. */
async function unprivileged (): Promise<{ uid: number, gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8')
  const fields = passwd.split('\n').map((line) => line.split(':')).find((f) => f[0] === 'nobody')
  if (fields === undefined) throw new Error('no user nobody in /etc/passwd')
  return { uid: Number(fields[2]), gid: Number(fields[3]) }
}

const isRoot = process.getuid?.() === 0

/** `command` as the unprivileged user when the test runs as root, else as it is. */
async function asUser (command: readonly string[]): Promise<string[]> {
  if (!isRoot) return [...command]
  const { uid, gid } = await unprivileged()
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...command]
}

async function dockerfile (): Promise<{ instructions: Instruction[], stages: Stage[] }> {
  const instructions = parseDockerfile(await readFile(DOCKERFILE, 'utf8'))
  return { instructions, stages: stagesOf(instructions) }
}

const only = (stage: Stage, keyword: string): Instruction[] => stage.instructions.filter((i) => i.keyword === keyword)

// --- static checks ---------------------------------------------------------------------------

void t.test('the parser: continuations, comments between them, stages, flags, exec form', async (t) => {
  const sample = [
    '# syntax=docker/dockerfile:1',
    'FROM node:20 AS build',
    'RUN a \\',
    '# a comment inside',
    '  && b',
    '',
    'FROM --platform=linux/amd64 node:20-slim AS runtime',
    'COPY --from=build /app/dist ./dist',
    'HEALTHCHECK --interval=15s CMD ["node", "-e", "1"]',
    'ENV A=1 B="two words"',
    'CMD ["node", "x.js"]'
  ].join('\n')
  const instructions = parseDockerfile(sample)
  t.same(instructions.map((i) => `${i.line} ${i.keyword}`), ['2 FROM', '3 RUN', '7 FROM', '8 COPY', '9 HEALTHCHECK', '10 ENV', '11 CMD'])
  t.equal(instructions[1]?.args, 'a   && b')
  const stages = stagesOf(instructions)
  t.same(stages.map((s) => [s.name, s.image, s.instructions.length]), [['build', 'node:20', 1], ['runtime', 'node:20-slim', 4]])
  const copy = flagsOf(instructions[3]?.args ?? '')
  t.equal(copy.flags.get('from'), 'build')
  t.equal(copy.rest, '/app/dist ./dist')
  const health = flagsOf(instructions[4]?.args ?? '')
  t.same(execForm(health.rest.replace(/^CMD\s+/, '')), ['node', '-e', '1'])
  t.same([...variablesOf(instructions[5]!)], [['A', '1'], ['B', 'two words']])
})

void t.test('the .dockerignore matcher follows Docker: parents, wildcards, exceptions, last rule wins', async (t) => {
  const rules = parseDockerignore('# c\nnode_modules\n*.log\n.env.*\n**/*.tmp\ndocs\n!docs/keep.md\n/dist/\n')
  t.ok(ignored(rules, 'node_modules'))
  t.ok(ignored(rules, 'node_modules/pino/package.json'), 'a file under an ignored directory')
  t.notOk(ignored(rules, 'src/node_modules.ts'))
  t.ok(ignored(rules, 'npm-debug.log'))
  t.notOk(ignored(rules, 'logs/a.log'), '* does not cross directories')
  t.ok(ignored(rules, 'a/b/c.tmp'), '** does')
  t.ok(ignored(rules, '.env.production'))
  t.notOk(ignored(rules, '.envrc'))
  t.ok(ignored(rules, 'docs/x.md'))
  t.notOk(ignored(rules, 'docs/keep.md'), 'an exception after the rule')
  t.ok(ignored(rules, 'dist/src/main.js'), 'leading and trailing slashes')
})

void t.test('.dockerignore keeps .git, node_modules, .env and build output out, and lets in what COPY names', async (t) => {
  const rules = parseDockerignore(await readFile(DOCKERIGNORE, 'utf8'))
  for (const path of ['.git', '.git/config', 'node_modules', 'node_modules/pino/package.json', '.env', '.env.production', 'dist/src/main.js', 'coverage', 'test/main.test.ts']) {
    t.ok(ignored(rules, path), `${path} stays out`)
  }
  const { stages } = await dockerfile()
  const sources = stages.flatMap((s) => only(s, 'COPY')).filter((ins) => !flagsOf(ins.args).flags.has('from'))
    .flatMap((ins) => flagsOf(ins.args).rest.split(/\s+/).slice(0, -1))
  t.ok(sources.length >= 5, `${sources.join(' ')}`)
  for (const source of sources) t.notOk(ignored(rules, source), `${source} is in the context`)
})

void t.test('two stages; the final one runs as a non-root system user, holds no secret, starts the controller', async (t) => {
  const { instructions, stages } = await dockerfile()
  t.same(stages.map((s) => s.name), ['build', 'runtime'])
  t.equal(stages[0]?.image, stages[1]?.image, 'one base image for both stages')
  const final = stages.at(-1)!

  // USER: set, not root, before CMD, and after every RUN and COPY (which must stay root's).
  const users = only(final, 'USER')
  t.equal(users.length, 1, 'one USER in the final stage')
  const user = users[0]!
  const name = user.args.split(':')[0] ?? ''
  t.notOk(['root', '0', ''].includes(name), `USER ${user.args} is not root`)
  const cmd = only(final, 'CMD')
  t.equal(cmd.length, 1, 'one CMD')
  t.ok(user.line < cmd[0]!.line, 'USER comes before CMD')
  for (const ins of final.instructions.filter((i) => i.keyword === 'RUN' || i.keyword === 'COPY')) {
    t.ok(ins.line < user.line, `line ${ins.line} ${ins.keyword} runs as root, before USER`)
  }
  // Files stay root-owned, read-only to the controller.
  for (const ins of only(final, 'COPY')) t.notOk(flagsOf(ins.args).flags.has('chown') || flagsOf(ins.args).flags.has('chmod'), `line ${ins.line}: no --chown/--chmod`)
  for (const ins of only(final, 'RUN')) t.notMatch(ins.args, /\bch(own|mod)\b/, `line ${ins.line}: no chown/chmod`)

  // The user and group exist: created by the RUN lines the replay does not run, checked as text.
  const runs = only(final, 'RUN').map((i) => i.args).join(' && ')
  t.match(runs, new RegExp(`\\bgroupadd\\s+--system\\s+${name}\\b`), 'groupadd --system of the USER\'s group')
  const useradd = runs.split('&&').map((c) => c.trim()).find((c) => c.startsWith('useradd')) ?? ''
  t.match(useradd, new RegExp(`\\s${name}$`), 'useradd of the USER')
  t.match(useradd, /--system\b/, 'a system user')
  t.match(useradd, new RegExp(`--gid\\s+${name}\\b`), 'in its group')
  t.match(useradd, /--shell\s+\/usr\/sbin\/nologin\b/, 'no login shell')
  t.match(useradd, /--no-create-home\b/, 'no home directory made (the app directory stays root\'s)')

  // No secret baked into any stage, as ENV, ARG or a literal.
  for (const ins of instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
    for (const variable of variablesOf(ins).keys()) t.notOk(SECRETS.includes(variable), `line ${ins.line}: ${variable} is not a secret`)
  }
  for (const ins of instructions) {
    for (const secret of SECRETS) t.notMatch(ins.args, new RegExp(`\\b${secret}\\b`), `line ${ins.line} ${ins.keyword} does not mention ${secret}`)
  }
  t.ok(SECRETS.includes('ESL_PASSWORD') && SECRETS.includes('API_TOKENS') && SECRETS.includes('TICKET_WEBHOOK_SECRET') && SECRETS.includes('ARI_PASSWORD'), `secrets: ${SECRETS.join(', ')}`)

  // CMD in exec form (the node process is PID 1 and gets SIGTERM itself), as npm start runs it.
  const command = execForm(cmd[0]!.args)
  t.ok(command, 'CMD in exec form')
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.ok(pkg.scripts.start?.endsWith(command?.join(' ') ?? '?'), 'the command npm start runs')
  const health = only(final, 'HEALTHCHECK')
  t.equal(health.length, 1, 'one HEALTHCHECK')
  const { flags, rest } = flagsOf(health[0]!.args)
  t.ok(execForm(rest.replace(/^CMD\s+/, '')), 'HEALTHCHECK CMD in exec form')
  t.ok(flags.has('timeout') && flags.has('interval'), 'with an interval and a timeout')
  t.match(rest, '/health', 'asks /health (liveness), not /ready')

  // EXPOSE is the default HTTP port of config/default.yaml.
  const settings = parse(await readFile(join(ROOT, 'config/default.yaml'), 'utf8')) as { http: { port: number } }
  t.same(only(final, 'EXPOSE').map((i) => i.args), [String(settings.http.port)])
})

// --- the replay ------------------------------------------------------------------------------

void t.test('replayed without Docker, the image starts the controller as an unprivileged user, serves the pages, drains on SIGTERM', async (t) => {
  const started = Date.now()
  const { stages } = await dockerfile()
  const base = await mkdtemp(join(tmpdir(), 'hotline-docker-'))
  // Readable by the unprivileged user, like an image's files; writable by root only.
  await chmod(base, 0o755)
  t.teardown(async () => { await rm(base, { recursive: true, force: true }) })

  const replayed = await replay(stages, base)
  const final = replayed.get(stages.at(-1)!.name)!
  const app = inRootfs(final.rootfs, final.workdir, '.')
  t.comment(`replayed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${[...replayed.values()].flatMap((s) => s.ran.map((c, i) => `${s.stage.name}: ${c} (${s.took[i]?.toFixed(1)} s)`)).join('; ')}`)
  t.same(final.skipped.map((c) => c.split(/\s+/)[0]), ['groupadd', 'useradd'], 'only groupadd and useradd were left out')
  t.ok(replayed.get('build')?.ran.some((c) => c.startsWith('npm run build')), 'the build stage compiled the TypeScript')

  // What the running controller reads from its install root (src/main.ts, src/http/app.ts).
  for (const path of ['dist/src/main.js', 'config/default.yaml', 'config/directory.yaml', 'ivr-flows/prompts.yaml', 'public/index.html', 'node_modules/echarts/dist/echarts.min.js']) {
    t.ok(await stat(join(app, path)).then(() => true, () => false), `${path} is in the image`)
  }
  t.notOk(await stat(join(app, 'node_modules/typescript')).then(() => true, () => false), 'no dev dependencies in the runtime stage')
  t.notOk(await stat(join(app, 'src')).then(() => true, () => false), 'no TypeScript sources in the runtime stage')

  // Start the CMD as the image would, with settings and a secret from the environment.
  const runtime = stages.at(-1)!
  const command = execForm(only(runtime, 'CMD')[0]!.args)!
  const port = await freePort()
  const token = `ops-admin-${Date.now()}-dockerfile`
  const env = baseEnv({
    ...final.env,
    HOME: app,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
    LOG_LEVEL: 'info',
    API_TOKENS: `${token}:admin`,
    DRAIN_DEADLINE_MS: '5000'
  })
  const [program, args] = clean(await asUser(command), env)
  const child: ChildProcess = spawn(program, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => { resolve({ code, signal }) })
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const url = `http://127.0.0.1:${port}`

  const deadline = Date.now() + 30_000
  for (;;) {
    const up = await fetch(`${url}/health`).then((res) => res.status === 200, () => false)
    if (up) break
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the controller did not answer /health:\n${stdout}\n${stderr}`)
    await sleep(100)
  }
  const healthRes = await fetch(`${url}/health`)
  t.equal(healthRes.status, 200, 'GET /health 200')
  t.same(await healthRes.json(), { status: 'ok' })

  // The pages, each file of public/ at the top, and the chart library from node_modules.
  const index = await fetch(`${url}/ui/`)
  t.equal(index.status, 200, 'GET /ui/ 200')
  t.match(index.headers.get('content-type') ?? '', 'text/html')
  const pages = (await readdir(join(ROOT, 'public'))).filter((f) => f.endsWith('.html'))
  t.ok(pages.includes('agent.html'), 'the agent console is one of them')
  for (const page of pages) t.equal((await fetch(`${url}/ui/${page}`)).status, 200, `GET /ui/${page} 200`)
  const echarts = await fetch(`${url}/ui/vendor/echarts.min.js`)
  t.equal(echarts.status, 200, 'GET /ui/vendor/echarts.min.js 200')
  t.ok((await echarts.text()).length > 100_000, 'the whole library')

  // Ready once the controller is connected to the embedded simulator.
  let ready: Response | undefined
  for (const until = Date.now() + 20_000; Date.now() < until; await sleep(200)) {
    ready = await fetch(`${url}/ready`)
    if (ready.status === 200) break
  }
  t.equal(ready?.status, 200, 'GET /ready 200 on the embedded simulator')
  const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(me.status, 200, 'API_TOKENS from the environment opens the API')
  t.equal((await fetch(`${url}/metrics`)).status, 401, '/metrics needs a token')
  t.match(await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text(), /^hotline_switch_up\{vendor="freeswitch"\} 1$/m, '/metrics')

  // Who it runs as, and what it may write.
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8')
  const uids = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/).map(Number)
  t.equal(uids.length, 4, `Uid: ${uids.join(' ')}`)
  t.ok(uids.every((uid) => uid > 0), 'real, effective, saved and filesystem uid are not root')
  if (isRoot) {
    const probe = `const fs = require('node:fs'); const out = {};
      for (const d of ['.', 'config', 'ivr-flows', 'public', 'dist', 'node_modules']) {
        try { fs.writeFileSync(d + '/.write-probe', 'x'); out[d] = 'written' } catch (err) { out[d] = err.code }
      }
      try { fs.appendFileSync('config/default.yaml', '#'); out['config/default.yaml'] = 'written' } catch (err) { out['config/default.yaml'] = err.code }
      console.log(JSON.stringify(out))`
    const [p, ...a] = await asUser(['node', '-e', probe])
    const result = await run(p!, a, { cwd: app, env, timeoutMs: 20_000 })
    const answers = JSON.parse(result.stdout) as Record<string, string>
    t.same(answers, {
      '.': 'EACCES', config: 'EACCES', 'ivr-flows': 'EACCES', public: 'EACCES', dist: 'EACCES', node_modules: 'EACCES', 'config/default.yaml': 'EACCES'
    }, 'the controller\'s user cannot write into the app directory')
    const owner = await stat(join(app, 'config/default.yaml'))
    t.equal(owner.uid, 0, 'the files are root\'s')
  } else {
    t.comment('not root: the controller runs as this user, who owns the replayed files; the write checks need root')
  }

  // The HEALTHCHECK command, as Docker runs it: in the container's environment and directory.
  const health = flagsOf(only(runtime, 'HEALTHCHECK')[0]!.args)
  const check = execForm(health.rest.replace(/^CMD\s+/, ''))!
  const timeoutMs = Number(/^(\d+)s$/.exec(health.flags.get('timeout') ?? '')?.[1] ?? 30) * 1000
  const [hp, ...ha] = await asUser(check)
  const healthy = await run(hp!, ha, { cwd: app, env, timeoutMs })
  t.equal(healthy.code, 0, `HEALTHCHECK passes against the running controller ${healthy.stderr}`)
  const closed = await freePort()
  const unhealthy = await run(hp!, ha, { cwd: app, env: { ...env, HTTP_PORT: String(closed) }, timeoutMs })
  t.equal(unhealthy.code, 1, 'and fails when nothing answers')

  // SIGTERM: drains (up to DRAIN_DEADLINE_MS) and exits 0.
  t.ok(child.kill('SIGTERM'), 'SIGTERM sent')
  const end = await Promise.race([exited, sleep(30_000, undefined, { ref: false }).then(() => ({ code: null, signal: 'timeout' as const }))])
  t.same(end, { code: 0, signal: null }, 'exits 0 on SIGTERM')
  const lines = stdout.trim().split('\n')
  const logs = lines.map((line) => { try { return JSON.parse(line) as { msg?: string } } catch { return undefined } })
  t.same(lines.filter((_, i) => logs[i] === undefined), [], 'every log line is JSON')
  const messages = logs.map((l) => l?.msg ?? '')
  t.ok(messages.includes('controller listening'), 'logged listening')
  t.ok(messages.some((m) => m.startsWith('shutting down')), 'logged the drain')
  t.ok(messages.includes('controller stopped'), 'logged the stop')
  t.equal(stderr, '', 'nothing on stderr')
  t.comment(`whole replay and run: ${((Date.now() - started) / 1000).toFixed(1)} s`)
})
