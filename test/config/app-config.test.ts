import { redisClient } from '../../src/wiring/store-factory.js'
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type AppConfig, type Env, ENV_SOURCE, loadAppConfig } from '../../src/config/app-config.js'
import { ConfigError, type ConfigProblem } from '../../src/config/validate.js'
import { isHotlineError } from '../../src/errors.js'

const CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url))

/** Loads `yaml` as default.yaml of a fresh folder, with `env`. */
function load (t: Test, yaml: string, env: Env = {}): Promise<AppConfig> {
  return loadAppConfig({ configDir: t.testdir({ 'default.yaml': yaml }), env })
}

/** The problems a load was refused for; file names are cut to the base name. */
async function problemsOf (t: Test, yaml: string, env: Env = {}): Promise<ConfigProblem[]> {
  try {
    await load(t, yaml, env)
  } catch (err) {
    t.ok(err instanceof ConfigError, 'refused with a ConfigError')
    t.ok(isHotlineError(err, 'HC_CONFIG_INVALID'))
    return (err as ConfigError).problems.map((p) => ({ ...p, file: p.file === ENV_SOURCE ? p.file : p.file.split('/').pop() ?? '' }))
  }
  t.fail('the config was accepted')
  return []
}

void t.test('the shipped default.yaml gives the documented defaults', async (t) => {
  const c = await loadAppConfig({ configDir: CONFIG_DIR, env: {} })
  t.match(c, {
    http: { host: '0.0.0.0', port: 3000 },
    log: { level: 'info' },
    switch: {
      kind: 'sim',
      dialTemplate: 'sofia/gateway/department/{number}',
      hotlineNumber: '12345',
      freeswitch: { host: '127.0.0.1', port: 8021 },
      sim: { eslPort: 0, traffic: { callsPerHour: 180, humanAgents: 1, answer: { default: 0.9 } } }
    },
    shutdown: { drainDeadlineMs: 30000 },
    store: { kind: 'memory' }
  })
  t.equal(c.switch.freeswitch.password, undefined, 'no password comes from the file')
})

void t.test('an empty file takes every default, the same as the shipped file', async (t) => {
  const shipped = await loadAppConfig({ configDir: CONFIG_DIR, env: {} })
  t.same(await load(t, ''), shipped)
  t.same(await load(t, '# nothing\n'), shipped)
})

void t.test('a partial file keeps the defaults of the rest', async (t) => {
  const c = await load(t, 'http:\n  port: 0\nswitch:\n  sim:\n    timeScale: 0.01\n')
  t.equal(c.http.port, 0)
  t.equal(c.http.host, '0.0.0.0')
  t.equal(c.switch.sim.timeScale, 0.01)
  t.equal(c.switch.sim.password, 'ClueCon')
  t.equal(c.switch.reconnect.initialDelayMs, 500)
})

void t.test('environment variables override the file', async (t) => {
  const c = await load(t, 'http:\n  port: 4000\n', {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '8080',
    LOG_LEVEL: 'debug',
    SWITCH_KIND: 'freeswitch',
    ESL_HOST: 'fs1.hotline.internal',
    ESL_PORT: '8022',
    ESL_PASSWORD: 's3cret-esl',
    DRAIN_DEADLINE_MS: '5000',
    SIM_CALLS_PER_HOUR: '3600',
    STORE_KIND: 'redis',
    REDIS_URL: 'redis://:pw@10.0.0.5:6379/2',
    UNRELATED: 'x'
  })
  t.match(c, {
    http: { host: '127.0.0.1', port: 8080 },
    log: { level: 'debug' },
    switch: { kind: 'freeswitch', freeswitch: { host: 'fs1.hotline.internal', port: 8022, password: 's3cret-esl' } },
    shutdown: { drainDeadlineMs: 5000 },
    store: { kind: 'redis', redisUrl: 'redis://:pw@10.0.0.5:6379/2' }
  })
  t.equal(c.switch.sim.traffic.callsPerHour, 3600, 'SIM_CALLS_PER_HOUR')
  t.equal(typeof c.http.port, 'number', 'numbers from the environment are numbers')
})

