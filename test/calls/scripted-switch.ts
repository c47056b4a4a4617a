// A switch port whose far ends do what the test says, for core tests of the conversation and
// its transfers (test/calls/transfer.test.ts): it records every dial, every prompt, who is in
// which room, and how many times each leg was ended (by the controller or by its far end).
import { HotlineError } from '../../src/errors.js'
import type {
  CollectOptions, CollectResult, DialOutcome, DialRequest, FoundLeg, LegEvent, LegListener, LegTag, PlayOptions, PlayOutcome, SwitchPort, SwitchState, SwitchStatus
} from '../../src/ports/switch.js'
import type { DialOutcomeKind } from '../../src/domain/transfer-record.js'

/**
 * What a number does when dialled: a dial outcome; `ring` (rings until the dial is cancelled);
 * `throw` (the switch refuses the command: HC_SWITCH_COMMAND); `not-connected` (the dial fails
 * with HC_SWITCH_NOT_CONNECTED); `lost-and-down` (the dial is lost and the connection stays
 * down: status `disconnected` until the test brings it back).
 */
export type Behaviour = DialOutcomeKind | 'ring' | 'throw' | 'not-connected' | 'lost-and-down'

export class ScriptedSwitch implements SwitchPort {
  readonly vendor = 'freeswitch'
  readonly dials: DialRequest[] = []
  readonly played: Array<{ legId: string, prompt: string }> = []
  /** Legs the controller hung up, in order (a leg hung up twice is here twice). */
  readonly hungUp: string[] = []
  readonly rooms = new Map<string, Set<string>>()
  /** Every leg that ever joined a room. */
  readonly everJoined = new Set<string>()
  /** Everything done to the caller's leg, in order (`joined`, `left`, `played …`). */
  readonly callerSteps: string[] = []
  /** Legs answered by a dial, in order. */
  readonly answeredLegs: string[] = []
  /** Runs as a number answers (before the dial returns). */
  beforeAnswer: () => void = () => undefined
  readonly #behaviour = new Map<string, Behaviour[]>()
  readonly #listeners = new Map<string, Set<LegListener>>()
  readonly #statusListeners = new Set<(status: SwitchStatus) => void>()
  /** Times each leg was ended: a far-end hangup of a live leg, or any hangup() by the controller. */
  readonly #endings = new Map<string, number>()
  readonly #down = new Set<string>()
  readonly #joinHooks = new Map<string, () => Error | undefined>()
  #status: SwitchStatus = { state: 'ready', detail: 'scripted', since: 0 }
  #legs = 0
  #gate: Promise<void> | undefined

  /** Dials wait (before anything is recorded) until the returned function is called. */
  holdDials (): () => void {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => { release = resolve })
    this.#gate = gate
    return () => {
      if (this.#gate === gate) this.#gate = undefined
      release()
    }
  }

  /** A behaviour per number; a list is used in turn, one per dial, its last entry repeating. */
  behave (numbers: Record<string, Behaviour | Behaviour[]>): void {
    for (const [n, b] of Object.entries(numbers)) this.#behaviour.set(n, Array.isArray(b) ? [...b] : [b])
  }

  /**
   * Runs as `legId` is being joined to a room; an error it returns fails the join (e.g. the
   * leg hung up as it was being put through).
   */
  onJoin (legId: string, hook: () => Error | undefined): void {
    this.#joinHooks.set(legId, hook)
  }

