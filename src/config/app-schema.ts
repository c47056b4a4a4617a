// The schema of the controller's own settings (config/default.yaml): every setting, its type,
// bounds and default. What loads and checks them — the file, the environment, the secrets
// refused in a file, the rules between settings — is app-config.ts.

import { type Static, Type } from '@sinclair/typebox'

// A pattern rather than a union of literals, so a wrong value is answered with the allowed
// ones instead of TypeBox's "Expected union value".
function oneOf<const T extends readonly string[]> (values: T, options: { default: T[number], description?: string }) {
  return Type.Unsafe<T[number]>(Type.String({ ...options, pattern: `^(${values.join('|')})$` }))
}

const Port = (defaultPort: number, minimum: number) =>
  Type.Integer({ minimum, maximum: 65535, default: defaultPort })

// Every object has a `default: {}` so a partial file (or none of a section) is completed from
// the property defaults below; config/default.yaml repeats them with comments for operators.
const section = <T extends Parameters<typeof Type.Object>[0]> (properties: T) =>
  Type.Object(properties, { additionalProperties: false, default: {} })

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const IPV4 = `^${OCTET}(\\.${OCTET}){3}$`
const IPV4_RANGE = `${IPV4.slice(0, -1)}(/([0-9]|[12][0-9]|3[0-2]))?$`

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

// `metrics`: a scrape-only token for Prometheus (GET /metrics and nothing else).
export const API_ROLES = ['agent', 'supervisor', 'admin', 'department', 'metrics'] as const
export type ApiRole = typeof API_ROLES[number]

// One REST API token. An agent's token is bound to that agent: they act as themself only. A
// department's token is bound to that department: its staff see and act on its tickets only.
export const ApiTokenSchema = Type.Object({
  // Long and from a URL-safe alphabet: no `:` or `,`, which separate entries in API_TOKENS.
  token: Type.String({ minLength: 16, maxLength: 256, pattern: '^[A-Za-z0-9._~+/=-]+$' }),
  role: Type.Unsafe<ApiRole>(Type.String({ pattern: `^(${API_ROLES.join('|')})$` })),
  agentId: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 64 })),
  departmentId: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 64 }))
}, { additionalProperties: false })

export type ApiToken = Static<typeof ApiTokenSchema>

