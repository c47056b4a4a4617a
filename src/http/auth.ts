// API token auth as a Fastify plugin. Tokens come from the environment (API_TOKENS, see
// app-config.ts), each with a role: `agent` (bound to one agent id: an agent acts as
// themself only), `supervisor`, `admin`, `department` (bound to one department id: its staff
// see and act on that department's tickets only; the ticket routes check the binding).
// Deny by default: every route needs a token unless it is on PUBLIC_ROUTES. A route names its
// roles with `onRequest: app.requireRole([...])`, which runs before the body is parsed or
// validated, so a caller without a valid token learns nothing about the route's input rules;
// a route that names none (a forgotten check) is refused to every token, not left open.
// Register the plugin before any route: its onRoute hook sees only the routes added after it.
//
// Answers follow the bearer-token scheme of RFC 6750: 401 with `WWW-Authenticate: Bearer`
// when the token is missing or unknown (`error="invalid_token"` for an unknown one, §3.1),
// 403 when the token is good but its role may not do this.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions, onRequestAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { ApiRole, ApiToken } from '../config/app-config.js'

export interface ApiUser {
  role: ApiRole
  /** Set for agent tokens: the only agent this token may act as. */
  agentId?: string
  /** Set for department tokens: the only department whose tickets this token may see. */
  departmentId?: string
}

export interface RoleRule {
  /** For routes about one agent: that agent's id; an agent token must be bound to it. */
  agentOf?: (request: FastifyRequest) => string | undefined
}

/**
 * The routes answered without a token, and nothing else: the probes, the pages' static files
 * (they ask for a token themselves), the redirects to them, and the OpenAPI document (it
 * describes the API, holds no data). `/metrics` joins them only with `api.metricsPublic`.
 */
export const PUBLIC_ROUTES: readonly string[] = ['/health', '/ready', '/', '/favicon.ico', '/ui/*', '/docs', '/docs/*']

/** Who may read /metrics when it is not public: the scrape-only role, and the operators'. */
export const METRICS_ROLES: readonly ApiRole[] = ['metrics', 'supervisor', 'admin']

/** How a route is reached, as the auth plugin saw it registered. */
export interface RouteAccess {
  method: string
  url: string
  /** `public`: no token; roles: the roles its check admits; `none`: refused to every token. */
  access: 'public' | 'none' | readonly ApiRole[]
  /** The route's querystring schema, if any (the route-walk test checks /api routes refuse unknown keys). */
  querystring: unknown
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token says is asking; set by `requireRole`. */
    apiUser: ApiUser | undefined
  }
  interface FastifyInstance {
    /** An onRequest hook: 401 without a known token, 403 for a role not in `roles`. */
    requireRole: (roles: readonly ApiRole[], rule?: RoleRule) => onRequestAsyncHookHandler
    /** Every route registered after the plugin, with how it is reached. */
    routeAccess: readonly RouteAccess[]
  }
}

export interface AuthOptions {
  tokens: readonly ApiToken[]
  /** Named in WWW-Authenticate. */
  realm?: string
  /** /metrics without a token (api.metricsPublic); default: METRICS_ROLES only. */
  metricsPublic?: boolean
}

/** A public URL: listed as is, or under a listed `prefix/*`. */
function isPublic (url: string, metricsPublic: boolean): boolean {
  if (metricsPublic && url === '/metrics') return true
  return PUBLIC_ROUTES.some((p) => p === url || (p.endsWith('/*') && url.startsWith(p.slice(0, -1))))
}

