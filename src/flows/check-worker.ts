// Worker thread entry: reads, parses and checks flow files sent by isolated-check.ts, so a
// big or hostile file costs this thread's time and memory, never the event loop of calls.

import { parentPort } from 'node:worker_threads'
import { Directory } from '../domain/directory.js'
import { checkFlowFile } from './loader.js'
import type { CheckRequest, CheckAnswer } from './isolated-check.js'

const port = parentPort
if (port === null) throw new Error('check-worker.ts runs as a worker thread only')
port.on('message', (request: CheckRequest) => {
  const { file, world, maxBytes } = request
  const answer = (async (): Promise<CheckAnswer> => {
    try {
      const check = await checkFlowFile(file, {
        prompts: new Set(world.prompts),
        directory: new Directory(world.directory),
        groups: new Set(world.groups)
      }, maxBytes)
      return { file, check }
    } catch (err) {
      return { file, failed: (err as Error).message }
    }
  })()
  void answer.then((a) => { port.postMessage(a) })
})
port.postMessage('ready')