export const AppConfigSchema = Type.Object({
  http: section({
    host: Type.String({ minLength: 1, default: '0.0.0.0' }),
    port: Port(3000, 0),
    // Reverse proxies in front of the controller (addresses or CIDR ranges) whose
    // X-Forwarded-For is believed, so rate limits count the client, not the proxy. Empty:
    // the connection's own address is the client's.
    trustedProxies: Type.Array(Type.String({ pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' }), { maxItems: 100, default: [] })
  }),
  log: section({
    level: oneOf(LOG_LEVELS, { default: 'info' })
  }),
  switch: section({
    kind: oneOf(['sim', 'freeswitch', 'asterisk'] as const, { default: 'sim' }),
    // One `{number}` and no whitespace: the template becomes one argument of `originate`.
    dialTemplate: Type.String({ pattern: '^\\S*\\{number\\}\\S*$', default: 'sofia/gateway/department/{number}' }),
    agentDialTemplate: Type.String({ pattern: '^\\S*\\{number\\}\\S*$', default: 'user/{number}' }),
    hotlineNumber: Type.String({ pattern: '^[0-9]{3,20}$', default: '12345' }),
    soundPrefix: Type.String({ default: '/usr/share/freeswitch/sounds/hotline12345/' }),
    conferenceProfile: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'hotline' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
    reconnect: section({
      initialDelayMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 500 }),
      maxDelayMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 30_000 })
    }),
    freeswitch: section({
      host: Type.String({ minLength: 1, default: '127.0.0.1' }),
      port: Port(8021, 1),
      // Environment only (ESL_PASSWORD); a value from the file is refused by the loader.
      password: Type.Optional(Type.String({ minLength: 1 }))
    }),
    asterisk: section({
      // ARI base URL, e.g. http://10.0.0.6:8088 (the controller adds /ari).
      url: Type.String({ pattern: '^https?://\\S+$', default: 'http://127.0.0.1:8088' }),
      user: Type.String({ minLength: 1, default: 'hotline' }),
      // Environment only (ARI_PASSWORD); a value from the file is refused by the loader.
      password: Type.Optional(Type.String({ minLength: 1 })),
      app: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'hotline' }),
      // One `{number}` and no whitespace: becomes the `endpoint` of POST /channels.
      endpointTemplate: Type.String({ pattern: '^\\S*\\{number\\}\\S*$', default: 'PJSIP/{number}@department' }),
      agentEndpointTemplate: Type.String({ pattern: '^\\S*\\{number\\}\\S*$', default: 'PJSIP/{number}' }),
      soundPrefix: Type.String({ pattern: '^sound:\\S*$', default: 'sound:hotline12345/' }),
      maxRequestsInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 50 })
    }),
    // The network around the switch, for the switch configuration `npm run switch-config`
    // writes (src/switch-config/); the controller itself does not read these.
    site: section({
      // The switch's own SIP address: a fixed private address, never found by STUN.
      sipAddress: Type.String({ pattern: IPV4, default: '127.0.0.1' }),
      sipPort: Port(5060, 1),
      rtpPortStart: Port(16384, 1024),
      rtpPortEnd: Port(32767, 1024),
      // Where callers arrive from: the carrier's or hotline platform's SBC.
      callers: Type.Array(Type.String({ pattern: IPV4_RANGE }), { minItems: 1, maxItems: 100, default: ['127.0.0.1'] }),
      // The departments' PBX or SBC the switch dials them through, host:port.
      departmentTrunk: Type.String({ pattern: `${IPV4.slice(0, -1)}:[0-9]{1,5}$`, default: '127.0.0.1:5080' }),
      // The trunk challenges our INVITEs: the switch answers with DEPARTMENT_USER and
      // DEPARTMENT_PASSWORD from its own environment.
      departmentAuth: Type.Boolean({ default: false }),
      // Where the agents' phones register from.
      phones: Type.Array(Type.String({ pattern: IPV4_RANGE }), { minItems: 1, maxItems: 100, default: ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }),
      // The controllers' addresses: the only ones the event socket admits (FreeSWITCH).
      controllers: Type.Array(Type.String({ pattern: IPV4_RANGE }), { minItems: 1, maxItems: 100, default: ['127.0.0.1'] }),
      // Every controller's Stasis application on this Asterisk (each one's ARI_APP): the
      // dialplan hands calls to them in turn and skips one with no controller connected.
      // Empty: switch.asterisk.app alone.
      asteriskApps: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { maxItems: 20, uniqueItems: true, default: [] }),
      // New calls a second FreeSWITCH accepts (its stock cap is 30) and calls at once.
      sessionsPerSecond: Type.Integer({ minimum: 1, maximum: 10_000, default: 100 }),
      maxSessions: Type.Integer({ minimum: 10, maximum: 100_000, default: 1000 })
    }),
    sim: section({
      // Which switch the embedded simulator plays: FreeSWITCH (ESL) or Asterisk (ARI).
      protocol: oneOf(['esl', 'ari'] as const, { default: 'esl' }),
      eslPort: Port(0, 0),
      ariPort: Port(0, 0),
      password: Type.String({ minLength: 1, default: 'ClueCon' }),
      timeScale: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 1 }),
      // Synthetic traffic (src/wiring/sim-traffic.ts): callers, department lines and agents, so the
      // pages show a live line on the simulator, with the memory store and no department
      // webhooks only (src/wiring/sim-traffic.ts). Calls per hour of script time (timeScale); 0: none.
      traffic: section({
        callsPerHour: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 180 }),
        // The first N agents of agents.yaml are left to people at the agent console; the
        // others are played by synthetic agents (logged in ready, transferring, leaving).
        humanAgents: Type.Integer({ minimum: 0, maximum: 10_000, default: 1 }),
        // Chance that a department number answers a dial (per dial), by department id;
        // `default` for the others. The rest of the dials are busy or unanswered.
        answer: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.Number({ minimum: 0, maximum: 1 }), { default: { default: 0.9 } })
      })
    })
  }),
  controller: section({
    // This controller's name, stable across restarts: the legs it handles carry it on the switch
    // (LegTag), so after a crash the restarted controller finds its calls. Default: the host name.
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' })),
    // Its lease in the shared store (Redis): renewed every third of this; when it lapses a
    // peer takes this controller's calls over (src/calls/lease-keeper.ts).
    leaseTtlMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 6000 }),
    // A caller out of a room (IVR, queue) whose controller stays gone hears the apology from the
    // switch itself after this long; re-armed every third of it (src/adapters/safety-net.ts).
    safetyNetSec: Type.Integer({ minimum: 2, maximum: 3600, default: 45 }),
    // With Redis: the folder where a call's end is kept while the store cannot take it, so a
    // controller killed meanwhile writes it at its restart (src/calls/final-journal.ts).
    // Default: hotline12345/<id>/call-ends under the system's temporary folder.
    journalDir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 }))
  }),
  shutdown: section({
    drainDeadlineMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 })
  }),
  ivr: section({
    // The flow (a file in ivr-flows/) that calls to the hotline number run.
    flow: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', default: 'enterprise-seat' })
  }),
  api: section({
    // Environment only (API_TOKENS); tokens in the file are refused by the loader.
    tokens: Type.Array(ApiTokenSchema, { maxItems: 1000, default: [] }),
    // Requests per minute and client address on every route (@fastify/rate-limit); the
    // routes without a token (pages, docs) get `publicPerMinute`. /health, /ready and /metrics
    // are outside both: a probe must never be told 429.
    rateLimit: section({
      perMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600 }),
      publicPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 120 })
    }),
    // /metrics without a token. Default false: a token of role metrics, supervisor or admin.
    metricsPublic: Type.Boolean({ default: false }),
    // Live streams (server-sent events) open at once, per token and per client address; each
    // holds a socket and about 0.25 MB. Over the cap: 429.
    streams: section({
      perToken: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
      perAddress: Type.Integer({ minimum: 1, maximum: 10_000, default: 32 })
    }),
    // While the event loop is overloaded — late by more than maxEventLoopDelayMs on average
    // and busy more than minEventLoopUtilization of the time, for a second — reads other than
    // the probes are answered 503 with Retry-After, so that probes and calls keep their time
    // (http/shedding.ts). Late but idle is a starved machine, not our load: nothing is shed.
    // maxEventLoopDelayMs 0 turns it off.
    shedding: section({
      maxEventLoopDelayMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 30 }),
      minEventLoopUtilization: Type.Number({ minimum: 0, maximum: 1, default: 0.9 }),
      retryAfterSec: Type.Integer({ minimum: 1, maximum: 600, default: 5 })
    })
  }),
  dialTest: section({
    // Dial-testing (拨测) of every transfer number in directory.yaml, see docs/dial-test.md.
    // Numbers dialled at the same time, and how long each may ring before it counts as no answer.
    concurrency: Type.Integer({ minimum: 1, maximum: 50, default: 4 }),
    ringTimeoutSec: Type.Integer({ minimum: 5, maximum: 120, default: 30 }),
    // A scheduled run at this local time (Asia/Shanghai, HH:MM) on every day, skipped when it
    // falls in working time; empty: no schedule.
    scheduleAt: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9])?$', default: '' })
  }),
  store: section({
    kind: oneOf(['memory', 'redis'] as const, { default: 'memory' }),
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://\\S+$' })),
    // Redis Sentinel: the sentinels to ask where the primary is (host:port each) and the name
    // they monitor it under; the URL's password and database still apply.
    sentinels: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$' }), { minItems: 1, maxItems: 16 })),
    sentinelMaster: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', default: 'hotline' }),
    // Environment only (REDIS_SENTINEL_PASSWORD): the sentinels' own password, if they have one.
    sentinelPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    // Tickets and final call records are acknowledged once this many replicas have them (WAIT),
    // so a primary lost in a failover loses none of them; 0: on the primary's word.
    waitReplicas: Type.Integer({ minimum: 0, maximum: 16, default: 0 }),
    waitTimeoutMs: Type.Integer({ minimum: 10, maximum: 10_000, default: 500 }),
    // One store command, sent to answered: past it the command fails and the call goes on
    // without it (a call that cannot be claimed is refused at once, not held in silence).
    timeoutMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 })
  }),
  tickets: section({
    // Environment only (TICKET_WEBHOOK_SECRET): the key of the webhooks' HMAC signature.
    webhookSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    // Failed deliveries before a ticket's job is parked as dead (alarm: hotline_tickets_dead).
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
    // Wait after the first failure; doubles after each one (with jitter) up to maxBackoffMs.
    initialBackoffMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 30_000 }),
    maxBackoffMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 1_800_000 }),
    // One webhook request, connection to last byte of the answer.
    requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 })
  }),
  privacy: section({
    // Days a ticket keeps the caller's full number (PIPL: no longer than needed); after them a
    // sweep masks it (`138****5678`) in the store. Call records only ever keep it masked.
    fullNumberDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 })
  }),
  stats: section({
    // Connection-rate target in working hours: ≥ 90 % in the Shanghai plans (the national
    // 12345 standard asks 95 %, shown next to it for reference).
    target: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.9 }),
    // Fewer counted transfer requests today than this never flag a department.
    minAttemptsForAlarm: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 5 }),
    // How often the below-target gauge is recomputed from the stored records.
    refreshSec: Type.Integer({ minimum: 1, maximum: 3600, default: 60 })
  })
}, { additionalProperties: false })

export type AppConfig = Static<typeof AppConfigSchema>
