-- CANCEL: ARGV[4] waiter id, withdrawn by its JVM (cancelled, timed out, or given up on).
-- Replies 'WITHDRAWN' (it was waiting), 'RETURNED' (it had been granted and the grant had not been
-- delivered: the permit passes to the next waiter) or 'UNKNOWN' (nothing to undo).
local id = ARGV[4]
purge()
local outcome = 'UNKNOWN'
if redis.call('ZREM', waiters, id) == 1 then
  redis.call('ZREM', alive, id)
  outcome = 'WITHDRAWN'
elseif redis.call('ZREM', holders, id) == 1 then
  redis.call('HDEL', tokens, id)
  grantWaiters()
  outcome = 'RETURNED'
end
tidy()
return outcome