  setStatus (state: SwitchState): void {
    this.#status = { state, detail: 'scripted', since: Date.now() }
    for (const l of [...this.#statusListeners]) l(this.#status)
  }

  /** How many are waiting for the switch to come back. */
  get statusWaiters (): number {
    return this.#statusListeners.size
  }

  inRoom (room: string): string[] {
    return [...(this.rooms.get(room) ?? [])].sort()
  }

  /** Times `legId` was ended, whoever ended it (1 for a leg ended once and properly). */
  endings (legId: string): number {
    return this.#endings.get(legId) ?? 0
  }

  /** Times the controller asked to hang `legId` up. */
  hangupsOf (legId: string): number {
    return this.hungUp.filter((l) => l === legId).length
  }

  isDown (legId: string): boolean {
    return this.#down.has(legId)
  }

  emit (legId: string, event: LegEvent): void {
    for (const l of [...(this.#listeners.get(legId) ?? [])]) l(event)
  }

  /** The far end of a leg hangs up (nothing if it is already down). */
  remoteHangup (legId: string): void {
    if (this.#down.has(legId)) return
    this.#end(legId)
    this.emit(legId, { type: 'hangup', cause: 'remote-hangup', vendor: { text: 'NORMAL_CLEARING' }, at: Date.now() })
  }

  #end (legId: string): void {
    this.#endings.set(legId, this.endings(legId) + 1)
    this.#down.add(legId)
    for (const members of this.rooms.values()) members.delete(legId)
  }

  #next (number: string): Behaviour {
    const script = this.#behaviour.get(number)
    if (script === undefined) return 'unreachable'
    return (script.length > 1 ? script.shift() : script[0]) ?? 'unreachable'
  }

  async dial (request: DialRequest): Promise<DialOutcome> {
    if (this.#gate !== undefined) await this.#gate
    this.dials.push(request)
    const b = this.#next(request.target.number)
    if (b === 'throw') throw new HotlineError('HC_SWITCH_COMMAND', 'command refused')
    if (b === 'not-connected') throw new HotlineError('HC_SWITCH_NOT_CONNECTED', 'not connected')
    if (b === 'lost-and-down') {
      this.setStatus('disconnected')
      return { kind: 'lost', ringMs: 10, cause: { text: 'connection lost' } }
    }
    if (b === 'answered') {
      this.beforeAnswer()
      const legId = `spec-${++this.#legs}`
      this.answeredLegs.push(legId)
      return { kind: 'answered', legId, ringMs: 300 }
    }
    if (b === 'no-answer') return { kind: 'no-answer', ringMs: request.ringTimeoutMs, cause: { text: 'NO_ANSWER', q850: 19 } }
    if (b === 'ring') {
      return await new Promise((resolve) => {
        request.signal?.addEventListener('abort', () => {
          resolve({ kind: 'cancelled', ringMs: 1200, cause: { text: 'ORIGINATOR_CANCEL', q850: 487 } })
        }, { once: true })
      })
    }
    return { kind: b, ringMs: 40, cause: { text: b.toUpperCase() } }
  }

  async joinConference (legId: string, room: string): Promise<void> {
    await Promise.resolve()
    const failure = this.#joinHooks.get(legId)?.()
    if (failure !== undefined) throw failure
    const members = this.rooms.get(room) ?? new Set()
    this.rooms.set(room, members)
    members.add(legId)
    this.everJoined.add(legId)
    if (legId.startsWith('caller')) this.callerSteps.push('joined')
    this.emit(legId, { type: 'conference-joined', room, at: Date.now() })
  }

  async leaveConference (legId: string, room: string): Promise<void> {
    await Promise.resolve()
    this.rooms.get(room)?.delete(legId)
    if (legId.startsWith('caller')) this.callerSteps.push('left')
    this.emit(legId, { type: 'conference-left', room, at: Date.now() })
  }

  async play (legId: string, prompt: string, _options?: PlayOptions): Promise<PlayOutcome> {
    await Promise.resolve()
    this.played.push({ legId, prompt })
    if (legId.startsWith('caller')) this.callerSteps.push(`played ${prompt}`)
    return 'played'
  }

  async missingPrompts (): Promise<string[]> {
    return await Promise.resolve([])
  }

  /** Tags written on legs, by leg. */
  readonly tags = new Map<string, LegTag>()

  async tagLeg (legId: string, tag: LegTag): Promise<void> {
    this.tags.set(legId, tag)
    await Promise.resolve()
  }

  async legTag (legId: string): Promise<LegTag | undefined> {
    return await Promise.resolve(this.tags.get(legId))
  }

  /** Legs left by a controller, as findLegs() will report them (tests set it). */
  found: FoundLeg[] = []

  async findLegs (): Promise<FoundLeg[]> {
    return await Promise.resolve(this.found.splice(0))
  }

  /** Peers adopted (their peerInfo), in order. */
  readonly adopted: Array<Readonly<Record<string, string>>> = []

  peerInfo (): Readonly<Record<string, string>> {
    return { app: 'scripted' }
  }

  async adopt (peer: Readonly<Record<string, string>>): Promise<void> {
    this.adopted.push(peer)
    await Promise.resolve()
  }

  async hangup (legId: string): Promise<void> {
    // Counted as asked, before any await: a hangup nobody waits for is still seen.
    this.hungUp.push(legId)
    if (this.#down.has(legId)) {
      // Harmless on a real switch, but the leg was already ended: counted as a second ending.
      this.#endings.set(legId, this.endings(legId) + 1)
      return
    }
    this.#end(legId)
    await Promise.resolve()
    this.emit(legId, { type: 'hangup', cause: 'normal', vendor: { text: 'NORMAL_CLEARING' }, at: Date.now() })
  }

  onLegEvent (legId: string, listener: LegListener): () => void {
    const set = this.#listeners.get(legId) ?? new Set()
    this.#listeners.set(legId, set)
    set.add(listener)
    return () => { set.delete(listener) }
  }

  status (): SwitchStatus {
    return this.#status
  }

  onStatus (listener: (status: SwitchStatus) => void): () => void {
    this.#statusListeners.add(listener)
    return () => { this.#statusListeners.delete(listener) }
  }

  start = async (): Promise<void> => { await Promise.resolve() }
  onInboundCall = (): () => void => () => undefined
  answer = async (_legId: string): Promise<void> => { await Promise.resolve() }
  collectDigits = async (_legId: string, _options: CollectOptions): Promise<CollectResult> => await Promise.resolve({ digits: '', reason: 'timeout' })
  close = async (): Promise<void> => { await Promise.resolve() }
  destroy = (): void => undefined
}
