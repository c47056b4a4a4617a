// Flows for the flow-view tests: the shipped enterprise-seat flow with the shipped names, and
// a small flow with every step kind, loaded from a temporary folder through the registry as
// the controller loads them.

import type { Test } from 'tap'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { loadAgents } from '../../src/config/agents-schema.js'
import { type GraphNames, graphNames } from '../../src/features/flow-view/graph.js'
import type { LoadedFlow } from '../../src/flows/loader.js'
import { loadPromptCatalogue } from '../../src/flows/prompts.js'
import { FlowRegistry } from '../../src/flows/registry.js'
import { CONFIG_DIR, FLOWS_DIR, shippedDirectory, silentLog } from './fake-call.js'

export const shippedAgents = await loadAgents(join(CONFIG_DIR, 'agents.yaml'))
export const GROUPS = shippedAgents.groups.map((g) => g.id)

export async function shippedNames (): Promise<GraphNames> {
  const catalogue = await loadPromptCatalogue(join(FLOWS_DIR, 'prompts.yaml'))
  return graphNames({ prompts: catalogue.prompts, directory: shippedDirectory, groups: shippedAgents.groups })
}

export async function openRegistry (t: Test, dir: string): Promise<FlowRegistry> {
  const registry = await FlowRegistry.open({
    dir, surroundings: () => ({ directory: shippedDirectory, groups: GROUPS }), logger: silentLog, watch: false
  })
  t.teardown(async () => { await registry.close() })
  return registry
}

export async function shippedFlow (t: Test): Promise<LoadedFlow> {
  return (await openRegistry(t, FLOWS_DIR)).current('enterprise-seat')
}

const SYNTHETIC_PROMPTS = ['p-hello', 'p-menu', 'p-code', 'p-full', 'p-cid', 'p-keyed', 'p-confirm', 'p-enter', 'p-noted', 'p-rate', 'p-bye', 'p-wrong']

/** Every step kind once (three branches), a menu key leading back to its own menu. */
export const EVERY_KIND = {
  id: 'every-kind',
  name: '每种步骤',
  start: 'hello',
  steps: {
    hello: { kind: 'play', prompt: 'p-hello', next: 'main' },
    main: {
      kind: 'menu',
      prompt: 'p-menu',
      invalidPrompt: 'p-wrong',
      retries: 1,
      options: {
        '*': { next: 'main' },
        2: { next: 'by-priority', set: { priority: 'help' } },
        1: { next: 'code', set: { matter: 'tax-invoice' } }
      },
      onFail: 'bye'
    },
    code: { kind: 'collect', prompt: 'p-code', minDigits: 4, maxDigits: 6, into: 'enterprise', next: 'which', onFail: 'bye' },
    which: { kind: 'branch', on: 'variable', variable: 'enterprise', cases: { 1234: 'open-hours' }, default: 'by-priority' },
    'by-priority': { kind: 'branch', on: 'priority', cases: { first: 'open-hours', second: 'bye' } },
    'open-hours': { kind: 'branch', on: 'working-time', department: 'tax', cases: { open: 'wait', closed: 'number' } },
    wait: { kind: 'queue', group: 'enterprise-seat', maxWaitSec: 60, announceEverySec: 20, next: 'rate', overflow: 'number', overflowPrompt: 'p-full' },
    number: {
      kind: 'callback', callerIdPrompt: 'p-cid', keyedPrompt: 'p-keyed', confirmPrompt: 'p-confirm', enterPrompt: 'p-enter', next: 'note', onFail: 'note'
    },
    note: { kind: 'ticket', ticketKind: 'next-urgent', prompt: 'p-noted', next: 'bye' },
    rate: { kind: 'survey', prompt: 'p-rate', next: 'bye' },
    bye: { kind: 'hangup', prompt: 'p-bye', reason: 'done' }
  }
}

/** A catalogue with every prompt the synthetic flows play (texts 提示<id>). */
export function syntheticCatalogue (extra: readonly string[] = []): string {
  const ids = [...SYNTHETIC_PROMPTS, ...[...'0123456789'].map((d) => `digit-${d}`), ...extra]
  return stringify({ prompts: Object.fromEntries(ids.map((id) => [id, { zh: `提示${id}` }])) })
}

/** A folder holding the catalogue and the given flows (name → document). */
export function flowFolder (t: Test, flows: Record<string, unknown>): string {
  return t.testdir({
    'prompts.yaml': syntheticCatalogue(),
    ...Object.fromEntries(Object.entries(flows).map(([name, doc]) => [name, stringify(doc)]))
  })
}