void t.test('an empty variable counts as unset', async (t) => {
  const c = await load(t, 'http:\n  port: 4000\n', { HTTP_PORT: '', LOG_LEVEL: '' })
  t.equal(c.http.port, 4000)
  t.equal(c.log.level, 'info')
})

void t.test('a bad variable is reported by its name', async (t) => {
  t.same(await problemsOf(t, '', { HTTP_PORT: 'abc' }),
    [{ file: ENV_SOURCE, path: 'HTTP_PORT', reason: 'Expected integer (got "abc")' }])
  t.match(await problemsOf(t, '', { HTTP_PORT: '70000' }),
    [{ file: ENV_SOURCE, path: 'HTTP_PORT', reason: /less or equal to 65535.*70000/ }])
  t.match(await problemsOf(t, '', { ESL_PORT: '-1' }),
    [{ file: ENV_SOURCE, path: 'ESL_PORT', reason: /integer/ }])
  t.match(await problemsOf(t, '', { DRAIN_DEADLINE_MS: '1e3' }),
    [{ file: ENV_SOURCE, path: 'DRAIN_DEADLINE_MS', reason: /Expected integer/ }])
  t.match(await problemsOf(t, '', { LOG_LEVEL: 'loud' }),
    [{ file: ENV_SOURCE, path: 'LOG_LEVEL', reason: /fatal\|error\|warn\|info\|debug\|trace\|silent.*loud/ }])
  t.match(await problemsOf(t, '', { SWITCH_KIND: 'kamailio' }),
    [{ file: ENV_SOURCE, path: 'SWITCH_KIND', reason: /sim\|freeswitch\|asterisk/ }])
  const both = await problemsOf(t, '', { HTTP_PORT: 'x', STORE_KIND: 'disk' })
  t.same(both.map((p) => p.path).sort(), ['HTTP_PORT', 'STORE_KIND'], 'every bad variable at once')
})

void t.test('a secret variable is never echoed', async (t) => {
  const problems = await problemsOf(t, '', { REDIS_URL: 'http://user:hunter2@host' })
  t.match(problems, [{ file: ENV_SOURCE, path: 'REDIS_URL' }])
  t.notMatch(problems[0]?.reason ?? '', /hunter2/)
})

void t.test('freeswitch needs ESL_PASSWORD, and not the shipped default', async (t) => {
  t.match(await problemsOf(t, 'switch:\n  kind: freeswitch\n'),
    [{ file: ENV_SOURCE, path: 'ESL_PASSWORD', reason: /required when the switch is freeswitch \(set by switch.kind in .*default.yaml\)/ }])
  t.match(await problemsOf(t, '', { SWITCH_KIND: 'freeswitch' }),
    [{ file: ENV_SOURCE, path: 'ESL_PASSWORD', reason: /set by SWITCH_KIND/ }])
  t.match(await problemsOf(t, '', { SWITCH_KIND: 'freeswitch', ESL_PASSWORD: 'ClueCon' }),
    [{ file: ENV_SOURCE, path: 'ESL_PASSWORD', reason: /shipped default.*CVE-2019-19492/ }])
  const sim = await load(t, '', { ESL_PASSWORD: 'whatever' })
  t.equal(sim.switch.kind, 'sim', 'the simulator needs no ESL_PASSWORD')
})

