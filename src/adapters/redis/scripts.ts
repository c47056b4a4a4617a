// The Lua scripts behind the Redis store. Redis runs a script as one atomic step: no other
// client's command runs between its first and last line (https://redis.io/docs/latest/commands/eval/),
// which is what lets several controllers share agents and queues without double-booking.
//
// Two rules keep values exact:
// - Lua never re-encodes a record. Call records are stored as the JSON the controller wrote;
//   cjson would turn `[]` into `{}` and print numbers with 14 significant digits. Scripts only
//   *decode* JSON (an agent's groups, a list of expected states).
// - Lua never formats a number. Instants arrive as decimal strings (ARGV) and are stored or used
//   as scores as they came; deadlines are added up in TypeScript.
//
// Keys (P = the store's prefix, passed as ARGV[1] where a script derives keys):
//   P agent:<id>            hash: id, name, extension, groups (JSON), state, since,
//                           idleSince?, callId?, reason?
//   P ready:<group>         zset: ready agents of the group, score idleSince
//   P queue:<group>         zset: waiting callers, score enqueue instant (FIFO)
//   P queue-deadline:<group> zset: the same callers, score the instant they expire
//   P call:<callId>         string: the call record's JSON
//   P calls / P calls:active zsets: every kept record / those without a final state, score startedAt
//   P transfer:<id>         string: the transfer record's JSON
//   P transfers             zset: every kept transfer id, score requestedAt
//   P call-counts:<day>     hash: the day's call figures, field → count
//   P call-counted:<day>    set: the calls counted in the day (a retried count adds nothing), 2 days
//
// Where a script derives keys from data (an agent's other groups), it departs from the advice
// that every key be declared in KEYS: it is what makes "leave every group's ready set" one
// step, and it needs a single Redis (standalone or a Sentinel-managed primary). On a Cluster,
// give the prefix a hash tag (`{hotline}:`) so every key lands in one slot.

/** Removes the group's entries whose deadline is at or before `now`. KEYS[1] queue, KEYS[2] deadlines. */
const PRUNE = `
local function prune(queue, deadlines, now)
  local expired = redis.call('ZRANGEBYSCORE', deadlines, '-inf', now)
  for _, id in ipairs(expired) do
    redis.call('ZREM', queue, id)
    redis.call('ZREM', deadlines, id)
  end
end
`

/** Adds or removes an agent from the ready sets of every group it belongs to. */
const READY_SETS = `
local function set_ready(prefix, agent_key, id, score)
  local groups = cjson.decode(redis.call('HGET', agent_key, 'groups'))
  for _, group in ipairs(groups) do
    if score then
      redis.call('ZADD', prefix .. 'ready:' .. group, score, id)
    else
      redis.call('ZREM', prefix .. 'ready:' .. group, id)
    end
  end
end
`

export interface ScriptDefinition {
  numberOfKeys: number
  lua: string
}

