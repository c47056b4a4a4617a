// The Lua scripts behind the Redis ticket store. Redis runs a script as one atomic step
// (https://redis.io/docs/latest/commands/eval/): that is what makes a ticket and its delivery
// job one write (the outbox), a claim one lease, and a status change one compare-and-set.
//
// The rules of scripts.ts hold here too: Lua never re-encodes a ticket (the JSON is the one
// TypeScript wrote) and never formats a number (instants arrive as decimal strings). Lua does
// not compare strings either — Redis sets LC_COLLATE from the environment, so a Lua `<` on
// strings depends on the server's locale; orders come from sorted sets (byte order) or are
// finished in TypeScript.
//
// Keys (P = the store's prefix, passed as ARGV where a script derives keys):
//   P ticket:<id>                  hash: json, status, departmentId, createdAt, dueAt, rev,
//                                  masked? ('1' once the retention sweep masked its numbers)
//   P ticket-call:<kind>:<callId>  string: the ticket id raised for that call and kind
//   P tickets                      zset: every ticket id, score createdAt
//   P tickets:status:<status>      zset: ids by status, score createdAt
//   P tickets:department:<id>      zset: ids by department, score createdAt
//   P tickets:uncontacted          zset: ids not yet contacted, score dueAt (overdue = score < now)
//   P ticket-job:<id>              hash: id, ticketId, departmentId, createdAt, attempts,
//                                  nextAt?, lastError?, deadAt?, lease?, leaseUntil?
//   P ticket-outbox                zset: queued job ids, score next attempt (lease expiry while leased)
//   P ticket-dead                  zset: dead job ids, score when parked
//   P number-views                 zset: sights of full numbers (JSON), score when

export interface TicketScript {
  numberOfKeys: number
  lua: string
}

/** The job's lease still holds: it is queued and carries this lease. KEYS[1] job, KEYS[2] outbox. */
const HOLDS_LEASE = `
local function holds_lease(job, outbox, id, lease)
  return redis.call('HGET', job, 'lease') == lease and redis.call('ZSCORE', outbox, id) ~= false
end
`

