-- AWAIT: ARGV[4] the party's id, ARGV[5] the parties its JVM declares, ARGV[6] Redis time (ms)
-- after which the caller has given up. Idempotent by id. The arrival that makes `parties` trips
-- the barrier: the waiting parties are told their indices 0, 1, ... in arrival order, and this
-- one gets parties - 1 in the reply. Replies {'DONE', outcome}, {'WAITING', next expiry ms},
-- {'BROKEN'}, {'PARTIES', declared} or {'EXPIRED'}.
local id, parties, notAfter = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
purge()
local outcome = redis.call('HGET', outcomes, id)
if outcome then return {'DONE', outcome} end
if redis.call('ZSCORE', arrivals, id) then return {'WAITING', tostring(nextExpiry())} end
if now > notAfter then return {'EXPIRED'} end
local declared = redis.call('HGET', state, 'parties')
if declared and tonumber(declared) ~= parties then return {'PARTIES', declared} end
if redis.call('HGET', state, 'broken') == '1' then return {'BROKEN'} end
if redis.call('ZCARD', arrivals) + 1 >= parties then
  release(function(index) return tostring(index) end)
  outcome = tostring(parties - 1)
  keep(id, outcome, notAfter)
  tidy()
  return {'DONE', outcome}
end
redis.call('HSET', state, 'parties', parties)
redis.call('ZADD', arrivals, redis.call('HINCRBY', state, 'seq', 1), id)
redis.call('ZADD', alive, now + lease, id)
tidy()
return {'WAITING', tostring(nextExpiry())}