export const SCRIPTS = {
  /**
   * KEYS[1] the day's counts, KEYS[2] the day's set of calls counted. ARGV: ttl (s), the seen
   * set's ttl (s), once ('' for none), then field, value pairs. With `once`, a call already in
   * the set adds nothing (a retry whose first reply was lost): 0; else the counts are added: 1.
   */
  addCallCounts: {
    numberOfKeys: 2,
    lua: `
if ARGV[3] ~= '' then
  if redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
`
  },
  /**
   * KEYS[1] call key, KEYS[2] calls, KEYS[3] calls:active, KEYS[4] the call's fence key.
   * ARGV: prefix, callId, json, startedAt, active ('1'|'0'), maxCalls, fence (0: none).
   * Refuses a fence lower than the record's (returns -1). Ignores any write over a record that
   * has its final state (a write queued before the call's end arriving after it, or a peer's
   * other end of the same leg): the first final state is set once and stays. Writes the record and its index entries
   * together, then trims the oldest records, so a reader never finds an index entry without
   * its record.
   */
  putCall: {
    numberOfKeys: 4,
    lua: `
local fence = tonumber(ARGV[7])
local held = tonumber(redis.call('GET', KEYS[4]) or '0')
if fence < held then return -1 end
local previous = redis.call('GET', KEYS[1])
if previous then
  local ok, stored = pcall(cjson.decode, previous)
  if ok and type(stored) == 'table' and type(stored.finalState) == 'string' then return 0 end
end
if fence > held then redis.call('SET', KEYS[4], ARGV[7]) end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
else
  redis.call('ZREM', KEYS[3], ARGV[2])
end
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  for _, id in ipairs(oldest) do
    redis.call('DEL', ARGV[1] .. 'call:' .. id, ARGV[1] .. 'call-fence:' .. id)
    redis.call('ZREM', KEYS[3], id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
return math.max(excess, 0)
`
  },

  /**
   * KEYS[1] calls or calls:active. ARGV: prefix, stop rank (-1 for all).
   * Reads the index and the records in one step, newest first.
   */
  listCalls: {
    numberOfKeys: 1,
    lua: `
local ids = redis.call('ZREVRANGE', KEYS[1], 0, ARGV[2])
local records = {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[1] .. 'call:' .. id)
  if json then records[#records + 1] = json end
end
return records
`
  },

  /**
   * KEYS[1] transfer key, KEYS[2] transfers. ARGV: prefix, id, json, requestedAt, maxTransfers.
   * The record and its index entry together, then the oldest trimmed, as for calls.
   */
  putTransfer: {
    numberOfKeys: 2,
    lua: `
redis.call('SET', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if excess > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  for _, id in ipairs(oldest) do
    redis.call('DEL', ARGV[1] .. 'transfer:' .. id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
return excess
`
  },

  /**
   * KEYS[1] transfers. ARGV: prefix, since, until (exclusive, as '(' .. until).
   * The records requested in [since, until), oldest first (ties by id, the sorted set's own
   * order for equal scores), read with the index in one step.
   */
  listTransfers: {
    numberOfKeys: 1,
    lua: `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3])
local records = {}
for _, id in ipairs(ids) do
  local json = redis.call('GET', ARGV[1] .. 'transfer:' .. id)
  if json then records[#records + 1] = json end
end
return records
`
  },

  /**
   * KEYS[1] agent key, KEYS[2] agents (set of ids).
   * ARGV: prefix, id, name, extension, groups JSON, at.
   * A new agent starts logged out; a known one keeps its state. A ready agent whose groups
   * change moves between ready sets in the same step, so routing never sees a stale group.
   */
  upsertAgent: {
    numberOfKeys: 2,
    lua: `${READY_SETS}
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  redis.call('HSET', key, 'id', ARGV[2], 'name', ARGV[3], 'extension', ARGV[4], 'groups', ARGV[5],
    'state', 'logged-out', 'since', ARGV[6])
  redis.call('SADD', KEYS[2], ARGV[2])
  return redis.call('HGETALL', key)
end
local ready = redis.call('HGET', key, 'state') == 'ready'
if ready then set_ready(ARGV[1], key, ARGV[2], nil) end
redis.call('HSET', key, 'name', ARGV[3], 'extension', ARGV[4], 'groups', ARGV[5])
if ready then set_ready(ARGV[1], key, ARGV[2], redis.call('HGET', key, 'idleSince')) end
return redis.call('HGETALL', key)
`
  },

  /**
   * KEYS[1] agent key.
   * ARGV: prefix, id, to, at, expected states JSON ('' for any), has expectCallId ('1'|'0'),
   * expectCallId, has callId, callId, has reason, reason.
   * Compare-and-set: the checks and the change happen in one step, so two controllers acting
   * on one agent (an answer and a no-answer timeout, say) cannot both win.
   */
  setAgentState: {
    numberOfKeys: 1,
    lua: `${READY_SETS}
local key = KEYS[1]
local prefix, id, to, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', key) == 0 then return false end
local state = redis.call('HGET', key, 'state')
if ARGV[5] ~= '' then
  local allowed = false
  for _, s in ipairs(cjson.decode(ARGV[5])) do
    if s == state then allowed = true end
  end
  if not allowed then return false end
end
if ARGV[6] == '1' and redis.call('HGET', key, 'callId') ~= ARGV[7] then return false end
if to ~= state then redis.call('HSET', key, 'state', to, 'since', at) end
if to == 'ready' and state ~= 'ready' then
  redis.call('HSET', key, 'idleSince', at)
  set_ready(prefix, key, id, at)
elseif state == 'ready' and to ~= 'ready' then
  set_ready(prefix, key, id, nil)
end
if to == 'ringing' or to == 'on-call' or to == 'wrap-up' then
  if ARGV[8] == '1' then redis.call('HSET', key, 'callId', ARGV[9]) end
else
  redis.call('HDEL', key, 'callId')
end
if ARGV[10] == '1' then
  redis.call('HSET', key, 'reason', ARGV[11])
else
  redis.call('HDEL', key, 'reason')
end
return redis.call('HGETALL', key)
`
  },

  /**
   * KEYS[1] queue, KEYS[2] deadlines. ARGV: callId, at, deadline.
   * A caller already waiting keeps their place (NX); only the deadline moves.
   */
  enqueue: {
    numberOfKeys: 2,
    lua: `
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`
  },

  /**
   * KEYS[1] queue, KEYS[2] deadlines. ARGV: callId, at, deadline.
   * Expired entries go first, so a caller who missed their deadline is not brought back.
   */
  touchQueue: {
    numberOfKeys: 2,
    lua: `${PRUNE}
prune(KEYS[1], KEYS[2], ARGV[2])
return redis.call('ZADD', KEYS[2], 'XX', 'CH', ARGV[3], ARGV[1])
`
  },

  /** KEYS[1] queue, KEYS[2] deadlines. ARGV: callId, at. 1-based rank among live entries. */
  queuePosition: {
    numberOfKeys: 2,
    lua: `${PRUNE}
prune(KEYS[1], KEYS[2], ARGV[2])
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank then return rank + 1 end
return false
`
  },

  /** KEYS[1] queue, KEYS[2] deadlines. ARGV: at. */
  queueLength: {
    numberOfKeys: 2,
    lua: `${PRUNE}
prune(KEYS[1], KEYS[2], ARGV[1])
return redis.call('ZCARD', KEYS[1])
`
  },

  /**
   * KEYS[1] queue, KEYS[2] deadlines, KEYS[3] ready set of the group.
   * ARGV: prefix, callId, at.
   * The whole hand-over in one step: drop expired entries, serve only the oldest live caller,
   * take the longest-idle ready agent (lowest score, ties by id) out of every group's ready
   * set, ring it for this call and remove the caller from the queue. A ready-set member whose
   * hash no longer says ready is dropped and the next one tried.
   */
  assignAgent: {
    numberOfKeys: 3,
    lua: `${PRUNE}${READY_SETS}
local prefix, call_id, at = ARGV[1], ARGV[2], ARGV[3]
prune(KEYS[1], KEYS[2], at)
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if head ~= call_id then return false end
while true do
  local id = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
  if not id then return false end
  local key = prefix .. 'agent:' .. id
  if redis.call('HGET', key, 'state') == 'ready' then
    set_ready(prefix, key, id, nil)
    redis.call('ZREM', KEYS[3], id)
    redis.call('HSET', key, 'state', 'ringing', 'since', at, 'callId', call_id)
    redis.call('HDEL', key, 'reason')
    redis.call('ZREM', KEYS[1], call_id)
    redis.call('ZREM', KEYS[2], call_id)
    return redis.call('HGETALL', key)
  end
  redis.call('ZREM', KEYS[3], id)
end
`
  }
} as const satisfies Record<string, ScriptDefinition>

export type ScriptName = keyof typeof SCRIPTS