export const TICKET_SCRIPTS = {
  /**
   * KEYS: 1 ticket, 2 ticket-call, 3 tickets, 4 status index, 5 department index,
   * 6 uncontacted, 7 job, 8 outbox.
   * ARGV: 1 prefix, 2 id, 3 json, 4 status, 5 departmentId, 6 createdAt, 7 dueAt,
   * 8 uncontacted ('1'|'0'), 9 has job ('1'|'0'), 10 job id, 11 job ticketId,
   * 12 job departmentId, 13 job createdAt, 14 job nextAt.
   * The ticket, its indexes and its job in one step; an existing ticket of the same call and
   * kind is returned instead: {0, json} for that one, {1, json} for a new one.
   */
  createTicket: {
    numberOfKeys: 8,
    lua: `
local existing = redis.call('GET', KEYS[2])
if existing then
  return {0, redis.call('HGET', ARGV[1] .. 'ticket:' .. existing, 'json')}
end
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[7]) == 1 then
  return redis.error_reply('ticket id ' .. ARGV[2] .. ' is taken')
end
redis.call('HSET', KEYS[1], 'json', ARGV[3], 'status', ARGV[4], 'departmentId', ARGV[5],
  'createdAt', ARGV[6], 'dueAt', ARGV[7], 'rev', '0')
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[2])
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[2])
if ARGV[8] == '1' then redis.call('ZADD', KEYS[6], ARGV[7], ARGV[2]) end
if ARGV[9] == '1' then
  redis.call('HSET', KEYS[7], 'id', ARGV[10], 'ticketId', ARGV[11], 'departmentId', ARGV[12],
    'createdAt', ARGV[13], 'attempts', '0', 'nextAt', ARGV[14])
  redis.call('ZADD', KEYS[8], ARGV[14], ARGV[10])
end
return {1, ARGV[3]}
`
  },

  /**
   * KEYS: 1 ticket, 2 old status index, 3 new status index, 4 uncontacted.
   * ARGV: 1 id, 2 expected rev, 3 new rev, 4 json, 5 new status, 6 createdAt, 7 dueAt,
   * 8 uncontacted ('1'|'0').
   * Compare-and-set on the revision read with the ticket: -1 unknown, 0 changed meanwhile
   * (read again), 1 written with its indexes.
   */
  updateTicket: {
    numberOfKeys: 4,
    lua: `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -1 end
if rev ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[4], 'status', ARGV[5], 'rev', ARGV[3])
if KEYS[2] ~= KEYS[3] then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[1])
end
if ARGV[8] == '1' then
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
else
  redis.call('ZREM', KEYS[4], ARGV[1])
end
return 1
`
  },

  /**
   * KEYS[1] the index to walk (newest first). ARGV: 1 prefix, 2 status ('' any),
   * 3 departmentId ('' any), 4 limit.
   * Index and records read in one step, filtered, up to the limit.
   */
  listTickets: {
    numberOfKeys: 1,
    lua: `
local found = {}
local limit = tonumber(ARGV[4])
local start = 0
while #found < limit do
  local ids = redis.call('ZREVRANGE', KEYS[1], start, start + 99)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local f = redis.call('HMGET', ARGV[1] .. 'ticket:' .. id, 'json', 'status', 'departmentId')
    if f[1] and (ARGV[2] == '' or f[2] == ARGV[2]) and (ARGV[3] == '' or f[3] == ARGV[3]) then
      found[#found + 1] = f[1]
      if #found >= limit then break end
    end
  end
  start = start + 100
end
return found
`
  },

  /**
   * KEYS[1] uncontacted. ARGV: 1 prefix, 2 status ('' any), 3 departmentId ('' any), 4 instant.
   * Tickets due before the instant and not yet contacted, as flat triples
   * (createdAt, id, json); TypeScript orders them newest first.
   */
  listOverdue: {
    numberOfKeys: 1,
    lua: `
local rows = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])) do
  local f = redis.call('HMGET', ARGV[1] .. 'ticket:' .. id, 'json', 'status', 'departmentId', 'createdAt')
  if f[1] and (ARGV[2] == '' or f[2] == ARGV[2]) and (ARGV[3] == '' or f[3] == ARGV[3]) then
    rows[#rows + 1] = f[4]
    rows[#rows + 1] = id
    rows[#rows + 1] = f[1]
  end
end
return rows
`
  },

  /**
   * KEYS[1] outbox. ARGV: 1 prefix, 2 now, 3 lease until, 4 limit, 5 lease.
   * The due jobs (earliest first, ties by id) leased in one step: their score moves to the
   * lease expiry, so no other worker sees them until it passes.
   */
  claimDue: {
    numberOfKeys: 1,
    lua: `
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, ARGV[4])) do
  local key = ARGV[1] .. 'ticket-job:' .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    redis.call('HSET', key, 'lease', ARGV[5], 'leaseUntil', ARGV[3])
    redis.call('HINCRBY', key, 'attempts', 1)
    out[#out + 1] = redis.call('HGETALL', key)
  end
end
return out
`
  },

  /** KEYS: 1 job, 2 outbox. ARGV: 1 id, 2 lease. Delivered: the job is gone. */
  completeJob: {
    numberOfKeys: 2,
    lua: `${HOLDS_LEASE}
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`
  },

  /** KEYS: 1 job, 2 outbox. ARGV: 1 id, 2 lease, 3 next attempt, 4 error. */
  retryJob: {
    numberOfKeys: 2,
    lua: `${HOLDS_LEASE}
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'nextAt', ARGV[3], 'lastError', ARGV[4])
redis.call('HDEL', KEYS[1], 'lease', 'leaseUntil')
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`
  },

  /** KEYS: 1 job, 2 outbox, 3 dead. ARGV: 1 id, 2 lease, 3 at, 4 error. */
  parkJob: {
    numberOfKeys: 3,
    lua: `${HOLDS_LEASE}
if not holds_lease(KEYS[1], KEYS[2], ARGV[1], ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'deadAt', ARGV[3], 'lastError', ARGV[4])
redis.call('HDEL', KEYS[1], 'lease', 'leaseUntil', 'nextAt')
return 1
`
  },

  /** KEYS: 1 job, 2 outbox, 3 dead. ARGV: 1 id, 2 at. A dead job queued again, attempts from zero. */
  requeueJob: {
    numberOfKeys: 3,
    lua: `
if redis.call('ZSCORE', KEYS[3], ARGV[1]) == false then return false end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return false
end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[1], 'deadAt')
redis.call('HSET', KEYS[1], 'attempts', '0', 'nextAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`
  },

  /**
   * KEYS[1] tickets. ARGV: 1 prefix, 2 created before, 3 offset, 4 count.
   * One page of the tickets created before the instant (oldest first): {ids walked, {ids whose
   * numbers are not masked yet}}. The index never shrinks, so pages by offset are stable.
   */
  ticketsToMask: {
    numberOfKeys: 1,
    lua: `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
local out = {}
for _, id in ipairs(ids) do
  if redis.call('HGET', ARGV[1] .. 'ticket:' .. id, 'masked') ~= '1' then out[#out + 1] = id end
end
return {#ids, out}
`
  },

  /**
   * KEYS[1] ticket. ARGV: 1 expected rev, 2 new rev, 3 json (numbers masked).
   * Compare-and-set as updateTicket, marking the ticket masked: -1 unknown, 0 changed
   * meanwhile (read again), 1 written. Status and indexes are untouched.
   */
  maskTicket: {
    numberOfKeys: 1,
    lua: `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -1 end
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[3], 'rev', ARGV[2], 'masked', '1')
return 1
`
  },

  /** KEYS[1] dead. ARGV: 1 prefix, 2 stop rank. Most recently parked first, with their jobs. */
  listDead: {
    numberOfKeys: 1,
    lua: `
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, ARGV[2])) do
  local job = redis.call('HGETALL', ARGV[1] .. 'ticket-job:' .. id)
  if #job > 0 then out[#out + 1] = job end
end
return out
`
  }
} as const satisfies Record<string, TicketScript>

export type TicketScriptName = keyof typeof TICKET_SCRIPTS