function userOf (token: ApiToken): ApiUser {
  const user: ApiUser = { role: token.role }
  if (token.agentId !== undefined) user.agentId = token.agentId
  if (token.departmentId !== undefined) user.departmentId = token.departmentId
  return user
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

/**
 * Finds the token's user by comparing digests in constant time against every entry, so the
 * time taken says nothing about how much of a token was right.
 */
function tokenTable (tokens: readonly ApiToken[]): (presented: string) => ApiUser | undefined {
  const entries = tokens.map((t) => ({
    digest: digest(t.token),
    user: userOf(t)
  }))
  return (presented) => {
    const mine = digest(presented)
    let found: ApiUser | undefined
    for (const entry of entries) if (timingSafeEqual(entry.digest, mine)) found = entry.user
    return found
  }
}

async function deny (reply: FastifyReply, status: 401 | 403, message: string, challenge?: string): Promise<void> {
  if (challenge !== undefined) void reply.header('www-authenticate', challenge)
  const error = status === 401 ? 'Unauthorized' : 'Forbidden'
  const code = status === 401 ? 'HC_UNAUTHORIZED' : 'HC_FORBIDDEN'
  await reply.code(status).send({ statusCode: status, error, code, message })
}

function auth (app: FastifyInstance, options: AuthOptions): Promise<void> {
  const lookUp = tokenTable(options.tokens)
  const realm = options.realm ?? 'hotline12345'
  // The hooks requireRole made, with their roles: how a route shows it declared its check.
  const checks = new WeakMap<object, readonly ApiRole[]>()
  const table: RouteAccess[] = []
  app.decorateRequest('apiUser', undefined)
  app.decorate('routeAccess', table)
  const requireRole = (roles: readonly ApiRole[], rule: RoleRule = {}): onRequestAsyncHookHandler => {
    const check: onRequestAsyncHookHandler = async (request, reply) => {
      const header = request.headers.authorization
      const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
      if (bearer === undefined) {
        await deny(reply, 401, 'an API token is required: Authorization: Bearer <token>', `Bearer realm="${realm}"`)
        return
      }
      const user = lookUp(bearer)
      if (user === undefined) {
        await deny(reply, 401, 'unknown API token', `Bearer realm="${realm}", error="invalid_token"`)
        return
      }
      request.apiUser = user
      if (roles.length === 0) {
        await deny(reply, 403, 'no role may do this: the route names none')
        return
      }
      if (!roles.includes(user.role)) {
        await deny(reply, 403, `the ${user.role} role may not do this (allowed: ${roles.join(', ')})`)
        return
      }
      if (user.role === 'agent' && rule.agentOf !== undefined && rule.agentOf(request) !== user.agentId) {
        await deny(reply, 403, 'an agent token acts for its own agent only')
      }
    }
    checks.set(check, roles)
    return check
  }
  app.decorate('requireRole', requireRole)
  const refuseAll = requireRole([])
  const metricsCheck = requireRole(METRICS_ROLES)
  app.addHook('onRoute', (route: RouteOptions) => {
    const hooks = route.onRequest === undefined ? [] : [route.onRequest].flat()
    const declared = hooks.map((h) => checks.get(h)).find((roles) => roles !== undefined)
    const methods = [route.method].flat()
    const record = (access: RouteAccess['access']): void => {
      for (const method of methods) table.push({ method, url: route.url, access, querystring: route.schema?.querystring })
    }
    if (isPublic(route.url, options.metricsPublic === true)) return record('public')
    if (declared !== undefined) return record(declared)
    // /metrics is the app's own; its roles live here, beside the setting that lifts them.
    if (route.url === '/metrics') {
      route.onRequest = [metricsCheck, ...hooks]
      return record(METRICS_ROLES)
    }
    app.log.error({ method: route.method, url: route.url }, 'route names no roles: refused to every token')
    route.onRequest = [refuseAll, ...hooks]
    record('none')
  })
  // A promise, not a `done` callback: the plugin style the project uses everywhere.
  return Promise.resolve()
}

/** The plugin; its decorations are visible to every route registered after it. */
export const authPlugin = fp(auth, { name: 'hotline-auth', fastify: '5.x' })

/** What the wiring calls, before registering the routes that use `requireRole`. */
export async function registerAuth (app: FastifyInstance, options: AuthOptions): Promise<void> {
  await app.register(authPlugin, options)
}
