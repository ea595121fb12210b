-- RELEASE: ARGV[4] permit id, ARGV[5] its lease end (ms, Redis time) as its JVM knows it (never
-- later than its score in holders); KEYS[6] released: zset of ids this script released -> that
-- lease end. Hands the permit to the oldest live waiter and remembers its id until that lease
-- end, so that the same release sent again (its reply was lost) replies 'RELEASED': its JVM sends
-- it again only while the reply can come before then. The key expires with the last id it keeps.
-- Replies 'RELEASED', or 'LOST' when the permit's lease had run out (someone else may hold it).
local id, leaseEnd, released = ARGV[4], tonumber(ARGV[5]), KEYS[6]
purge()
local old = redis.call('ZRANGEBYSCORE', released, '-inf', now, 'LIMIT', 0, BOUND)
if #old > 0 then redis.call('ZREM', released, unpack(old)) end
local held = redis.call('ZREM', holders, id) == 1
redis.call('HDEL', tokens, id)
grantWaiters()
tidy()
if held and leaseEnd > now then
  redis.call('ZADD', released, leaseEnd, id)
  local last = redis.call('ZRANGE', released, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', released, tonumber(last[2]) - now)
end
if held or redis.call('ZSCORE', released, id) then return 'RELEASED' end
return 'LOST'
