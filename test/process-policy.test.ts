// An unhandled rejection is logged and counted and the process goes on; the controller's
// main.ts installs this policy and tells close-with-grace to leave such rejections alone.
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger } from '../src/logger.js'
import { Metrics } from '../src/metrics.js'
import { installProcessPolicy } from '../src/wiring/process-policy.js'

void t.test('an unhandled rejection is logged and counted, nothing more', async (t) => {
  const proc = new EventEmitter()
  const lines: string[] = []
  const logger = createLogger({ level: 'info', destination: new Writable({ write (chunk: Buffer, _e, done) { lines.push(chunk.toString()); done() } }) })
  const metrics = new Metrics()
  const uninstall = installProcessPolicy(proc as unknown as NodeJS.Process, logger, metrics)
  proc.emit('unhandledRejection', new Error('a leg ended during a join'))
  proc.emit('unhandledRejection', 'not even an error')
  t.match(await metrics.registry.getSingleMetricAsString('hotline_unexpected_errors_total'), /hotline_unexpected_errors_total\{kind="unhandled-rejection"\} 2/)
  t.equal(lines.length, 2)
  t.match(JSON.parse(lines[0] ?? '{}'), { level: 50, msg: /unhandled rejection/, err: { message: 'a leg ended during a join' } })
  uninstall()
  t.equal(proc.listenerCount('unhandledRejection'), 0, 'uninstalled')
})

void t.test('main.ts installs it and keeps close-with-grace off unhandled rejections', (t) => {
  const main = readFileSync(new URL('../src/main.ts', import.meta.url), 'utf8')
  t.match(main, /installProcessPolicy\(process, logger, controller\.metrics\)/)
  t.match(main, /closeWithGrace\(\{[^}]*skip: \['unhandledRejection'\]/)
  t.end()
})
