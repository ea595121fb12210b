-- RENEW: ARGV[4..] the ids of parties one JVM has waiting on this barrier, renewed for a lease.
-- Replies one entry per id: 'W' if it waits, its outcome if its cycle ended (a message that was
-- missed shows here), 'X' if Redis no longer knows it (data lost); then the next expiry (ms).
purge()
local replies = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local outcome = redis.call('HGET', outcomes, id)
  if outcome then
    replies[#replies + 1] = outcome
  elseif redis.call('ZSCORE', alive, id) then
    redis.call('ZADD', alive, 'XX', now + lease, id)
    replies[#replies + 1] = 'W'
  else
    replies[#replies + 1] = 'X'
  end
end
replies[#replies + 1] = tostring(nextExpiry())
tidy()
return replies
