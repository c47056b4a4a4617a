// The live feature: the supervisor dashboard (实时监控) and the change signals the other live
// pages (agent console, dial-test) rely on.
//
// Started first of the features, it makes the line speak: it publishes a live signal
// (ports/live-signals.ts) when
// - a call record is written on this controller (a call starts, moves on, queues, ends):
//   `calls`, throttled to one per 100 ms (throttle.ts);
// - an agent's state changes through this controller: `agents`;
// - a transfer attempts, connects, fails or is cancelled here: `transfers`;
// - a ticket is raised or moved through the shared ticket service: `tickets` (ticket-watch.ts);
// - this controller's switch connection changes: `alarms`, after writing its beat.
// Every controller beats every 5 s (Presence, ports/live-signals.ts): its id, switch state and
// calls in progress.
//
// On any signal, from here or from another controller through Redis, the snapshot is
// recomputed from the shared store (coalesced, hub.ts) and pushed to every open dashboard
// stream; every 5 s it is recomputed anyway, for what changes with time alone (tickets falling
// overdue, a controller that stopped beating). See docs/dashboard.md.

import { Counter, Gauge, Histogram } from 'prom-client'
import type { Feature, FeatureContext } from '../context.js'
import { SnapshotHub } from './hub.js'
import type { ControllerBeat, ControllerPresence } from '../../ports/live-signals.js'
import { registerLiveRoutes } from './routes.js'
import type { LiveSnapshot } from './schema.js'
import { buildSnapshot } from './snapshot.js'
import { SignalThrottle } from './throttle.js'
import { watchTicketService } from './ticket-watch.js'

/** How often each controller says it is alive, and how long one beat counts. */
export const BEAT_MS = 5000
export const BEAT_TTL_MS = 3 * BEAT_MS
/** Recompute while pages watch even without a signal (time-driven changes). */
export const REFRESH_MS = 5000

const DIAL_TEST_GAUGE = 'hotline_dial_test_failing'

export function startLiveFeature (ctx: FeatureContext): Promise<Feature> {
  const { live, logger, controllerId, clock } = ctx
  const log = logger.child({ component: 'live' })
  const registers = [ctx.metrics.registry]
  const streamsGauge = new Gauge({ name: 'hotline_live_streams', help: 'Supervisor dashboard streams open on this controller', registers })
  const computeTime = new Histogram({
    name: 'hotline_live_snapshot_seconds',
    help: 'Time to compute one dashboard snapshot from the shared store',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers
  })
  const readErrors = new Counter({
    name: 'hotline_live_read_errors_total',
    help: 'Parts of a dashboard snapshot that could not be read from the store, by part',
    labelNames: ['section'],
    registers
  })

  const beat = (): ControllerBeat => {
    const status = ctx.switch.status()
    return {
      controllerId,
      vendor: ctx.switch.vendor,
      switchState: status.state,
      switchDetail: status.detail,
      switchSince: status.since,
      callsInProgress: ctx.calls.activeCount(),
      promptsMissing: ctx.prompts.state.missing,
      draining: ctx.calls.draining,
      at: clock.now()
    }
  }
  const sendBeat = async (): Promise<void> => {
    try {
      await live.presence?.beat(beat(), BEAT_TTL_MS)
    } catch (err) {
      log.debug({ err }, 'controller beat not written (store unreachable)')
    }
  }
  const controllers = async (): Promise<ControllerPresence[]> => {
    const listed = await live.presence?.list(clock.now()) ?? []
    // This controller as it is this instant, whatever its last beat said.
    const self: ControllerPresence = { ...beat(), alive: true }
    return [...listed.filter((c) => c.controllerId !== controllerId), self]
      .sort((a, b) => (a.controllerId < b.controllerId ? -1 : a.controllerId > b.controllerId ? 1 : 0))
  }
  const dialTestFailing = async (): Promise<Array<{ number: string, departmentId: string }>> => {
    // Registered by the dial-test feature when it runs; absent means nothing is failing.
    const gauge = ctx.metrics.registry.getSingleMetric(DIAL_TEST_GAUGE)
    if (gauge === undefined) return []
    const { values } = await gauge.get()
    return values
      .filter((v) => v.value === 1 && typeof v.labels.number === 'string')
      .map((v) => ({ number: String(v.labels.number), departmentId: String(v.labels.department ?? '') }))
  }
  const snapshot = (): Promise<LiveSnapshot> => buildSnapshot({
    controllerId,
    clock,
    store: ctx.store,
    tickets: ctx.tickets.store,
    stats: ctx.stats,
    directory: ctx.directory,
    calendar: ctx.calendar,
    controllers,
    dialTestFailing,
    onSectionError: (section, err) => {
      readErrors.inc({ section })
      log.warn({ err, section }, 'dashboard: part of the snapshot could not be read')
    }
  })
  const hub = new SnapshotHub<LiveSnapshot>({
    compute: snapshot,
    onComputed: (ms) => { computeTime.observe(ms / 1000) },
    onError: (err) => { log.warn({ err }, 'dashboard snapshot failed; the previous one stays on the pages') }
  })

  // What changes on this controller, told to every controller.
  const throttle = new SignalThrottle(live)
  const stops: Array<() => void> = []
  stops.push(ctx.calls.onRecordWritten(() => { throttle.publish('calls') }))
  const onAgent = (): void => { live.publish('agents') }
  ctx.ivr.agents.on('changed', onAgent)
  stops.push(() => { ctx.ivr.agents.off('changed', onAgent) })
  const onTransfer = (): void => { live.publish('transfers') }
  for (const event of ['transfer.attempted', 'transfer.connected', 'transfer.failed', 'transfer.cancelled'] as const) {
    ctx.ivr.transfers.on(event, onTransfer)
    stops.push(() => { ctx.ivr.transfers.off(event, onTransfer) })
  }
  stops.push(watchTicketService(ctx.tickets.service, () => { live.publish('tickets') }))
  let switchState = ctx.switch.status().state
  stops.push(ctx.switch.onStatus((status) => {
    // Retries while the switch is away report the same state again: tell nobody about those.
    if (status.state === switchState) return
    switchState = status.state
    // The beat first, so the other controllers read the new state when the signal reaches them.
    void sendBeat().then(() => { throttle.publish('alarms') })
  }))
  // Every signal, from anywhere: the open dashboards refresh.
  stops.push(live.subscribe(() => { hub.changed() }))

  void sendBeat()
  const beating = setInterval(() => { void sendBeat() }, BEAT_MS)
  beating.unref()
  const refreshing = setInterval(() => { hub.changed() }, REFRESH_MS)
  refreshing.unref()

  return Promise.resolve({
    name: 'live',
    routes: async (app) => {
      await registerLiveRoutes(app, {
        hub,
        snapshot,
        onStreams: (delta) => { streamsGauge.inc(delta) }
      })
    },
    close: async () => {
      clearInterval(beating)
      clearInterval(refreshing)
      for (const stop of stops) stop()
      throttle.close()
      await hub.close()
      try {
        await live.presence?.leave(controllerId)
      } catch (err) {
        log.debug({ err }, 'controller beat not removed (store unreachable); it expires by itself')
      }
    }
  })
}
