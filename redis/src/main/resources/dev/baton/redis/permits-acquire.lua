-- ACQUIRE: ARGV[4] id, ARGV[5] max permits, ARGV[6] 'wait' or 'try', ARGV[7] Redis time (ms)
-- after which the caller has given up: a command delayed past it (a paused server, a buffered
-- write) does nothing. Idempotent by id.
-- Replies {'GRANTED', token}, {'QUEUED', next expiry ms}, {'BUSY'} (try only) or {'EXPIRED'}.
local id, max, mode, notAfter = ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
if now > notAfter then return {'EXPIRED'} end
local declared = redis.call('HGET', meta, 'max')
if declared and tonumber(declared) ~= max then
  return redis.error_reply('BATON_PERMITS ' .. declared .. ' ' .. max)
end
purge()
local token = redis.call('HGET', tokens, id)
if token then return {'GRANTED', token} end
if redis.call('ZSCORE', waiters, id) then return {'QUEUED', tostring(nextExpiry())} end
if not declared then redis.call('HSET', meta, 'max', max) end
grantWaiters()
-- A permit still free after grantWaiters means that every waiter it examined was passed over
-- (its JVM does not listen): a try takes it as a waiting caller would, behind them, rather than
-- fail for as long as their leases last; it still never goes before a waiter that can be granted.
local queued = redis.call('ZCARD', waiters)
if not quarantined() and (queued == 0 or (mode == 'try' and queued <= BOUND))
    and redis.call('ZCARD', holders) < max then
  token = nextToken()
  hold(id, token)
  tidy()
  return {'GRANTED', token}
end
if mode == 'try' then
  tidy()
  return {'BUSY'}
end
redis.call('ZADD', waiters, redis.call('HINCRBY', meta, 'seq', 1), id)
redis.call('ZADD', alive, now + lease, id)
-- Waiters ahead whose JVMs no longer listen keep their places but are passed over: a permit they
-- leave free goes to this caller, last in line, through this reply.
grantWaiters({[id] = true})
token = redis.call('HGET', tokens, id)
tidy()
if token then return {'GRANTED', token} end
return {'QUEUED', tostring(nextExpiry())}
