-- RELEASE: ARGV[4] permit id. Hands the permit to the oldest live waiter.
-- Replies 'RELEASED', or 'LOST' when the permit's lease had run out (someone else may hold it).
local id = ARGV[4]
purge()
local held = redis.call('ZREM', holders, id) == 1
redis.call('HDEL', tokens, id)
grantWaiters()
tidy()
if held then return 'RELEASED' end
return 'LOST'
