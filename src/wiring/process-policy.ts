// What an unexpected error does to the process. A promise rejected with nobody to handle it
// belongs to one call (or one request) gone wrong: it is logged and counted
// (`hotline_unexpected_errors_total`), and every other call goes on — before this policy one
// such rejection drained and stopped the controller, cutting every call. An uncaught
// exception still stops it (after the drain): Node's state may be broken past that point.
import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'

type ProcessLike = Pick<NodeJS.Process, 'on' | 'off'>

/** Installs the policy; returns its uninstall. */
export function installProcessPolicy (proc: ProcessLike, logger: Logger, metrics: Metrics): () => void {
  const onRejection = (reason: unknown): void => {
    metrics.unexpectedErrors.inc({ kind: 'unhandled-rejection' })
    logger.error({ err: reason }, 'unexpected error (unhandled rejection); the controller goes on')
  }
  proc.on('unhandledRejection', onRejection)
  return () => { proc.off('unhandledRejection', onRejection) }
}
