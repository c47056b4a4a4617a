// Reading a config or flow file without trusting it: a file that is too big, not a regular
// file, or a symbolic link leading out of its folder is refused before a byte is read, so
// a 40 MB file cannot eat memory and a link to /etc/shadow cannot be echoed back in errors.

import { constants } from 'node:fs'
import { lstat, open, realpath, stat } from 'node:fs/promises'
import { dirname, isAbsolute, relative, sep } from 'node:path'

/** Largest config file (default.yaml, directory.yaml, agents.yaml, calendar files) read. */
export const CONFIG_MAX_BYTES = 1024 * 1024

export interface ReadLimits {
  /** Larger files are refused without being read. */
  maxBytes: number
  /** A symbolic link must resolve inside this folder (default: the file's own folder). */
  root?: string
}

/** Why a file was not read; the message never contains any of the file's content. */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError'
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path)
  // "..data/…" (a ConfigMap's hidden folder) is inside; "../…" is not.
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)
}

const tooBig = (size: number, max: number): string => `${size} bytes, over the limit of ${max}: not read`

/** Reads `file` as UTF-8 within `limits`; throws UnreadableFileError, or the fs error when it cannot be read at all. */
export async function readTextFile (file: string, limits: ReadLimits): Promise<string> {
  if ((await lstat(file)).isSymbolicLink()) {
    // Kubernetes ConfigMaps are links into a hidden folder beside the file: those stay inside.
    const [target, root] = await Promise.all([realpath(file), realpath(limits.root ?? dirname(file))])
    if (!inside(root, target)) throw new UnreadableFileError('a symbolic link leading out of its folder: not read')
  }
  // Checked before opening: opening a FIFO would wait for a writer.
  if (!(await stat(file)).isFile()) throw new UnreadableFileError('not a regular file: not read')
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const size = (await handle.stat()).size
    if (size > limits.maxBytes) throw new UnreadableFileError(tooBig(size, limits.maxBytes))
    // One byte more than the size: a file that grew since is caught rather than cut short.
    const buffer = Buffer.alloc(size + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > size) throw new UnreadableFileError('the file changed while being read: not read')
    }
    return buffer.toString('utf8', 0, length)
  } finally {
    await handle.close()
  }
}
