// The outside programs the prompt build runs (espeak-ng, sox), each through execFile: the
// arguments are an array and the text goes on stdin, so no shell ever reads prompt text.
// A program that is not installed is reported with the Debian package that provides it.

import { execFile } from 'node:child_process'

/** The Debian package that installs each program. */
export const DEBIAN_PACKAGES = { 'espeak-ng': 'espeak-ng', sox: 'sox', soxi: 'sox' } as const

export type Tool = keyof typeof DEBIAN_PACKAGES

export class ToolMissingError extends Error {
  readonly tool: Tool
  readonly debianPackage: string

  constructor (tool: Tool) {
    super(`${tool} is not installed (Debian package ${DEBIAN_PACKAGES[tool]}: apt-get install ${DEBIAN_PACKAGES[tool]})`)
    this.name = 'ToolMissingError'
    this.tool = tool
    this.debianPackage = DEBIAN_PACKAGES[tool]
  }
}

export class ToolFailedError extends Error {
  readonly tool: Tool
  readonly stderr: string

  constructor (tool: Tool, args: readonly string[], status: string, stderr: string) {
    super(`${tool} ${args.join(' ')} failed (${status}): ${stderr.trim() === '' ? '(no output)' : stderr.trim()}`)
    this.name = 'ToolFailedError'
    this.tool = tool
    this.stderr = stderr
  }
}

// Generous: the longest prompt is a few seconds of 22 kHz audio when it comes to stdout.
const MAX_OUTPUT = 64 * 1024 * 1024

/** Runs `tool` with `args` (and `input` on stdin); resolves with its stdout. */
export async function runTool (tool: Tool, args: readonly string[], input?: string): Promise<Buffer> {
  return await new Promise((resolve, reject) => {
    const child = execFile(tool, args, { encoding: 'buffer', maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
      if (err === null) {
        resolve(stdout)
        return
      }
      const code = err.code
      if (code === 'ENOENT') {
        reject(new ToolMissingError(tool))
        return
      }
      const status = typeof code === 'number' ? `exit ${code}` : err.killed ? `killed by ${err.signal ?? 'a signal'}` : String(code ?? err.message)
      reject(new ToolFailedError(tool, args, status, stderr.toString()))
    })
    // A program that exits without reading all its input closes the pipe: the callback
    // above reports how it ended, so the write error itself says nothing more.
    child.stdin?.on('error', () => {})
    child.stdin?.end(input ?? '')
  })
}
