// Tokens for a newcomer's first `npm start`: on the embedded simulator with no API_TOKENS set,
// the controller makes random tokens for a supervisor, an admin and each agent, and prints
// them once on stderr so the pages can be opened at once. Never on a real switch: there a
// missing API_TOKENS means every API request is refused, as the README says.

import { randomBytes } from 'node:crypto'
import type { ApiToken } from '../config/app-config.js'
import type { AgentsConfig } from '../config/agents-schema.js'

/** 18 random bytes, URL-safe: 24 characters, inside ApiTokenSchema's alphabet and lengths. */
const fresh = (role: string): string => `${role}-${randomBytes(18).toString('base64url')}`

export function makeDemoTokens (agents: AgentsConfig): ApiToken[] {
  return [
    { token: fresh('supervisor'), role: 'supervisor' },
    { token: fresh('admin'), role: 'admin' },
    ...agents.agents.map((agent): ApiToken => ({ token: fresh('agent'), role: 'agent', agentId: agent.id }))
  ]
}

/** The banner printed on stderr: where the pages are and which token opens what. */
export function demoTokenBanner (tokens: readonly ApiToken[], pagesUrl: string): string {
  const width = Math.max(...tokens.map((t) => (t.agentId ?? t.role).length))
  const lines = tokens.map((t) => `  ${(t.agentId ?? t.role).padEnd(width)}  ${t.token}`)
  return [
    '',
    `Pages: ${pagesUrl}  (demo tokens for this run only; set API_TOKENS to choose your own)`,
    ...lines,
    ''
  ].join('\n')
}
