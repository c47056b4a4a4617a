// The prompt build's progress on stderr, for `npm run prompts` and `npm run switch-config`.

import cliProgress from 'cli-progress'
import type { RenderProgress } from '../src/prompts/render.js'

/** Progress on stderr: a bar on a terminal, a line per prompt elsewhere (logs, CI). */
export function progressView (total: number): { update: (p: RenderProgress) => void, stop: () => void } {
  if (process.stderr.isTTY !== true) {
    return {
      update: (p) => { console.error(`prompts: ${p.done}/${p.total} ${p.prompt.id} (${p.prompt.source})`) },
      stop: () => {}
    }
  }
  const bar = new cliProgress.SingleBar({
    format: '提示音 (prompts) [{bar}] {value}/{total} | {id}',
    hideCursor: true
  }, cliProgress.Presets.shades_classic)
  bar.start(total, 0, { id: '' })
  return { update: (p) => { bar.update(p.done, { id: p.prompt.id }) }, stop: () => { bar.stop() } }
}
