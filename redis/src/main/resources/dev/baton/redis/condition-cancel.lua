-- CANCEL: ARGV[4] a wait's id, withdrawn by its JVM (cancelled, timed out, or given up on);
-- ARGV[5] the permit its AWAIT gave up, released here if that AWAIT did not run, or ''.
-- A wait still waiting for a signal leaves the queue. One already signalled passes its signal on,
-- as asyncio does: the oldest live waiter for a signal takes its place in the lock's queue, or,
-- if the lock had been granted to it, the permit is returned and that heir is queued first.
-- Replies 'WITHDRAWN', 'PASSED', 'RETURNED' or 'UNKNOWN' (nothing to undo).
local id, heldId = ARGV[4], ARGV[5]
purge()
purgeQueue()
if heldId ~= '' and redis.call('ZREM', holders, heldId) == 1 then
  redis.call('HDEL', tokens, heldId)
end
local outcome = 'UNKNOWN'
local place = redis.call('ZSCORE', waiters, id)
if redis.call('ZREM', queue, id) == 1 then
  redis.call('ZREM', live, id)
  outcome = 'WITHDRAWN'
elseif place then
  redis.call('ZREM', waiters, id)
  redis.call('ZREM', alive, id)
  signalWaiters(1, '-inf', '+inf', function() return place end)
  outcome = 'PASSED'
elseif redis.call('ZREM', holders, id) == 1 then
  redis.call('HDEL', tokens, id)
  local first = redis.call('ZRANGE', waiters, 0, 0, 'WITHSCORES')
  local head = function()
    if #first > 0 then return tonumber(first[2]) - 1 end
    return nextArrival()
  end
  signalWaiters(1, '-inf', '+inf', head)
  outcome = 'RETURNED'
end
grantWaiters()
tidy()
tidyQueue()
return outcome
