-- SIGNAL: ARGV[4] the call's id, ARGV[5] how many to wake at most, ARGV[6] the arrival order to
-- start after ('-inf', or what the previous call of the same signal replied), ARGV[7] the newest
-- arrival order to wake ('+inf', or what the first call replied), ARGV[8] Redis time (ms) after
-- which the caller has given up. The lock must be held (by anyone).
-- Replies {'SIGNALLED', woken (see signalWaiters), newest arrival order, where to resume or ''},
-- {'DONE'} (this call ran already), {'UNLOCKED'} or {'EXPIRED'}.
local id, n, after, upTo, notAfter = ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])
purge()
purgeQueue()
if redis.call('ZSCORE', calls, id) then return {'DONE'} end
if now > notAfter then return {'EXPIRED'} end
if redis.call('ZCARD', holders) == 0 then return {'UNLOCKED'} end
local newest = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
if upTo == '+inf' and #newest > 0 then upTo = newest[2] end
local woken, resume = signalWaiters(n, after, upTo, nextArrival)
redis.call('ZADD', calls, notAfter, id)
tidy()
tidyQueue()
return {'SIGNALLED', tostring(woken), upTo, resume or ''}
