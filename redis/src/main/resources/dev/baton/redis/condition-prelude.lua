-- Shared by the condition scripts, after permits-prelude: the condition's lock is KEYS[1..5], and
-- in the same hash slot:
--   KEYS[6] queue  zset: id of a waiter for a signal -> arrival order (Redis time in µs, rising)
--   KEYS[7] live   zset: id of a waiter for a signal -> its lease deadline (ms, Redis time)
--   KEYS[8] calls  zset: id of a SIGNAL that ran -> its caller's deadline (ms), so that the same
--                  command sent again (a reconnect) does not signal twice
-- A wait is in exactly one of: queue (waiting for a signal), the lock's waiters (signalled,
-- queued for the lock FIFO), the lock's holders (granted). queue and live hold the same ids.
-- Keys are deleted once empty; queue and live expire one lease after the last lease they record.
local queue, live, calls = KEYS[6], KEYS[7], KEYS[8]

-- Drops waiters for a signal whose JVM stopped renewing them, and calls past their deadline.
local function purgeQueue()
  local dead = redis.call('ZRANGEBYSCORE', live, '-inf', now, 'LIMIT', 0, BOUND)
  if #dead > 0 then
    redis.call('ZREM', queue, unpack(dead))
    redis.call('ZREM', live, unpack(dead))
  end
  local old = redis.call('ZRANGEBYSCORE', calls, '-inf', now, 'LIMIT', 0, BOUND)
  if #old > 0 then redis.call('ZREM', calls, unpack(old)) end
end

-- Wakes n of the oldest waiters for a signal (arrival order in (after, upTo]): moves them into
-- the lock's waiter queue, at the arrival number order() gives, keeping their lease, and
-- announces each ('<id> S') on its JVM's channel. One whose JVM does not listen (dead, or
-- reconnecting) is moved too, so a live one claims the lock when it renews, but does not count:
-- the signal also wakes the next, so a dead JVM never swallows it. Examines at most BOUND
-- waiters; returns how many counted and, if it stopped at BOUND short of n, the arrival order to
-- resume after.
local function signalWaiters(n, after, upTo, order)
  local woken = 0
  local lastOrder = nil
  local found = redis.call('ZRANGEBYSCORE', queue, after, upTo, 'WITHSCORES', 'LIMIT', 0, BOUND)
  for i = 1, #found, 2 do
    if woken == n then return woken, nil end
    local id = found[i]
    lastOrder = found[i + 1]
    local heard = publishTo(id, 'S') > 0
    redis.call('HSETNX', meta, 'max', 1)
    redis.call('ZADD', waiters, order(), id)
    redis.call('ZADD', alive, redis.call('ZSCORE', live, id), id)
    redis.call('ZREM', queue, id)
    redis.call('ZREM', live, id)
    if heard or not checkDelivery then woken = woken + 1 end
  end
  if #found < 2 * BOUND or woken == n then return woken, nil end
  return woken, '(' .. lastOrder
end

local function nextArrival()
  return redis.call('HINCRBY', meta, 'seq', 1)
end

-- Lets the condition's keys expire one lease after the last lease they record, and the calls
-- at the last caller's deadline. Empty keys Redis deletes itself.
local function tidyQueue()
  local newest = redis.call('ZRANGE', live, -1, -1, 'WITHSCORES')
  if #newest > 0 then
    local ttl = tonumber(newest[2]) - now + lease
    redis.call('PEXPIRE', queue, ttl)
    redis.call('PEXPIRE', live, ttl)
  end
  local call = redis.call('ZRANGE', calls, -1, -1, 'WITHSCORES')
  if #call > 0 then redis.call('PEXPIRE', calls, math.max(1, tonumber(call[2]) - now)) end
end

-- RENEW's hooks (see permits-prelude): RENEW on a condition also renews its waiters for a
-- signal, which reply 'C'.
local function purgeOther() purgeQueue() end
local function renewOther(id)
  if not redis.call('ZSCORE', live, id) then return nil end
  redis.call('ZADD', live, 'XX', now + lease, id)
  return 'C'
end
local function tidyOther() tidyQueue() end
