-- RENEW: ARGV[4..] the ids one JVM holds or waits with on this primitive, renewed for a lease.
-- Replies one entry per id: its fencing token if it holds a permit (a grant whose message was
-- missed shows here), 'W' if it waits, 'X' if Redis no longer knows it (a lease that ran out, or
-- data lost); then the next expiry (ms, see nextExpiry). Also grants what expired leases freed,
-- to the caller's own waiters even when its pub/sub connection is down. The hooks (see the
-- prelude) do nothing for a lock or semaphore.
purge()
purgeOther()
local mine = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  mine[id] = true
  if redis.call('HEXISTS', tokens, id) == 1 then
    redis.call('ZADD', holders, 'XX', now + lease, id)
  elseif redis.call('ZSCORE', waiters, id) then
    redis.call('ZADD', alive, 'XX', now + lease, id)
  end
end
grantWaiters(mine)
local replies = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local token = redis.call('HGET', tokens, id)
  if token then
    replies[#replies + 1] = token
  elseif redis.call('ZSCORE', waiters, id) then
    replies[#replies + 1] = 'W'
  else
    replies[#replies + 1] = renewOther(id) or 'X'
  end
end
replies[#replies + 1] = tostring(nextExpiry())
tidy()
tidyOther()
return replies
