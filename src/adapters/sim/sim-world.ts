// The world around the simulated switch that tests and the synthetic traffic script: the far
// ends behind the department trunk and the agents' phones registered to the switch. It is not
// part of the switch, so it outlives a restart of it: the departments still answer, and the
// phones stay registered (both switches keep registrations across a restart: FreeSWITCH in its
// sofia database, Asterisk's PJSIP contacts in astdb).

import { HotlineError } from '../../errors.js'
import type { EndpointBehaviour, EndpointChooser } from './model-types.js'
import type { SimInstall } from './sim-install.js'

export type PhoneState = 'absent' | 'unregistered' | 'registered'

export class SimWorld {
  readonly #install: SimInstall
  /** Far ends with one behaviour for every dial, and those asked afresh at each dial. */
  readonly #endpoints = new Map<string, EndpointBehaviour>()
  readonly #choosers = new Map<string, EndpointChooser>()
  /** Registered phones and how each answers. */
  readonly #phones = new Map<string, EndpointBehaviour | EndpointChooser>()

  constructor (install: SimInstall) {
    this.#install = install
  }

  defineEndpoint (number: string, behaviour: EndpointBehaviour | EndpointChooser): void {
    if (this.#install.phones.has(number)) {
      throw new HotlineError('HC_BAD_REQUEST', `${number} is an agent phone of the switch configuration: registerPhone() it`)
    }
    this.removeEndpoint(number)
    if (typeof behaviour === 'function') this.#choosers.set(number, behaviour)
    else this.#endpoints.set(number, behaviour)
  }

  removeEndpoint (number: string): boolean {
    const fixed = this.#endpoints.delete(number)
    return this.#choosers.delete(number) || fixed
  }

  endpoint (number: string): EndpointBehaviour | EndpointChooser | undefined {
    return this.#choosers.get(number) ?? this.#endpoints.get(number)
  }

  registerPhone (extension: string, behaviour: EndpointBehaviour | EndpointChooser): void {
    if (!this.#install.phones.has(extension)) {
      throw new HotlineError('HC_BAD_REQUEST', `no phone ${extension} in the switch configuration (config/agents.yaml)`)
    }
    this.#phones.set(extension, behaviour)
  }

  unregisterPhone (extension: string): boolean {
    return this.#phones.delete(extension)
  }

  phoneBehaviour (extension: string): EndpointBehaviour | EndpointChooser | undefined {
    return this.#phones.get(extension)
  }

  phone (extension: string): PhoneState {
    if (!this.#install.phones.has(extension)) return 'absent'
    return this.#phones.has(extension) ? 'registered' : 'unregistered'
  }

  /** How the far end behaves for this dial; undefined for a number nobody answers (UNALLOCATED_NUMBER). */
  behaviourFor (dial: { number: string, callerIdNumber: string }, via: 'trunk' | 'phone'): EndpointBehaviour | undefined {
    const found = via === 'phone' ? this.#phones.get(dial.number) : this.endpoint(dial.number)
    return typeof found === 'function' ? found(dial) : found
  }
}
