// Generated files: written into a folder, or compared with a folder (the shipped examples
// must be exactly what the generator writes from the shipped settings).

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export interface GeneratedFile {
  /** Relative to the output folder, `/`-separated. */
  path: string
  content: string
  /** e.g. 0o755 for a script; default 0o644. */
  mode?: number
}

export async function writeGenerated (dir: string, files: readonly GeneratedFile[]): Promise<void> {
  for (const f of files) {
    const target = join(dir, f.path)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, f.content)
    await chmod(target, f.mode ?? 0o644)
  }
}

/** The generated files whose copy in `dir` is missing or differs. */
export async function driftFrom (dir: string, files: readonly GeneratedFile[]): Promise<string[]> {
  const drifted: string[] = []
  for (const f of files) {
    const onDisk = await readFile(join(dir, f.path), 'utf8').catch(() => undefined)
    if (onDisk !== f.content) drifted.push(f.path)
  }
  return drifted
}
