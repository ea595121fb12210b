-- CANCEL: ARGV[4] a party's id, withdrawn by its JVM (cancelled, given up on, or settled): it
-- stops counting, as in asyncio. A party whose cycle already ended keeps its outcome, which is
-- dropped: its JVM no longer asks for it.
-- Replies 'WITHDRAWN', 'SETTLED' or 'UNKNOWN'.
local id = ARGV[4]
purge()
local outcome = 'UNKNOWN'
if redis.call('ZREM', arrivals, id) == 1 then
  redis.call('ZREM', alive, id)
  outcome = 'WITHDRAWN'
elseif redis.call('HDEL', outcomes, id) == 1 then
  redis.call('ZREM', kept, id)
  outcome = 'SETTLED'
end
tidy()
return outcome
