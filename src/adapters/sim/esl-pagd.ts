// play_and_get_digits, copied from FreeSWITCH 1.10: mod_dptools play_and_get_digits_function
// (argument defaults), switch_play_and_get_digits (tries, regex, invalid file),
// switch_ivr_read (prompt, terminators, read_result) and switch_ivr_collect_digits_count
// (first-digit and inter-digit timeouts), all in switch_ivr_play_say.c / switch_ivr.c.
//
// What a controller sees of it: the digits in `variable_<var>` of CHANNEL_EXECUTE_COMPLETE when
// they were accepted; on a regex mismatch `<var>` is unset and `<var>_invalid` holds them; when
// every try ends with too few digits `<var>` keeps what the last try collected (switch_ivr_read
// stores any non-empty buffer), and is unset if that was nothing.

import type { AppContext } from './esl-app-context.js'

type ReadStatus = 'success' | 'timeout' | 'too_small' | 'failure'

interface ReadResult {
  status: ReadStatus
  buffer: string
}

/** atoi: leading digits, else 0. */
function atoi (text: string | undefined): number {
  const n = Number.parseInt(text ?? '', 10)
  return Number.isFinite(n) ? n : 0
}

/** switch_regex_match: an unanchored PCRE search; a pattern that does not compile matches nothing. */
function regexMatches (digits: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(digits)
  } catch {
    return false
  }
}

export async function playAndGetDigits (ctx: AppContext): Promise<void> {
  const argv = ctx.arg.split(' ').filter((part) => part !== '')
  if (argv.length === 0) return
  const min = Math.max(0, atoi(argv[0]))
  let max = atoi(argv[1])
  let tries = atoi(argv[2])
  let timeout = argv.length > 3 ? atoi(argv[3]) : 1000
  const terminators = argv[4] ?? '#'
  const prompt = argv[5] ?? ''
  const invalid = argv[6] ?? ''
  const variable = argv[7] ?? ''
  const regex = argv[8] ?? ''
  const digitTimeout = argv.length > 9 ? Math.max(0, atoi(argv[9])) : 0
  if (max < min) max = min
  if (timeout <= 1000) timeout = 1000
  if (regex !== '' && variable !== '') ctx.setVar(`${variable}_invalid`, undefined)

  while (ctx.ready && tries > 0) {
    const result = await read(ctx, { min, max, prompt, variable, timeout, terminators, digitTimeout })
    let status = result.status
    if (status === 'timeout' && result.buffer.length >= min) status = 'success'
    if (min === 0 && result.buffer === '' && ctx.getVar('read_terminator_used') !== undefined) return
    if (status === 'success' && result.buffer !== '') {
      if (regex === '' || regexMatches(result.buffer, regex)) return
      if (variable !== '') {
        ctx.setVar(variable, undefined)
        ctx.setVar(`${variable}_invalid`, result.buffer)
      }
    }
    if (!ctx.ready) break
    if (invalid !== '') await ctx.play(invalid, false)
    tries--
  }
}

interface ReadOptions {
  min: number
  max: number
  prompt: string
  variable: string
  timeout: number
  terminators: string
  digitTimeout: number
}

/** switch_ivr_read: the prompt (any key breaks it), then digit collection. */
async function read (ctx: AppContext, options: ReadOptions): Promise<ReadResult> {
  const { min, max, prompt, variable, terminators } = options
  const termRequired = terminators.startsWith('=')
  const digitTimeout = options.digitTimeout === 0 ? options.timeout : options.digitTimeout
  ctx.setVar('read_result', undefined)
  if (variable !== '') ctx.setVar(variable, undefined)
  ctx.preAnswer()
  let buffer = ''
  let status: ReadStatus = 'success'
  if (prompt !== '' && prompt.toLowerCase() !== 'silence') {
    // A key already queued breaks the prompt as soon as it starts.
    const played = await ctx.play(prompt, true, () => {
      if (ctx.queuedDigits > 0) ctx.host.model.stopPlayback(ctx.id)
    })
    if (played.status === 'failed') return finish(ctx, { status: 'failure', buffer: '' }, max, terminators, variable)
    buffer = ctx.takeDigit() ?? ''
  }
  let terminator = ''
  if ((min > 0 && buffer.length < min) || buffer.length < max) {
    const collected = await collect(ctx, buffer, max, terminators, buffer.length > 0 ? digitTimeout : options.timeout, digitTimeout)
    buffer = collected.buffer
    terminator = collected.terminator
    status = collected.status
  }
  if (terminator !== '') {
    ctx.setVar('read_terminator_used', terminator)
    const at = terminators.indexOf(terminator)
    // `+#` keeps the terminator in the digits.
    if (at > 0 && terminators[at - 1] === '+') buffer += terminator
  } else if (termRequired) {
    status = 'too_small'
  }
  if (min > 0 && buffer.length < min) status = 'too_small'
  ctx.setVar('read_result', status === 'success' ? 'success' : status === 'timeout' ? 'timeout' : 'failure')
  return finish(ctx, { status, buffer }, max, terminators, variable)
}

function finish (ctx: AppContext, result: ReadResult, max: number, terminators: string, variable: string): ReadResult {
  let { buffer } = result
  if (max === 1 && buffer.length === 1 && terminators.includes(buffer)) buffer = ''
  if (variable !== '' && buffer !== '') ctx.setVar(variable, buffer)
  return { status: result.status, buffer }
}

/**
 * switch_ivr_collect_digits_count: a terminator already in the buffer ends it at once; then
 * keys until `max`, a terminator (not kept), the first-digit timeout (no key yet) or the
 * inter-digit timeout (since the last key).
 */
async function collect (ctx: AppContext, start: string, max: number, terminators: string, firstTimeout: number, digitTimeout: number): Promise<{ buffer: string, terminator: string, status: ReadStatus }> {
  for (let i = 0; i < start.length; i++) {
    const key = start[i] ?? ''
    if (terminators.includes(key)) return { buffer: start.slice(0, i), terminator: key, status: 'success' }
  }
  let buffer = start
  const scale = (ms: number): number => ctx.host.model.scaled(ms)
  let deadline = Date.now() + scale(buffer.length === 0 ? firstTimeout : digitTimeout)
  while (ctx.ready) {
    const left = deadline - Date.now()
    if (left <= 0) return { buffer, terminator: '', status: 'timeout' }
    const key = await ctx.waitDigit(left / ctx.host.model.timeScale)
    if (key === undefined) {
      if (!ctx.ready) break
      continue
    }
    if (terminators.includes(key)) return { buffer, terminator: key, status: 'success' }
    buffer += key
    if (buffer.length >= max) return { buffer, terminator: '', status: 'success' }
    deadline = Date.now() + scale(digitTimeout)
  }
  return { buffer, terminator: '', status: 'failure' }
}
