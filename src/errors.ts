// One errors module: every error the controller raises has a stable code with the HC_
// prefix, an HTTP status where it reaches the API, and, where it comes from the switch, the
// vendor cause it was mapped from. Decide by `code`, never by message text.

export type ErrorCode =
  | 'HC_CONFIG_INVALID'
  | 'HC_CONFIG_READ'
  | 'HC_CALENDAR_MISSING_YEAR'
  | 'HC_SWITCH_NOT_CONNECTED'
  | 'HC_SWITCH_AUTH'
  | 'HC_SWITCH_TIMEOUT'
  | 'HC_SWITCH_COMMAND'
  | 'HC_SWITCH_NO_SUCH_CALL'
  | 'HC_DIAL_TARGET'
  | 'HC_CALL_GONE'
  | 'HC_ABORTED'
  | 'HC_SHUTTING_DOWN'
  | 'HC_BAD_REQUEST'
  | 'HC_NOT_FOUND'
  | 'HC_STORE'
  | 'HC_UNAUTHORIZED'
  | 'HC_FORBIDDEN'
  | 'HC_AGENT_STATE'
  | 'HC_FLOW_LOOP'
  | 'HC_TICKET_STATE'
  | 'HC_TRANSFER_STATE'
  | 'HC_CALL_STATE'
  | 'HC_DIAL_TEST_STATE'
  | 'HC_RATE_LIMITED'
  /** The event loop is overloaded: reads are shed until it recovers (http/shedding.ts). */
  | 'HC_OVERLOADED'
  /** A write with a fencing token older than the record's: another controller owns it now. */
  | 'HC_FENCED'
  | 'HC_INTERNAL'

const STATUS: Partial<Record<ErrorCode, number>> = {
  HC_BAD_REQUEST: 400,
  HC_NOT_FOUND: 404,
  HC_SWITCH_NOT_CONNECTED: 503,
  HC_SHUTTING_DOWN: 503,
  HC_STORE: 503,
  HC_UNAUTHORIZED: 401,
  HC_FORBIDDEN: 403,
  HC_AGENT_STATE: 409,
  HC_TICKET_STATE: 409,
  HC_TRANSFER_STATE: 409,
  HC_DIAL_TEST_STATE: 409,
  HC_RATE_LIMITED: 429,
  HC_OVERLOADED: 503,
  HC_FENCED: 409
}

export interface HotlineErrorOptions {
  cause?: unknown
  /** Vendor cause (e.g. FreeSWITCH `USER_BUSY`, Asterisk `cause 17`) where the switch said it. */
  switchCause?: string
  /** Extra facts for logs (file, path, ...). */
  details?: Record<string, unknown>
}

export class HotlineError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly switchCause: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor (code: ErrorCode, message: string, options: HotlineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HotlineError'
    this.code = code
    this.statusCode = STATUS[code] ?? 500
    this.switchCause = options.switchCause
    this.details = options.details
  }
}

export function isHotlineError (err: unknown, code?: ErrorCode): err is HotlineError {
  return err instanceof HotlineError && (code === undefined || err.code === code)
}

/** The error an `AbortSignal` carries, as a HotlineError so callers can test the code. */
export function abortError (signal: AbortSignal): HotlineError {
  const reason: unknown = signal.reason
  if (isHotlineError(reason)) return reason
  return new HotlineError('HC_ABORTED', 'operation aborted', { cause: reason })
}