void t.test('asterisk needs ARI_PASSWORD from the environment, never from the file', async (t) => {
  t.match(await problemsOf(t, '', { SWITCH_KIND: 'asterisk' }),
    [{ file: ENV_SOURCE, path: 'ARI_PASSWORD', reason: /required when the switch is asterisk \(set by SWITCH_KIND\)/ }])
  t.match(await problemsOf(t, 'switch:\n  asterisk:\n    password: s3cret\n', { SWITCH_KIND: 'asterisk', ARI_PASSWORD: 'x' }),
    [{ path: '/switch/asterisk/password', reason: /set ARI_PASSWORD in the environment/ }])
  const ari = await load(t, '', {
    SWITCH_KIND: 'asterisk', ARI_URL: 'http://10.0.0.6:8088', ARI_USER: 'ctl', ARI_PASSWORD: 'pw', ARI_APP: 'h12345'
  })
  t.match(ari.switch.asterisk, { url: 'http://10.0.0.6:8088', user: 'ctl', password: 'pw', app: 'h12345', endpointTemplate: 'PJSIP/{number}@department' })
  t.match(await problemsOf(t, '', { ARI_URL: 'ftp://x' }), [{ file: ENV_SOURCE, path: 'ARI_URL' }])
  t.equal((await load(t, '', { SIM_PROTOCOL: 'ari' })).switch.sim.protocol, 'ari')
})

void t.test('a password in the file is refused, even with ESL_PASSWORD set', async (t) => {
  const yaml = 'switch:\n  kind: freeswitch\n  freeswitch:\n    password: s3cret\n'
  const problems = await problemsOf(t, yaml, { ESL_PASSWORD: 'other' })
  t.match(problems, [{
    file: 'default.yaml',
    path: '/switch/freeswitch/password',
    reason: /may not be written in a config file: remove it and set ESL_PASSWORD in the environment/
  }])
  t.equal(problems.length, 1)
})

void t.test('Redis credentials in the file are refused; a plain URL is fine', async (t) => {
  t.match(await problemsOf(t, 'store:\n  kind: redis\n  redisUrl: redis://:pw@cache:6379\n'),
    [{ file: 'default.yaml', path: '/store/redisUrl', reason: /set REDIS_URL in the environment/ }])
  const c = await load(t, 'store:\n  kind: redis\n  redisUrl: redis://cache:6379/1\n')
  t.equal(c.store.redisUrl, 'redis://cache:6379/1')
  t.match(await problemsOf(t, 'store:\n  kind: redis\n'),
    [{ file: ENV_SOURCE, path: 'REDIS_URL', reason: /required when the store is redis/ }])
})

void t.test('Redis Sentinel and replica acknowledgement from the environment, as every Redis client connects', async (t) => {
  const c = await load(t, '', {
    STORE_KIND: 'redis',
    REDIS_SENTINELS: '10.0.0.11:26379, 10.0.0.12:26379,sentinel-3.internal:26380',
    REDIS_SENTINEL_MASTER: 'hotline-prod',
    REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    REDIS_WAIT_REPLICAS: '1'
  })
  t.match(c.store, { sentinels: ['10.0.0.11:26379', '10.0.0.12:26379', 'sentinel-3.internal:26380'], sentinelMaster: 'hotline-prod', waitReplicas: 1, waitTimeoutMs: 500 })
  t.same(redisClient(c), {
    url: undefined,
    redis: {
      commandTimeout: 1000,
      sentinels: [{ host: '10.0.0.11', port: 26379 }, { host: '10.0.0.12', port: 26379 }, { host: 'sentinel-3.internal', port: 26380 }],
      name: 'hotline-prod',
      sentinelPassword: 'sentinel-secret'
    },
    durability: { replicas: 1, timeoutMs: 500 }
  }, 'no URL needed with sentinels')
  t.match(await problemsOf(t, '', { STORE_KIND: 'redis', REDIS_SENTINELS: 'no-port' }), [{ file: ENV_SOURCE, path: 'REDIS_SENTINELS' }])
  t.match(await problemsOf(t, 'store:\n  kind: redis\n  waitReplicas: 1\n  waitTimeoutMs: 1000\n', { REDIS_URL: 'redis://cache:6379' }),
    [{ file: 'default.yaml', path: '/store/waitTimeoutMs', reason: /below store.timeoutMs/ }])
  t.match(await problemsOf(t, 'store:\n  sentinelPassword: x\n'), [{ path: '/store/sentinelPassword' }], 'the sentinels\' password only from the environment')
})

