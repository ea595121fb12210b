-- Shared by the permit scripts (a lock is a semaphore of one permit). One primitive's keys, all in
-- one cluster hash slot:
--   KEYS[1] meta     hash: max (permits), token (last fencing token), seq (last arrival number)
--   KEYS[2] holders  zset: permit id -> lease deadline (ms, Redis time)
--   KEYS[3] waiters  zset: waiter id -> arrival number (FIFO order)
--   KEYS[4] alive    zset: waiter id -> lease deadline of the waiter (ms, Redis time)
--   KEYS[5] tokens   hash: permit id -> fencing token
-- Common arguments and time: see common-prelude.lua.
-- Invariants: an id is in at most one of holders and waiters; tokens has exactly the holders'
-- ids; every key is deleted once nobody holds or waits, and expires one lease after the last
-- lease it records. RELEASE's own key (see permits-release.lua) outlives them until the lease
-- end of the last permit it released. Time is Redis's own clock, never a JVM's.
local meta, holders, waiters, alive, tokens = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

-- Drops holders whose lease ran out and waiters whose JVM stopped renewing them.
local function purge()
  local expired = redis.call('ZRANGEBYSCORE', holders, '-inf', now, 'LIMIT', 0, BOUND)
  if #expired > 0 then
    redis.call('ZREM', holders, unpack(expired))
    redis.call('HDEL', tokens, unpack(expired))
  end
  local dead = redis.call('ZRANGEBYSCORE', alive, '-inf', now, 'LIMIT', 0, BOUND)
  if #dead > 0 then
    redis.call('ZREM', waiters, unpack(dead))
    redis.call('ZREM', alive, unpack(dead))
  end
end

-- max(last + 1, Redis time in microseconds): increases even after the counter key is deleted.
local function nextToken()
  local last = tonumber(redis.call('HGET', meta, 'token') or '0')
  local token = string.format('%.0f', math.max(last + 1, nowMicros))
  redis.call('HSET', meta, 'token', token)
  return token
end

local function hold(id, token)
  redis.call('ZADD', holders, now + lease, id)
  redis.call('HSET', tokens, id, token)
end

-- Restart quarantine: nothing is granted while the server has been up for less than a lease, so a
-- permit held before a restart that lost the data has expired before anyone else gets it. Asked
-- of the server itself (uptime has whole seconds, so this errs long), not of a JVM's belief.
local quarantineLeft = nil
local function quarantined()
  if quarantineLeft == nil then
    local uptime = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)'))
    quarantineLeft = lease - uptime * 1000
  end
  return quarantineLeft > 0
end

-- Hands free permits to the oldest waiters, each announced on its JVM's channel. A waiter whose
-- JVM has no live subscription (killed, or reconnecting) is passed over and keeps its place: its
-- JVM claims the grant when it renews (a waiter in `mine`, the caller's own, is granted through
-- the reply), or its lease runs out.
local function grantWaiters(mine)
  if redis.call('ZCARD', waiters) == 0 or quarantined() then return end
  local free = tonumber(redis.call('HGET', meta, 'max') or '0') - redis.call('ZCARD', holders)
  if free <= 0 then return end
  for _, id in ipairs(redis.call('ZRANGE', waiters, 0, BOUND - 1)) do
    if free == 0 then return end
    local token = nextToken()
    local heard = publishTo(id, token .. ' ' .. now)
    if heard > 0 or not checkDelivery or (mine and mine[id]) then
      redis.call('ZREM', waiters, id)
      redis.call('ZREM', alive, id)
      hold(id, token)
      free = free - 1
    end
  end
end

-- Milliseconds until the earliest holder's lease runs out, or the quarantine ends: when a waiting
-- JVM should look again. -1 when nothing is held.
local function nextExpiry()
  if quarantined() then return math.max(200, quarantineLeft) end
  local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return math.max(0, tonumber(first[2]) - now)
end

-- Deletes the keys once nobody holds or waits; otherwise lets them expire one lease after the last
-- lease they record, so that JVMs that all died leave nothing behind.
local function tidy()
  local queued = redis.call('ZCARD', waiters)
  local newest = redis.call('ZRANGE', holders, -1, -1, 'WITHSCORES')
  if queued == 0 and #newest == 0 then
    redis.call('DEL', meta, holders, waiters, alive, tokens)
    return
  end
  local last = now
  if #newest > 0 then last = math.max(last, tonumber(newest[2])) end
  local keys = {meta, holders, tokens}
  if queued > 0 then
    local newestWaiter = redis.call('ZRANGE', alive, -1, -1, 'WITHSCORES')
    if #newestWaiter > 0 then last = math.max(last, tonumber(newestWaiter[2])) end
    keys = {meta, holders, waiters, alive, tokens}
  end
  for _, key in ipairs(keys) do
    redis.call('PEXPIRE', key, last - now + lease)
  end
end

-- Hooks for scripts built on a lock (a condition's): a later prelude redefines them, so RENEW
-- also purges, renews and tidies what that script adds. renewOther renews an id that is neither
-- holder nor waiter and returns its reply, or nil if the id is nothing there either.
local function purgeOther() end
local function renewOther(id) return nil end
local function tidyOther() end
