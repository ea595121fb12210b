-- CANCEL: ARGV[8] id of a take or put given up by its JVM. Replies 'WITHDRAWN' (it was waiting),
-- 'RETURNED' (an item delivered to the take and not acknowledged went back), 'COMMITTED' (the put
-- had been committed: its item stays) or 'UNKNOWN' (nothing to undo).
local id = ARGV[8]
purge()
local outcome = 'UNKNOWN'
local value = redis.call('HGET', handed, id)
if value == 'C' then
  redis.call('HDEL', handed, id)
  redis.call('ZREM', alive, id)
  outcome = 'COMMITTED'
elseif value then
  putBack(id, value)
  outcome = 'RETURNED'
elseif redis.call('ZREM', takers, id) == 1 then
  redis.call('ZREM', alive, id)
  outcome = 'WITHDRAWN'
elseif redis.call('ZREM', putters, id) == 1 then
  redis.call('ZREM', alive, id)
  redis.call('HDEL', data, id)
  outcome = 'WITHDRAWN'
end
match()
tidy()
return outcome