void t.test('file problems name the file and the path', async (t) => {
  t.match(await problemsOf(t, 'switch:\n  dialTemplate: sofia/gateway/department/\n'),
    [{ file: 'default.yaml', path: '/switch/dialTemplate', reason: /\\\{number\\\}/ }])
  t.match(await problemsOf(t, 'switch:\n  dialTemplate: "sofia/gateway/x/{number} &park"\n'),
    [{ file: 'default.yaml', path: '/switch/dialTemplate' }])
  t.match(await problemsOf(t, "switch:\n  hotlineNumber: '12345a'\n"),
    [{ file: 'default.yaml', path: '/switch/hotlineNumber' }])
  t.match(await problemsOf(t, 'http:\n  prot: 3000\n'),
    [{ file: 'default.yaml', path: '/http/prot', reason: 'Unexpected property' }])
  t.match(await problemsOf(t, 'switch:\n  sim:\n    timeScale: 0\n'),
    [{ file: 'default.yaml', path: '/switch/sim/timeScale', reason: /greater than 0/ }])
  t.match(await problemsOf(t, 'http: 3000\n'), [{ file: 'default.yaml', path: '/http', reason: /object/ }])
  t.match(await problemsOf(t, '- a\n'), [{ file: 'default.yaml', path: '/', reason: /object/ }])
})

void t.test('reconnect delays must not shrink', async (t) => {
  t.match(await problemsOf(t, 'switch:\n  reconnect:\n    initialDelayMs: 2000\n    maxDelayMs: 1000\n'),
    [{ file: 'default.yaml', path: '/switch/reconnect/maxDelayMs', reason: /at least initialDelayMs \(2000\)/ }])
})

void t.test('a missing default.yaml', async (t) => {
  const dir = t.testdir({})
  const err = await loadAppConfig({ configDir: dir, env: {} }).catch((e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.match((err as ConfigError).problems, [{ file: join(dir, 'default.yaml'), path: '/', reason: /cannot read/ }])
})

void t.test('the settings are frozen', async (t) => {
  const c = await load(t, '')
  t.throws(() => { (c.http as { port: number }).port = 1 }, TypeError)
  t.throws(() => { (c.switch.freeswitch as { host: string }).host = 'evil' }, TypeError)
})

void t.test('trusted proxies must be addresses or CIDR ranges Fastify can use', async (t) => {
  const good = await load(t, 'http:\n  trustedProxies: [10.0.0.2, 10.0.0.0/24, "fd00::/8", "::1"]\n')
  t.same(good.http.trustedProxies, ['10.0.0.2', '10.0.0.0/24', 'fd00::/8', '::1'])
  t.same(await problemsOf(t, 'http:\n  trustedProxies: [10.0.0.0/33, 999.1.1.1]\n'), [
    { file: 'default.yaml', path: '/http/trustedProxies/0', reason: '"10.0.0.0/33" is not an IP address or a CIDR range (e.g. 10.0.0.2, 10.0.0.0/24, fd00::/8)' },
    { file: 'default.yaml', path: '/http/trustedProxies/1', reason: '"999.1.1.1" is not an IP address or a CIDR range (e.g. 10.0.0.2, 10.0.0.0/24, fd00::/8)' }
  ])
  const fromEnv = await problemsOf(t, '', { HTTP_TRUSTED_PROXIES: '127.0.0.1, ...' })
  t.same(fromEnv, [{ file: ENV_SOURCE, path: 'HTTP_TRUSTED_PROXIES', reason: '"..." is not an IP address or a CIDR range (e.g. 10.0.0.2, 10.0.0.0/24, fd00::/8)' }], 'named by the variable')
})
