// API tokens: read from API_TOKENS only (never the config file), checked at load, and the
// plugin's requireRole hook on a route of its own.
import t from 'tap'
import Fastify from 'fastify'
import { type Env, parseApiTokens, resolveAppConfig } from '../../src/config/app-config.js'
import { ConfigError } from '../../src/config/validate.js'
import { registerAuth } from '../../src/http/auth.js'

const FILE = 'default.yaml'
const load = (env: Env, raw: unknown = {}) => resolveAppConfig(raw, FILE, env)
const problems = (env: Env, raw: unknown = {}) => {
  try {
    load(env, raw)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

void t.test('API_TOKENS: token:role[:agentId], comma separated', async (t) => {
  const config = load({ API_TOKENS: ' k1-0123456789abcdef:agent:agent01 , s1-0123456789abcdef:supervisor,a1-0123456789abcdef:admin' })
  t.same(config.api.tokens, [
    { token: 'k1-0123456789abcdef', role: 'agent', agentId: 'agent01' },
    { token: 's1-0123456789abcdef', role: 'supervisor' },
    { token: 'a1-0123456789abcdef', role: 'admin' }
  ])
  t.same(load({}).api.tokens, [], 'none by default: every protected route answers 401')
  t.same(parseApiTokens('x:agent:a1:extra'), [{ token: 'x', role: 'agent', agentId: 'a1', unexpected: 1 }])
})

void t.test('bad API_TOKENS entries are refused by entry, never echoing a token', async (t) => {
  const found = problems({ API_TOKENS: 's1-0123456789abcdef:supervisor,short:admin,k2-0123456789abcdef:root' })
  t.match(found, [
    { file: 'environment', path: 'API_TOKENS', reason: /length.*\(entry 2, token\)/ },
    { file: 'environment', path: 'API_TOKENS', reason: /agent\|supervisor\|admin.*\(entry 3, role\)/ }
  ])
  t.notOk(JSON.stringify(found).includes('0123456789abcdef'), 'no token in the messages')
  t.match(problems({ API_TOKENS: 'k1-0123456789abcdef' }), [{ path: 'API_TOKENS', reason: 'Expected required property (entry 1, role)' }])
  t.match(problems({ API_TOKENS: 'k1-0123456789abcdef:agent' }), [{ reason: /entry 1: an agent token names its agent/ }])
  t.match(problems({ API_TOKENS: 'k1-0123456789abcdef:supervisor:agent01' }), [{ reason: /entry 1: only an agent token names an agent/ }])
  t.match(problems({ API_TOKENS: 'k1-0123456789abcdef:admin,k1-0123456789abcdef:supervisor' }), [{ reason: /entry 2: the same token twice/ }])
  t.match(problems({ API_TOKENS: 'k1-0123456789abcdef:agent:agent01:x' }), [{ reason: /Unexpected property/ }])
})

void t.test('tokens in the config file are refused', async (t) => {
  t.match(problems({}, { api: { tokens: [{ token: 'k1-0123456789abcdef', role: 'admin' }] } }),
    [{ file: FILE, path: '/api/tokens', reason: /set API_TOKENS in the environment/ }])
})

void t.test('requireRole on any route: who the token is, and nothing before it is checked', async (t) => {
  const app = Fastify()
  t.teardown(async () => { await app.close() })
  await registerAuth(app, { tokens: load({ API_TOKENS: 'k1-0123456789abcdef:agent:agent01,s1-0123456789abcdef:supervisor' }).api.tokens, realm: 'test' })
  let reached = 0
  app.get('/whoami', { onRequest: app.requireRole(['agent', 'supervisor']) }, (request) => {
    reached++
    return request.apiUser
  })
  app.get('/admin-only', { onRequest: app.requireRole(['admin']) }, () => { reached++; return {} })
  const me = await app.inject({ url: '/whoami', headers: { authorization: 'bearer k1-0123456789abcdef' } })
  t.same(me.json(), { role: 'agent', agentId: 'agent01' }, 'the scheme name is case-insensitive (RFC 7235)')
  t.same((await app.inject({ url: '/whoami', headers: { authorization: 'Bearer s1-0123456789abcdef' } })).json(), { role: 'supervisor' })
  const denied = await app.inject({ url: '/admin-only', headers: { authorization: 'Bearer s1-0123456789abcdef' } })
  t.equal(denied.statusCode, 403)
  t.match(denied.json(), { message: 'the supervisor role may not do this (allowed: admin)' })
  const missing = await app.inject({ url: '/whoami' })
  t.equal(missing.headers['www-authenticate'], 'Bearer realm="test"')
  t.equal(reached, 2, 'refused requests never reach the handler')
})
