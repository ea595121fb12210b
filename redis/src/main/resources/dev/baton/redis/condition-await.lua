-- AWAIT: ARGV[4] the wait's id, ARGV[5] the id of the lock permit it gives up, ARGV[6] Redis time
-- (ms) after which the caller has given up. Releases the permit (the lock passes to its oldest
-- live waiter) and joins the queue for a signal, in one step, so no signal falls in between.
-- Idempotent by the wait's id. Replies 'WAITING', 'NOT_HELD' (the permit's lease ran out) or
-- 'EXPIRED'.
local id, heldId, notAfter = ARGV[4], ARGV[5], tonumber(ARGV[6])
purge()
purgeQueue()
if redis.call('ZSCORE', live, id) or redis.call('ZSCORE', waiters, id)
    or redis.call('HEXISTS', tokens, id) == 1 then
  return 'WAITING'
end
if now > notAfter then return 'EXPIRED' end
if redis.call('ZREM', holders, heldId) == 0 then return 'NOT_HELD' end
redis.call('HDEL', tokens, heldId)
local order = nowMicros
local newest = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
if #newest > 0 then order = math.max(order, tonumber(newest[2]) + 1) end
redis.call('ZADD', queue, string.format('%.0f', order), id)
redis.call('ZADD', live, now + lease, id)
grantWaiters()
tidy()
tidyQueue()
return 'WAITING'
