// The flow engine: turns a loaded flow into the CallScript a CallSession runs. It walks the
// steps from `start`, each step's kind (steps/index.ts) deciding where to go next, until a
// step ends the call; the call's end reason is that step's.
//
// The call holds the LoadedFlow it started with: a reload that replaces the flow in the
// registry does not touch a call in progress. Variables live with the call — every one set
// is also handed to the session's `choose()`, so the choices are stored with the call record
// and shown to the agent — and each step entered is recorded as the call's path.

import type { CallContext, CallScript } from '../calls/call-context.js'
import { HotlineError, abortError } from '../errors.js'
import type { LoadedFlow } from './loader.js'
import type { FlowServices, StepContext } from './step.js'
import { stepKindOf } from './steps/index.js'

/**
 * A safety net, not a rule: the loader refuses flows that cannot end, but a caller can still
 * go round a menu that offers "back" for as long as they like. Beyond this many steps the
 * script fails with HC_FLOW_LOOP (the session ends the call as failed, with that reason).
 */
export const DEFAULT_MAX_STEPS = 200

export interface RunFlowOptions {
  /** Called as each step is entered, with its id (after the call's own record of it). */
  onStep?: (stepId: string) => void
  /** At most this many steps per call (DEFAULT_MAX_STEPS). */
  maxSteps?: number
}

function stepContext (call: CallContext, services: FlowServices, signal: AbortSignal): StepContext {
  const vars = new Map<string, string>()
  let callback: string | undefined
  const alive = (): void => {
    if (signal.aborted) throw abortError(signal)
  }
  return {
    callId: call.callId,
    legId: call.legId,
    callerNumber: call.callerNumber,
    log: call.log,
    services,
    now: () => services.clock.now(),
    play: async (prompt, options) => {
      alive()
      await call.play(prompt, options)
    },
    collect: async (options) => {
      alive()
      return await call.collect(options)
    },
    get: (name) => vars.get(name),
    set: (name, value) => {
      vars.set(name, value)
      call.choose(name, value)
    },
    vars: () => Object.fromEntries(vars),
    callbackNumber: () => callback,
    setCallbackNumber: (number) => { callback = number },
    queue: async (ask) => {
      alive()
      return await call.queue(ask)
    }
  }
}

/** The script that runs `flow` for one call. */
export function runFlow (flow: LoadedFlow, services: FlowServices, options: RunFlowOptions = {}): CallScript {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS
  return async (call, signal) => {
    const ctx = stepContext(call, services, signal)
    let id = flow.start
    for (let count = 1; ; count++) {
      if (signal.aborted) throw abortError(signal)
      if (count > maxSteps) {
        throw new HotlineError('HC_FLOW_LOOP', `flow ${flow.id} went past ${maxSteps} steps (at step "${id}")`, {
          details: { flow: flow.id, version: flow.version, step: id, maxSteps }
        })
      }
      const step = Object.hasOwn(flow.steps, id) ? flow.steps[id] : undefined
      if (step === undefined) {
        // The loader checks every target; only a LoadedFlow built by hand can get here.
        throw new HotlineError('HC_CONFIG_INVALID', `flow ${flow.id} has no step "${id}"`, { details: { flow: flow.id, step: id } })
      }
      call.recordStep(id)
      options.onStep?.(id)
      const outcome = await stepKindOf(step).run(step, ctx, signal)
      if ('end' in outcome) return { reason: outcome.end }
      id = outcome.next
    }
  }
}
